"""Every input works exactly or is refused clearly, before any work: dtypes and bounds."""

from __future__ import annotations

import numpy as np
import pytest

import algorithms
from algorithms import histogram
from algorithms._validation import MAX_FLOAT_MAGNITUDE, check_image, check_window_cost
from bench.run.curves import threshold_curve

GLOBAL = algorithms.available(kind="global")
LOCAL = algorithms.available(kind="local")


def _bimodal(span: int, seed: int = 0) -> np.ndarray:
    """Two noisy classes over ``0..span`` (Python integers, exact for any width)."""
    rng = np.random.default_rng(seed)
    low = rng.integers(0, span // 3, size=(20, 30))
    high = rng.integers(2 * span // 3, span, size=(20, 30))
    pick = rng.random((20, 30)) < 0.4
    return np.where(pick, high, low).astype(object)


# (dtype, offset): the same levels shifted to where float64 can no longer tell them apart.
SHIFTS = [
    ("int64", 2**60),
    ("int64", 2**63 - 2**41),
    ("int64", -(2**63)),
    ("uint64", 2**63),
    ("uint64", 2**64 - 2**41),
]


@pytest.mark.parametrize("span", [1000, 2**40], ids=["levels", "wide"])
@pytest.mark.parametrize(("dtype", "offset"), SHIFTS)
@pytest.mark.parametrize("name", GLOBAL)
def test_global_thresholds_of_wide_integers_are_exact(name, dtype, offset, span) -> None:
    # Shifting every level by a constant shifts the bins with it: the mask is unchanged.
    levels = _bimodal(span)
    reference = np.array(levels.tolist(), dtype=np.int64)
    shifted = np.array((levels + offset).tolist(), dtype=dtype)
    method = algorithms.get(name)
    expected = method.segment(reference)
    got = method.segment(shifted)
    np.testing.assert_array_equal(got.mask, expected.mask)
    assert got.found == expected.found
    if got.found:
        assert got.mask.any()
        assert not got.mask.all()


@pytest.mark.parametrize(("dtype", "offset"), SHIFTS)
def test_wide_integer_histograms_and_curves_are_exact(dtype, offset) -> None:
    levels = _bimodal(2**40)
    image = np.array((levels + offset).tolist(), dtype=dtype)
    hist = histogram(image)
    assert hist.counts.sum() == image.size
    assert hist.span == int(levels.max()) - int(levels.min())
    for t in range(-1, hist.counts.size):
        value = hist.exact_value(t)
        assert isinstance(value, int)
        # image > value is exactly "bin above t": the counts say how many pixels that is.
        assert int((image > value).sum()) == int(hist.counts[t + 1 :].sum())
    truth = image > hist.exact_value(100)
    curve = threshold_curve(image, truth)
    np.testing.assert_array_equal(curve.tp + curve.fn, int(truth.sum()))
    assert curve.best("f1")[1] == 1.0


def test_uint64_beyond_2_63_with_few_levels_has_one_bin_per_level() -> None:
    image = np.array([[2**64 - 1, 2**64 - 3]], dtype=np.uint64)
    hist = histogram(image)
    assert hist.integer
    assert hist.counts.tolist() == [1, 0, 1]
    assert hist.exact_value(0) == 2**64 - 3
    assert algorithms.get("otsu").segment(image).mask.tolist() == [[True, False]]


@pytest.mark.parametrize("name", [*GLOBAL, *LOCAL])
def test_float16_images_are_segmented_as_their_exact_float32(name, rng) -> None:
    image = rng.random((24, 28)).astype(np.float16)
    method = algorithms.get(name)

    def outcome(array: np.ndarray) -> np.ndarray | str:
        try:
            return method(array)
        except ValueError as error:  # refused alike (local_otsu takes 8-bit images only)
            return str(error)

    half, single = outcome(image), outcome(image.astype(np.float32))
    assert type(half) is type(single)
    np.testing.assert_array_equal(half, single)


@pytest.mark.parametrize("name", algorithms.FILTERS.available())
def test_filters_accept_float16(name, rng) -> None:
    image = (rng.random((24, 28)) * 200).astype(np.float16)
    out = algorithms.get_filter(name)(image)
    assert out.shape == image.shape
    np.testing.assert_array_equal(out, algorithms.get_filter(name)(image.astype(np.float32)))


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.ones((3, 3), bool), "got dtype bool"),
        (np.ones((3, 3), complex), "got dtype complex128"),
        (np.array([[1.0, np.nan]]), "1 NaN or infinite"),
        (np.array([[1.0, MAX_FLOAT_MAGNITUDE * 2]]), "the limit is"),
        (np.ones((3, 3), np.longdouble), "wider than float64")
        if np.dtype(np.longdouble).itemsize > 8
        else (np.ones((3, 3), bool), "got dtype bool"),
    ],
)
def test_refused_images_name_what_was_passed(image, match) -> None:
    with pytest.raises(ValueError, match=match) as error:
        check_image(image, name="images/a.tif")
    assert "images/a.tif" in str(error.value)


@pytest.mark.parametrize(("dtype", "offset"), SHIFTS)
def test_the_gaussian_of_wide_integers_is_shift_invariant(dtype, offset) -> None:
    # float64 steps by 2048 near 2**63: blurring raw values would flatten the image.
    levels = _bimodal(1000)
    gaussian = algorithms.get_filter("gaussian", sigma=1.5)
    expected = gaussian(np.array(levels.tolist(), dtype=np.int64))
    got = gaussian(np.array((levels + offset).tolist(), dtype=dtype))
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(np.array((got.astype(object) - offset).tolist()), expected)


def test_the_gaussian_keeps_64_bit_extremes_in_range() -> None:
    for image in (
        np.array([[0, 2**64 - 1], [2**64 - 1, 2**63]], dtype=np.uint64),
        np.array([[-(2**63), 2**63 - 1], [0, 5]], dtype=np.int64),
    ):
        out = algorithms.get_filter("gaussian", sigma=0.5)(image)
        assert out.dtype == image.dtype
        assert int(image.min()) <= int(out.min()) <= int(out.max()) <= int(image.max())


def test_a_huge_sigma_is_refused_with_the_number_before_any_work() -> None:
    image = np.zeros((4000, 4000), np.uint8)  # the blur would take hours if it started
    gaussian = algorithms.get_filter("gaussian", sigma=1e6)
    with pytest.raises(ValueError, match=r"filter.sigma=1000000.0.*16,000,002 operations"):
        gaussian(image)
    with pytest.raises(ValueError, match=r"filter\.sigma"):
        gaussian.halo()
    with pytest.raises(ValueError, match=r"filter.size=301.*90,601 operations"):
        algorithms.get_filter("median", size=301)(image[:100, :100].astype(np.uint16))


@pytest.mark.parametrize("name", LOCAL)
def test_a_window_beyond_memory_is_refused_with_the_estimate(name) -> None:
    params = {"block_size": 200_001} if name == "adaptive" else {"radius": 100_000}
    method = algorithms.get(name, **params)
    with pytest.raises(ValueError, match=r"\(.*\): a window reaching .* GiB of memory"):
        method(np.zeros((64, 64), np.uint8))


def test_window_cost_counts_work_per_pixel_too() -> None:
    check_window_cost((10, 10), 100, name="r")
    with pytest.raises(ValueError, match="operations per pixel"):
        check_window_cost((1, 1), 9000, name="radius")
