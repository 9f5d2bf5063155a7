"""Tiled execution equals whole-image execution, bit for bit, for every registered method."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import algorithms
from algorithms import histogram
from bench.metrics import ConfusionCounts, confusion_counts, f1, scores
from bench.scale.tiling import segment_tiled, segment_tiled_group, tile_grid, tile_histogram

# 50 = 7*7 + 1 and 67 = 11*6 + 1: the last tile of every row and column of the
# (7, 11) grid is one pixel wide; (16, 32) does not divide the image either.
# The (3, 2) grid runs on a 19 x 27 crop (19 = 3*6 + 1, 27 = 2*13 + 1: one-pixel
# last tiles again) to keep its ~90 tiles quick. The default adaptive window's
# halo (33) is larger than all of these tiles.
SHAPE = (50, 67)
AWKWARD_TILES = [((7, 11), SHAPE), ((3, 2), (19, 27)), ((16, 32), SHAPE)]


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A uint8 image with a ramp, noise and bright blobs; its truth; a disc field of view."""
    rng = np.random.default_rng(2024)
    rows, cols = np.mgrid[: SHAPE[0], : SHAPE[1]]
    blobs = ((rows - 20) ** 2 + (cols - 15) ** 2 < 80) | ((rows - 35) ** 2 + (cols - 50) ** 2 < 60)
    image = 70 + 0.8 * cols + 90 * blobs + rng.normal(0, 18, SHAPE)
    fov = (rows - 25) ** 2 + (cols - 33) ** 2 < 28**2
    return image.clip(0, 255).astype(np.uint8), blobs, fov


def _whole(image, seg, filt, fov=None):
    return seg.segment(filt(image), fov=fov)


def _with_image_wide_values(seg, filtered):
    """``seg`` with the image-wide values it declares (if any) fixed from the whole image."""
    statistics = getattr(seg, "image_statistics", None)
    values = statistics(filtered) if statistics is not None else {}
    return type(seg)(**{**seg.get_params(), **values}) if values else seg


def _check_equal(image, truth, fov, seg, filt, tile_shape, fov_for_threshold=True):
    whole = _whole(image, seg, filt, fov if fov_for_threshold else None)
    out = np.zeros(image.shape, dtype=bool)
    tiled = segment_tiled(image, _with_image_wide_values(seg, filt(image)), filt, truth=truth,
                          fov=fov, tile_shape=tile_shape, out=out,
                          fov_for_threshold=fov_for_threshold)  # fmt: skip
    np.testing.assert_array_equal(out, whole.mask)
    assert tiled.thresholds == [whole.threshold]
    assert tiled.found == [whole.found]
    assert tiled.counts == confusion_counts(truth, whole.mask, fov)
    assert tiled.scores == scores(tiled.counts)


@pytest.mark.parametrize("filter_name", algorithms.available_filters())
@pytest.mark.parametrize("name", algorithms.available())
def test_every_method_and_filter_tiled_equals_whole(scene, name, filter_name) -> None:
    seg = algorithms.get(name)
    if seg.requires_fit:
        pytest.skip(f"{name} must be trained first; its own tests check tiling after fitting")
    if not seg.tileable:
        pytest.skip(f"{name} declares tileable = False: the tiled runner refuses it")
    image, truth, _ = scene
    filt = algorithms.get_filter(filter_name)
    for tile_shape, (rows, cols) in AWKWARD_TILES:
        _check_equal(image[:rows, :cols], truth[:rows, :cols], None, seg, filt, tile_shape)


@pytest.mark.parametrize("name", algorithms.available())
def test_every_method_tiled_equals_whole_within_a_field_of_view(scene, name) -> None:
    seg = algorithms.get(name)
    if seg.requires_fit:
        pytest.skip(f"{name} must be trained first")
    if not seg.tileable:
        pytest.skip(f"{name} declares tileable = False: the tiled runner refuses it")
    image, truth, fov = scene
    for inside in (True, False):  # threshold from the field of view, or from the whole image
        _check_equal(image, truth, fov, seg, algorithms.get_filter("median", size=5), (7, 11),
                     fov_for_threshold=inside)  # fmt: skip


