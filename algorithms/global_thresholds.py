"""Global thresholds: one threshold picked from the image histogram.

Each method follows the definition in its reference and ImageJ 1.53t's
conventions (``ij.process.AutoThresholder``), so that on an 8-bit histogram
the threshold equals ImageJ's: the returned bin ``t`` is the last level of
the background, and the foreground is ``image > t``.
"""

from __future__ import annotations

import math

import numpy as np

from ._base import GlobalThreshold, ThresholdResult
from ._registry import register

__all__ = ["Li", "Otsu"]

EPSILON = float(np.finfo(np.float64).eps)


@register("otsu")
class Otsu(GlobalThreshold):
    """Otsu's method: the split that maximises the between-class variance.

    For every candidate split ``k`` the between-class variance is
    ``(mu_T * w(k) - mu(k))**2 / (w(k) * (1 - w(k)))`` with ``w`` the
    cumulative probability and ``mu`` the cumulative first moment; a split
    with an empty class scores 0. As in ImageJ, candidates are ``k = 1 ..
    n-2`` and ties go to the largest ``k``, so a histogram with two levels
    ``a < b`` gives ``b - 1``.

    References
    ----------
    Otsu, N. (1979). A threshold selection method from gray-level histograms.
    IEEE Trans. Systems, Man, and Cybernetics 9(1), 62-66.
    :doi:`10.1109/TSMC.1979.4310076`

    Examples
    --------
    >>> import numpy as np
    >>> Otsu().threshold_from_histogram(np.bincount([10, 10, 200, 200], minlength=256))
    199
    """

    def __init__(self) -> None:
        pass

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        n = counts.size
        total = int(counts.sum())
        if n < 3 or total == 0:
            return ThresholdResult(max(n - 2, 0), False, "empty histogram or fewer than 3 bins")
        levels = np.arange(n, dtype=np.float64)
        p = counts / total
        w = np.cumsum(p)
        mu = np.cumsum(levels * p)
        mu_t = mu[-1]
        k = np.arange(1, n - 1)
        wk, muk = w[k], mu[k]
        denominator = wk * (1.0 - wk)
        with np.errstate(divide="ignore", invalid="ignore"):
            between = np.where(denominator > 0, (mu_t * wk - muk) ** 2 / denominator, 0.0)
        best = between.max()
        t = int(k[np.flatnonzero(between == best)[-1]])
        if best <= 0:
            return ThresholdResult(t, False, "a single grey level: no split separates two classes")
        return ThresholdResult(t)


@register("li")
class Li(GlobalThreshold):
    """Li's minimum cross-entropy threshold, iterative form.

    Starting from the mean level, iterate ``t = (mu_b - mu_f) / (ln mu_b -
    ln mu_f)`` (means of the background ``<= t`` and foreground ``> t``,
    rounded to the nearest level) until it moves by at most half a level.
    The iteration is bounded: a cycle or 1000 steps stop it and report that
    no threshold was found, instead of looping for ever.

    References
    ----------
    Li, C.H. and Tam, P.K.S. (1998). An iterative algorithm for minimum
    cross entropy thresholding. Pattern Recognition Letters 19(8), 771-776.
    :doi:`10.1016/S0167-8655(98)00057-9`

    Examples
    --------
    >>> import numpy as np
    >>> Li().threshold_from_histogram(np.bincount([10, 12, 200, 210], minlength=256))
    66
    """

    max_iterations = 1000

    def __init__(self) -> None:
        pass

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        total = int(counts.sum())
        if total == 0:
            return ThresholdResult(0, False, "empty histogram")
        levels = np.arange(counts.size, dtype=np.float64)
        cum_n = np.cumsum(counts, dtype=np.float64)
        cum_m = np.cumsum(counts * levels)
        moment = cum_m[-1]
        new = moment / total
        seen: set[int] = set()
        for _ in range(self.max_iterations):
            old = new
            t = min(max(int(old + 0.5), 0), counts.size - 1)
            n_back = cum_n[t]
            n_obj = total - n_back
            mean_back = cum_m[t] / n_back if n_back > 0 else 0.0
            mean_obj = (moment - cum_m[t]) / n_obj if n_obj > 0 else 0.0
            if mean_back <= 0 or mean_obj <= 0 or mean_back == mean_obj:
                # log undefined or 0/0: the definition gives no next step.
                if mean_back <= 0 and mean_obj > 0:
                    return ThresholdResult(0)
                return ThresholdResult(t, False, "one class is empty or both have the same mean")
            temp = (mean_back - mean_obj) / (math.log(mean_back) - math.log(mean_obj))
            new = (
                float(int(temp - 0.5)) if temp < -2.220446049250313e-16 else float(int(temp + 0.5))
            )
            if abs(new - old) <= 0.5:
                return ThresholdResult(int(new))
            if int(new) in seen:
                return ThresholdResult(int(new), False, "the iteration cycles without converging")
            seen.add(int(new))
        return ThresholdResult(int(new), False, "no convergence after 1000 iterations")
