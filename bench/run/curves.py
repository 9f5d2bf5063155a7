"""Every global threshold of an image at once: the exact score-versus-threshold curve.

A global method picks one bin ``t`` of the image histogram and calls the
pixels above its intensity threshold ``v_t`` foreground (``image > v_t``),
or, for dark objects, those at or below it (``image <= v_t``, Fiji's rule:
the same thresholds, the other side; ``objects="dark"``).
The joint histogram of intensity and truth (one histogram of the
truth-foreground pixels, one of the background pixels, over the intervals
between consecutive thresholds) gives the confusion counts of *every* ``t``
in one pass, by cumulative sums from the top::

    TP(t) = Σ_{k>t} pos[k]      FP(t) = Σ_{k>t} neg[k]
    FN(t) = P − TP(t)           TN(t) = N − FP(t)

Intervals rather than bins make the counts agree with ``image > v_t``
exactly, even where a float histogram's bin edges and thresholds part ways
(the maximum of a float image is above the threshold of the top bin).

The counts are exact integers (within the field of view, like the run's),
so the curve at a method's chosen threshold equals that method's row of
the results table, and its maximum is the best score any global threshold
could reach on this image: the method's **regret** is the difference.

The same joint histogram ranks a **score map** (a probability map of a
learned method, or of another tool) without a threshold:
:meth:`ThresholdCurve.roc_auc` and :meth:`ThresholdCurve.average_precision`
are sums over its intervals, with ties (pixels of equal score) handled as
scikit-learn's ``roc_auc_score`` and ``average_precision_score`` do: a tied
positive and negative count one half for the ROC area, and a tie is one
step of the precision-recall curve. :func:`score_curve` builds the curve of
a score map: by the image histogram for integer maps of at most
:data:`~algorithms.histogram.MAX_INTEGER_BINS` levels (no sorting), and by
two sorts for float maps (every distinct value is a threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from algorithms import Histogram, _counting, histogram
from algorithms._base import check_objects
from algorithms.histogram import MAX_INTEGER_BINS
from bench.metrics import METRICS, ConfusionCounts

__all__ = [
    "ThresholdCurve",
    "curve_from_joint",
    "joint_histogram",
    "level_intervals",
    "score_curve",
    "threshold_curve",
    "threshold_values",
]


@dataclass(frozen=True, eq=False)
class ThresholdCurve:
    """Confusion counts for every threshold bin ``t = -1, 0, …, n_bins - 1``.

    Attributes
    ----------
    values : ndarray of float
        Intensity threshold of each ``t`` (foreground is ``image > value``,
        or ``image <= value`` for dark objects); ``t = -1`` comes first.
    tp, fp, fn, tn : ndarray of int64
        Confusion counts of each threshold, within the field of view.
    pos, neg : ndarray of int64
        The joint histogram of intensity and truth: truth-foreground and
        truth-background pixels in each interval between consecutive
        thresholds — entry ``k`` counts ``values[k-1] < pixel <= values[k]``
        (entry 0: at or below ``values[0]``; the last: above ``values[-1]``).
        For integer images entry ``k`` is histogram bin ``k - 1``.
    hist : Histogram or None
        The image histogram whose bins the thresholds index; None for the
        curve of a float score map, whose thresholds are its distinct values
        (:func:`score_curve`).
    """

    values: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    hist: Histogram | None

    def counts(self, index: int) -> ConfusionCounts:
        """Confusion counts at position ``index`` of :attr:`values`."""
        return ConfusionCounts(
            int(self.tp[index]), int(self.fp[index]), int(self.fn[index]), int(self.tn[index])
        )

    def scores(self, metric: str = "mcc") -> np.ndarray:
        """The score of every threshold, by the metric's own definition and edge cases."""
        if metric not in METRICS:
            msg = f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}."
            raise ValueError(msg)
        score = METRICS[metric]
        # The scalar definition (one call per threshold, at most one per occupied
        # level) keeps every edge-case convention identical to the results table.
        return np.array([score(self.counts(i)) for i in range(self.values.size)])

    def index_of(self, threshold: float) -> int | None:
        """Position of an intensity threshold on the curve (None if it is not on it)."""
        index = int(np.searchsorted(self.values, threshold))
        if index < self.values.size and self.values[index] == threshold:
            return index
        return None

    def best(self, metric: str = "mcc") -> tuple[int, float]:
        """Position and score of the best threshold (the lowest one among ties)."""
        scores = self.scores(metric)
        if np.isnan(scores).all():
            return 0, float("nan")
        index = int(np.nanargmax(scores))
        return index, float(scores[index])

    def candidates(self) -> np.ndarray:
        """Positions that can hold the best score of any metric of :data:`~bench.metrics.METRICS`.

        For a curve of bright objects (foreground ``> value``), as
        :func:`score_curve` makes; a dark-object curve's positions run the
        other way.

        Lowering the threshold past an interval of truth-background pixels
        only (``pos == 0``) adds false positives and nothing else; past one of
        truth-foreground pixels only (``neg == 0``), true positives and
        nothing else. Every registered metric is non-increasing in FP at fixed
        TP and non-decreasing in TP at fixed FP (``tests/report/test_curves.py``
        checks it through the registry, edge cases included), so position
        ``p`` can be skipped when interval ``p + 1`` has no positive (``p +
        1`` is as good) or interval ``p`` has positives only (``p - 1`` is as
        good). On a float score map with one pixel per value this leaves the
        switches from a negative to a positive pixel: the best score is the
        same as over every position, at a fraction of the metric calls.
        """
        above = self.pos[1 : self.values.size + 1]  # interval p + 1 of each position p
        own = slice(0, self.values.size)
        skip = (above == 0) | ((self.neg[own] == 0) & (self.pos[own] > 0))
        skip[[0, -1]] = False  # every pixel foreground; none foreground
        return np.flatnonzero(~skip)

    def best_candidate(self, metric: str = "mcc") -> tuple[int, float]:
        """Position and score of the best threshold among :meth:`candidates`.

        The score equals :meth:`best`'s; among tied thresholds the position
        is the lowest candidate, which may lie above the lowest tied position.
        """
        if metric not in METRICS:
            msg = f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}."
            raise ValueError(msg)
        score = METRICS[metric]
        positions = self.candidates()
        scores = np.array([score(self.counts(int(i))) for i in positions])
        if np.isnan(scores).all():
            return 0, float("nan")
        index = int(np.nanargmax(scores))
        return int(positions[index]), float(scores[index])

    def roc_auc(self) -> float:
        """Area under the ROC curve: P(score of a positive > score of a negative), ties ½.

        Exact integer sums over the joint histogram (the Mann-Whitney
        statistic), equal to scikit-learn's ``roc_auc_score`` on the same
        pixels; NaN when the truth has no positive or no negative pixel
        (where scikit-learn raises).
        """
        n_pos, n_neg = int(self.pos.sum()), int(self.neg.sum())
        if n_pos == 0 or n_neg == 0:
            return float("nan")
        neg = self.neg.astype(object) if n_pos * n_neg >= 2**61 else self.neg
        below = np.cumsum(neg) - neg  # negatives in lower intervals
        twice = int(np.dot(self.pos.astype(neg.dtype), 2 * below + neg))
        return twice / (2 * n_pos * n_neg)

    def average_precision(self) -> float:
        """Average precision: the precision at each distinct score, weighted by its recall step.

        ``AP = Σ_k (R_k − R_{k−1}) P_k`` over thresholds ``score ≥ v_k``
        from the top, one step per distinct value as scikit-learn's
        ``average_precision_score``; NaN when the truth has no positive pixel.
        """
        n_pos = int(self.pos.sum())
        if n_pos == 0:
            return float("nan")
        tp = np.cumsum(self.pos[::-1])[::-1]  # foreground: this interval and above
        fp = np.cumsum(self.neg[::-1])[::-1]
        steps = self.pos > 0
        precision = tp[steps] / (tp[steps] + fp[steps])
        return float(np.dot(self.pos[steps], precision) / n_pos)