@pytest.mark.parametrize("fov_for_threshold", [True, False])
@pytest.mark.parametrize("filter_name", algorithms.available_filters())
def test_a_group_of_every_method_equals_each_method_alone(scene, filter_name, fov_for_threshold):
    """One group run (each tile prepared once per pass) = each segmenter's own tiled run."""
    image, truth, fov = scene
    filt = algorithms.get_filter(filter_name)
    segs = [
        _with_image_wide_values(algorithms.get(name), filt(image))
        for name in algorithms.available()
        if not algorithms.get_class(name).requires_fit and algorithms.get_class(name).tileable
    ]
    outs = [np.zeros(image.shape, bool) for _ in segs]
    kwargs = {"truth": truth, "fov": fov, "tile_shape": (16, 32),
              "fov_for_threshold": fov_for_threshold}  # fmt: skip
    grouped = segment_tiled_group(image, segs, filt, outs=outs, **kwargs)
    assert len(grouped) == len(segs) > 30
    for seg, result, out in zip(segs, grouped, outs, strict=True):
        alone_out = np.zeros(image.shape, bool)
        alone = segment_tiled(image, seg, filt, out=alone_out, **kwargs)
        np.testing.assert_array_equal(out, alone_out, err_msg=seg.name)
        assert (result.thresholds, result.found, result.counts) == (
            alone.thresholds,
            alone.found,
            alone.counts,
        ), seg.name
        whole = _whole(image, seg, filt, fov if fov_for_threshold else None)
        np.testing.assert_array_equal(out, whole.mask, err_msg=seg.name)


def test_a_group_reads_each_tile_once_per_pass(scene) -> None:
    image, truth, _ = scene
    done = []
    segment_tiled_group(image, ["otsu", "li", "mean", "sauvola"], "median", truth=truth,
                        tile_shape=(25, 34), on_unit=done.append)  # fmt: skip
    # four tiles; one histogram pass and one segment pass for the whole group
    assert sorted(u.stage for u in done) == ["histogram"] * 4 + ["segment"] * 4


def test_global_methods_with_truth_and_no_masks_need_one_pass(scene) -> None:
    image, truth, _ = scene
    done = []
    segment_tiled_group(image, algorithms.available(kind="global"), "median", truth=truth,
                        tile_shape=(25, 34), on_unit=done.append)  # fmt: skip
    assert sorted(u.stage for u in done) == ["histogram"] * 4


@pytest.mark.parametrize("dtype", [np.uint16, np.int16, np.int8])
@pytest.mark.parametrize("with_truth", [True, False])
def test_16_bit_images_need_no_range_pass(dtype, with_truth) -> None:
    """Per-level tables add up without knowing the range: one pass, the type's extremes included."""
    rng = np.random.default_rng(5)
    info = np.iinfo(dtype)
    image = rng.integers(info.min, info.max, (30, 41), dtype=dtype, endpoint=True)
    image[0, 0], image[-1, -1] = info.min, info.max
    truth = rng.random(image.shape) < 0.3
    fov = rng.random(image.shape) < 0.8
    done = []
    names = ["otsu", "li", "percentile", "minimum"]
    results = segment_tiled_group(image, names, None, truth=truth if with_truth else None,
                                  fov=fov, tile_shape=(8, 16), on_unit=done.append)  # fmt: skip
    assert {u.stage for u in done} == {"histogram"}
    for name, result in zip(names, results, strict=True):
        whole = algorithms.get(name).segment(image, fov=fov)
        assert result.thresholds == [whole.threshold], name
        if with_truth:
            assert result.counts == confusion_counts(truth, whole.mask, fov), name


