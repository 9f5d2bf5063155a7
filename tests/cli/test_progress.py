"""Progress of long work: a bar on a terminal, a few lines in logs, nothing when quiet."""

from __future__ import annotations

import io

import numpy as np
import pytest

import algorithms
from bench.cli.callbacks import count_jobs
from bench.cli.overrides import group_options
from bench.progress import QUIET_ENV, Progress, Stages, progress, track


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_step_with_the_count_and_time() -> None:
    log = io.StringIO()
    with progress("run kesm", 2000, unit="images", stream=log) as bar:
        for _ in range(2000):
            bar.update()
    lines = log.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("segbench: run kesm 2000/2000 images in ")


def test_a_long_step_in_a_log_writes_a_line_per_interval_with_the_time_left() -> None:
    log = io.StringIO()
    bar = Progress("sweep", 4, unit="jobs", stream=log, every=0.0)
    bar.update(loss=0.25)
    bar.close()
    first, last = log.getvalue().splitlines()
    assert first.startswith("segbench: sweep 1/4 jobs, ")
    assert "s left (loss 0.25)" in first
    assert last.startswith("segbench: sweep 1/4 jobs in ")


def test_a_terminal_gets_a_tqdm_bar() -> None:
    screen = _Terminal()
    with progress("train unet steps", 3, unit="steps", stream=screen) as bar:
        for step in range(3):
            bar.update(loss=1.0 / (step + 1))
    text = screen.getvalue()
    assert "segbench: train unet steps" in text
    assert "3/3" in text
    assert "100%" in text
    assert "loss=0.333" in text


@pytest.mark.parametrize("make", [io.StringIO, _Terminal])
def test_quiet_silences_every_kind_of_output(monkeypatch, make) -> None:
    monkeypatch.setenv(QUIET_ENV, "1")
    stream = make()
    with progress("run", 3, stream=stream) as bar:
        bar.update(3)
    assert stream.getvalue() == ""


def test_track_counts_the_items(capsys) -> None:
    assert list(track([1, 2, 3], "report", unit="boards")) == [1, 2, 3]
    assert "segbench: report 3/3 boards in " in capsys.readouterr().err


def test_training_reports_each_stage_of_the_pixel_classifier(capsys) -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (32, 32), dtype=np.uint8)
    seen: list[tuple[str, int, int]] = []
    model = algorithms.get("pixel_classifier", n_estimators=3, n_samples=200, sigmas=(1.0,))
    model.fit(
        [image, image.T.copy()],
        [image > 128, image.T > 128],
        progress=lambda stage, done, total, **_: seen.append((stage, done, total)),
    )
    assert seen == [("features", 1, 2), ("features", 2, 2), ("trees", 0, 3), ("trees", 3, 3)]
    stages = Stages("train pixel_classifier")
    for stage, done, total in seen:
        stages(stage, done, total)
    stages.close()
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("segbench: train pixel_classifier features 2/2 features in ")
    assert err[1].startswith("segbench: train pixel_classifier trees 3/3 trees in ")


@pytest.mark.parametrize(
    ("overrides", "jobs"),
    [
        (["algo=otsu,li,adaptive", "filter.size=1,3,5,7"], 12),
        (["algo=otsu"], 1),
        (["algo=glob(*,exclude=[unet,pixel_classifier])", "filter.size=1,3"], None),
        (["dataset=kesm,isbi2012", "+x=range(0,3)"], 6),
    ],
)
def test_sweep_job_count(overrides: list[str], jobs: int | None) -> None:
    if jobs is None:
        jobs = 2 * (len(group_options("algo")) - 2)
    assert count_jobs(overrides) == jobs
