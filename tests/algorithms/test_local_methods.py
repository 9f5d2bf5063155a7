"""Every radius-window local method against a slow per-pixel reference of its definition."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage
from skimage.filters import threshold_niblack, threshold_sauvola
from test_windows import otsu_reference
from window_reference import window_values

import algorithms
from algorithms.local import WindowThreshold, box_sum

LOCAL = algorithms.available(kind="local")


def mean_std(values: list) -> tuple[float, float]:
    """Population mean and standard deviation, two-pass."""
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def threshold_reference(
    image: np.ndarray, radius: int, shape: str, rule: Callable[[list, float], float]
) -> np.ndarray:
    """``rule(window values, pixel)`` → the pixel's threshold, for every pixel."""
    out = np.empty(image.shape)
    for (y, x), pixel in np.ndenumerate(image):
        out[y, x] = rule(window_values(image, y, x, radius, shape), float(pixel))
    return out


def assert_above(got: np.ndarray, image: np.ndarray, threshold: np.ndarray) -> None:
    """``got == image > threshold``, except within rounding of an exact tie."""
    expected = image > threshold
    differ = got != expected
    near_tie = np.abs(image - threshold) <= 1e-9 * np.maximum(1.0, np.abs(threshold))
    assert not (differ & ~near_tie).any(), f"{int((differ & ~near_tie).sum())} pixels differ"
    assert differ.sum() <= max(1, image.size // 100)


@pytest.fixture(params=["blobs", "levels"])
def small(request, blobs, rng) -> np.ndarray:
    """A crop of the blob image, and an image of few grey levels (many exact ties)."""
    if request.param == "blobs":
        return blobs[0][4:26, 6:30]
    return rng.choice(np.array([0, 10, 11, 120, 128, 255], np.uint8), size=(17, 19))


SHAPE_RADIUS = [("disk", 1), ("disk", 3), ("square", 2)]


def _sauvola(k: float, r: float) -> Callable[[list, float], float]:
    return lambda v, p: mean_std(v)[0] * (1 + k * (mean_std(v)[1] / r - 1))


def _niblack(k: float, c: float) -> Callable[[list, float], float]:
    return lambda v, p: mean_std(v)[0] + k * mean_std(v)[1] - c


MOMENT_RULES: list[tuple[str, dict, Callable[[list, float], float]]] = [
    ("local_mean", {"c": 3}, lambda v, p: mean_std(v)[0] - 3),
    ("niblack", {"k": -0.4, "c": 2.5}, _niblack(-0.4, 2.5)),
    ("niblack", {"k": 0.3, "c": -1}, _niblack(0.3, -1)),
    ("niblack", {"k": 0.0, "c": 1}, _niblack(0.0, 1)),
    ("sauvola", {"k": 0.3, "r": 100.0}, _sauvola(0.3, 100.0)),
    ("sauvola", {"k": -0.2, "r": 128.0}, _sauvola(-0.2, 128.0)),  # the square-root path
    (
        "nick",
        {"k": -0.15},
        lambda v, p: (
            mean_std(v)[0]
            - 0.15 * math.sqrt((sum(x * x for x in v) - mean_std(v)[0] ** 2) / len(v))
        ),
    ),
    ("bradley_roth", {"t": 20}, lambda v, p: mean_std(v)[0] * 0.8),
]


@pytest.mark.parametrize(("shape", "radius"), SHAPE_RADIUS)
@pytest.mark.parametrize(("name", "params", "rule"), MOMENT_RULES)
def test_moment_methods_follow_their_formula(name, params, rule, shape, radius, small) -> None:
    got = algorithms.get(name, radius=radius, window=shape, **params)(small)
    assert_above(got, small, threshold_reference(small, radius, shape, rule))


@pytest.mark.parametrize("name", ["sauvola", "niblack", "local_mean"])
def test_moment_methods_on_signed_images(name: str, rng) -> None:
    """Negative intensities (int16) take Sauvola's square-root path; same definition."""
    image = rng.integers(-300, 300, size=(13, 15)).astype(np.int16)
    rule = {"sauvola": _sauvola(0.5, 128.0), "niblack": _niblack(0.2, 0.0),
            "local_mean": lambda v, p: mean_std(v)[0]}[name]  # fmt: skip
    got = algorithms.get(name, radius=2, window="disk")(image)
    assert_above(got, image, threshold_reference(image, 2, "disk", rule))


@pytest.mark.parametrize(("shape", "radius"), SHAPE_RADIUS)
def test_phansalkar_follows_its_formula_on_normalised_intensities(shape, radius, small) -> None:
    def rule(values: list, pixel: float) -> float:
        mean, std = mean_std([v / 255 for v in values])
        return 255 * mean * (1 + 2 * math.exp(-10 * mean) + 0.25 * (std / 0.5 - 1))

    got = algorithms.get("phansalkar", radius=radius, window=shape)(small)
    assert_above(got, small, threshold_reference(small, radius, shape, rule))


@pytest.mark.parametrize(("shape", "radius"), SHAPE_RADIUS)
def test_wolf_jolion_uses_image_minimum_and_largest_deviation(shape, radius, small) -> None:
    stds = threshold_reference(small, radius, shape, lambda v, p: mean_std(v)[1])
    low, spread = float(small.min()), float(stds.max())

    def rule(values: list, pixel: float) -> float:
        mean, std = mean_std(values)
        return mean - 0.5 * (1 - std / spread) * (mean - low)

    method = algorithms.get("wolf_jolion", radius=radius, window=shape)
    assert_above(method(small), small, threshold_reference(small, radius, shape, rule))
    stats = method.image_statistics(small)
    assert stats["min_value"] == low
    assert stats["max_std"] == pytest.approx(spread, rel=1e-12)


RANK_RULES: dict[str, tuple[dict, Callable[[list, float], bool]]] = {
    "local_median": ({"c": 2}, lambda v, p: p > sorted(v)[len(v) // 2] - 2),
    "midgrey": ({"c": -1}, lambda v, p: p > (min(v) + max(v)) / 2 + 1),
    "contrast": ({}, lambda v, p: max(v) - p <= p - min(v) and p != 0),
    "bernsen": (
        {"contrast_threshold": 20},
        lambda v, p: (
            (p >= (min(v) + max(v)) // 2)
            if max(v) - min(v) >= 20
            else (min(v) + max(v)) // 2 >= 128
        ),
    ),
    "local_otsu": ({}, lambda v, p: p > otsu_reference([int(x) for x in v])),
}


@pytest.mark.parametrize(("shape", "radius"), SHAPE_RADIUS)
@pytest.mark.parametrize("name", sorted(RANK_RULES))
def test_rank_methods_follow_their_rule(name, shape, radius, small) -> None:
    params, rule = RANK_RULES[name]
    got = algorithms.get(name, radius=radius, window=shape, **params)(small)
    expected = np.zeros(small.shape, dtype=bool)
    for (y, x), pixel in np.ndenumerate(small):
        expected[y, x] = rule(window_values(small, y, x, radius, shape), int(pixel))
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=30, deadline=None)
@given(
    image=arrays(np.uint8, st.tuples(st.integers(1, 8), st.integers(1, 8)),
                 elements=st.sampled_from([0, 1, 2, 100, 127, 128, 129, 255])),
    name=st.sampled_from(sorted(RANK_RULES.keys() - {"local_otsu"})),
    shape=st.sampled_from(["disk", "square"]),
    radius=st.integers(1, 3),
)  # fmt: skip
def test_rank_methods_on_tiny_tied_images(image, name, shape, radius) -> None:
    """Images smaller than the window, with ties everywhere: still the exact rule."""
    params, rule = RANK_RULES[name]
    got = algorithms.get(name, radius=radius, window=shape, **params)(image)
    for (y, x), pixel in np.ndenumerate(image):
        assert got[y, x] == rule(window_values(image, y, x, radius, shape), int(pixel))


FIJI_DEFAULTS = {
    "bernsen": {"radius": 15, "contrast_threshold": 15.0, "uniform_level": 128.0},
    "contrast": {"radius": 15},
    "local_mean": {"radius": 15, "c": 0.0},
    "local_median": {"radius": 15, "c": 0.0},
    "midgrey": {"radius": 15, "c": 0.0},
    "niblack": {"radius": 15, "k": 0.2, "c": 0.0},
    "local_otsu": {"radius": 15},
    "phansalkar": {"radius": 15, "k": 0.25, "r": 0.5, "p": 2.0, "q": 10.0},
    "sauvola": {"radius": 15, "k": 0.5, "r": 128.0},
}


@pytest.mark.parametrize("name", sorted(FIJI_DEFAULTS))
def test_fiji_methods_default_to_fiji_parameters(name: str) -> None:
    assert algorithms.get(name).get_params() == {**FIJI_DEFAULTS[name], "window": "disk"}


TILES = [
    (slice(0, 7), slice(0, 80)),  # top band, touches three image edges
    (slice(13, 29), slice(41, 42)),  # one column, narrower than any window
    (slice(31, 32), slice(3, 77)),  # one row
    (slice(47, 64), slice(61, 80)),  # bottom-right corner
    (slice(20, 45), slice(17, 58)),  # interior
]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("name", LOCAL)
def test_tile_with_halo_reproduces_whole_image(name: str, dtype, blobs) -> None:
    """A tile cropped with ``halo()`` pixels of context gives the whole-image mask."""
    image = blobs[0].astype(dtype) * (257 if dtype == np.uint16 else 1)
    method = algorithms.get(name)
    if not method.tileable:
        pytest.skip(f"{name} declares tileable = False: no finite halo reproduces it")
    try:
        whole = method(image)
    except ValueError as error:  # a dtype the method refuses, with its message
        pytest.skip(str(error))
    method = type(method)(**{**method.get_params(), **method.image_statistics(image)})
    np.testing.assert_array_equal(method(image), whole)  # the statistics are the image's own
    halo = method.halo()
    if isinstance(method, WindowThreshold):  # one window: the halo is its radius
        assert halo == method.radius
    rows, cols = image.shape
    for tile_rows, tile_cols in TILES:
        top, left = max(tile_rows.start - halo, 0), max(tile_cols.start - halo, 0)
        crop = image[
            top : min(tile_rows.stop + halo, rows), left : min(tile_cols.stop + halo, cols)
        ]
        inner = (
            slice(tile_rows.start - top, tile_rows.stop - top),
            slice(tile_cols.start - left, tile_cols.stop - left),
        )
        np.testing.assert_array_equal(method(crop)[inner], whole[tile_rows, tile_cols])


def _interior(mask: np.ndarray, margin: int) -> np.ndarray:
    return mask[margin:-margin, margin:-margin]


@pytest.mark.parametrize("window_size", [15, 35])
def test_square_sauvola_and_niblack_equal_scikit_image(window_size: int, kesm) -> None:
    """Same definitions as scikit-image on a square window, away from the border.

    scikit-image pads by reflection, this package by edge replication, so only
    pixels at least ``window_size // 2`` from the edge share their windows.
    """
    image = kesm.image
    radius = window_size // 2
    ours = algorithms.get("sauvola", radius=radius, window="square", k=0.2, r=128.0)(image)
    theirs = image > threshold_sauvola(image, window_size=window_size, k=0.2, r=128.0)
    assert (_interior(ours, radius) != _interior(theirs, radius)).sum() <= 2
    ours = algorithms.get("niblack", radius=radius, window="square", k=-0.3)(image)
    theirs = image > threshold_niblack(image, window_size=window_size, k=0.3)
    assert (_interior(ours, radius) != _interior(theirs, radius)).sum() <= 2


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("sauvola", {"radius": 0}, "radius must be an integer >= 1"),
        ("niblack", {"window": "round"}, "window must be one of 'disk', 'square'"),
        ("sauvola", {"r": 0}, "r must be positive"),
        ("niblack", {"k": float("nan")}, "k must be a finite number"),
        ("bradley_roth", {"t": 100}, r"t is a percentage in \[0, 100\)"),
        ("wolf_jolion", {"max_std": -1.0}, "max_std must be positive"),
        ("bernsen", {"contrast_threshold": "high"}, "contrast_threshold must be a finite"),
        ("local_mean", {"c": None}, "c must be a finite number"),
    ],
)
def test_bad_parameters_fail_with_the_value(name, params, message, blobs) -> None:
    with pytest.raises(ValueError, match=message):
        algorithms.get(name, **params)(blobs[0])


def test_phansalkar_needs_normalised_float_images(blobs) -> None:
    image = blobs[0].astype(np.float64)
    with pytest.raises(ValueError, match=r"intensities in \[0, 1\]; this float image spans"):
        algorithms.get("phansalkar")(image)
    np.testing.assert_array_equal(
        algorithms.get("phansalkar")(image / 255), algorithms.get("phansalkar")(blobs[0])
    )


def test_local_otsu_refuses_16_bit(blobs) -> None:
    with pytest.raises(ValueError, match="8-bit unsigned image"):
        algorithms.get("local_otsu")(blobs[0].astype(np.uint16))


@pytest.mark.parametrize("name", [n for n in LOCAL if n != "adaptive"])
def test_foreground_is_the_bright_side(name: str, blobs) -> None:
    """On bright squares over a dark background, the squares' cores are foreground."""
    image, truth = blobs
    mask = algorithms.get(name, radius=7)(image)
    core = np.zeros_like(truth)
    core[13:22, 15:27] = True
    assert mask[core].mean() > 0.5


def _one_pass_methods(radius: int, shape: str, k: float, c: float) -> list:
    methods = [
        algorithms.get("niblack", radius=radius, k=k, c=c, window=shape),
        algorithms.get("nick", radius=radius, k=k, window=shape),
        algorithms.get("wolf_jolion", radius=radius, k=k, window=shape),
        algorithms.get("wolf_jolion", radius=radius, k=k, window=shape, min_value=3, max_std=9.5),
    ]
    if k >= 0:
        methods.append(algorithms.get("sauvola", radius=radius, k=k, r=64.0, window=shape))
    return methods


@settings(max_examples=40, deadline=None)
@given(
    image=arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 40)),
                 elements=st.integers(0, 255)),
    radius=st.integers(1, 6),
    shape=st.sampled_from(["square", "disk"]),
    k=st.sampled_from([-0.5, -0.2, 0.0, 0.2, 0.5, 1.5]),
    c=st.sampled_from([0.0, -3.0, 2.5]),
)  # fmt: skip
def test_one_pass_kernels_equal_the_numpy_path(image, radius, shape, k, c) -> None:
    """8-bit images take the fused numba kernels: the same masks, bit for bit.

    A 16-bit copy holds the same values but takes the NumPy path (window
    sums, then the formula block by block).
    """
    from algorithms import _fused

    assert _fused.fits(image, radius, shape)
    wide = image.astype(np.uint16)
    for method in _one_pass_methods(radius, shape, k, c):
        np.testing.assert_array_equal(method(image), method(wide), err_msg=repr(method))