def threshold_curve(
    image: np.ndarray,
    truth: np.ndarray,
    fov: np.ndarray | None = None,
    hist: Histogram | None = None,
    *,
    objects: str = "bright",
) -> ThresholdCurve:
    """Exact confusion counts of every global threshold of ``image``.

    Parameters
    ----------
    image : ndarray, 2-D
        The image the global methods saw (after polarity and filter).
    truth : ndarray of bool
        Ground-truth foreground, the image's shape.
    fov : ndarray of bool, optional
        Field of view: only pixels inside it are counted.
    hist : Histogram, optional
        The histogram the global methods chose their thresholds from, when it
        is not the one of ``image`` within ``fov`` (e.g. a dataset whose
        thresholds are estimated on the whole image but scored in a field of
        view); its bins define the thresholds.
    objects : {"bright", "dark"}
        The segmenters' object rule: bright objects ``image > v_t``, dark
        ``image <= v_t``.

    Returns
    -------
    ThresholdCurve

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[10, 200], [12, 220]], dtype=np.uint8)
    >>> curve = threshold_curve(image, image > 100)
    >>> index, best = curve.best("f1")
    >>> float(curve.values[index]), best
    (12.0, 1.0)
    """
    truth = np.asarray(truth)
    if truth.dtype != bool or truth.shape != np.shape(image):
        msg = (
            f"truth must be a boolean array of the image's shape {np.shape(image)}; got "
            f"dtype {truth.dtype} and shape {truth.shape}."
        )
        raise ValueError(msg)
    if hist is None:
        hist = histogram(image, fov)  # validates image and fov; the global methods' bins
    pos, neg = joint_histogram(image, truth, fov, hist)
    return curve_from_joint(pos, neg, hist, objects=objects)


