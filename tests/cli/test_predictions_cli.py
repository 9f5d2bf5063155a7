"""``algo=predictions`` and ``output.masks``: other tools' masks through the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from skimage import filters, io

import bench
from bench.data.predictions import save_prediction
from bench.metrics import confusion_counts
from tests.conftest import run_bench


def _bench(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def tool_masks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, np.ndarray]]:
    """The KESM sample segmented by scikit-image and by OpenCV, saved by each library."""
    sample = next(iter(bench.builtin_sample()))
    root = tmp_path_factory.mktemp("tools")
    vessels = sample.image <= filters.threshold_li(sample.image)  # dark vessels
    (root / "skimage").mkdir()
    io.imsave(root / "skimage" / "grayscale.png", np.where(vessels, 255, 0).astype(np.uint8))
    _, otsu = cv2.threshold(sample.image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    (root / "opencv").mkdir()
    cv2.imwrite(str(root / "opencv" / "grayscale.png"), otsu)
    return {"skimage": (root / "skimage", vessels), "opencv": (root / "opencv", otsu > 0)}


def test_masks_written_by_other_libraries_score_as_numpy_counts(tmp_path: Path, tool_masks):
    sample = next(iter(bench.builtin_sample()))
    paths = ",".join(str(folder) for folder, _ in tool_masks.values())
    done = _bench(tmp_path, "-m", "algo=predictions", f"algo.path={paths}", "filter=none",
                  "report.resamples=50", f"hydra.sweep.dir={tmp_path / 'sweep'}")  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "sweep" / "metrics.csv")
    assert sorted(table["method"]) == ["opencv", "skimage"]
    for name, (_, mask) in tool_masks.items():
        row = table[table["method"] == name].iloc[0]
        truth = sample.truth
        expected = [int((mask & truth).sum()), int((mask & ~truth).sum()),
                    int((~mask & truth).sum()), int((~mask & ~truth).sum())]  # fmt: skip
        assert [row["tp"], row["fp"], row["fn"], row["tn"]] == expected
        assert row["algo"] == "predictions"
    board = pd.read_csv(tmp_path / "sweep" / "report" / "leaderboard.csv")
    assert set(board["method"].str.split("(").str[0]) == {"opencv", "skimage"}
    html = (tmp_path / "sweep" / "report" / "leaderboard.html").read_text()
    for name in ("opencv", "skimage"):  # each tool's overlay, redrawn from its own file
        assert f'alt="best image of {name}(' in html


def test_the_round_trip_gives_identical_rows(tmp_path: Path) -> None:
    first = run_bench(tmp_path / "run", "algo=li", "output.masks=true")
    masks = tmp_path / "run" / "masks"
    assert sorted(p.name for p in masks.iterdir()) == ["grayscale.png"]
    again = run_bench(tmp_path / "again", "algo=predictions", f"algo.path={masks}")
    counts = ["image", "tp", "fp", "fn", "tn", "accuracy", "f1", "mcc"]
    pd.testing.assert_frame_equal(first[counts], again[counts])
    assert again["method"].tolist() == ["masks"]


def test_learned_probabilities_round_trip_as_score_maps(tmp_path: Path, blobs, ready_segmenter):
    image, truth = blobs
    model = ready_segmenter("pixel_classifier", image, truth)  # fitted on blobs
    sample = bench.Sample("flipped", np.flipud(image).copy(), np.flipud(truth).copy())
    saved: list = []
    learned = bench.evaluate([sample], [model], [None], on_result=saved.append).iloc[0]
    assert learned["split"] == "test"
    assert 0.5 < learned["auc"] <= 1  # the learned row is ranked from its probabilities
    assert learned["best_score"] >= learned["mcc"]
    segmentation = saved[0].segmentation
    save_prediction(tmp_path, sample, segmentation.mask, segmentation.scores)
    again = bench.score(tmp_path / "probabilities", [sample], kind="scores", pattern="{id}.tif",
                        threshold=model.threshold).iloc[0]  # fmt: skip
    for column in ("tp", "fp", "fn", "tn", "auc", "ap", "best_score"):
        assert again[column] == pytest.approx(learned[column], abs=1e-12), column
    masks = bench.score(tmp_path / "masks", [sample]).iloc[0]
    assert [masks[c] for c in ("tp", "fp", "fn", "tn")] == [
        learned[c] for c in ("tp", "fp", "fn", "tn")
    ]


@pytest.mark.parametrize(("make", "message"), [
    ("small", "is 10×10 but"),
    ("missing", "1 of 1 image(s) have no prediction file"),
    ("grey", "found values 0, 7, 255"),
    ("broken", "Cannot read"),
])  # fmt: skip
def test_bad_predictions_exit_2_and_write_nothing(tmp_path: Path, make, message) -> None:
    folder = tmp_path / "tool"
    folder.mkdir()
    if make == "small":
        cv2.imwrite(str(folder / "grayscale.png"), np.zeros((10, 10), np.uint8))
    elif make == "missing":
        cv2.imwrite(str(folder / "other.png"), np.zeros((10, 10), np.uint8))
    elif make == "grey":
        values = np.zeros((512, 512), np.uint8)
        values[0, :2] = [7, 255]
        cv2.imwrite(str(folder / "grayscale.png"), values)
    else:
        (folder / "grayscale.png").write_bytes(b"\x89PNG broken")
    out = tmp_path / "run"
    done = _bench(tmp_path, "algo=predictions", f"algo.path={folder}", f"hydra.run.dir={out}")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert not (out / "metrics.csv").exists()
    assert not (out / "masks").exists()


def test_unpaired_skip_goes_on_without_the_missing_images(tmp_path: Path) -> None:
    folder = tmp_path / "tool"
    folder.mkdir()
    cv2.imwrite(str(folder / "other.png"), np.zeros((10, 10), np.uint8))
    cv2.imwrite(str(folder / "1.png"), np.full((10, 10), 255, np.uint8))
    with pytest.warns(UserWarning, match=r"1 of 2 image\(s\).*: 0 \(left out: unpaired=skip\)"):
        table = bench.score(folder, [np.zeros((10, 10), bool)] * 2, unpaired="skip")
    assert table["image"].tolist() == ["1"]
    assert table["fp"].tolist() == [100]


def test_counts_are_inside_the_field_of_view() -> None:
    truth = np.zeros((8, 8), bool)
    truth[2:6, 2:6] = True
    prediction = np.zeros((8, 8), np.uint8)
    prediction[:, :4] = 1
    fov = np.zeros((8, 8), bool)
    fov[:, 2:] = True
    row = bench.score(prediction, truth, fov).iloc[0]
    expected = confusion_counts(truth, prediction > 0, fov)
    assert [row["tp"], row["fp"], row["fn"], row["tn"]] == list(expected.as_dict().values())
    assert row["tp"] + row["fp"] + row["fn"] + row["tn"] == fov.sum()


def test_predictions_refuse_a_filter_and_the_tile_runner(tmp_path: Path) -> None:
    from bench.data.predictions import PredictionFolder
    from bench.run.plan import make_plan
    from bench.run.tiled import evaluate_with_runner

    folder = PredictionFolder(tmp_path, label="tool")
    with pytest.raises(ValueError, match=r"a preprocessing filter \(median\) does not apply"):
        make_plan(None, [folder], [{"name": "median", "size": 3}])
    plan = make_plan(None, [folder], [None])
    with pytest.raises(ValueError, match="score them with runner=local"):
        evaluate_with_runner({"name": "tiled"}, bench.builtin_sample(), plan)


def test_the_cli_says_the_filter_does_not_apply(tmp_path: Path, tool_masks) -> None:
    folder, _ = tool_masks["opencv"]
    table = run_bench(tmp_path / "run", "algo=predictions", f"algo.path={folder}", "filter.size=5")
    assert table["filter"].tolist() == ["none"]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.float32])
@pytest.mark.parametrize("objects", ["bright", "dark"])
def test_a_score_map_row_is_ranked_on_its_own_scale(dtype, objects: str) -> None:
    from sklearn.metrics import average_precision_score, roc_auc_score

    from bench.metrics import METRICS

    rng = np.random.default_rng(7)
    truth = rng.random((40, 50)) < 0.3
    signal = 0.6 * rng.random(truth.shape) + 0.4 * (truth if objects == "bright" else ~truth)
    if np.dtype(dtype).kind == "f":
        scores = np.round(signal, 2).astype(dtype)
    else:
        info = np.iinfo(dtype)
        scores = (info.min + signal * (float(info.max) - info.min)).astype(dtype)
    row = bench.score(scores, truth, kind="scores", objects=objects, metric="f1").iloc[0]
    oriented = scores.astype(np.float64) * (1 if objects == "bright" else -1)
    assert row["auc"] == pytest.approx(roc_auc_score(truth.ravel(), oriented.ravel()), abs=1e-9)
    assert row["ap"] == pytest.approx(
        average_precision_score(truth.ravel(), oriented.ravel()), abs=1e-9
    )
    best = row["best_threshold"]
    mask = scores > best if objects == "bright" else scores <= best
    assert METRICS["f1"](confusion_counts(truth, mask)) == row["best_score"]
    assert row["best_score"] >= row["f1"]
    assert row["best_metric"] == "f1"


def test_score_takes_folders_of_truths_and_fields_of_view(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    expected = []
    for key in ("x1", "x2"):
        truth, prediction, fov = (rng.random((20, 30)) < p for p in (0.3, 0.4, 0.8))
        for folder, mask in (("truth", truth), ("pred", prediction), ("fov", fov)):
            (tmp_path / folder).mkdir(exist_ok=True)
            cv2.imwrite(
                str(tmp_path / folder / f"{key}.png"), np.where(mask, 255, 0).astype(np.uint8)
            )
        expected.append(list(confusion_counts(truth, prediction, fov).as_dict().values()))
    table = bench.score(tmp_path / "pred", tmp_path / "truth", tmp_path / "fov")
    assert table["image"].tolist() == ["x1", "x2"]
    assert table[["tp", "fp", "fn", "tn"]].to_numpy().tolist() == expected
    arrays = bench.score(
        [bench.read_image(tmp_path / "pred" / f"{k}.png") for k in ("x1", "x2")],
        [bench.read_truth(tmp_path / "truth" / f"{k}.png") for k in ("x1", "x2")],
        [bench.read_truth(tmp_path / "fov" / f"{k}.png") for k in ("x1", "x2")],
    )
    assert arrays[["tp", "fp", "fn", "tn"]].to_numpy().tolist() == expected


def test_a_stack_round_trips_through_one_tiff_per_stack(tmp_path: Path) -> None:
    import tifffile

    rng = np.random.default_rng(5)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    images = (rng.random((3, 40, 50)) * 255).astype(np.uint8)
    truths = np.where(images > 128, 255, 0).astype(np.uint8) ^ np.where(
        rng.random(images.shape) < 0.05, 255, 0
    ).astype(np.uint8)
    tifffile.imwrite(tmp_path / "images" / "vol.tif", images, photometric="minisblack")
    tifffile.imwrite(tmp_path / "masks" / "vol.tif", truths, photometric="minisblack")
    dataset = ["dataset=folder", f"dataset.root={tmp_path}", "dataset.name=stack",
               "dataset.images=images", "dataset.masks=masks",
               "dataset.polarity=bright"]  # fmt: skip
    first = run_bench(tmp_path / "run", *dataset, "algo=otsu", "filter=none", "output.masks=true")
    assert first["image"].tolist() == ["vol[0]", "vol[1]", "vol[2]"]
    assert sorted(p.name for p in (tmp_path / "run" / "masks").iterdir()) == ["vol.tif"]
    masks = tmp_path / "run" / "masks"
    again = run_bench(tmp_path / "again", *dataset, "algo=predictions", f"algo.path={masks}",
                      'algo.pattern="{id}.tif"')  # fmt: skip
    counts = ["image", "tp", "fp", "fn", "tn"]
    pd.testing.assert_frame_equal(first[counts], again[counts])


def test_a_tiled_run_saves_tiff_masks_that_pair_back(tmp_path: Path) -> None:
    first = run_bench(tmp_path / "run", "runner=tiled", "runner.progress=false", "algo=otsu",
                      "output.masks=true")  # fmt: skip
    masks = tmp_path / "run" / "masks"
    assert sorted(p.name for p in masks.iterdir()) == ["grayscale.tif"]
    again = run_bench(tmp_path / "again", "algo=predictions", f"algo.path={masks}",
                      'algo.pattern="{id}.tif"')  # fmt: skip
    counts = ["image", "tp", "fp", "fn", "tn"]
    pd.testing.assert_frame_equal(first[counts], again[counts])


def test_segbench_score_folders_with_a_pattern_as_one_board(tmp_path: Path, tool_masks) -> None:
    """``segbench score A B --pattern '{id}.png'``: no Hydra quoting, one sweep of the tools."""
    sample = next(iter(bench.builtin_sample()))
    folders = [str(folder) for folder, _ in tool_masks.values()]
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.cli.segbench", "score", *folders, "--pattern", "{id}.png",
         "filter=none", "report.resamples=50", f"hydra.sweep.dir={tmp_path / 'sweep'}", "-q"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "sweep" / "metrics.csv")
    assert sorted(table["method"]) == ["opencv", "skimage"]
    for name, (_, mask) in tool_masks.items():
        row = table[table["method"] == name].iloc[0]
        assert row["tp"] == int((mask & sample.truth).sum())
        assert row["fp"] == int((mask & ~sample.truth).sum())


def test_segbench_score_without_a_folder_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.cli.score import main, overrides

    assert main(["dataset=dibco2009"]) == 2
    assert "needs at least one folder" in capsys.readouterr().err
    words = overrides(["/a b/x"], {"pattern": "{id}.png", "objects": None}, ["dataset=kesm"])
    assert words == ['algo=predictions', 'algo.path="/a b/x"', 'algo.pattern="{id}.png"',
                     "dataset=kesm"]  # fmt: skip
