"""Window statistics: exact against per-window loops, and against ImageJ's RankFilters."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage
from window_reference import in_window, per_pixel, window_values

import algorithms
from algorithms import local_moments, windows

IMAGEJ = Path(__file__).resolve().parents[1] / "fixtures" / "imagej_rank" / "imagej_rank.npz"


images = arrays(
    st.sampled_from([np.uint8, np.uint16, np.int16, np.int32, np.float64]),
    st.tuples(st.integers(1, 11), st.integers(1, 11)),
    elements=st.integers(0, 255),
)
radii = st.integers(1, 4)
shapes = st.sampled_from(windows.SHAPES)


@pytest.mark.parametrize("radius", [1, 2, 3, 5, 15])
def test_disk_is_imagej_kernel(radius: int) -> None:
    mask = windows.footprint(radius, "disk")
    expected = [
        [in_window(dy, dx, radius, "disk") for dx in range(-radius, radius + 1)]
        for dy in range(-radius, radius + 1)
    ]
    np.testing.assert_array_equal(mask, expected)
    assert mask.sum() % 2 == 1  # an odd count: the median is one of the values
    assert windows.footprint(radius, "square").all()


def test_disk_sizes_match_imagej() -> None:
    assert [int(windows.footprint(r, "disk").sum()) for r in (1, 2, 3, 15)] == [9, 21, 37, 717]


@settings(max_examples=80, deadline=None)
@given(image=images, radius=radii, shape=shapes)
def test_moments_are_exact_window_sums(image: np.ndarray, radius: int, shape: str) -> None:
    moments = windows.window_moments(image, radius, shape)
    assert moments.count == len(window_values(image, 0, 0, radius, shape))
    np.testing.assert_array_equal(moments.total, per_pixel(image, radius, shape, sum))
    squares = per_pixel(image, radius, shape, lambda v: sum(x * x for x in v))
    np.testing.assert_array_equal(moments.total_sq, squares)
    n = moments.count
    numerator = n * squares - per_pixel(image, radius, shape, sum) ** 2
    np.testing.assert_array_equal(moments.variance_numerator(), numerator)


@settings(max_examples=80, deadline=None)
@given(image=images, radius=radii, shape=shapes)
def test_order_statistics_equal_per_window_loops(image: np.ndarray, radius: int, shape: str):
    np.testing.assert_array_equal(
        windows.window_max(image, radius, shape), per_pixel(image, radius, shape, max)
    )
    np.testing.assert_array_equal(
        windows.window_min(image, radius, shape), per_pixel(image, radius, shape, min)
    )
    np.testing.assert_array_equal(
        windows.window_median(image, radius, shape),
        per_pixel(image, radius, shape, lambda v: sorted(v)[len(v) // 2]),
    )


def test_large_windows_use_the_same_definitions(rng: np.random.Generator) -> None:
    """Radius 15 exercises the FFT disk sums and OpenCV's large-kernel paths."""
    image = rng.integers(0, 256, (14, 11), dtype=np.uint8)
    for shape in windows.SHAPES:
        moments = windows.window_moments(image, 15, shape)
        np.testing.assert_array_equal(moments.total, per_pixel(image, 15, shape, sum))
        np.testing.assert_array_equal(
            windows.window_median(image, 15, shape),
            per_pixel(image, 15, shape, lambda v: sorted(v)[len(v) // 2]),
        )
    wide = image.astype(np.uint16) * 257  # 16-bit, radius 15: the exact row-prefix path
    squares = per_pixel(wide, 15, "disk", lambda v: sum(x * x for x in v))
    np.testing.assert_array_equal(windows.window_moments(wide, 15, "disk").total_sq, squares)


def otsu_criterion(values: list[int], t: int) -> Fraction:
    """Between-class variance (times n²) of splitting ``values`` into ≤ t and > t, exactly."""
    n, total = len(values), sum(values)
    below = [v for v in values if v <= t]
    n0, s0 = len(below), sum(below)
    if n0 in (0, n):
        return Fraction(-1)
    return Fraction((n * s0 - n0 * total) ** 2, n0 * (n - n0))


def otsu_reference(values: list[int]) -> int:
    """First threshold maximising the between-class variance; 0 without a split."""
    best, best_t = Fraction(-1), 0
    for t in range(max(values) + 1):
        score = otsu_criterion(values, t)
        if score > best:
            best, best_t = score, t
    return best_t


@settings(max_examples=40, deadline=None)
@given(
    image=arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9)),
                 elements=st.sampled_from([0, 3, 4, 50, 51, 200, 255])),
    radius=radii, shape=shapes,
)  # fmt: skip
def test_local_otsu_maximises_the_between_class_variance(image, radius, shape) -> None:
    fast = windows.window_otsu(image, radius, shape)
    for (y, x), t in np.ndenumerate(fast):
        values = window_values(image, y, x, radius, shape)
        expected = otsu_reference(values)
        # Equal, or an exactly tied optimum (scikit-image's float64 kernel).
        assert t == expected or otsu_criterion(values, int(t)) == otsu_criterion(values, expected)


