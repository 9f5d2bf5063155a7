"""The whole-slide benchmark script runs end to end (on a small slice) and its modes agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "scale_benchmark.py"


@pytest.mark.slow
def test_scale_benchmark_modes_agree_on_a_small_slice(tmp_path) -> None:
    pytest.importorskip("distributed")
    pytest.importorskip("psutil")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tmp", str(tmp_path), "--rows", "300", "--cols", "520",
         "--tile", "128",
         "--rounds", "1", "--sweep", "3", "--sweep-singles", "2", "--slices", "2",
         "--json", str(tmp_path / "figures.json")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "identical in every mode: True" in done.stdout
    for mode in ("whole", "tiled-1", "tiled-2", "dask-2"):
        assert f"\n{mode} " in done.stdout
    assert (tmp_path / "figures.json").is_file()
    assert "sweep of 3 global methods" in done.stdout
    assert "timed 2 of 3 runs" in done.stdout
    assert "identical results: True" in done.stdout
    assert "thresholds and counts identical from Zarr and .npy: True" in done.stdout
    assert "decodes/chunk" in done.stdout
    assert not list(tmp_path.glob("segbench-scale-*"))  # the temporary files are gone
