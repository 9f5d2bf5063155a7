"""Every global method: degenerate histograms, options, bit depths, definitions.

Parametrized over the registry, so a newly registered global method is
tested here the moment it exists. ImageJ parity is in test_imagej_parity.py.
"""

from __future__ import annotations

import importlib
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import algorithms
from algorithms import histogram

GLOBAL = algorithms.available(kind="global")


def test_all_imagej_methods_and_huang2_are_registered() -> None:
    names = {name.lower() for name in algorithms.global_thresholds.IMAGEJ_METHODS}
    assert names | {"huang2"} == set(GLOBAL)
    for imagej_name in ("RenyiEntropy", "IJ_IsoData", "MaxEntropy", "MinError", "renyi_entropy"):
        assert algorithms.get(imagej_name).kind == "global"


def _degenerate() -> dict[str, np.ndarray]:
    cases = {"empty": np.zeros(256, np.int64)}
    for level in (0, 1, 128, 254, 255):
        counts = np.zeros(256, np.int64)
        counts[level] = 1000
        cases[f"one level {level}"] = counts
    for low, high in ((0, 255), (0, 1), (254, 255), (100, 101), (50, 200)):
        counts = np.zeros(256, np.int64)
        counts[[low, high]] = (700, 300)
        cases[f"two levels {low},{high}"] = counts
    return cases


@pytest.mark.parametrize("name", GLOBAL)
@pytest.mark.parametrize("case", list(_degenerate()))
def test_degenerate_histograms_give_a_deterministic_answer(name: str, case: str) -> None:
    counts = _degenerate()[case]
    method = algorithms.get(name)
    result = method.find_threshold(counts)
    assert isinstance(result.bin, int)
    assert result == method.find_threshold(counts.copy())
    if np.count_nonzero(counts) < 2:
        assert not result.found
        assert result.reason
    if result.found:  # a found threshold splits the two levels
        levels = np.flatnonzero(counts)
        assert levels[0] <= result.bin < levels[-1]


@pytest.mark.parametrize("name", GLOBAL)
def test_segmenting_a_constant_image_reports_no_threshold(name: str) -> None:
    result = algorithms.get(name).segment(np.full((8, 9), 77, np.uint8))
    assert not result.found
    assert result.reason
    assert result.mask.shape == (8, 9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(0, 3000), min_size=1, max_size=300),
    st.sampled_from(GLOBAL),
    st.booleans(),
)
def test_any_histogram_terminates_with_a_valid_answer(
    counts: list[int], name: str, huge: bool
) -> None:
    array = np.array(counts, np.int64) * (10**6 if huge else 1)
    result = algorithms.get(name).find_threshold(array)
    assert isinstance(result.bin, int)
    if result.found:
        levels = np.flatnonzero(array)
        assert levels[0] <= result.bin < levels[-1]
    else:
        assert result.reason


@pytest.mark.parametrize("name", GLOBAL)
def test_ignore_black_and_white_zero_the_end_bins(name: str, blobs) -> None:
    image, _ = blobs
    image = image.copy()
    image[:5] = 0
    image[-5:] = 255
    counts = histogram(image).counts
    zeroed = counts.copy()
    zeroed[0] = zeroed[-1] = 0
    both = algorithms.get(name, ignore_black=True, ignore_white=True)
    assert both.find_threshold(counts) == algorithms.get(name).find_threshold(zeroed)
    black = counts.copy()
    black[0] = 0
    only_black = algorithms.get(name, ignore_black=True)
    assert only_black.find_threshold(counts) == algorithms.get(name).find_threshold(black)
    assert both.get_params()["ignore_white"] is True


@pytest.mark.parametrize("name", GLOBAL)
def test_bad_option_values_are_clear_errors(name: str, blobs) -> None:
    image, _ = blobs
    with pytest.raises(ValueError, match="ignore_black must be True or False; got 'yes'"):
        algorithms.get(name, ignore_black="yes")(image)


