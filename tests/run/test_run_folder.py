"""One run, one folder: the lock, the staging folder, the publish, and what a failure leaves."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench.run.folder import RunFolderBusy, RunFolderTaken, run_folder, staging_path


def _fail_after_writing(folder: Path, error: BaseException) -> None:
    with run_folder(folder) as staging:
        (staging / "metrics.csv").write_text("half")
        raise error


def _enter(folder: Path) -> None:
    with run_folder(folder):
        pytest.fail("the body must not run")


def test_a_run_is_published_complete_by_one_rename(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "a"
    with run_folder(folder) as staging:
        assert staging == staging_path(folder)
        (staging / "metrics.csv").write_text("x\n")
        (staging / "figures").mkdir()
        (staging / "figures" / "f.png").write_bytes(b"png")
        assert not folder.exists() or not any(folder.iterdir())  # nothing visible yet
    assert sorted(p.name for p in folder.iterdir()) == ["figures", "metrics.csv"]
    assert not staging_path(folder).exists()


def test_a_failed_run_leaves_nothing_and_keeps_folders_it_did_not_make(tmp_path: Path) -> None:
    parent = tmp_path / "mine"
    parent.mkdir()  # the user's own (empty) folder: it must survive the failure
    folder = parent / "new" / "run"
    with pytest.raises(ValueError, match="bad input"):
        _fail_after_writing(folder, ValueError("bad input"))
    assert parent.is_dir()
    assert list(parent.iterdir()) == []  # new/, run/ and the staging folder are gone
    existing = tmp_path / "empty_run_dir"
    existing.mkdir()
    with pytest.raises(ValueError, match="bad"):
        _fail_after_writing(existing, ValueError("bad"))
    assert existing.is_dir()  # it was there before the run


def test_disk_full_while_writing_leaves_no_partial_result(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "metrics.parquet")
    with pytest.raises(OSError, match="No space left"):
        _fail_after_writing(folder, full)
    assert not folder.exists()
    assert not staging_path(folder).exists()


def test_a_folder_holding_files_is_never_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "metrics.csv").write_text("earlier run")
    with pytest.raises(RunFolderTaken, match=r"already holds 1 file\(s\) \(metrics.csv\)"):
        _enter(folder)
    assert (folder / "metrics.csv").read_text() == "earlier run"


HOLD = """
import sys, time
from pathlib import Path
from bench.run.folder import run_folder
with run_folder(sys.argv[1]) as staging:
    (staging / "started").write_text("")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    (staging / "metrics.csv").write_text("first")
"""


def _hold(folder: Path, seconds: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLD), str(folder), str(seconds)],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_run_into_a_busy_folder_is_refused_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    first = _hold(folder, 3)
    try:
        with pytest.raises(RunFolderBusy, match=rf"in use by another run \(pid {first.pid} on"):
            _enter(folder)
    finally:
        first.wait(timeout=60)
    assert first.returncode == 0
    assert (folder / "metrics.csv").read_text() == "first"  # the first run is intact
    assert (folder / "started").exists()


def test_a_killed_run_leaves_no_lock_and_its_staging_for_the_retry(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    first = _hold(folder, 60)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    assert (staging_path(folder) / "started").exists()  # what the killed run had done
    assert not any(folder.iterdir())
    with run_folder(folder) as staging:  # not busy: the lock died with the process
        assert (staging / "started").exists()
        (staging / "metrics.csv").write_text("retry")
    assert (folder / "metrics.csv").read_text() == "retry"
