"""Exact confusion counts and the documented edge-case conventions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    jaccard_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
)

from bench.metrics import METRICS, ConfusionCounts, confusion_counts, scores

masks = arrays(bool, st.tuples(st.integers(1, 12), st.integers(1, 12)))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_counts_and_scores_match_scikit_learn(data) -> None:
    truth = data.draw(masks)
    pred = data.draw(arrays(bool, truth.shape))
    counts = confusion_counts(truth, pred)
    t, p = truth.ravel(), pred.ravel()
    tn, fp, fn, tp = confusion_matrix(t, p, labels=[False, True]).ravel()
    assert (counts.tp, counts.fp, counts.fn, counts.tn) == (tp, fp, fn, tn)
    got = scores(counts)
    assert got["accuracy"] == pytest.approx(accuracy_score(t, p))
    if tp + fp and tp + fn:
        assert got["precision"] == pytest.approx(precision_score(t, p))
        assert got["recall"] == pytest.approx(recall_score(t, p))
        assert got["f1"] == pytest.approx(f1_score(t, p))
        assert got["iou"] == pytest.approx(jaccard_score(t, p))
    if 0 not in (tp + fp, tp + fn, tn + fp, tn + fn):
        assert got["mcc"] == pytest.approx(matthews_corrcoef(t, p))
    if tp + fn and tn + fp:
        assert got["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(t, p))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_counts_add_up_across_tiles_and_respect_fov(data) -> None:
    truth = data.draw(masks)
    pred = data.draw(arrays(bool, truth.shape))
    fov = data.draw(arrays(bool, truth.shape))
    cut = data.draw(st.integers(0, truth.shape[0]))
    whole = confusion_counts(truth, pred, fov)
    parts = confusion_counts(truth[:cut], pred[:cut], fov[:cut]) + confusion_counts(
        truth[cut:], pred[cut:], fov[cut:]
    )
    assert whole == parts
    assert whole == confusion_counts(truth[fov], pred[fov])
    assert whole.n == fov.sum()


@settings(max_examples=100, deadline=None)
@given(st.builds(ConfusionCounts, *[st.integers(0, 10**12)] * 4))
def test_every_score_is_bounded_and_defined(counts: ConfusionCounts) -> None:
    result = scores(counts)
    if counts.n == 0:
        assert all(math.isnan(v) for v in result.values())
        return
    for name, value in result.items():
        low = -1.0 if name == "mcc" else 0.0
        assert low - 1e-12 <= value <= 1.0 + 1e-12, name


# (tp, fp, fn, tn) → expected values of the documented edge cases.
EDGE_CASES = {
    "both empty": ((0, 0, 0, 10), {"precision": 1, "recall": 1, "f1": 1, "iou": 1, "mcc": 1,
                                   "specificity": 1, "balanced_accuracy": 1, "accuracy": 1}),
    "empty truth, something predicted": ((0, 3, 0, 7), {"precision": 0, "recall": 0, "f1": 0,
                                                        "iou": 0, "mcc": 0}),
    "empty prediction, truth not empty": ((0, 0, 4, 6), {"precision": 0, "recall": 0, "f1": 0,
                                                         "iou": 0, "mcc": 0}),
    "truth everywhere, predicted everywhere": ((10, 0, 0, 0), {"specificity": 1, "mcc": 1,
                                                               "f1": 1, "accuracy": 1}),
    "truth everywhere, partly predicted": ((6, 0, 4, 0), {"specificity": 0, "mcc": 0,
                                                          "recall": 0.6, "precision": 1}),
    "no pixel": ((0, 0, 0, 0), dict.fromkeys(METRICS, math.nan)),
}  # fmt: skip


@pytest.mark.parametrize("case", EDGE_CASES)
def test_edge_case_conventions(case: str) -> None:
    counts, expected = EDGE_CASES[case]
    result = scores(ConfusionCounts(*counts))
    for name, value in expected.items():
        if math.isnan(value):
            assert math.isnan(result[name]), name
        else:
            assert result[name] == pytest.approx(value), name


def test_mcc_is_exact_for_counts_beyond_int64_products() -> None:
    big = ConfusionCounts(tp=4 * 10**10, fp=10**9, fn=10**9, tn=7 * 10**10)
    expected = (big.tp * big.tn - big.fp * big.fn) / math.sqrt(
        (big.tp + big.fp) * (big.tp + big.fn) * (big.tn + big.fp) * (big.tn + big.fn)
    )
    assert scores(big)["mcc"] == pytest.approx(expected, rel=1e-12)


def test_bad_inputs_are_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"shape \(2, 2\).*\(3, 3\)"):
        confusion_counts(np.zeros((2, 2), bool), np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="boolean"):
        confusion_counts(np.zeros((2, 2), np.uint8), np.zeros((2, 2), bool))