def test_percentile_share_is_a_parameter_checked_at_run_time() -> None:
    counts = np.bincount(np.arange(100), minlength=256)
    assert algorithms.get("percentile").threshold_from_histogram(counts) == 49
    assert algorithms.get("percentile", foreground=0.1).threshold_from_histogram(counts) == 89
    with pytest.raises(ValueError, match=r"strictly between 0 and 1; got 1\.5"):
        algorithms.get("percentile", foreground=1.5).threshold_from_histogram(counts)


@pytest.mark.parametrize("name", GLOBAL)
def test_16_bit_uses_full_resolution_bins_and_keeps_8_bit_answers(name: str, kesm) -> None:
    """A 16-bit copy of an 8-bit image spanning 0..255, shifted by 1000, has
    the same 256-bin histogram (bins are min..max), so the same threshold."""
    image8 = 255 - kesm.image
    image8[0, :2] = (0, 255)
    image16 = image8.astype(np.uint16) + 1000
    method = algorithms.get(name)
    t8, t16 = method.segment(image8), method.segment(image16)
    assert t16.threshold == t8.threshold + 1000
    np.testing.assert_array_equal(t16.mask, t8.mask)


@pytest.mark.parametrize("name", GLOBAL)
def test_float_images_use_256_fixed_edge_bins(name: str, kesm) -> None:
    """Floats spanning 0..255 fall one value per bin: the mask equals the 8-bit one."""
    image8 = 255 - kesm.image
    image8[0, :2] = (0, 255)
    method = algorithms.get(name)
    as_float = method.segment(image8.astype(np.float32))
    np.testing.assert_array_equal(as_float.mask, method.segment(image8).mask)
    assert as_float.found == method.segment(image8).found


def test_12_bit_image_threshold_lies_in_its_range(rng) -> None:
    image = np.concatenate([rng.normal(600, 80, 4000), rng.normal(2500, 300, 2000)])
    image = image.clip(0, 4095).astype(np.uint16).reshape(60, 100)
    hist = histogram(image)
    assert hist.counts.size == int(image.max()) - int(image.min()) + 1
    for name in GLOBAL:
        result = algorithms.get(name).segment(image)
        assert image.min() <= result.threshold <= image.max(), name
        if name in ("otsu", "isodata", "default", "intermodes", "li"):
            assert 900 < result.threshold < 2200, name


def test_mean_and_percentile_follow_their_definitions(rng) -> None:
    values = rng.integers(0, 256, 5000)
    counts = np.bincount(values, minlength=256)
    assert algorithms.get("mean").threshold_from_histogram(counts) == int(np.floor(values.mean()))
    t = algorithms.get("percentile").threshold_from_histogram(counts)
    share = np.cumsum(counts) / counts.sum()
    assert abs(share[t] - 0.5) == np.abs(share - 0.5).min()


def test_intermodes_and_minimum_split_between_the_two_modes() -> None:
    x = np.arange(256)
    counts = np.rint(
        5000 * np.exp(-0.5 * ((x - 60) / 10) ** 2) + 3000 * np.exp(-0.5 * ((x - 180) / 15) ** 2)
    ).astype(np.int64)
    assert 115 <= algorithms.get("intermodes").threshold_from_histogram(counts) <= 125
    t = algorithms.get("minimum").threshold_from_histogram(counts)
    assert 60 < t < 180
    assert counts[t] < 0.001 * counts.max()  # in the valley (counts of 0-2 from 90 to 130)


def test_unimodal_histogram_stops_after_the_documented_smoothings() -> None:
    x = np.arange(256)
    counts = np.rint(1000 * np.exp(-0.5 * ((x - 128) / 20) ** 2)).astype(np.int64)
    for name in ("intermodes", "minimum"):
        result = algorithms.get(name).find_threshold(counts)
        assert (result.bin, result.found) == (0, False)
        assert "10000 smoothings" in result.reason