def threshold_values(hist: Histogram) -> list[int | float]:
    """Exact intensity threshold of each bin ``t = -1, 0, …`` (:meth:`Histogram.exact_value`)."""
    return [hist.exact_value(t) for t in range(-1, hist.counts.size)]


def joint_histogram(
    image: np.ndarray, truth: np.ndarray, fov: np.ndarray | None, hist: Histogram
) -> tuple[np.ndarray, np.ndarray]:
    """Truth-foreground and background pixels in each interval between ``hist``'s thresholds.

    The ``pos`` and ``neg`` of :class:`ThresholdCurve` (int64, one more
    entry than thresholds), for the pixels inside ``fov``. ``hist`` defines
    the bins (and so the thresholds): the image's own, or the whole image's
    when ``image`` is a tile of it. The joint histograms of the tiles of an
    image add up to the image's. 8-bit images are counted in one compiled
    pass over the pixels, without copying views (a tile's core).
    """
    size = hist.counts.size + 2  # intervals: below the first threshold, …, above the last
    uint8_levels = hist.integer and int(hist.offset) == 0 and size == 258
    if image.dtype == np.uint8 and image.ndim == 2 and uint8_levels:
        fov = None if fov is None else np.asarray(fov, dtype=bool)
        table = _counting.count_uint8_joint(image, np.asarray(truth, dtype=bool), fov)
        return level_intervals(table[1], 0, 255), level_intervals(table[0], 0, 255)
    exact = threshold_values(hist)
    inside = slice(None) if fov is None else np.asarray(fov, dtype=bool)
    pixels = np.asarray(image)[inside]
    # Interval k of a pixel: how many thresholds lie below it, so it is foreground
    # (image > values[p]) exactly for p < k. Integer levels: k = level - offset + 1;
    # wide integer bins: exact integer comparisons (exact[0] = minimum - 1 is below
    # every pixel); floats: the same comparisons as the segmenters', by binary search.
    if hist.integer:
        lo = int(hist.offset)
        if pixels.dtype.itemsize < 8:
            interval = pixels.astype(np.int64) - lo + 1
        else:  # in the dtype itself: uint64 beyond 2**63 does not fit int64
            interval = (pixels - pixels.dtype.type(lo)).astype(np.int64) + 1
        np.clip(interval, 0, size - 1, out=interval)  # a tile's pixels outside the bins' range
    elif hist.span:
        inner = np.array(exact[1:], dtype=pixels.dtype)
        interval = np.searchsorted(inner, pixels, side="left") + 1
    else:
        interval = np.searchsorted(np.array([float(v) for v in exact]),
                                   pixels.astype(np.float64), side="left")  # fmt: skip
    labels = np.asarray(truth)[inside]
    pos = np.bincount(interval[labels], minlength=size).astype(np.int64)
    neg = np.bincount(interval[~labels], minlength=size).astype(np.int64)
    return pos, neg


