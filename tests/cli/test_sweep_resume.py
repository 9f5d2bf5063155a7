"""Sweeps resume after ``kill -9`` and never gather what another sweep left in their folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from bench.cli.sweeps import JOBS_FOLDER

REPO = Path(__file__).resolve().parents[2]
COMMON = ["output.overlays=false", "output.histograms=false", "report.enabled=false"]
COUNTS = ["config", "image", "tp", "fp", "fn", "tn"]


def _sweep(cwd: Path, folder: Path, *args: str, wait: bool = True):
    env = {**os.environ, "HYDRA_FULL_ERROR": "0", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "bench", "-m", *args, *COMMON, f"hydra.sweep.dir={folder}"]
    if not wait:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def _done_jobs(folder: Path) -> int:
    return len([p for p in (folder / JOBS_FOLDER).glob("*.json") if p.name != "current.json"])


def _rows(folder: Path) -> pd.DataFrame:
    table = pd.read_parquet(folder / "metrics.parquet")
    return table[COUNTS].sort_values(["config", "image"]).reset_index(drop=True)


def resume_timings(tmp_path: Path, args: list[str], kill_after: int) -> dict[str, float]:
    """Run a sweep whole; run it again, killed (-9) after ``kill_after`` jobs; resume it."""
    start = time.perf_counter()
    whole = _sweep(tmp_path, tmp_path / "whole", *args)
    timings = {"uninterrupted_s": time.perf_counter() - start}
    assert whole.returncode == 0, whole.stderr
    folder = tmp_path / "killed"
    start = time.perf_counter()
    process = _sweep(tmp_path, folder, *args, wait=False)
    while _done_jobs(folder) < kill_after:
        assert process.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    timings["killed_after_s"] = time.perf_counter() - start
    timings["jobs_done_when_killed"] = _done_jobs(folder)
    start = time.perf_counter()
    resumed = _sweep(tmp_path, folder, *args)
    timings["resumed_s"] = time.perf_counter() - start
    assert resumed.returncode == 0, resumed.stderr
    timings["skipped"] = resumed.stdout.count("skipped: ")
    pd.testing.assert_frame_equal(_rows(folder), _rows(tmp_path / "whole"))
    return timings


@pytest.mark.slow
def test_a_killed_sweep_resumes_to_exactly_the_uninterrupted_rows(tmp_path: Path) -> None:
    # 8 jobs of a second or more each (wide Gaussians), killed once 4 are done. The work
    # saved is counted in jobs, not timed (the timings are for the note).
    args = ["algo=otsu,li", "filter=gaussian", "filter.sigma=100,150,200,250"]
    timings = resume_timings(tmp_path, args, kill_after=4)
    assert timings["jobs_done_when_killed"] >= 4
    assert timings["skipped"] == timings["jobs_done_when_killed"]  # the rest ran again


@pytest.mark.slow
def test_another_sweeps_folders_and_errors_are_never_gathered(tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    first = _sweep(tmp_path, folder, "algo=otsu,li,huang")
    assert first.returncode == 0, first.stderr
    # A stale failure of some older sweep, and a folder nobody recorded.
    (folder / "7_gone").mkdir()
    (folder / "7_gone" / "error.txt").write_text("algo=gone\nold reason\n")
    second = _sweep(tmp_path, folder, "algo=yen")
    assert second.returncode == 0, second.stderr
    assert "sweep: 1 rows from 1 configs" in second.stdout
    assert "ignored 4 job folder(s) or record(s) of another sweep" in second.stdout
    table = pd.read_parquet(folder / "metrics.parquet")
    assert set(table["algo"]) == {"yen"}
    # The first sweep's jobs are still there, untouched, and a rerun of it resumes them all.
    again = _sweep(tmp_path, folder, "algo=otsu,li,huang")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("skipped: ") == 3
    assert set(pd.read_parquet(folder / "metrics.parquet")["algo"]) == {"otsu", "li", "huang"}
