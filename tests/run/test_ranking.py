"""Ranking a score map without a threshold: ROC AUC, average precision, the best threshold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import average_precision_score, roc_auc_score

from bench.metrics import METRICS, ConfusionCounts
from bench.run.curves import score_curve

shapes = st.tuples(st.integers(1, 12), st.integers(1, 12))
maps = st.one_of(
    arrays(np.uint8, shapes, elements=st.integers(0, 6)),  # many ties
    arrays(np.uint16, shapes),
    arrays(np.int32, shapes, elements=st.integers(-(2**30), 2**30)),  # wider than a histogram
    arrays(np.float32, shapes, elements=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])),
    arrays(np.float64, shapes, elements=st.floats(-3, 3, allow_nan=False)),
)


def _reference(scores: np.ndarray, truth: np.ndarray, fov: np.ndarray | None):
    inside = slice(None) if fov is None else fov
    labels, values = truth[inside].ravel(), scores[inside].ravel().astype(np.float64)
    auc = roc_auc_score(labels, values) if 0 < labels.sum() < labels.size else np.nan
    ap = average_precision_score(labels, values) if labels.any() else np.nan
    return auc, ap


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_auc_and_ap_equal_scikit_learn_ties_included(data) -> None:
    scores = data.draw(maps)
    truth = data.draw(arrays(bool, scores.shape))
    fov = data.draw(st.one_of(st.none(), arrays(bool, scores.shape)))
    if fov is not None and not fov.any():
        fov[0, 0] = True
    curve = score_curve(scores, truth, fov)
    auc, ap = _reference(scores, truth, fov)
    np.testing.assert_allclose(curve.roc_auc(), auc, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(curve.average_precision(), ap, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_float_probability_map_with_ties_matches_scikit_learn(dtype) -> None:
    rng = np.random.default_rng(3)
    truth = rng.random((300, 400)) < 0.3
    scores = np.round(0.55 * rng.random(truth.shape) + 0.45 * truth, 2).astype(dtype)
    assert np.unique(scores).size < scores.size / 100  # heavily tied
    curve = score_curve(scores, truth)
    assert curve.hist is None  # thresholds at the distinct values, not histogram bins
    assert curve.values.size == np.unique(scores).size + 1
    labels, flat = truth.ravel(), scores.ravel()
    assert abs(curve.roc_auc() - roc_auc_score(labels, flat)) < 1e-9
    assert abs(curve.average_precision() - average_precision_score(labels, flat)) < 1e-9


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_integer_maps_use_the_histogram(dtype) -> None:
    rng = np.random.default_rng(4)
    truth = rng.random((50, 60)) < 0.4
    scores = (rng.random(truth.shape) * np.iinfo(dtype).max).astype(dtype)
    curve = score_curve(scores, truth)
    assert curve.hist is not None
    assert curve.hist.integer
    assert abs(curve.roc_auc() - roc_auc_score(truth.ravel(), scores.ravel())) < 1e-9


def test_one_class_only_gives_nan_as_documented() -> None:
    scores = np.array([[0.1, 0.9]])
    no_positive = score_curve(scores, np.zeros((1, 2), bool))
    assert np.isnan(no_positive.roc_auc())
    assert np.isnan(no_positive.average_precision())
    only_positive = score_curve(scores, np.ones((1, 2), bool))
    assert np.isnan(only_positive.roc_auc())
    assert only_positive.average_precision() == 1.0


def test_a_score_map_with_nan_is_refused() -> None:
    with pytest.raises(ValueError, match="NaN"):
        score_curve(np.array([[0.1, np.nan]]), np.array([[True, False]]))


@pytest.mark.parametrize("metric", list(METRICS))
def test_every_metric_is_monotone_in_tp_and_fp(metric: str) -> None:
    """What :meth:`ThresholdCurve.candidates` relies on, edge cases included."""
    score = METRICS[metric]
    for n_pos in range(7):
        for n_neg in range(7):
            for tp in range(n_pos + 1):
                for fp in range(n_neg + 1):
                    here = score(ConfusionCounts(tp, fp, n_pos - tp, n_neg - fp))
                    if tp < n_pos:
                        more_tp = score(ConfusionCounts(tp + 1, fp, n_pos - tp - 1, n_neg - fp))
                        assert more_tp >= here - 1e-12, (tp, fp, n_pos, n_neg)
                    if fp < n_neg:
                        more_fp = score(ConfusionCounts(tp, fp + 1, n_pos - tp, n_neg - fp - 1))
                        assert more_fp <= here + 1e-12, (tp, fp, n_pos, n_neg)


@pytest.mark.parametrize("metric", list(METRICS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_best_candidate_is_the_best_threshold(metric: str, data) -> None:
    scores = data.draw(maps)
    truth = data.draw(arrays(bool, scores.shape))
    curve = score_curve(scores, truth)
    position, best = curve.best_candidate(metric)
    np.testing.assert_allclose(best, curve.best(metric)[1], equal_nan=True)
    if not np.isnan(best):
        assert METRICS[metric](curve.counts(position)) == best
