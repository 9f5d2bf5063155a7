"""Fuzzy-set methods: Huang–Wang's minimum fuzziness, as ImageJ and as Fiji's Huang2.

Each pixel belongs to its class with a membership that decreases with its
distance to the class mean, ``mu = 1 / (1 + |level - mean| / C)`` with ``C``
the span of the non-empty bins. The threshold minimises the Shannon entropy
of these memberships summed over all pixels.

Both scores need every split against every non-empty bin: the cost grows as
``(non-empty bins)**2`` (65,536 cells for 8-bit data; 16-bit histograms with
thousands of levels are scored block by block to bound memory).
"""

from __future__ import annotations

import sys

import numpy as np

from .._base import GlobalThreshold, ThresholdResult
from .._registry import register
from ._common import column_blocks, cumulative, first_best

__all__ = ["Huang", "Huang2"]

DOUBLE_MAX = sys.float_info.max


def _shannon(mu: np.ndarray) -> np.ndarray:
    """Shannon's entropy function of a membership, in ImageJ's order of operations."""
    return -mu * np.log(mu) - (1.0 - mu) * np.log(1.0 - mu)


@register("huang")
class Huang(GlobalThreshold):
    """Huang–Wang's fuzzy thresholding, as ImageJ 1.53t computes it.

    Class means are the running means from the first non-empty bin up and
    from the last one down; memberships below 1e-6 or above 0.999999 add
    nothing. A single level (``C = 0``) has no threshold (ImageJ: -1 → 0).

    References
    ----------
    Huang, L.-K. and Wang, M.-J.J. (1995). Image thresholding by minimizing
    the measures of fuzziness. Pattern Recognition 28(1), 41-51.
    :doi:`10.1016/0031-3203(94)E0043-K`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.bincount([10, 11, 12, 12, 200, 201, 210, 210], minlength=256)
    >>> Huang().threshold_from_histogram(counts)
    12
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        nonzero = np.flatnonzero(counts)
        if nonzero.size < 2:
            return ThresholdResult(0, False, "fewer than two levels: no fuzzy split")
        first, last = int(nonzero[0]), int(nonzero[-1])
        term = 1.0 / float(last - first)
        cum_n, cum_s = cumulative(counts)
        levels = np.arange(counts.size)
        # mu_0[t]: mean of bins first..t (0 below first); mu_1[t]: of bins t+1..last.
        with np.errstate(divide="ignore", invalid="ignore"):
            mu_0 = np.where(levels >= first, cum_s / cum_n, 0.0)
            mu_1 = np.where(levels < last, (cum_s[-1] - cum_s) / (cum_n[-1] - cum_n), 0.0)
        from . import _kernels  # compiled on first use: numba is imported only when needed

        cand = np.union1d([0], nonzero)  # other splits repeat one of these exactly
        weight = counts[nonzero].astype(np.float64)
        entropy = np.empty(cand.size)
        for block in column_blocks(nonzero.size, cand.size):
            mu, rest = _kernels.huang_memberships(nonzero, cand[block], mu_0, mu_1, term)
            with np.errstate(divide="ignore"):
                log_mu, log_rest = np.log(mu), np.log(rest)
            # ImageJ skips memberships below 1e-6 or above 0.999999. With C > 0
            # every membership is >= 1/2, so only the few near 1 are skipped;
            # the rows are summed in order, as ImageJ does.
            _kernels.huang_entropy(weight, mu, log_mu, rest, log_rest, entropy[block])
        pick = first_best(entropy, DOUBLE_MAX, larger=False)
        if pick is None:
            return ThresholdResult(0, False, "no split has a finite fuzziness")
        return ThresholdResult(int(cand[pick]))


@register("huang2")
class Huang2(GlobalThreshold):
    """Huang–Wang's fuzzy thresholding as Fiji's ``Huang2`` (J. Schindelin, 2011).

    The same criterion as :class:`Huang` with two differences from ImageJ's
    code: each class mean is rounded to the nearest level, so the entropy
    terms come from one table indexed by ``|level - mean|``, and only
    thresholds between the first and last non-empty bins are tried. A single
    level gives 0, not found. ImageJ 1.53t has no Huang2; it is checked
    against a direct, loop-by-loop reading of Fiji's definition instead.

    References
    ----------
    Huang, L.-K. and Wang, M.-J.J. (1995). Image thresholding by minimizing
    the measures of fuzziness. Pattern Recognition 28(1), 41-51.
    :doi:`10.1016/0031-3203(94)E0043-K`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.bincount([10, 11, 12, 12, 200, 201, 210, 210], minlength=256)
    >>> Huang2().threshold_from_histogram(counts)
    12
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        nonzero = np.flatnonzero(counts)
        if nonzero.size < 2:
            return ThresholdResult(0, False, "fewer than two levels: no fuzzy split")
        first, last = int(nonzero[0]), int(nonzero[-1])
        from . import _kernels  # compiled on first use: numba is imported only when needed

        span = float(last - first)
        distance = np.arange(last - first + 1, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            table = _shannon(1.0 / (1.0 + distance / span))
        table[0] = 0.0  # membership 1: no fuzziness
        cum_n, cum_s = cumulative(counts)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_low = cum_s / cum_n
            mean_high = (cum_s[last] - cum_s) / (cum_n[last] - cum_n)
        # Java's Math.round: floor(x + 0.5). NaN (the empty upper class at t = last)
        # would round to 0 in Java; no bin uses that mean, so any value will do.
        round_low = np.floor(mean_low[nonzero] + 0.5)
        round_high = np.floor(np.nan_to_num(mean_high[nonzero]) + 0.5)
        round_low, round_high = round_low.astype(np.int64), round_high.astype(np.int64)
        weight = counts[nonzero].astype(np.float64)
        entropy = _kernels.huang2_entropy(nonzero, weight, round_low, round_high, table)
        pick = first_best(entropy, DOUBLE_MAX, larger=False)
        if pick is None:
            return ThresholdResult(0, False, "no split has a finite fuzziness")
        return ThresholdResult(int(nonzero[pick]))