def test_local_otsu_refuses_float_images() -> None:
    with pytest.raises(ValueError, match=r"8-bit unsigned image.*float64"):
        windows.window_otsu(np.zeros((4, 4)), 1, "disk")


@pytest.mark.parametrize("bad", [0, -2, 1.5, "3", True, None])
def test_radius_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValueError, match="radius must be an integer >= 1"):
        windows.footprint(bad, "disk")  # type: ignore[arg-type]


def test_window_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="window must be one of 'disk', 'square'; got 'circle'"):
        windows.footprint(3, "circle")


@pytest.mark.skipif(not IMAGEJ.is_file(), reason="ImageJ fixture missing")
@pytest.mark.parametrize("name", ["kesm", "levels"])
@pytest.mark.parametrize("radius", [1, 2, 3, 5, 8, 15])
def test_statistics_equal_imagej_rankfilters(name: str, radius: int) -> None:
    """ImageJ 1.53t's RankFilters (what Fiji's Auto Local Threshold calls) on the same pixels."""
    fixture = np.load(IMAGEJ)
    image = fixture[f"{name}/image"]
    expected = {stat: fixture[f"{name}/{radius}/{stat}"] for stat in
                ("MIN", "MAX", "MEDIAN", "MEAN", "VARIANCE")}  # fmt: skip
    np.testing.assert_array_equal(windows.window_min(image, radius, "disk"), expected["MIN"])
    np.testing.assert_array_equal(windows.window_max(image, radius, "disk"), expected["MAX"])
    np.testing.assert_array_equal(windows.window_median(image, radius, "disk"), expected["MEDIAN"])
    moments = windows.window_moments(image, radius, "disk")
    # ImageJ stores float32: our float64 mean rounds to exactly its value ...
    np.testing.assert_array_equal(moments.mean().astype(np.float32), expected["MEAN"])
    # ... and its variance (running double sums, then float32) to float32 precision.
    variance = moments.variance_numerator() / moments.count**2
    np.testing.assert_allclose(variance, expected["VARIANCE"], rtol=1e-6, atol=1e-3)


@pytest.mark.parametrize("shape", windows.SHAPES)
def test_moments_without_squares_hold_the_sums_only(shape: str, blobs) -> None:
    image = blobs[0]
    full = windows.window_moments(image, 4, shape)
    sums = windows.window_moments(image, 4, shape, squares=False)
    np.testing.assert_array_equal(sums.total, full.total)
    assert sums.total_sq is None
    with pytest.raises(ValueError, match="without squares"):
        sums.variance_numerator()


@pytest.mark.parametrize("shape", windows.SHAPES)
def test_signed_8_bit_moments_are_exact(shape: str, rng) -> None:
    image = rng.integers(-128, 128, size=(9, 12)).astype(np.int8)
    moments = windows.window_moments(image, 3, shape)
    np.testing.assert_array_equal(moments.total, per_pixel(image, 3, shape, sum))
    squares = per_pixel(image, 3, shape, lambda v: sum(x * x for x in v))
    np.testing.assert_array_equal(moments.total_sq, squares)