# -- the 8-bit histogram -------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 41),
    st.integers(0, 2**32 - 1),
    st.integers(1, 60),
    st.booleans(),
)
def test_8_bit_histogram_is_exact(rows: int, cols: int, seed: int, levels: int, masked: bool):
    """Both counting paths (compiled kernel, cv2.calcHist chunks), odd sizes, masks."""
    module = importlib.import_module("algorithms.histogram")
    rng = np.random.default_rng(seed)
    image = rng.integers(0, levels, (rows, cols)).astype(np.uint8) * (255 // levels)
    fov = rng.random(image.shape) < 0.7 if masked else None
    expected = np.bincount((image if fov is None else image[fov]).ravel(), minlength=256)
    np.testing.assert_array_equal(module.histogram(image, fov).counts, expected)
    flipped = None if fov is None else fov[:, ::-1]  # a non-contiguous view, copied
    np.testing.assert_array_equal(module._hist_uint8(image[:, ::-1], flipped), expected)
    flat_fov = None if fov is None else fov.reshape(-1).view(np.uint8)
    with mock.patch.object(module, "_CALCHIST_CHUNK", 7):  # many chunks on a small image
        fallback = module._calchist_uint8(image.reshape(-1), flat_fov)
    np.testing.assert_array_equal(fallback, expected)


def test_numba_is_there_to_count() -> None:
    assert importlib.import_module("algorithms._counting").AVAILABLE


def test_8_bit_histogram_counts_beyond_float32_exactly() -> None:
    """cv2.calcHist returns float32 counts; 2**24 + 1 black pixels must stay exact."""
    module = importlib.import_module("algorithms.histogram")
    image = np.zeros((4097, 4097), np.uint8)  # 16,785,409 > 2**24 pixels of value 0
    image[0, :3] = (1, 2, 255)
    fov = np.ones(image.shape, bool)
    for counts in (
        histogram(image).counts,
        histogram(image, fov).counts,
        module._calchist_uint8(image.reshape(-1), None),
    ):
        assert counts[0] == 4097 * 4097 - 3
        assert counts[[1, 2, 255]].tolist() == [1, 1, 1]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_mean_from_the_image_equals_mean_from_its_histogram(dtype, rng) -> None:
    image = rng.integers(0, 250, (37, 53)).astype(dtype) * (200 if dtype == np.uint16 else 1)
    mean = algorithms.get("mean")
    fast = mean.segment(image)  # no histogram: sums the image
    slow = mean.segment(image, hist=histogram(image))
    assert fast.threshold == slow.threshold == np.floor(image.mean())
    np.testing.assert_array_equal(fast.mask, slow.mask)
    constant = mean.segment(np.full((5, 5), 9, dtype))
    assert (constant.threshold, constant.found) == (9.0, False)


def test_integer_images_wider_than_16_bits_use_fixed_edge_bins() -> None:
    image = np.array([[0, 10, 70000, 100000]], dtype=np.int32)
    hist = histogram(image)
    assert hist.counts.size == 256
    assert not hist.integer
    result = algorithms.get("otsu").segment(image)
    np.testing.assert_array_equal(result.mask, [[False, False, True, True]])
    narrow = histogram(np.array([[5, 65540]], dtype=np.int32))  # 65,536 levels: full resolution
    assert narrow.counts.size == 65536
    assert narrow.integer


# ImageJ reference values on the KESM sample and defining properties


# ImageJ 1.53t (../shared/tools/imagej) on the KESM tile, inverted and median 3×3 (the
# built-in sample declares the article's invert step: its image is the inverted tile).
IMAGEJ_KESM = {"otsu": 79, "li": 44}


@pytest.mark.parametrize(("name", "expected"), IMAGEJ_KESM.items())
def test_imagej_threshold_on_kesm(name: str, expected: int, kesm) -> None:
    image = algorithms.get_filter("median", size=3)(kesm.image)
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
