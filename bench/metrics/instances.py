"""Instance metrics of the Data Science Bowl 2018 (nuclei): AP@[.5:.95], F1@0.5, PQ.

Instances are the connected components of each mask (8-connected by
default, :class:`bench.metrics.pair.MaskPair`), or the instance labels a
dataset gives. A truth instance and a predicted one *match* at threshold
``t`` when their IoU is strictly greater than ``t``; for ``t ≥ 0.5`` a
match is unique on both sides (two objects cannot both overlap one object
by more than half of their union), so no assignment step is needed.

The comparison ``IoU > t`` is done in exact integer arithmetic
(``20·|A∩B| > k·|A∪B|`` for ``t = k/20``), so a pair with IoU exactly
0.75 is never matched at 0.75 because of a float rounding of the threshold.
"""

from __future__ import annotations

import math

import numpy as np

from .pair import MaskPair, joint_counts

__all__ = ["DSB_THRESHOLDS", "average_precision_dsb", "f1_at_50", "panoptic_quality"]

DSB_THRESHOLDS = tuple(k / 20 for k in range(10, 20))
"""0.5, 0.55, …, 0.95: the IoU thresholds of the DSB 2018 leaderboard."""


def _overlaps(pair: MaskPair) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Intersections and unions of every overlapping (truth, prediction) pair."""
    cache = pair.__dict__.get("_overlaps")
    if cache is not None:
        return cache
    t_labels, n_t = pair.truth_instances
    p_labels, n_p = pair.prediction_instances
    t_area = np.bincount(t_labels.ravel(), minlength=n_t + 1)
    p_area = np.bincount(p_labels.ravel(), minlength=n_p + 1)
    both = (t_labels > 0) & (p_labels > 0)
    pairs, intersection = joint_counts(t_labels[both], p_labels[both], n_p)
    ti, pi = np.divmod(pairs, n_p + 1)
    union = t_area[ti] + p_area[pi] - intersection
    cache = (intersection.astype(np.int64), union.astype(np.int64), ti, n_t, n_p)
    pair.__dict__["_overlaps"] = cache
    return cache


def _matches(pair: MaskPair, k: int) -> tuple[int, int, int, np.ndarray]:
    """TP, FP, FN at IoU threshold ``k/20`` and the IoUs of the matched pairs."""
    intersection, union, _, n_t, n_p = _overlaps(pair)
    hit = 20 * intersection > k * union
    tp = int(np.count_nonzero(hit))
    return tp, n_p - tp, n_t - tp, intersection[hit] / union[hit]


def _average_precision(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    _, _, _, n_t, n_p = _overlaps(pair)
    if n_t == 0 and n_p == 0:
        return 1.0
    total = 0.0
    for k in range(10, 20):
        tp, fp, fn, _ = _matches(pair, k)
        total += tp / (tp + fp + fn)
    return total / 10


def _f1_at_50(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    tp, fp, fn, _ = _matches(pair, 10)
    if tp + fp + fn == 0:
        return 1.0
    return 2 * tp / (2 * tp + fp + fn)


def _panoptic_quality(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    tp, fp, fn, ious = _matches(pair, 10)
    if tp + fp + fn == 0:
        return 1.0
    return float(ious.sum()) / (tp + fp / 2 + fn / 2)


def average_precision_dsb(
    truth: np.ndarray, prediction: np.ndarray, connectivity: int = 2
) -> float:
    """DSB 2018 score of one image: mean over t ∈ {0.5, …, 0.95} of TP/(TP+FP+FN).

    1 when neither mask has an instance, 0 when only one of them has.

    References
    ----------
    J. C. Caicedo et al., "Nucleus segmentation across imaging experiments:
    the 2018 Data Science Bowl", Nature Methods 16:1247–1253, 2019,
    doi:10.1038/s41592-019-0612-7 (the leaderboard's metric, its Methods).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((10, 10), bool); t[1:4, 1:4] = True; t[6:9, 6:9] = True
    >>> p = t.copy(); p[6:9, 6:9] = False              # one of two nuclei found
    >>> average_precision_dsb(t, p)
    0.5
    """
    return _average_precision(MaskPair(truth, prediction, connectivity=connectivity))


def f1_at_50(truth: np.ndarray, prediction: np.ndarray, connectivity: int = 2) -> float:
    """Instance F1 at IoU > 0.5: ``2 TP / (2 TP + FP + FN)``."""
    return _f1_at_50(MaskPair(truth, prediction, connectivity=connectivity))


def panoptic_quality(truth: np.ndarray, prediction: np.ndarray, connectivity: int = 2) -> float:
    """Panoptic quality of one class: ``Σ_matched IoU / (TP + FP/2 + FN/2)`` at IoU > 0.5.

    References
    ----------
    A. Kirillov et al., "Panoptic segmentation", CVPR 2019, arXiv:1801.00868.
    """
    return _panoptic_quality(MaskPair(truth, prediction, connectivity=connectivity))