@pytest.mark.parametrize("shape", ["square", "disk"])
def test_one_pass_kernels_split_into_row_bands_exactly(shape, monkeypatch, rng) -> None:
    """Large images run as bands of rows on several threads: the same masks as one band."""
    from algorithms import _fused

    image = rng.integers(0, 256, size=(150, 70)).astype(np.uint8)
    image[40:90, 20:50] //= 4  # some structure, so Wolf's largest deviation is not everywhere
    whole = [m(image) for m in _one_pass_methods(4, shape, 0.3, 1.0)]
    monkeypatch.setattr(_fused, "MIN_BAND_ROWS", 16)
    monkeypatch.setattr(_fused._counting, "cores", lambda: 4)
    for method, expected in zip(_one_pass_methods(4, shape, 0.3, 1.0), whole, strict=True):
        np.testing.assert_array_equal(method(image), expected)
        np.testing.assert_array_equal(method(image.astype(np.uint16)), expected)


def test_concurrent_calls_from_threads_agree(blobs) -> None:
    """Tiled runs call the methods from several threads at once (one-pass kernel included)."""
    from concurrent.futures import ThreadPoolExecutor

    image = np.tile(blobs[0], (4, 4))
    methods = [algorithms.get(n, radius=5, window="square") for n in ("sauvola", "niblack")]
    expected = [m(image) for m in methods]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: methods[i % 2](image), range(8)))
    for i, result in enumerate(results):
        np.testing.assert_array_equal(result, expected[i % 2])


# Adaptive (block mean / Gaussian) against slow references


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


@pytest.mark.parametrize("radius", [9, 15, 22])
def test_one_pass_disk_kernels_with_large_radii_equal_the_numpy_path(radius: int, rng) -> None:
    """Large disks sum runs of equal-width rows from two- and four-row rings: the same masks."""
    image = rng.integers(0, 256, size=(90, 71)).astype(np.uint8)
    image[20:60, 10:40] //= 3
    image[5:15, 50:70] = 255
    for k, c in ((0.3, 1.0), (-0.2, 0.0)):
        for method in _one_pass_methods(radius, "disk", k, c):
            expected = method(image.astype(np.uint16))
            np.testing.assert_array_equal(method(image), expected, err_msg=repr(method))