def _exact_window_sums(image: np.ndarray, radius: int, shape: str) -> tuple[list, list, int]:
    """Window count, and every window's sum and sum of squares as Python integers.

    Independent of ``algorithms.windows``: the window rows from the definition
    (``dx² + dy² ≤ r² + 1`` for the disk), out-of-image positions clamped to
    the nearest edge pixel, counted rather than enumerated so that radii in
    the hundreds stay cheap on a small image.
    """
    rows, cols = image.shape
    values = [[int(v) for v in row] for row in image]
    half = {dy: radius if shape == "square" else math.isqrt(radius * radius + 1 - dy * dy)
            for dy in range(-radius, radius + 1)}  # fmt: skip
    count = sum(2 * w + 1 for w in half.values())

    def segment(row: list, x: int, w: int, power: int) -> int:
        left, right = x - w, x + w
        inside = sum(v**power for v in row[max(left, 0) : min(right, cols - 1) + 1])
        return (
            inside + max(0, -left) * row[0] ** power + max(0, right - cols + 1) * row[-1] ** power
        )

    sums, squares = [], []
    for y in range(rows):
        for x in range(cols):
            window_rows = [(values[min(max(y + dy, 0), rows - 1)], w) for dy, w in half.items()]
            sums.append(sum(segment(row, x, w, 1) for row, w in window_rows))
            squares.append(sum(segment(row, x, w, 2) for row, w in window_rows))
    return sums, squares, count


def _assert_exact(got: np.ndarray, exact: list[int], what: str) -> None:
    """Integer arrays hold the exact values; float arrays their correctly rounded floats."""
    got = got.ravel()
    if np.issubdtype(got.dtype, np.integer):
        assert [int(v) for v in got] == exact, what
    else:
        assert [float(v) for v in got] == [float(v) for v in exact], what


WIDE_DTYPES = [np.uint8, np.uint16, np.int16, np.int32]


@pytest.mark.parametrize("shape", windows.SHAPES)
@pytest.mark.parametrize("radius", [1, 2, 7, 22, 50, 120, 200])
@pytest.mark.parametrize("dtype", WIDE_DTYPES)
def test_moments_are_exact_for_every_integer_dtype(dtype, radius: int, shape: str) -> None:
    """Sums, sums of squares and ``n·Σx² − (Σx)²`` against Python integers.

    The dtype's extreme values sit in the image, so the numerator reaches
    ~2⁹⁶ for int32 at radius 200: exact in 128 bits, then rounded once.
    """
    info = np.iinfo(dtype)
    rng = np.random.default_rng(radius)
    image = rng.integers(int(info.min), int(info.max) + 1, size=(5, 6), dtype=np.int64)
    image[0, 0], image[4, 5], image[2, 3] = info.min, info.max, info.max
    image = image.astype(dtype)
    sums, squares, count = _exact_window_sums(image, radius, shape)
    moments = windows.window_moments(image, radius, shape)
    assert moments.count == count
    _assert_exact(moments.total, sums, "sums")
    _assert_exact(moments.total_sq, squares, "sums of squares")
    numerators = [count * q - s * s for s, q in zip(sums, squares, strict=True)]
    numerator = moments.variance_numerator()
    assert numerator.dtype == np.float64
    _assert_exact(numerator, numerators, "variance numerators")
    assert max(map(abs, sums)) < 2**53  # so float(S) / n is the correctly rounded mean
    np.testing.assert_array_equal(moments.mean().ravel(), [s / count for s in sums])


@pytest.mark.parametrize(
    ("dtype", "radius"),
    [
        (np.uint16, 22),
        (np.uint16, 150),
        (np.int16, 50),
        (np.uint8, 700),
        (np.int32, 3),
        (np.int32, 200),
    ],
)
@pytest.mark.parametrize("shape", windows.SHAPES)
def test_niblack_and_sauvola_on_wide_images_follow_their_formula(dtype, radius, shape) -> None:
    """Once crashed ("Cannot cast ufunc 'multiply' output"): uint16 at radius ≥ 22 and beyond."""
    info = np.iinfo(dtype)
    rng = np.random.default_rng(7)
    low = max(int(info.min), 0) if dtype != np.int32 else int(info.min)
    image = rng.integers(low, int(info.max) + 1, size=(6, 7), dtype=np.int64).astype(dtype)
    sums, squares, count = _exact_window_sums(image, radius, shape)
    mean = np.array([s / count for s in sums]).reshape(image.shape)
    std = np.array(
        [math.sqrt(count * q - s * s) / count for s, q in zip(sums, squares, strict=True)]
    )
    std = std.reshape(image.shape)
    pixels = image.astype(np.float64)
    cases = [("niblack", {"k": 0.2}, mean + 0.2 * std), ("niblack", {"k": -0.3}, mean - 0.3 * std)]
    if dtype != np.int32:  # Sauvola's r: half the value range, as for 8-bit images
        r = (float(info.max) - float(info.min)) / 2
        cases.append(("sauvola", {"k": 0.5, "r": r}, mean * (1 + 0.5 * (std / r - 1))))
    for name, params, threshold in cases:
        got = algorithms.get(name, radius=radius, window=shape, **params)(image)
        near_tie = np.abs(pixels - threshold) <= 1e-9 * np.maximum(1.0, np.abs(threshold))
        assert not ((got != (pixels > threshold)) & ~near_tie).any(), (name, params)


