"""Histogram-shape methods: peaks, valleys and the triangle.

Intermodes and Minimum (Prewitt–Mendelsohn) smooth the histogram with a
3-point running mean until exactly two local maxima remain; ImageJ gives up
after 10000 smoothings (unimodal or flat histograms), and so do we, with
``found=False``. The smoothing is done in ImageJ's order of operations,
``(h[i-1] + h[i] + h[i+1]) / 3``, so that equal neighbours stay equal and the
peaks are ImageJ's. Triangle (Zack et al.) draws a line from the histogram's
peak to its far end and splits at the bin farthest below it.
"""

from __future__ import annotations

import numpy as np

from .._base import GlobalThreshold, ThresholdResult
from .._registry import register

__all__ = ["Intermodes", "Minimum", "Triangle"]

MAX_SMOOTHINGS = 10000


def smooth_until_bimodal(counts: np.ndarray) -> tuple[np.ndarray, int] | None:
    """The first of ``h, smooth(h), smooth(smooth(h)), …`` with exactly two peaks.

    A peak is a bin strictly above both neighbours (the end bins never
    count). Returns the smoothed histogram and the number of smoothings, or
    None when none of the first ``MAX_SMOOTHINGS + 1`` histograms (the
    original included) is bimodal. Compiled (:mod:`._kernels`): most
    histograms need few smoothings, flat ones all 10000.
    """
    if counts.size < 5:  # two strict peaks need at least five bins
        return None
    from . import _kernels  # compiled on first use: numba is imported only when needed

    state, tested = _kernels.smooth_until_bimodal(counts.astype(np.float64), MAX_SMOOTHINGS)
    return None if tested < 0 else (state, int(tested))