def _wide(image: np.ndarray, dtype: type) -> np.ndarray:
    """``image`` in another type, spread over more levels (int64: more than 2**16)."""
    if dtype == np.uint8:
        return image
    scaled = image.astype(np.float64) * (1e6 if dtype == np.int64 else 37.3)
    scaled -= 5000 if dtype in (np.int16, np.int64) else 0
    return (np.rint(scaled) if np.issubdtype(dtype, np.integer) else scaled).astype(dtype)


@pytest.mark.parametrize("polarity", ["bright", "dark"])
@pytest.mark.parametrize("where", ["all", "fov", "fov-counts-only"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.int64, np.float32])
def test_one_pass_counts_equal_the_counts_of_the_masks(scene, dtype, where, polarity) -> None:
    """Counts from summed joint histograms = counts of the applied masks, tile by tile.

    Every global method, as one group: without mask outputs the group makes
    one pass (histograms and joint histograms); with them, a second pass
    applies each threshold. Thresholds, totals and every tile's row agree,
    and the totals are the whole-image run's.
    """
    image, truth, fov = scene
    stack = np.stack([_wide(image, dtype), _wide(image[::-1], dtype)])  # two slices
    truths = np.stack([truth, truth[::-1]])
    names = algorithms.available(kind="global")
    filt = algorithms.get_filter("median")
    kwargs = {"truth": truths, "fov": None if where == "all" else np.stack([fov, fov]),
              "fov_for_threshold": where != "fov-counts-only", "polarity": polarity,
              "tile_shape": (16, 32)}  # fmt: skip
    one_pass = segment_tiled_group(stack, names, filt, **kwargs)
    outs = [np.zeros(stack.shape, bool) for _ in names]
    applied = segment_tiled_group(stack, names, filt, outs=outs, **kwargs)
    for name, quick, full, out in zip(names, one_pass, applied, outs, strict=True):
        assert (quick.thresholds, quick.found, quick.counts) == (
            full.thresholds, full.found, full.counts), name  # fmt: skip
        assert quick.tiles.equals(full.tiles), name
        counting_fov = kwargs["fov"]
        assert quick.counts == confusion_counts(truths, out, counting_fov), name


@pytest.mark.parametrize(
    ("seg", "filt"),
    [
        (algorithms.get("adaptive", block_size=9, method="mean", offset=-3), "gaussian"),
        (algorithms.get("adaptive", block_size=25, method="gaussian"), "median"),
        (algorithms.get("otsu"), algorithms.get_filter("gaussian", sigma=2.5)),
        (algorithms.get("li"), algorithms.get_filter("median", size=7)),
    ],
)
def test_non_default_parameters_tile_exactly(scene, seg, filt) -> None:
    image, truth, _ = scene
    filt = algorithms.get_filter(filt) if isinstance(filt, str) else filt
    for tile_shape in [(5, 9), (64, 64)]:
        _check_equal(image, truth, None, seg, filt, tile_shape)
    _check_equal(image[:12, :15], truth[:12, :15], None, seg, filt, (1, 1))


@pytest.mark.parametrize("dtype", [np.uint16, np.int16, np.float32, np.float64])
@pytest.mark.parametrize("name", algorithms.available(kind="global"))
def test_global_methods_on_wider_types_get_the_whole_image_threshold(scene, dtype, name) -> None:
    image, truth, fov = scene
    scaled = image.astype(np.float64) * 37.3 - (5000 if dtype == np.int16 else 0)
    if np.issubdtype(dtype, np.integer):
        scaled = np.rint(scaled)
    wide = scaled.astype(dtype)
    for mask in (None, fov):
        _check_equal(
            wide, truth, mask, algorithms.get(name), algorithms.get_filter("median"), (7, 11)
        )


