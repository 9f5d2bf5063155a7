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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from algorithms import Histogram, histogram
from algorithms._base import check_objects
from bench.metrics import METRICS, ConfusionCounts

__all__ = ["ThresholdCurve", "threshold_curve"]


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
    hist : Histogram
        The image histogram whose bins the thresholds index.
    """

    values: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    hist: Histogram

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
    values = np.array([hist.value(t) for t in range(-1, hist.counts.size)])
    inside = slice(None) if fov is None else np.asarray(fov, dtype=bool)
    pixels = np.asarray(image)[inside]
    # Interval k of a pixel: how many thresholds lie below it, so it is foreground
    # (image > values[p]) exactly for p < k. Integer levels: k = level - offset + 1;
    # floats: the same comparisons as the segmenters', by binary search.
    if hist.integer:
        interval = pixels.astype(np.int64) - int(hist.offset) + 1
    else:
        interval = np.searchsorted(values, pixels.astype(np.float64), side="left")
    labels = truth[inside]
    size = values.size + 1
    pos = np.bincount(interval[labels], minlength=size).astype(np.int64)
    neg = np.bincount(interval[~labels], minlength=size).astype(np.int64)
    # Foreground at threshold p: intervals above p, i.e. suffix sums from p + 1.
    tp = np.cumsum(pos[::-1])[::-1][1:]
    fp = np.cumsum(neg[::-1])[::-1][1:]
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    fn, tn = n_pos - tp, n_neg - fp
    if check_objects(objects) == "dark":  # the other side of every threshold
        tp, fp, fn, tn = fn, tn, tp, fp
    return ThresholdCurve(values, tp, fp, fn, tn, pos, neg, hist)
