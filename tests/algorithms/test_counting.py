"""The fast paths of the histogram and the global masks give exactly the plain NumPy results."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms import _counting
from algorithms.histogram import foreground, histogram


@pytest.mark.parametrize("threads", [1, 2, 3, 7])
@pytest.mark.parametrize("masked", [False, True])
def test_counting_in_parts_on_threads_is_exact(
    threads: int, masked: bool, monkeypatch, rng
) -> None:
    monkeypatch.setattr(_counting, "MIN_PART", 100)
    values = rng.integers(0, 256, size=10_007).astype(np.uint8)
    values[:3000] = 17  # a long run of one level, the case the four tables are for
    mask = (rng.random(values.size) < 0.6).astype(np.uint8) if masked else None
    expected = np.bincount(values if mask is None else values[mask.view(bool)], minlength=256)
    got = _counting.count_uint8(values, mask, threads=threads)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)


def test_histogram_uses_every_core_with_the_same_counts(monkeypatch, rng) -> None:
    image = rng.integers(0, 256, size=(300, 211)).astype(np.uint8)
    fov = rng.random(image.shape) < 0.5
    single = histogram(image, fov).counts
    monkeypatch.setattr(_counting, "MIN_PART", 1000)
    monkeypatch.setattr(_counting, "cores", lambda: 4)
    np.testing.assert_array_equal(histogram(image, fov).counts, single)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.int64])
@pytest.mark.parametrize("value", [-1.0, 0.0, 79.0, 79.5, 255.0, 256.0, -129.0, 2.0**40, -0.5])
def test_foreground_equals_the_float_comparison(dtype, value: float, rng) -> None:
    info = np.iinfo(dtype)
    low, high = max(int(info.min), -300), min(int(info.max), 300)
    image = rng.integers(low, high + 1, size=(13, 17)).astype(dtype)
    np.testing.assert_array_equal(foreground(image, value), image > value)


def test_foreground_of_float_images_compares_floats() -> None:
    image = np.array([[0.25, 0.5, 0.75]])
    np.testing.assert_array_equal(foreground(image, 0.5), [[False, False, True]])


def test_counting_from_many_threads_at_once_shares_the_pool(monkeypatch, rng) -> None:
    """Tiled runs count tiles on several threads, each splitting its tile: exact, no deadlock."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(_counting, "MIN_PART", 100)
    tiles = [rng.integers(0, 256, size=5_000 + i).astype(np.uint8) for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as callers:
        got = list(callers.map(lambda t: _counting.count_uint8(t, threads=3), tiles))
    for tile, counts in zip(tiles, got, strict=True):
        np.testing.assert_array_equal(counts, np.bincount(tile, minlength=256))


def _count_in_child(values: np.ndarray) -> list[int]:
    return _counting.count_uint8(values, threads=2).tolist()


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork: POSIX only")
def test_a_forked_child_counts_with_its_own_pool(monkeypatch, rng) -> None:
    """The parent's pool threads do not survive a fork: the child starts its own."""
    import multiprocessing

    monkeypatch.setattr(_counting, "MIN_PART", 100)
    values = rng.integers(0, 256, size=4_000).astype(np.uint8)
    _counting.count_uint8(values, threads=2)  # the parent's pool exists
    with multiprocessing.get_context("fork").Pool(1) as child:
        got = child.apply(_count_in_child, (values,))
    assert got == np.bincount(values, minlength=256).tolist()
