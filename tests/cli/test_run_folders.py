"""The run folder through the CLI: one run per folder, complete or nothing, names never clash."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from PIL import Image

from bench.cli import job
from bench.cli.config import register_configs
from bench.cli.job import run, user_message
from bench.cli.overrides import CONF_DIR
from bench.run.folder import staging_path

REPO = Path(__file__).resolve().parents[2]
QUIET = ["output.overlays=false", "output.histograms=false"]


def _compose(*overrides: str):
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def _bench(cwd: Path, *args: str, wait: bool = True):
    env = {**os.environ, "HYDRA_FULL_ERROR": "0", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "bench", *args]
    if not wait:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_a_second_run_into_a_busy_folder_is_refused_and_the_first_is_intact(tmp_path) -> None:
    out = tmp_path / "run"
    # A first run that takes minutes: 64 tiles, each blurred with a halo as wide as the image.
    slow = ["runner=tiled", "runner.tile=[64,64]", "filter=gaussian", "filter.sigma=100", *QUIET]
    first = _bench(tmp_path, f"hydra.run.dir={out}", *slow, wait=False)
    try:
        deadline = time.monotonic() + 120
        while not (staging_path(out) / "tiles").exists():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        second = _bench(tmp_path, f"hydra.run.dir={out}", "algo=li", *QUIET)
        assert first.poll() is None  # the first was running all along
    finally:
        first.kill()
        first.communicate(timeout=60)
    assert second.returncode == 2
    assert f"is in use by another run (pid {first.pid} on" in second.stderr
    assert second.stderr.count("\n") == 1  # one line, no traceback
    # The second touched nothing: the first's staging folder (its tiles) is there for a retry.
    assert (staging_path(out) / "tiles").is_dir()
    assert list(out.iterdir()) == []


def test_a_failed_run_keeps_the_folders_it_did_not_make(tmp_path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    done = _bench(tmp_path, f"hydra.run.dir={mine / 'day' / 'run'}", "filter=gaussian",
                  "filter.sigma=1e6")  # fmt: skip
    assert done.returncode == 2
    assert "filter.sigma=1000000.0" in done.stderr
    assert mine.is_dir()
    assert list(mine.iterdir()) == []  # day/ and run/ were the run's, and went
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _bench(tmp_path, f"hydra.run.dir={empty}", "algo=lii").returncode == 2
    assert empty.is_dir()


def test_disk_full_mid_write_publishes_nothing(tmp_path, monkeypatch) -> None:
    written = []

    def full_disk(table, folder):
        (Path(folder) / "metrics.csv").write_text("half\n")
        written.append(folder)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(Path(folder) / "x.parquet"))

    monkeypatch.setattr(job, "write_table", full_disk)
    out = tmp_path / "runs" / "run"
    with pytest.raises(OSError, match="No space left") as error:
        run(_compose(*QUIET), out, created=[out, out.parent])
    assert written
    assert not (tmp_path / "runs").exists()  # nothing published, the staging folder gone
    assert user_message(error.value).startswith("cannot write ")
    assert "No space left on device" in user_message(error.value)


def test_a_bad_runner_option_stops_before_any_tile(tmp_path) -> None:
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=r"runner.workers must be a positive integer; got 0"):
        run(_compose("runner=tiled", "runner.workers=0", *QUIET), out)
    assert not staging_path(out).exists()
    table = run(_compose("runner=tiled", "runner.workers=1", "runner.tile=[256,256]", *QUIET), out)
    assert table["tp"].iloc[0] == 5595  # the retry is not blocked by anything left behind


def test_figure_names_never_collide(tmp_path) -> None:
    names = ["a b", "a_b", "αβ", "γδ", "x" * 200]
    for folder in ("images", "masks"):
        (tmp_path / "data" / folder).mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in names:
        truth = np.zeros((16, 16), np.uint8)
        truth[4:12, 4:12] = 255
        image = (np.where(truth, 180, 60) + rng.integers(-9, 9, truth.shape)).astype(np.uint8)
        Image.fromarray(image).save(tmp_path / "data" / "images" / f"{name}.png")
        Image.fromarray(truth).save(tmp_path / "data" / "masks" / f"{name}.png")
    cfg = _compose(
        "dataset=folder", "dataset.name=names", f"dataset.images={tmp_path / 'data' / 'images'}",
        f"dataset.masks={tmp_path / 'data' / 'masks'}", "dataset.polarity=bright",
        "output.histograms=false",
    )  # fmt: skip
    out = tmp_path / "run"
    table = run(cfg, out)
    assert len(table) == len(names)
    overlays = sorted((out / "figures").iterdir())
    assert len(overlays) == len(names)
    assert any("αβ" in p.name for p in overlays)
    assert all(len(p.name.encode()) < 255 for p in overlays)


def test_a_name_too_long_is_one_line_with_the_path_and_leaves_nothing(tmp_path) -> None:
    out = tmp_path / "new" / ("x" * 300)
    done = _bench(tmp_path, f"hydra.run.dir={out}")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: cannot write {out}: File name too long")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "new").exists()
