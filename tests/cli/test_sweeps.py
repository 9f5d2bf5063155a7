"""A sweep folder knows its own jobs: resume what is done, ignore what another sweep left."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli.sweeps import (
    config_hash,
    current_key,
    finished_job,
    record_job,
    start_sweep,
    sweep_jobs,
    sweep_key,
)


def test_the_sweep_key_ignores_the_order_of_overrides() -> None:
    assert sweep_key(["algo=otsu,li", "filter=none"]) == sweep_key(["filter=none", "algo=otsu,li"])
    assert sweep_key(["algo=otsu,li"]) != sweep_key(["algo=otsu"])
    assert config_hash({"a": 1, "b": [2]}) == config_hash({"b": [2], "a": 1})


def test_only_the_current_sweeps_jobs_count(tmp_path: Path) -> None:
    old = start_sweep(tmp_path, ["algo=a,b,c"])
    for name in ("0_a", "1_b", "2_c"):
        (tmp_path / name).mkdir()
        record_job(tmp_path / name, old, f"h{name}", "done", [f"algo={name[2]}"])
    (tmp_path / "9_stale").mkdir()  # a folder nobody recorded (an older harness)
    new = start_sweep(tmp_path, ["algo=a,d"])
    assert current_key(tmp_path) == new != old
    record_job(tmp_path / "0_a", new, "h0_a", "done", ["algo=a"])
    record_job(tmp_path / "1_d", new, "h1_d", "failed", ["algo=d"], "bad input")
    records, ignored = sweep_jobs(tmp_path)
    assert [(r.folder.name, r.status) for r in records] == [("0_a", "done"), ("1_d", "failed")]
    assert records[1].reason == "bad input"
    assert ignored == 3  # 1_b and 2_c of the old sweep, 9_stale
    assert [r.folder.name for r in sweep_jobs(tmp_path, old)[0]] == ["1_b", "2_c"]


def test_a_finished_job_is_reused_only_with_its_config_and_table(tmp_path: Path) -> None:
    key = start_sweep(tmp_path, ["x=1,2"])
    job = tmp_path / "0_x"
    assert finished_job(job, "h", has_table=True) is None
    record_job(job, key, "h", "done", ["x=1"])
    assert finished_job(job, "h", has_table=True) is not None
    assert finished_job(job, "other", has_table=True) is None
    assert finished_job(job, "h", has_table=False) is None
    record_job(job, key, "h", "failed", ["x=1"], "why")
    assert finished_job(job, "h", has_table=True) is None
    with pytest.raises(ValueError, match="status must be one of"):
        record_job(job, key, "h", "maybe", [])
