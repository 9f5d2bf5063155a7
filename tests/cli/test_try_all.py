"""try_all: every global method from one histogram; failures keep their place."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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


def test_command_line_dark_rule_and_local_panels(tmp_path: Path, kesm) -> None:
    """``--dark`` thresholds the file as stored (Fiji's rule), ``--local`` adds local panels."""
    image_path, truth_path = Path(kesm.meta["image_path"]), Path(kesm.meta["mask_path"])
    out = tmp_path / "out"
    args = [str(image_path), "--truth", str(truth_path), "--dark", "--median", "3"]
    assert main([*args, "--local", "--out", str(out)]) == 0
    table = pd.read_csv(out / "try_all.csv")
    assert set(algorithms.available(kind="local")) <= set(table["algo"])
    otsu = table.set_index("algo").loc["otsu"]
    # Otsu is symmetric: on the file as stored its dark-object counts are the article's.
    assert (otsu["tp"], otsu["fp"], otsu["fn"]) == (5595, 122, 1863)
    assert (out / "try_all.png").is_file()


def test_local_methods_too_as_fijis_auto_local_threshold_try_all(blobs) -> None:
    image, _ = blobs
    trials = try_all(image, kinds=("global", "local"))
    names = algorithms.available(kind="global") + algorithms.available(kind="local")
    assert [t.name for t in trials] == names
    for trial in trials[len(algorithms.available(kind="global")) :]:
        assert trial.kind == "local"
        assert trial.threshold is None
        assert trial.found, trial.reason
        np.testing.assert_array_equal(trial.mask, algorithms.get(trial.name)(image))
    local_only = try_all(image, kinds=("local",), methods=["otsu", "sauvola"])
    assert "not a local method" in local_only[0].reason
    assert local_only[1].mask is not None


def test_dark_objects_in_every_panel_and_thresholds_unchanged(blobs) -> None:
    image, _ = blobs
    bright = try_all(image, kinds=("global", "local"))
    dark = try_all(image, kinds=("global", "local"), objects="dark")
    for b, d in zip(bright, dark, strict=True):
        assert b.threshold == d.threshold
        np.testing.assert_array_equal(d.mask, ~b.mask)


def test_without_masks_local_methods_are_not_run_and_bad_kinds_refused(blobs) -> None:
    image, _ = blobs
    trials = try_all(image, kinds=("local",), methods=["sauvola"], masks=False)
    assert trials[0].mask is None
    assert "not run" in trials[0].reason
    with pytest.raises(ValueError, match="kinds may hold"):
        try_all(image, kinds=("learned",))
    with pytest.raises(ValueError, match="objects must be"):
        try_all(image, objects="black")
