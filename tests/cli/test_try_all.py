"""try_all: every global method from one histogram; failures keep their place."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

import algorithms
from algorithms import try_all
from bench.cli.try_all import main, save_montage, try_all_table


def test_try_all_runs_every_global_method_from_one_histogram(blobs, monkeypatch) -> None:
    image, _ = blobs
    module = importlib.import_module("algorithms.try_all")
    calls = []
    real = module.histogram
    monkeypatch.setattr(module, "histogram", lambda *a: calls.append(1) or real(*a))
    trials = try_all(image)
    assert calls == [1]
    assert [t.name for t in trials] == algorithms.available(kind="global")
    for trial in trials:
        np.testing.assert_array_equal(trial.mask, algorithms.get(trial.name)(image))
        assert trial.threshold == algorithms.get(trial.name).threshold(image)


def test_a_failing_method_reports_its_reason_and_the_others_run(blobs) -> None:
    image, _ = blobs
    trials = try_all(image, methods=["otsu", "adaptive", "no_such_method", "li"], masks=False)
    assert [t.name for t in trials] == ["otsu", "adaptive", "no_such_method", "li"]
    assert trials[0].found
    assert trials[3].found
    assert trials[1].threshold is None
    assert "not a global method" in trials[1].reason
    assert trials[2].threshold is None
    assert "Unknown segmenter" in trials[2].reason
    assert all(t.mask is None for t in trials)


def test_options_and_field_of_view_reach_every_method(blobs) -> None:
    image, _ = blobs
    fov = np.zeros(image.shape, bool)
    fov[:, :40] = True
    for trial in try_all(image, fov, ignore_black=True, masks=False):
        method = algorithms.get(trial.name, ignore_black=True)
        assert trial.threshold == method.threshold(image, fov=fov), trial.name


def test_table_scores_each_method_and_montage_shows_reasons(tmp_path: Path, blobs) -> None:
    image, truth = blobs
    table, trials = try_all_table(image, truth, methods=["otsu", "intermodes", "adaptive"])
    assert list(table["algo"]) == ["otsu", "intermodes", "adaptive"]
    assert table.loc[0, "mcc"] > 0.9
    assert np.isnan(table.loc[2, "mcc"])
    assert "not a global method" in table.loc[2, "reason"]
    path = save_montage(tmp_path / "montage.png", image, trials, truth)
    assert path.stat().st_size > 0
    constant = np.full((20, 30), 9, np.uint8)
    table, trials = try_all_table(constant)
    assert not table["found"].any()
    assert save_montage(tmp_path / "constant.png", constant, trials).is_file()


def test_command_line_writes_table_and_figure(tmp_path: Path, kesm, capsys) -> None:
    image_path = Path(kesm.meta["image_path"])
    truth_path = Path(kesm.meta["mask_path"])
    out = tmp_path / "out"
    code = main([str(image_path), "--truth", str(truth_path), "--dark", "--median", "3",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    assert (out / "try_all.csv").is_file()
    assert (out / "try_all.png").is_file()
    assert "otsu" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.png")]) == 2
