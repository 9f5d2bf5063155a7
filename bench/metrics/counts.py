"""Exact confusion counts and the scores computed from them.

Counts are Python integers, so they add up exactly across tiles, images and
volumes of any size; every score is a function of the four counts alone.

Edge cases
----------
One value for each case where a score's denominator is zero. "Empty truth"
means no foreground pixel in the ground truth, "empty prediction" none in
the mask.

=====================  ===========================  ==========================
score                  zero denominator when         value then
=====================  ===========================  ==========================
accuracy               no pixel at all (n = 0)       NaN (every score is NaN)
precision              empty prediction              1 if truth empty, else 0
recall (sensitivity)   empty truth                   1 if prediction empty, else 0
specificity            truth covers every pixel      1 if prediction full, else 0
balanced_accuracy      (mean of recall, specificity, with their conventions)
f1 (Dice)              truth and prediction empty    1
iou (Jaccard)          truth and prediction empty    1
mcc                    any marginal is zero          1 if prediction == truth, else 0
=====================  ===========================  ==========================

The rule behind the table: a score is 1 when the prediction agrees with the
truth on every pixel, and 0 when the score's evidence is all against it.
scikit-learn returns 0 (with a warning) in the "perfect agreement" cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "METRICS",
    "ConfusionCounts",
    "accuracy",
    "balanced_accuracy",
    "confusion_counts",
    "f1",
    "iou",
    "mcc",
    "precision",
    "recall",
    "scores",
    "specificity",
]


@dataclass(frozen=True)
class ConfusionCounts:
    """True/false positives and negatives; ``+`` adds two sets of counts."""

    tp: int
    fp: int
    fn: int
    tn: int

    def __add__(self, other: ConfusionCounts) -> ConfusionCounts:
        if not isinstance(other, ConfusionCounts):
            return NotImplemented
        return ConfusionCounts(
            self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn
        )

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    def as_dict(self) -> dict[str, int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn}


def check_masks(
    truth: np.ndarray, prediction: np.ndarray, need: str
) -> tuple[np.ndarray, np.ndarray]:
    """Both as arrays, after checking they are boolean (``need`` says why) and of one shape."""
    truth = np.asarray(truth)
    prediction = np.asarray(prediction)
    if truth.shape != prediction.shape:
        msg = (
            f"Ground truth has shape {truth.shape} but the prediction has shape "
            f"{prediction.shape}; they must match."
        )
        raise ValueError(msg)
    if truth.dtype != bool or prediction.dtype != bool:
        msg = (
            f"{need}; got {truth.dtype} truth and {prediction.dtype} prediction. "
            "Compare with a value first."
        )
        raise ValueError(msg)
    return truth, prediction


def confusion_counts(
    truth: np.ndarray, prediction: np.ndarray, fov: np.ndarray | None = None
) -> ConfusionCounts:
    """Count TP, FP, FN, TN of boolean ``prediction`` against boolean ``truth``.

    Only pixels inside the field of view ``fov`` count when it is given.
    Vectorised numpy: two logical ANDs and three pop-counts, no per-pixel
    Python.

    Examples
    --------
    >>> import numpy as np
    >>> confusion_counts(np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool))
    ConfusionCounts(tp=1, fp=1, fn=1, tn=1)
    """
    truth, prediction = check_masks(truth, prediction, "confusion_counts needs boolean arrays")
    if fov is not None:
        fov = np.asarray(fov, dtype=bool)
        if fov.shape != truth.shape:
            msg = f"Field of view has shape {fov.shape}, the truth {truth.shape}; they must match."
            raise ValueError(msg)
        truth = truth & fov
        prediction = prediction & fov
        n = int(np.count_nonzero(fov))
    else:
        n = truth.size
    n_truth = int(np.count_nonzero(truth))
    n_pred = int(np.count_nonzero(prediction))
    tp = int(np.count_nonzero(np.logical_and(truth, prediction)))
    fp = n_pred - tp
    fn = n_truth - tp
    return ConfusionCounts(tp, fp, fn, n - tp - fp - fn)


def _ratio(num: int, den: int, empty: float) -> float:
    return num / den if den else empty


def accuracy(c: ConfusionCounts) -> float:
    return _ratio(c.tp + c.tn, c.n, math.nan)


def precision(c: ConfusionCounts) -> float:
    return _ratio(c.tp, c.tp + c.fp, 1.0 if c.fn == 0 else 0.0)


def recall(c: ConfusionCounts) -> float:
    return _ratio(c.tp, c.tp + c.fn, 1.0 if c.fp == 0 else 0.0)


def specificity(c: ConfusionCounts) -> float:
    return _ratio(c.tn, c.tn + c.fp, 1.0 if c.fn == 0 else 0.0)


def balanced_accuracy(c: ConfusionCounts) -> float:
    return (recall(c) + specificity(c)) / 2


def f1(c: ConfusionCounts) -> float:
    return _ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn, 1.0)


def iou(c: ConfusionCounts) -> float:
    return _ratio(c.tp, c.tp + c.fp + c.fn, 1.0)


def mcc(c: ConfusionCounts) -> float:
    """Matthews correlation coefficient, always within [-1, 1].

    The numerator ``tp·tn − fp·fn`` and the product of the four marginals are
    exact Python integers; their squared ratio ``num² / den`` is at most 1 by
    Cauchy–Schwarz, and Python's integer true division rounds it correctly, so
    the one square root taken of it cannot exceed 1. (Two roots of partial
    products, multiplied, can: ``mcc(0, 1, 812041, 0)`` was −1.0000000000000002.)
    """
    marginals = (c.tp + c.fp, c.tp + c.fn, c.tn + c.fp, c.tn + c.fn)
    if 0 in marginals:
        return 1.0 if c.fp == 0 and c.fn == 0 else 0.0
    numerator = c.tp * c.tn - c.fp * c.fn
    denominator = marginals[0] * marginals[1] * marginals[2] * marginals[3]
    return math.copysign(math.sqrt(numerator * numerator / denominator), numerator)


METRICS: dict[str, Callable[[ConfusionCounts], float]] = {
    "accuracy": accuracy,
    "precision": precision,
    "recall": recall,
    "f1": f1,
    "iou": iou,
    "mcc": mcc,
    "balanced_accuracy": balanced_accuracy,
    "specificity": specificity,
}
"""Every score, by column name; each maps :class:`ConfusionCounts` to a float."""


def scores(counts: ConfusionCounts) -> dict[str, float]:
    """All :data:`METRICS` of ``counts``; NaN everywhere when ``counts.n == 0``."""
    if counts.n == 0:
        return dict.fromkeys(METRICS, math.nan)
    return {name: fn(counts) for name, fn in METRICS.items()}
