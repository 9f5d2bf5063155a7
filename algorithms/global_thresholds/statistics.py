"""Methods that threshold at a statistic of the histogram: mean, moments, percentile."""

from __future__ import annotations

import math

import numpy as np

from .._base import GlobalThreshold, ThresholdResult
from .._registry import register
from ..histogram import Histogram
from ._common import cumulative, java_int

try:  # whole-image sums without a histogram (see Mean._evaluate)
    import cv2
except ImportError:  # pragma: no cover - OpenCV is a core dependency
    cv2 = None

__all__ = ["Mean", "Moments", "Percentile"]


@register("mean")
class Mean(GlobalThreshold):
    """The mean grey level, rounded down: foreground is brighter than average.

    References
    ----------
    Glasbey, C.A. (1993). An analysis of histogram-based thresholding
    algorithms. CVGIP: Graphical Models and Image Processing 55(6), 532-537.
    :doi:`10.1006/cgip.1993.1040`

    Examples
    --------
    >>> import numpy as np
    >>> Mean().threshold_from_histogram(np.bincount([10, 12, 200, 210], minlength=256))
    108
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        cum_n, cum_s = cumulative(counts)
        if cum_n[-1] == 0:
            return ThresholdResult(0, False, "empty histogram: no pixel is counted")
        return ThresholdResult(java_int(math.floor(cum_s[-1] / cum_n[-1])))

    def _evaluate(
        self, image: np.ndarray, fov: np.ndarray | None, hist: Histogram | None
    ) -> tuple[int | float, ThresholdResult]:
        # An 8- or 16-bit image needs no histogram: its sum and range suffice.
        # floor(sum / n) equals the histogram's answer (bins are integer levels
        # from the minimum up) and OpenCV sums 16 Mpx in well under a millisecond.
        simple = hist is None and fov is None and not any(self._check_options())
        if not simple or cv2 is None or image.dtype not in (np.uint8, np.uint16):
            return super()._evaluate(image, fov, hist)
        low, high = cv2.minMaxLoc(image)[:2]
        t = math.floor(cv2.sumElems(image)[0] / image.size)
        # The threshold stays an int, as GlobalThreshold._evaluate's exact value does:
        # comparing integer pixels with an int is exact and about 4x faster than with a float.
        if low == high:
            reason = f"a single grey level ({low:g}): no split separates two classes"
            return t, ThresholdResult(t, False, reason)
        return t, ThresholdResult(t)


@register("moments")
class Moments(GlobalThreshold):
    """Tsai's moment-preserving threshold.

    The two-level image whose first three moments equal the histogram's has
    a background share ``p0``; the threshold is the first level where the
    cumulative distribution exceeds ``p0``. Computed in ImageJ's order of
    operations (normalised histogram, then sums from the darkest level up).

    Dark objects (``objects="dark"``: ``image <= t`` with ``t`` from the
    original histogram, Fiji's rule) and the invert-first pipeline
    (``255 - image``, then bright objects) give different masks: the cumulative
    distribution is compared with ``p0`` from the darkest level up, and the
    first level that exceeds it wins (``tests/algorithms/test_objects.py``).

    References
    ----------
    Tsai, W.-H. (1985). Moment-preserving thresholding: a new approach.
    Computer Vision, Graphics, and Image Processing 29(3), 377-393.
    :doi:`10.1016/0734-189X(85)90133-1`

    Examples
    --------
    >>> import numpy as np
    >>> Moments().threshold_from_histogram(np.bincount([10, 12, 200, 210], minlength=256))
    200
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        total = float(counts.sum())
        if total == 0:
            return ThresholdResult(0, False, "empty histogram: no pixel is counted")
        histo = counts / total
        di = np.arange(counts.size, dtype=np.float64)
        square = di * di
        m0 = 1.0
        m1 = float(np.cumsum(di * histo)[-1])  # np.cumsum adds left to right, as ImageJ
        m2 = float(np.cumsum(square * histo)[-1])
        m3 = float(np.cumsum(square * di * histo)[-1])
        cd = m0 * m2 - m1 * m1
        with np.errstate(all="ignore"):
            c0 = np.float64(-m2 * m2 + m1 * m3) / cd
            c1 = np.float64(m0 * -m3 + m2 * m1) / cd
            root = np.sqrt(c1 * c1 - 4.0 * c0)
            z0 = 0.5 * (-c1 - root)
            z1 = 0.5 * (-c1 + root)
            p0 = (z1 - m1) / (z1 - z0)
        above = np.flatnonzero(np.cumsum(histo) > p0)
        if above.size == 0:
            return ThresholdResult(0, False, "the moment equations have no solution")
        return ThresholdResult(int(above[0]))


@register("percentile", aliases=("ptile",))
class Percentile(GlobalThreshold):
    """Doyle's P-tile: the level that leaves a given share of pixels as foreground.

    The threshold is the first level whose cumulative share of pixels is
    closest to ``1 - foreground``. ImageJ fixes ``foreground`` at 0.5 (the
    median); it is a parameter here.

    Parameters
    ----------
    foreground : float
        Share of the pixels wanted above the threshold, strictly between 0
        and 1.
    ignore_black, ignore_white : bool
        See :class:`~algorithms.GlobalThreshold`.

    References
    ----------
    Doyle, W. (1962). Operations useful for similarity-invariant pattern
    recognition. Journal of the ACM 9(2), 259-267.
    :doi:`10.1145/321119.321123`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.bincount([10, 12, 200, 210], minlength=256)
    >>> Percentile().threshold_from_histogram(counts)
    12
    >>> Percentile(foreground=0.25).threshold_from_histogram(counts)
    200
    """

    def __init__(
        self, *, foreground: float = 0.5, ignore_black: bool = False, ignore_white: bool = False
    ) -> None:
        super().__init__(ignore_black=ignore_black, ignore_white=ignore_white)
        self.foreground = foreground

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        share = self.foreground
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share < 1:
            msg = (
                f"Percentile: foreground must be a number strictly between 0 and 1; got {share!r}."
            )
            raise ValueError(msg)
        target = 1.0 - float(share)
        cum_n, _ = cumulative(counts)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.abs(cum_n / cum_n[-1] - target)
        # ImageJ keeps the first level that beats the best so far, starting from 1.0.
        with np.errstate(invalid="ignore"):
            beats = gap < 1.0
        if not beats.any():
            return ThresholdResult(0, False, "empty histogram: no pixel is counted")
        best = gap[beats].min()
        return ThresholdResult(int(np.flatnonzero(gap == best)[0]))
