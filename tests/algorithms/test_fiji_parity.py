"""Fiji's Auto Local Threshold rules applied to ImageJ's own window statistics.

The fixture holds what ImageJ 1.53t's RankFilters computes (the calls Fiji's
plugin makes, float32 means and variances included; see
``tests/fixtures/imagej_rank``). Applying the plugin's documented per-pixel
rules to those numbers — with its ``(int)`` truncation of the threshold —
gives Fiji's masks; ours, with ``window="disk"``, must be the same.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import algorithms

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "imagej_rank" / "imagej_rank.npz"
pytestmark = pytest.mark.skipif(not FIXTURE.is_file(), reason="ImageJ fixture missing")


def _java_int(x: np.ndarray) -> np.ndarray:
    """Java's ``(int)`` cast of a double: truncation toward zero."""
    return np.trunc(x)


def fiji_mask(name: str, params: dict, image: np.ndarray, stats: dict) -> np.ndarray:
    p = image.astype(np.int64)
    mean = stats["MEAN"].astype(np.float64)  # float32 in ImageJ, promoted to double
    sd = np.sqrt(stats["VARIANCE"].astype(np.float64))
    low, high = stats["MIN"].astype(np.int64), stats["MAX"].astype(np.int64)
    if name == "local_mean":
        return p > _java_int(mean - params["c"])
    if name == "local_median":
        return p > stats["MEDIAN"].astype(np.int64) - params["c"]
    if name == "midgrey":
        return p > (low + high) // 2 - params["c"]
    if name == "niblack":
        return p > _java_int(mean + params["k"] * sd - params["c"])
    if name == "sauvola":
        return p > _java_int(mean * (1.0 + params["k"] * (sd / params["r"] - 1.0)))
    if name == "bernsen":
        mid = (low + high) // 2
        return np.where(high - low < params["contrast_threshold"], mid >= 128, p >= mid)
    if name == "contrast":
        return (np.abs(high - p) <= np.abs(p - low)) & (p != 0)
    raise AssertionError(name)


CASES = [
    ("local_mean", {"c": 0}), ("local_mean", {"c": 7}), ("local_mean", {"c": -5}),
    ("local_median", {"c": 0}), ("local_median", {"c": 3}),
    ("midgrey", {"c": 0}), ("midgrey", {"c": -10}),
    ("niblack", {"k": 0.2, "c": 0}), ("niblack", {"k": -0.2, "c": 4}),
    ("sauvola", {"k": 0.5, "r": 128.0}), ("sauvola", {"k": 0.2, "r": 64.0}),
    ("bernsen", {"contrast_threshold": 15}), ("bernsen", {"contrast_threshold": 60}),
    ("contrast", {}),
]  # fmt: skip


@pytest.mark.parametrize("radius", [1, 2, 3, 5, 8, 15])
@pytest.mark.parametrize("image_name", ["kesm", "levels"])
@pytest.mark.parametrize(("name", "params"), CASES)
def test_masks_equal_fiji_rules_on_imagej_statistics(name, params, image_name, radius) -> None:
    fixture = np.load(FIXTURE)
    image = fixture[f"{image_name}/image"]
    stats = {s: fixture[f"{image_name}/{radius}/{s}"] for s in
             ("MIN", "MAX", "MEDIAN", "MEAN", "VARIANCE")}  # fmt: skip
    ours = algorithms.get(name, radius=radius, window="disk", **params)(image)
    np.testing.assert_array_equal(ours, fiji_mask(name, params, image, stats))