@register("intermodes")
class Intermodes(GlobalThreshold):
    """Prewitt–Mendelsohn's intermodes: midway between the two peaks.

    The histogram is cut to its non-empty range and smoothed until bimodal;
    the threshold is ``floor((peak1 + peak2) / 2)``. A unimodal or flat
    histogram has no threshold (ImageJ: -1 → 0); an empty one also gives 0
    (ImageJ throws an ArrayIndexOutOfBoundsException there).

    Dark objects (``objects="dark"``: ``image <= t`` with ``t`` from the
    original histogram, Fiji's rule) and the invert-first pipeline
    (``255 - image``, then bright objects) give different masks: ``floor``
    rounds the midpoint down on both histograms, i.e. towards the other class
    once mirrored (``tests/algorithms/test_objects.py``).

    References
    ----------
    Prewitt, J.M.S. and Mendelsohn, M.L. (1966). The analysis of cell
    images. Annals of the New York Academy of Sciences 128(3), 1035-1053.
    :doi:`10.1111/j.1749-6632.1965.tb11715.x`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.zeros(256, int)
    >>> counts[40:61] = 10
    >>> counts[150:201] = 5
    >>> Intermodes().threshold_from_histogram(counts)
    112
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        nonzero = np.flatnonzero(counts)
        if nonzero.size == 0:
            return ThresholdResult(0, False, "empty histogram: no pixel is counted")
        lo, hi = int(nonzero[0]), int(nonzero[-1])
        smoothed = smooth_until_bimodal(counts[lo : hi + 1])
        if smoothed is None:
            reason = f"not bimodal after {MAX_SMOOTHINGS} smoothings"
            return ThresholdResult(0, False, reason)
        h = smoothed[0]
        middle = h[1:-1]
        peaks = np.flatnonzero((h[:-2] < middle) & (h[2:] < middle)) + 1
        return ThresholdResult(int(peaks.sum()) // 2 + lo)


@register("minimum")
class Minimum(GlobalThreshold):
    """Prewitt–Mendelsohn's minimum: the valley between the two peaks.

    The histogram is smoothed until bimodal; the threshold is the first bin
    ``i`` below the last non-empty bin with ``h[i-1] > h[i] <= h[i+1]``. A
    unimodal or flat histogram has no threshold (ImageJ: -1 → 0).

    Dark objects (``objects="dark"``: ``image <= t`` with ``t`` from the
    original histogram, Fiji's rule) and the invert-first pipeline
    (``255 - image``, then bright objects) give different masks: the valley
    test ``h[i-1] > h[i] <= h[i+1]`` breaks ties on one side only
    (``tests/algorithms/test_objects.py``).

    References
    ----------
    Prewitt, J.M.S. and Mendelsohn, M.L. (1966). The analysis of cell
    images. Annals of the New York Academy of Sciences 128(3), 1035-1053.
    :doi:`10.1111/j.1749-6632.1965.tb11715.x`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.zeros(256, int)
    >>> counts[40:61] = 10
    >>> counts[150:201] = 5
    >>> Minimum().threshold_from_histogram(counts)
    86
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        nonzero = np.flatnonzero(counts)
        smoothed = smooth_until_bimodal(counts)
        if smoothed is None or nonzero.size == 0:
            return ThresholdResult(0, False, f"not bimodal after {MAX_SMOOTHINGS} smoothings")
        h = smoothed[0]
        last = int(nonzero[-1])
        i = np.arange(1, max(last, 1))
        valley = np.flatnonzero((h[i - 1] > h[i]) & (h[i + 1] >= h[i]))
        if valley.size == 0:
            return ThresholdResult(0, False, "no valley below the last non-empty bin")
        return ThresholdResult(int(i[valley[0]]))


@register("triangle")
class Triangle(GlobalThreshold):
    """Zack's triangle method, with ImageJ's choice of the longer side.

    A line joins the histogram's highest bin to the empty bin just beyond the
    far end of the histogram (on the side with more levels); the split is at
    the bin with the largest distance below that line, moved one bin towards
    the peak. On a flat histogram the split can fall outside ``0..n-1``
    (ImageJ returns 256): no pixel is then foreground, and ``found`` is
    False.

    Dark objects (``objects="dark"``: ``image <= t`` with ``t`` from the
    original histogram, Fiji's rule) and the invert-first pipeline
    (``255 - image``, then bright objects) give different masks: ImageJ's
    one-bin move and choice of side are not mirror images
    (``tests/algorithms/test_objects.py``).

    References
    ----------
    Zack, G.W., Rogers, W.E. and Latt, S.A. (1977). Automatic measurement of
    sister chromatid exchange frequency. Journal of Histochemistry and
    Cytochemistry 25(7), 741-753. :doi:`10.1177/25.7.70454`

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> values = np.r_[rng.normal(40, 5, 5000), rng.normal(150, 30, 800)]
    >>> counts = np.bincount(values.clip(0, 255).astype(int), minlength=256)
    >>> Triangle().threshold_from_histogram(counts)
    55
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        n = counts.size
        nonzero = np.flatnonzero(counts)
        low = int(nonzero[0]) if nonzero.size else 0
        low = low - 1 if low > 0 else low  # the empty bin before the data
        above = nonzero[nonzero > 0]
        high = int(above[-1]) if above.size else 0
        high = high + 1 if high < n - 1 else high  # the empty bin after the data
        peak = int(np.argmax(counts)) if nonzero.size else 0
        data = counts
        inverted = (peak - low) < (high - peak)
        if inverted:  # work on the mirrored histogram, so the long side is on the left
            data = counts[::-1]
            low, peak = n - 1 - high, n - 1 - peak
        if low == peak:
            return ThresholdResult(low, False, "the peak is at the end of the histogram")
        nx = float(data[peak])
        ny = float(low - peak)
        d = np.sqrt(nx * nx + ny * ny)
        nx /= d
        ny /= d
        d = nx * low + ny * float(data[low])
        i = np.arange(low + 1, peak + 1)
        distance = nx * i + ny * data[i].astype(np.float64) - d
        split = low
        if distance.size and distance.max() > 0:
            split = int(i[np.argmax(distance)])
        split -= 1
        if inverted:
            return ThresholdResult(n - 1 - split)
        if split < 0:  # ImageJ reports its -1 as 0
            return ThresholdResult(0, False, "no bin lies below the line from the peak")
        return ThresholdResult(split)
