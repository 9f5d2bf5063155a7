"""Preprocessing filters: exact against scipy, with the documented border rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

import algorithms
from algorithms.preprocess import Median

FILTERS = algorithms.available_filters()


@settings(max_examples=60, deadline=None)
@given(
    image=arrays(
        st.sampled_from([np.uint8, np.uint16, np.float32]),
        st.tuples(st.integers(1, 24), st.integers(1, 24)),
        elements=st.integers(0, 255),
    ),
    size=st.sampled_from([1, 3, 5, 7, 9]),
)
def test_median_equals_scipy_with_nearest_border(image: np.ndarray, size: int) -> None:
    expected = ndimage.median_filter(image, size=size, mode="nearest")
    result = Median(size=size)(image)
    assert result.dtype == image.dtype
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("name", FILTERS)
def test_filters_keep_shape_and_dtype(name: str, blobs) -> None:
    image, _ = blobs
    out = algorithms.get_filter(name)(image)
    assert out.shape == image.shape
    assert out.dtype == image.dtype
    assert isinstance(algorithms.get_filter(name).halo(), int)


@pytest.mark.parametrize("size", [0, -3, 4, 2.5, "3"])
def test_median_rejects_bad_window(size: object, blobs) -> None:
    with pytest.raises(ValueError, match="odd positive integer"):
        Median(size=size)(blobs[0])


def test_gaussian_matches_scipy_rounded(blobs) -> None:
    image, _ = blobs
    expected = np.rint(
        ndimage.gaussian_filter(image.astype(float), 1.5, mode="nearest", truncate=4.0)
    )
    np.testing.assert_array_equal(algorithms.get_filter("gaussian", sigma=1.5)(image), expected)
    with pytest.raises(ValueError, match="positive number"):
        algorithms.get_filter("gaussian", sigma=0)(image)


def test_unknown_filter_suggests_closest() -> None:
    with pytest.raises(algorithms.UnknownNameError, match="Did you mean 'median'"):
        algorithms.get_filter("medain")