@settings(max_examples=30, deadline=None)
@given(
    rows=st.integers(1, 24),
    cols=st.integers(1, 24),
    tile_r=st.integers(1, 9),
    tile_c=st.integers(2, 9),
    dtype=st.sampled_from([np.uint8, np.uint16, np.float32]),
    seed=st.integers(0, 2**16),
)
def test_tile_histograms_add_up_to_the_image_histogram(
    rows, cols, tile_r, tile_c, dtype, seed
) -> None:
    rng = np.random.default_rng(seed)
    image = (rng.random((rows, cols)) * 200).astype(dtype)
    fov = rng.random((rows, cols)) < 0.7
    fov.flat[0] = True
    bounds = (image[fov].min().item(), image[fov].max().item())
    whole = histogram(image, fov)
    parts = [
        tile_histogram(image[t.core], fov[t.core], bounds)
        for t in tile_grid(image.shape, (tile_r, tile_c))
    ]
    total = parts[0] if parts[0] is not None else None
    for part in parts[1:]:
        if part is not None:
            total = part if total is None else total + part
    assert total is not None
    np.testing.assert_array_equal(total.counts, whole.counts)
    assert (total.offset, total.width, total.integer) == (whole.offset, whole.width, whole.integer)


def test_tile_grid_covers_the_image_once_with_clipped_halos() -> None:
    tiles = tile_grid((10, 7), (4, 3), halo=2)
    cover = np.zeros((10, 7), dtype=int)
    for tile in tiles:
        cover[tile.core] += 1
        outer = np.zeros((10, 7), dtype=bool)
        outer[tile.outer] = True
        assert outer[tile.core].all()
        inner = np.arange(70).reshape(10, 7)[tile.outer][tile.inner]
        np.testing.assert_array_equal(inner, np.arange(70).reshape(10, 7)[tile.core])
    assert (cover == 1).all()
    assert tiles[-1].core == (slice(8, 10), slice(6, 7))
    assert tiles[-1].outer == (slice(6, 10), slice(4, 7))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tile_shape": 0}, "tile_shape must be a positive integer"),
        ({"tile_shape": (4, 2, 1)}, "tile_shape"),
        ({"polarity": "dim"}, "polarity must be 'bright' or 'dark'"),
        ({"truth": np.zeros((3, 3), bool)}, r"truth has shape \(3, 3\)"),
        # labels are read by truth_value (255), as datasets read them: 0/1 labels are not
        (
            {"truth": (np.arange(50 * 67).reshape(50, 67) % 2).astype(np.uint8)},
            r"not binary under the rule foreground == 255: found values 0, 1",
        ),
    ],
)
def test_bad_arguments_say_what_is_wrong(scene, kwargs, message) -> None:
    image = scene[0]
    with pytest.raises(ValueError, match=message):
        segment_tiled(image, "otsu", **kwargs)


class _ImageWide(algorithms.LocalThreshold):
    """A local method that also uses an image-wide value (as Wolf–Jolion does)."""

    def __init__(self, floor: float | None = None) -> None:
        self.floor = floor

    def image_statistics(self, image):
        return {"floor": float(image.min())}

    def halo(self) -> int:
        return 1

    def _mask(self, image):
        floor = image.min() if self.floor is None else self.floor
        return image > (floor + image.astype(float)) / 2 + 5


def test_a_local_method_with_image_wide_values_must_have_them_set(scene) -> None:
    image = scene[0]
    with pytest.raises(ValueError, match=r"image-wide values \(floor\).*image_statistics"):
        segment_tiled(image, _ImageWide(), tile_shape=16)
    out = np.zeros(image.shape, bool)
    segment_tiled(image, _with_image_wide_values(_ImageWide(), image), tile_shape=16, out=out)
    np.testing.assert_array_equal(out, _ImageWide()(image))


