"""Local thresholds against slow, obviously-correct references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

import algorithms
from algorithms.local import box_sum


def _reference_window_mean(image: np.ndarray, size: int) -> np.ndarray:
    r = size // 2
    padded = np.pad(image.astype(np.int64), r, mode="edge")
    out = np.empty(image.shape, dtype=np.int64)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = padded[i : i + size, j : j + size].sum()
    return out


@pytest.mark.parametrize("size", [1, 3, 7, 15])
def test_box_sum_is_exact(size: int, blobs) -> None:
    image, _ = blobs
    np.testing.assert_array_equal(box_sum(image, size), _reference_window_mean(image, size))


@pytest.mark.parametrize("offset", [0.0, -7.5, 12.0])
def test_adaptive_mean_matches_definition(offset: float, blobs) -> None:
    image, _ = blobs
    size = 9
    mean = _reference_window_mean(image, size) / size**2
    expected = image > mean - offset
    got = algorithms.get("adaptive", block_size=size, offset=offset, method="mean")(image)
    # Exact arithmetic vs one float division: they may only differ on exact ties.
    differ = got != expected
    assert np.all(np.isclose(image[differ], (mean - offset)[differ]))


def test_adaptive_gaussian_matches_definition(blobs) -> None:
    image, _ = blobs
    local = ndimage.gaussian_filter(image.astype(float), (11 - 1) / 6, mode="nearest")
    got = algorithms.get("adaptive", block_size=11, offset=-3, method="gaussian")(image)
    np.testing.assert_array_equal(got, image > local + 3)


def test_adaptive_checks_parameters(blobs) -> None:
    with pytest.raises(ValueError, match="block_size must be an odd positive integer; got 4"):
        algorithms.get("adaptive", block_size=4)(blobs[0])
    with pytest.raises(ValueError, match="method must be one of 'mean', 'gaussian'"):
        algorithms.get("adaptive", method="median")(blobs[0])


@pytest.mark.parametrize("method", ["mean", "gaussian"])
def test_adaptive_halo_covers_its_window(method: str, blobs) -> None:
    """Cropping a tile with the declared halo reproduces the whole-image result."""
    image, _ = blobs
    segmenter = algorithms.get("adaptive", block_size=9, method=method)
    halo = segmenter.halo()
    whole = segmenter(image)
    rows = slice(20, 40)
    tile = image[rows.start - halo : rows.stop + halo]
    np.testing.assert_array_equal(segmenter(tile)[halo:-halo], whole[rows])
