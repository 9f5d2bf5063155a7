"""The exact score-versus-threshold curve: every threshold's counts, in one pass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import algorithms
import bench
from bench.metrics import METRICS, confusion_counts
from bench.run.curves import joint_histogram, threshold_curve

shapes = st.tuples(st.integers(1, 9), st.integers(1, 9))
images = st.one_of(
    arrays(np.uint8, shapes),
    arrays(np.uint16, shapes, elements=st.integers(0, 3000)),
    arrays(np.int16, shapes, elements=st.integers(-40, 40)),
    arrays(np.float64, shapes, elements=st.floats(-5, 5, allow_nan=False, width=32)),
)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_threshold_matches_direct_counting(data) -> None:
    image = data.draw(images)
    truth = data.draw(arrays(bool, image.shape))
    fov = data.draw(st.one_of(st.none(), arrays(bool, image.shape)))
    if fov is not None and not fov.any():
        fov[0, 0] = True
    curve = threshold_curve(image, truth, fov)
    assert np.all(np.diff(curve.values) > 0)
    assert curve.tp[0] + curve.fn[0] == (truth if fov is None else truth & fov).sum()
    for index, value in enumerate(curve.values):
        assert curve.counts(index) == confusion_counts(truth, image > value, fov)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_global_method_lands_on_the_curve(data) -> None:
    image = data.draw(images)
    truth = data.draw(arrays(bool, image.shape))
    curve = threshold_curve(image, truth)
    for name in algorithms.available(kind="global"):
        result = algorithms.get(name).segment(image)
        index = curve.index_of(result.threshold)
        assert index is not None, name
        assert curve.counts(index) == confusion_counts(truth, result.mask)


@pytest.mark.parametrize("metric", list(METRICS))
def test_curve_reproduces_the_runs_rows_on_kesm(kesm: bench.Sample, metric: str) -> None:
    table = bench.evaluate(kesm, algorithms.available(kind="global"), [{"name": "median"}])
    image = algorithms.get_filter("median", size=3)(kesm.image)  # the sample is inverted
    curve = threshold_curve(image, kesm.truth)
    scores = curve.scores(metric)
    _best_index, best = curve.best(metric)
    assert best == np.nanmax(scores)
    for _, row in table.iterrows():
        index = curve.index_of(row["threshold"])
        assert curve.counts(index).as_dict() == {k: row[k] for k in ("tp", "fp", "fn", "tn")}
        assert scores[index] == row[metric]
        assert best >= row[metric]  # regret is never negative


def test_kesm_best_mcc_threshold_beats_otsu(kesm: bench.Sample) -> None:
    image = algorithms.get_filter("median", size=3)(kesm.image)
    curve = threshold_curve(image, kesm.truth)
    index, best = curve.best("mcc")
    # Otsu's 79 (MCC 0.8533910) is not the best threshold for the vessels.
    assert curve.values[index] == 68
    assert best == pytest.approx(0.8804699, abs=5e-8)


def test_bad_truth_is_refused() -> None:
    image = np.zeros((3, 3), np.uint8)
    with pytest.raises(ValueError, match="boolean array of the image's shape"):
        threshold_curve(image, np.zeros((3, 3), np.uint8))
    with pytest.raises(ValueError, match="Unknown metric 'dice'"):
        threshold_curve(image, image > 0).scores("dice")


@settings(max_examples=100, deadline=None)
@given(st.data(), st.integers(1, 5), st.integers(1, 5))
def test_joint_histograms_of_tiles_add_up_to_the_image_s(data, tile_rows, tile_cols) -> None:
    """The one-pass tiled sweep's premise: per-tile joint histograms on the image's bins sum up."""
    image = data.draw(
        st.one_of(images, arrays(np.int64, shapes, elements=st.integers(-(2**40), 2**40)))
    )
    truth = data.draw(arrays(bool, image.shape))
    fov = data.draw(st.one_of(st.none(), arrays(bool, image.shape)))
    if fov is not None and not fov.any():
        fov[0, 0] = True
    hist = algorithms.histogram(image, fov)
    whole = joint_histogram(image, truth, fov, hist)
    total = [np.zeros_like(whole[0]), np.zeros_like(whole[1])]
    for r in range(0, image.shape[0], tile_rows):
        for c in range(0, image.shape[1], tile_cols):
            part = np.s_[r : r + tile_rows, c : c + tile_cols]
            pos, neg = joint_histogram(image[part], truth[part], None if fov is None else fov[part],
                                       hist)  # fmt: skip
            total[0] += pos
            total[1] += neg
    np.testing.assert_array_equal(total[0], whole[0])
    np.testing.assert_array_equal(total[1], whole[1])