MOMENT_METHODS = [
    name
    for name in algorithms.available(kind="local")
    if isinstance(algorithms.get(name), local_moments._MomentThreshold)
]


@pytest.mark.parametrize("name", MOMENT_METHODS)
@pytest.mark.parametrize("dtype", WIDE_DTYPES)
def test_every_moment_method_runs_on_wide_images_with_large_windows(name: str, dtype) -> None:
    """No overflow, no cast error: every moment method, every dtype, radius 120."""
    info = np.iinfo(dtype)
    image = (
        np.random.default_rng(3)
        .integers(max(int(info.min), 0), int(info.max) + 1, size=(9, 8), dtype=np.int64)
        .astype(dtype)
    )
    for shape in windows.SHAPES:
        mask = algorithms.get(name, radius=120, window=shape)(image)
        assert mask.shape == image.shape
        assert mask.dtype == bool


@pytest.mark.parametrize("shape", windows.SHAPES)
@pytest.mark.parametrize("radius", [1, 2, 3, 6, 10, 15, 16, 21, 31, 63, 100])
@pytest.mark.parametrize("budget", [0, (2**16 - 1) // 255])
def test_row_plan_sums_every_window_row_once(radius: int, shape: str, budget: int) -> None:
    """The compiled disk sums' plan: each row once, at its half-width, each pass within budget."""
    from algorithms import _window_kernels

    widths = windows.half_widths(radius, shape)
    if budget and 4 * (2 * int(widths.max()) + 1) * 255 >= 2**16:
        budget = 0  # windows this wide take an int32 ring (accumulation_types)
    levels, terms, passes = _window_kernels.row_plan(widths, budget)
    size = widths.size
    seen = [0] * size
    seen[radius] = 1  # the middle row: accumulate starts from it
    pixels = []
    for base, top, bottom, right, left in terms.tolist():
        level, rows = base // size, 1 << (base // size)
        assert base % size == 0
        assert level < levels
        width = right - radius - 1
        assert radius - left == width
        assert bottom == 2 * radius - top - rows + 1
        for k in [*range(top, top + rows), *range(bottom, bottom + rows)]:
            assert widths[k] == width, (k, width)
            seen[k] += 1
        pixels.append(2 * rows * (2 * width + 1))
    assert seen == [1] * size
    assert passes[:, 0].tolist() == np.cumsum([0, *passes[:-1, 1].tolist()]).tolist()
    assert int(passes[:, 1].sum()) == len(terms)
    assert set(passes[:, 1].tolist()) <= {1, 2, 3, 4}
    if budget:
        for first, count in passes.tolist():
            assert count == 1 or sum(pixels[first : first + count]) <= budget


@pytest.mark.parametrize("radius", [9, 15, 22])
def test_disk_sums_of_8_bit_images_use_every_ring_level_exactly(radius: int, rng) -> None:
    """Radius ≥ 9 sums runs of four equal-width disk rows as one segment: still exact."""
    image = rng.integers(0, 256, size=(61, 47)).astype(np.uint8)
    image[10:30, 5:25] = 255  # saturated blocks: the uint16 ring's passes at their largest
    moments = windows.window_moments(image, radius, "disk")
    wide = windows.window_moments(image.astype(np.int32), radius, "disk")
    reference = ndimage.correlate(
        image.astype(np.int64), windows.footprint(radius, "disk").astype(np.int64), mode="nearest"
    )
    np.testing.assert_array_equal(moments.total, reference)
    np.testing.assert_array_equal(wide.total, reference)
    squares = ndimage.correlate(
        image.astype(np.int64) ** 2,
        windows.footprint(radius, "disk").astype(np.int64),
        mode="nearest",
    )
    np.testing.assert_array_equal(moments.total_sq, squares)
    np.testing.assert_array_equal(wide.total_sq, squares)
