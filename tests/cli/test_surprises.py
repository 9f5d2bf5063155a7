"""No crash and no surprises: volume overlays, truth rules, tracebacks, output places, names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from PIL import Image

from bench._util import file_stem
from bench.cli.config import register_configs
from bench.cli.job import format_table, run
from bench.cli.overrides import CONF_DIR
from bench.report.build import _split_counts
from bench.report.plots import overlay_rgb, preview_path, save_overlay
from bench.report.render import _with_interval
from bench.report.replay import SKIPPED_FILE, load_results
from bench.scale.tiling import segment_tiled
from bench.scale.volumes import BinaryVolume, open_volume

REPO = CONF_DIR.parent


def _cfg(*overrides: str):
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


@pytest.fixture
def slide(tmp_path: Path, kesm) -> tuple[Path, Path]:
    """The KESM tile as a 2-D .npy slide with a uint8 {0, 255} truth, as the README has it."""
    image, truth = tmp_path / "slide.npy", tmp_path / "truth.npy"
    np.save(image, np.tile(kesm.image, (1, 2)))
    np.save(truth, np.tile(kesm.truth, (1, 2)).astype(np.uint8) * 255)
    return image, truth


def test_the_readme_volume_command_draws_overlays(tmp_path: Path, slide) -> None:
    image, truth = slide
    cfg = _cfg(
        "dataset=volume", f"dataset.images={image}", f"dataset.masks={truth}",
        "dataset.polarity=dark", "runner=tiled", "runner.workers=2", "runner.tile=[128,256]",
    )  # fmt: skip
    table = run(cfg, tmp_path / "run")
    assert table["threshold"].tolist() == [79]
    for name in ("slide_overlay.png", "slide_histogram.png"):
        assert (tmp_path / "run" / "figures" / name).stat().st_size > 0


def test_a_large_overlay_is_written_at_native_size_with_an_area_averaged_preview(
    tmp_path: Path, slide
) -> None:
    image, truth = slide
    volume = open_volume(image)
    labels = BinaryVolume(open_volume(truth), 255)
    mask = np.asarray(volume[:, :]) < 80
    counts = {"TP": 1, "FP": 2, "FN": 3, "TN": 4}
    path = save_overlay(
        tmp_path / "o.png", volume, labels, mask, title="slide", counts=counts, preview_side=100
    )
    full = Image.open(path)
    assert full.size == (volume.shape[1], volume.shape[0])  # one PNG pixel per image pixel
    assert "TP sky blue (1)" in full.text["Description"]  # the run's exact counts
    expected = overlay_rgb(np.load(image), np.load(truth) == 255, mask)
    assert (np.asarray(full) == expected).all()
    preview = Image.open(preview_path(path))
    factor = -(-max(volume.shape) // 100)
    assert preview.size == (-(-volume.shape[1] // factor), -(-volume.shape[0] // factor))
    assert "area average" in preview.text["Title"]


def test_segment_tiled_reads_truth_files_by_the_dataset_rule(tmp_path: Path, slide) -> None:
    image, truth = slide
    exact = segment_tiled(
        np.load(image), "otsu", truth=np.load(truth) == 255, polarity="dark", tile_shape=(96, 200)
    )
    from_file = segment_tiled(image, "otsu", truth=truth, polarity="dark", tile_shape=(96, 200))
    assert from_file.counts == exact.counts
    ones = tmp_path / "ones.npy"
    np.save(ones, (np.load(truth) // 255).astype(np.uint8))
    with pytest.raises(ValueError, match=r"not binary under the rule foreground == 255.*0, 1"):
        segment_tiled(image, "otsu", truth=ones, polarity="dark")
    nonzero = segment_tiled(image, "otsu", truth=ones, polarity="dark", truth_value="nonzero")
    assert nonzero.counts == exact.counts


def test_a_programming_error_keeps_its_traceback(tmp_path: Path) -> None:
    # A TypeError is a user error only when bench or algorithms raised it on purpose
    # (bench.cli.errors.is_deliberate); one from a bug keeps its traceback.
    code = (
        "import sys, bench.cli.main as m\n"
        "def bug(cfg, out, **kw):\n"
        "    raise TypeError(\"unsupported operand type(s) for &: 'A' and 'bool'\")\n"
        "m.run = bug\n"
        f"m.entry(['hydra.run.dir={tmp_path / 'run'}'])\n"
    )
    env = {**os.environ, "HYDRA_FULL_ERROR": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert "in bug" in done.stderr


def test_try_all_writes_under_results_by_default(tmp_path: Path, monkeypatch) -> None:
    from bench.cli.try_all import main

    monkeypatch.setenv("SEGBENCH_QUIET", "")  # --quiet sets it; restored after the test
    image = REPO / "bench" / "data" / "kesm" / "images" / "grayscale.png"
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert main([str(image), "--dark", "--quiet"]) == 0
    finally:
        os.chdir(before)
    assert sorted(p.name for p in (tmp_path / "results" / "try_all" / "grayscale").iterdir()) == [
        "try_all.csv", "try_all.png",
    ]  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


@pytest.mark.parametrize(
    ("names", "readable"),
    [
        (["ядро_2", "кот_2"], ["ядро_2", "кот_2"]),
        (["a/b", "a_b", "a b", "a:b"], ["a_b"]),
        (["slide 1.tif", "slide_1.tif"], ["slide_1.tif"]),
        (["..hidden", "hidden"], ["hidden"]),
        (["x" * 300, "x" * 301], []),
    ],
)
def test_figure_names_stay_readable_and_never_collide(
    names: list[str], readable: list[str]
) -> None:
    stems = [file_stem(n) for n in names]
    assert len(set(stems)) == len(stems)
    for name in readable:
        assert name in stems
    assert all("/" not in s and " " not in s and not s.startswith(".") for s in stems)
    assert all(len(s.encode()) <= 140 for s in stems)


def test_summary_names_the_filter_parameters_and_the_median_of_repeats() -> None:
    row = {
        "image": "g", "algo": "otsu", "filter": "gaussian", "filter_sigma": 1.5, "threshold": 75.0,
        "tp": 1, "fp": 2, "fn": 3, "tn": 4, "accuracy": 0.5, "f1": 0.5, "mcc": 0.1,
        "t_segment_s": 0.001, "repeat": 7,
    }  # fmt: skip
    text = format_table(pd.DataFrame([row]))
    assert "filter_sigma" in text.splitlines()[0]
    assert " 1.5 " in text.splitlines()[1]
    assert text.splitlines()[-1] == "(t_segment_s: the median of 7 timed runs of each segmenter)"
    assert "median" not in format_table(pd.DataFrame([{**row, "repeat": 1}]))


def test_an_interval_of_one_image_is_not_printed() -> None:
    assert _with_interval(0.8946, 0.8946, 0.8946) == "0.8946"
    assert _with_interval(0.8946, float("nan"), float("nan")) == "0.8946"
    assert _with_interval(0.8946, 0.8801, 0.9077) == "0.8946 [0.8801, 0.9077]"


def test_the_split_is_shown_only_for_boards_with_a_learned_method() -> None:
    thresholds = pd.DataFrame({"image": ["a", "b"], "split": ["test", "train"], "n_train": 0})
    assert _split_counts(thresholds) == {}
    learned = thresholds.assign(n_train=[0, 5])
    assert _split_counts(learned) == {"test": 1, "train": 1}


def test_skipped_files_are_one_warning_and_listed_by_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kesm, monkeypatch
) -> None:
    monkeypatch.setenv("SEGBENCH_QUIET", "")  # quiet=true sets it; restored after the test
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for name in ("a", "b", "c"):
        Image.fromarray(kesm.image).save(tmp_path / "images" / f"{name}.png")
    Image.fromarray(kesm.truth.astype(np.uint8) * 255).save(tmp_path / "masks" / "a.png")
    cfg = _cfg(
        "dataset=folder", f"dataset.images={tmp_path / 'images'}",
        f"dataset.masks={tmp_path / 'masks'}", "dataset.unpaired=skip", "dataset.polarity=dark",
        "output.overlays=false", "output.histograms=false", "quiet=true",
    )  # fmt: skip
    run(cfg, tmp_path / "run")
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "left out" in ln]
    assert len(lines) == 1
    assert lines[0].startswith("warning: Dataset 'folder': left out 2 unpaired file(s)")
    recorded = (tmp_path / "run" / SKIPPED_FILE).read_text().splitlines()
    assert recorded == [lines[0].removeprefix("warning: ")]
    assert recorded[0] in load_results([tmp_path / "run"]).notes
