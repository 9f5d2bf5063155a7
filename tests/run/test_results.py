"""Run folders: atomic writes and provenance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.results import atomic_path, gather_tables, provenance, write_table


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"

    def crash_mid_write() -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        crash_mid_write()
    assert list(tmp_path.iterdir()) == []


def test_tables_round_trip_and_gather_in_job_order(tmp_path: Path) -> None:
    for job in (10, 2, 1):
        write_table(pd.DataFrame({"job": [job]}), tmp_path / f"{job}_otsu")
    assert gather_tables(tmp_path)["job"].tolist() == [1, 2, 10]
    with pytest.raises(FileNotFoundError):
        gather_tables(tmp_path / "1_otsu")


def test_provenance_records_what_a_rerun_needs() -> None:
    record = provenance("algo: otsu\n")
    assert len(record["config_hash"]) == 16
    assert record["config_hash"] == provenance("algo: otsu\n")["config_hash"]
    assert {"numpy", "hydra-core"} <= record["packages"].keys()
    assert record["machine"]["cpus"] >= 1
