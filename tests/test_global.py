"""Global thresholds: ImageJ reference values and defining properties."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import algorithms
from algorithms import histogram

# ImageJ 1.53t (../shared/tools/imagej) on the KESM tile, inverted and median 3×3.
IMAGEJ_KESM = {"otsu": 79, "li": 44}


@pytest.mark.parametrize(("name", "expected"), IMAGEJ_KESM.items())
def test_imagej_threshold_on_kesm(name: str, expected: int, kesm) -> None:
    image = algorithms.get_filter("median", size=3)(255 - kesm.image)
    assert algorithms.get(name).threshold_from_histogram(histogram(image)) == expected


def test_otsu_two_levels_and_ties_follow_imagej() -> None:
    otsu = algorithms.get("otsu")
    assert otsu.threshold_from_histogram(np.bincount([10, 10, 200], minlength=256)) == 199
    result = otsu.find_threshold(np.bincount([7, 7], minlength=256))
    assert (result.bin, result.found) == (254, False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 255), min_size=2, max_size=300).filter(lambda v: len(set(v)) > 1))
def test_otsu_maximises_between_class_variance(values: list[int]) -> None:
    counts = np.bincount(values, minlength=256)
    t = algorithms.get("otsu").threshold_from_histogram(counts)
    levels = np.arange(256)

    def between(k: int) -> float:
        w0, w1 = counts[: k + 1].sum(), counts[k + 1 :].sum()
        if w0 == 0 or w1 == 0:
            return 0.0
        m0 = (levels[: k + 1] * counts[: k + 1]).sum() / w0
        m1 = (levels[k + 1 :] * counts[k + 1 :]).sum() / w1
        return w0 * w1 * (m0 - m1) ** 2

    best = max(between(k) for k in range(1, 255))
    assert between(t) == pytest.approx(best, rel=1e-9)


def test_li_terminates_on_degenerate_histograms() -> None:
    li = algorithms.get("li")
    for values in ([0], [255], [0, 255], [3, 4], []):
        counts = np.bincount(np.array(values, dtype=int), minlength=256)
        result = li.find_threshold(counts)
        assert 0 <= result.bin <= 255


def test_histogram_counts_are_exact_beyond_float32(monkeypatch) -> None:
    module = importlib.import_module("algorithms.histogram")

    monkeypatch.setattr(module, "_CALCHIST_CHUNK", 1000)  # many chunks on a small image
    image = np.random.default_rng(0).integers(0, 256, (97, 131), dtype=np.uint8)
    fov = image % 3 > 0
    np.testing.assert_array_equal(
        module.histogram(image).counts, np.bincount(image.ravel(), minlength=256)
    )
    np.testing.assert_array_equal(
        module.histogram(image, fov).counts, np.bincount(image[fov], minlength=256)
    )


def test_bad_histograms_are_clear_errors() -> None:
    otsu = algorithms.get("otsu")
    with pytest.raises(ValueError, match="1-D"):
        otsu.threshold_from_histogram(np.ones((2, 2), int))
    with pytest.raises(ValueError, match="non-negative"):
        otsu.threshold_from_histogram(np.array([1, -1, 3]))
    with pytest.raises(ValueError, match="whole numbers"):
        otsu.threshold_from_histogram(np.array([1.5, 2, 3]))
