"""The chosen metrics in the runners: per image, equal to the library's, tiled when exact."""

from __future__ import annotations

import numpy as np
import pytest

import bench.metrics as bm
from bench.run.stages import extra_scores
from bench.run.tiled import evaluate_tiled
from bench.run.whole_image import evaluate


@pytest.fixture(scope="module")
def image_and_truth() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    image = (rng.random((48, 40)) * 255).astype(np.uint8)
    truth = image > 150
    truth[10:20, 10:20] = True
    return image, truth


def test_every_chosen_metric_is_a_column_equal_to_the_library(image_and_truth) -> None:
    image, truth = image_and_truth
    names = [n for n in bm.REGISTRY if n not in bm.METRICS]
    table = evaluate(image, ["otsu"], [None], truth=truth, metrics=names)
    row = table.iloc[0]
    mask = image > row["threshold"]
    expected = bm.evaluate(names, truth, mask)
    for name in names:
        assert row[name] == pytest.approx(expected[name], nan_ok=True), name


def test_groups_select_columns_in_order(image_and_truth) -> None:
    image, truth = image_and_truth
    table = evaluate(image, ["otsu"], [None], truth=truth, metrics="dibco")
    assert [c for c in table.columns if c in ("pfm", "psnr", "drd")] == ["pfm", "psnr", "drd"]
    plain = evaluate(image, ["otsu"], [None], truth=truth)
    assert not {"pfm", "psnr", "drd"} & set(plain.columns)
    with pytest.raises(ValueError, match="Unknown metric or metric group 'drdd'"):
        evaluate(image, ["otsu"], [None], truth=truth, metrics=["drdd"])


def test_image_level_metrics_see_only_the_field_of_view() -> None:
    truth = np.zeros((20, 20), bool)
    truth[2:8, 2:8] = True
    mask = truth.copy()
    mask[15:18, 15:18] = True  # a false positive outside the field of view
    fov = np.zeros_like(truth)
    fov[:10, :10] = True
    counts = bm.confusion_counts(truth, mask, fov)
    values = extra_scores(["hd95", "psnr"], counts, truth, mask, fov)
    assert values["hd95"] == 0.0
    assert values["psnr"] == float("inf")


def test_a_tiled_run_gives_count_based_metrics_exactly_and_refuses_the_others(
    image_and_truth,
) -> None:
    image, truth = image_and_truth
    whole = evaluate(image, ["otsu"], [None], truth=truth, metrics=["psnr", "nrm"])
    tiled = evaluate_tiled(image, ["otsu"], [None], truth=truth, metrics=["psnr", "nrm"],
                           tile_shape=7)  # fmt: skip
    assert tiled[["psnr", "nrm"]].to_numpy().tolist() == whole[["psnr", "nrm"]].to_numpy().tolist()
    with pytest.raises(ValueError, match=r"tiled run computes only.*cldice"):
        evaluate_tiled(image, ["otsu"], [None], truth=truth, metrics=["f1", "cldice"])