def level_intervals(levels: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Counts per integer level (index 0: the first level counted) as the intervals of bins lo..hi.

    The layout of :attr:`ThresholdCurve.pos`: interval 0 holds the levels
    below ``lo`` (below every threshold), interval ``k`` level ``lo + k - 1``,
    the last one the levels above ``hi``.
    """
    return np.concatenate([[levels[:lo].sum()], levels[lo : hi + 1], [levels[hi + 1 :].sum()]])


def curve_from_joint(
    pos: np.ndarray, neg: np.ndarray, hist: Histogram, *, objects: str = "bright"
) -> ThresholdCurve:
    """The curve of a joint histogram (:func:`joint_histogram`, or a sum of tiles' ones)."""
    values = np.array([float(v) for v in threshold_values(hist)])  # for showing
    # Foreground at threshold p: intervals above p, i.e. suffix sums from p + 1.
    tp = np.cumsum(pos[::-1])[::-1][1:]
    fp = np.cumsum(neg[::-1])[::-1][1:]
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    fn, tn = n_pos - tp, n_neg - fp
    if check_objects(objects) == "dark":  # the other side of every threshold
        tp, fp, fn, tn = fn, tn, tp, fp
    return ThresholdCurve(values, tp, fp, fn, tn, pos, neg, hist)


def score_curve(
    scores: np.ndarray, truth: np.ndarray, fov: np.ndarray | None = None
) -> ThresholdCurve:
    """The exact curve of a score map: every distinct score is a threshold.

    Parameters
    ----------
    scores : ndarray, 2-D
        Scores or probabilities (any integer or float type); foreground at
        threshold ``t`` is ``scores > t``.
    truth : ndarray of bool
        Ground truth, the map's shape.
    fov : ndarray of bool, optional
        Only pixels inside it are counted.

    Returns
    -------
    ThresholdCurve
        For integer maps of at most :data:`~algorithms.histogram.MAX_INTEGER_BINS`
        levels, :func:`threshold_curve`'s (one threshold per level, from the
        histogram: no sorting). Otherwise the thresholds are the distinct
        values, found by sorting the map once and its truth-foreground pixels
        once: the joint histogram is the count of each distinct value, minus
        its positives found by binary search (``hist`` is None; the first
        threshold is ``-inf``, every pixel foreground).

    Raises
    ------
    ValueError
        If the map holds NaN, or shapes differ.

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.array([[0.1, 0.8], [0.4, 0.8]])
    >>> curve = score_curve(scores, np.array([[False, True], [True, False]]))
    >>> curve.roc_auc(), round(curve.average_precision(), 4)
    (0.625, 0.5833)
    """
    scores = np.asarray(scores)
    truth = np.asarray(truth)
    if truth.dtype != bool or truth.shape != scores.shape:
        msg = (
            f"truth must be a boolean array of the score map's shape {scores.shape}; got "
            f"dtype {truth.dtype} and shape {truth.shape}."
        )
        raise ValueError(msg)
    if scores.dtype == bool:
        scores = scores.view(np.uint8)
    if np.issubdtype(scores.dtype, np.integer):
        inside = scores if fov is None else scores[np.asarray(fov, dtype=bool)]
        if inside.size and int(inside.max()) - int(inside.min()) < MAX_INTEGER_BINS:
            return threshold_curve(scores, truth, fov)
    inside = slice(None) if fov is None else np.asarray(fov, dtype=bool)
    flat = scores[inside].ravel()
    labels = truth[inside].ravel()
    if flat.dtype.kind == "f" and np.isnan(flat).any():
        msg = "The score map holds NaN; every pixel inside the field of view needs a score."
        raise ValueError(msg)
    ordered = np.sort(flat)  # the one full sort; positives are sorted apart
    positives = np.sort(flat[labels])
    ends = np.flatnonzero(ordered[1:] != ordered[:-1])  # last index of each distinct run
    ends = np.append(ends, ordered.size - 1) if ordered.size else ends
    distinct = ordered[ends]
    at_or_below = ends + 1
    pos_at_or_below = np.searchsorted(positives, distinct, side="right")
    pos = np.diff(pos_at_or_below, prepend=0).astype(np.int64)
    neg = np.diff(at_or_below, prepend=0).astype(np.int64) - pos
    zero = np.zeros(1, np.int64)
    pos, neg = np.concatenate([zero, pos, zero]), np.concatenate([zero, neg, zero])
    values = np.concatenate([[-np.inf], distinct.astype(np.float64)])
    tp = np.cumsum(pos[::-1])[::-1][1:]
    fp = np.cumsum(neg[::-1])[::-1][1:]
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    return ThresholdCurve(values, tp, fp, n_pos - tp, n_neg - fp, pos, neg, None)