@pytest.mark.parametrize("name", ["otsu", "li", "sauvola", "bernsen", "wan"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_dark_polarity_is_fijis_rule_like_the_whole_image_runner(scene, name, dtype) -> None:
    """Tiles pass ``objects="dark"`` as the whole-image run does: nothing is inverted."""
    image, truth, _ = scene
    image = image.astype(dtype)
    seg, filt = algorithms.get(name), algorithms.get_filter("median")
    whole = seg.segment(filt(image), objects="dark")
    tiled = segment_tiled(image, seg, filt, truth=~truth, polarity="dark", tile_shape=9)
    assert tiled.thresholds == [whole.threshold]
    assert tiled.counts == confusion_counts(~truth, whole.mask)
    if whole.threshold is not None:
        np.testing.assert_array_equal(whole.mask, filt(image) <= whole.threshold)


def test_an_empty_field_of_view_is_refused_like_the_whole_image_run(scene) -> None:
    image = scene[0].astype(np.uint16)
    empty = np.zeros(image.shape, dtype=bool)
    with pytest.raises(ValueError, match="field of view holds no pixel"):
        histogram(image, empty)
    with pytest.raises(ValueError, match="field of view holds no pixel"):
        segment_tiled(image, "otsu", fov=empty, tile_shape=16)


def test_per_tile_scores_are_there_and_their_mean_is_not_the_image_score(scene) -> None:
    image, truth, _ = scene
    result = segment_tiled(image, "otsu", "median", truth=truth, tile_shape=(16, 32))
    tiles = result.tiles
    assert len(tiles) == 4 * 3
    summed = ConfusionCounts(*(int(tiles[c].sum()) for c in ("tp", "fp", "fn", "tn")))
    assert summed == result.counts
    for row in tiles.itertuples():
        assert row.f1 == f1(ConfusionCounts(row.tp, row.fp, row.fn, row.tn))
    assert tiles["f1"].mean() != pytest.approx(result.scores["f1"], abs=1e-3)


def test_the_docstring_example_of_averaged_f1() -> None:
    vessel, background = ConfusionCounts(90, 10, 0, 0), ConfusionCounts(0, 1, 0, 99)
    assert f1(vessel) == pytest.approx(0.947, abs=1e-3)
    assert f1(background) == 0
    assert (f1(vessel) + f1(background)) / 2 == pytest.approx(0.47, abs=5e-3)
    assert f1(vessel + background) == pytest.approx(180 / 191)


def test_stacks_threshold_per_slice_or_from_the_stack_histogram() -> None:
    rng = np.random.default_rng(7)
    base = rng.normal(90, 20, (3, 40, 45))
    base[0] += 40  # slices of different brightness: the two modes disagree
    base[1, 10:20, 10:30] += 90
    base[2, 25:35, 5:40] += 70
    stack = base.clip(0, 255).astype(np.uint8)
    truth = base > 150
    seg, filt = algorithms.get("otsu"), algorithms.get_filter("median")
    filtered = np.stack([filt(s) for s in stack])
    per_slice = [seg.threshold(s) for s in filtered]
    pooled = seg.threshold(filtered.reshape(-1, stack.shape[2]))  # Fiji's "stack histogram"
    assert len({*per_slice, pooled}) > 1

    out = np.zeros(stack.shape, dtype=bool)
    result = segment_tiled(stack, seg, filt, truth=truth, tile_shape=(9, 16), out=out)
    assert result.thresholds == per_slice
    np.testing.assert_array_equal(out, filtered > np.array(per_slice)[:, None, None])
    assert result.counts == confusion_counts(truth, out)

    stacked = segment_tiled(stack, seg, filt, truth=truth, tile_shape=(9, 16),
                            stack_histogram=True, out=out)  # fmt: skip
    assert stacked.thresholds == [pooled] * 3
    assert stacked.threshold == pooled
    np.testing.assert_array_equal(out, filtered > pooled)
    assert set(stacked.tiles["z"]) == {0, 1, 2}


def test_stack_of_a_local_method_is_segmented_slice_by_slice() -> None:
    rng = np.random.default_rng(3)
    stack = rng.integers(0, 256, (2, 30, 33), dtype=np.uint8)
    seg = algorithms.get("adaptive", block_size=15)
    filt = algorithms.get_filter("gaussian", sigma=1.5)
    out = np.zeros(stack.shape, dtype=bool)
    result = segment_tiled(stack, seg, filt, tile_shape=(4, 7), out=out)
    assert result.counts is None
    assert result.thresholds == [None, None]
    for z in range(2):
        np.testing.assert_array_equal(out[z], seg(filt(stack[z])))
