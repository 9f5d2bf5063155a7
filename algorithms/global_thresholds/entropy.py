"""Information-theoretic methods: entropies and cross-entropy of the two classes.

Li (minimum cross-entropy), Kapur's maximum entropy, the Rényi entropy
combination of Sahoo et al., Yen's maximum correlation and Shanbhag's fuzzy
information measure. The scores are computed for every split at once; where
a closed form replaces ImageJ's per-split loops, splits whose scores tie to
within rounding are re-scored in ImageJ's order of operations, so the winner
is the one ImageJ picks.
"""

from __future__ import annotations

import sys

import numpy as np

from .._base import GlobalThreshold, ThresholdResult
from .._registry import register
from ._common import (
    DBL_EPSILON,
    DBL_MIN_VALUE,
    column_blocks,
    cumulative,
    entropy_bins,
    first_best,
    java_int,
    normalized,
    resolve_near_ties,
    split_candidates,
    tail_sums,
)

__all__ = ["Li", "MaxEntropy", "RenyiEntropy", "Shanbhag", "Yen"]


@register("li")
class Li(GlobalThreshold):
    """Li's minimum cross-entropy threshold, iterative form.

    Starting from the mean level, iterate ``t = (mu_b - mu_f) / (ln mu_b -
    ln mu_f)`` (means of the background ``<= t`` and foreground ``> t``;
    ``t`` rounded half up to a level) until it moves by at most half a
    level; the answer is the last rounded level. The iteration is bounded:
    a cycle or 1000 steps stop it and report that no threshold was found,
    where ImageJ would loop for ever.

    Dark objects (``objects="dark"``: ``image <= t`` with ``t`` from the
    original histogram, Fiji's rule) and the invert-first pipeline
    (``255 - image``, then bright objects) give different masks: the
    cross-entropy criterion takes logarithms of the class means, which
    ``p -> 255 - p`` does not preserve (``tests/algorithms/test_objects.py``).

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

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        n = counts.size
        cum_n, cum_s = cumulative(counts)
        total, moment = cum_n[-1], cum_s[-1]
        with np.errstate(all="ignore"):
            new = np.float64(moment) / np.float64(total)  # NaN when empty, as in ImageJ
            seen: set[int] = set()
            for _ in range(self.max_iterations):
                old = new
                t = java_int(float(old) + 0.5)
                k = min(max(t, -1), n - 1)
                n_back = cum_n[k] if k >= 0 else 0.0
                s_back = cum_s[k] if k >= 0 else 0.0
                mean_back = np.float64(s_back / n_back if n_back else 0.0)
                n_obj = total - n_back
                mean_obj = np.float64((moment - s_back) / n_obj if n_obj else 0.0)
                temp = (mean_back - mean_obj) / (np.log(mean_back) - np.log(mean_obj))
                if temp < -DBL_EPSILON:
                    new = np.float64(java_int(float(temp) - 0.5))
                else:
                    new = np.float64(java_int(float(temp) + 0.5))
                if not abs(new - old) > 0.5:  # NaN also stops it, as in Java
                    return ThresholdResult(t)
                if t in seen:
                    return ThresholdResult(t, False, "the iteration cycles without converging")
                seen.add(t)
        return ThresholdResult(t, False, f"no convergence after {self.max_iterations} steps")


def _kapur_scores(p: np.ndarray, p1: np.ndarray, p2: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Kapur's total entropy at each candidate split, in closed form."""
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
        below = np.cumsum(plogp)[cand]
        above = tail_sums(plogp)[cand]
        mass_above = tail_sums(p)[cand]
        a, b = p1[cand], p2[cand]
        ent_back = np.log(a) - below / a
        ent_obj = np.where(mass_above > 0, mass_above / b * np.log(b) - above / b, 0.0)
        return ent_back + ent_obj


def _kapur_exact(p: np.ndarray, p1: np.ndarray, p2: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Kapur's total entropy summed bin by bin, in ImageJ's order."""
    nonzero = np.flatnonzero(p > 0)
    ih = nonzero[:, None]
    below = ih <= cand[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        xb = p[ih] / p1[cand][None, :]
        xo = p[ih] / p2[cand][None, :]
        terms_b = np.where(below, xb * np.log(xb), 0.0)
        terms_o = np.where(below, 0.0, xo * np.log(xo))
    # Reducing along axis 0 adds row after row: ImageJ's left-to-right sum.
    return -np.add.reduce(terms_b, axis=0) + -np.add.reduce(terms_o, axis=0)


def _max_entropy(counts: np.ndarray, start: float) -> int | None:
    p, p1, p2 = normalized(counts)
    first, last = entropy_bins(p1, p2)
    cand = split_candidates(counts, first, last)
    if cand.size == 0 or not np.isfinite(p1[-1]):
        return None
    scores = _kapur_scores(p, p1, p2, cand)
    return resolve_near_ties(cand, scores, lambda c: _kapur_exact(p, p1, p2, c), start)


@register("maxentropy", aliases=("max_entropy", "kapur"))
class MaxEntropy(GlobalThreshold):
    """Kapur–Sahoo–Wong maximum entropy thresholding.

    The threshold maximises the sum of the Shannon entropies of the two
    class distributions (each normalised to sum to one), over the splits
    between the first and last non-empty bins. No split with positive
    entropy (e.g. two levels) means no threshold (ImageJ: -1 → 0).

    References
    ----------
    Kapur, J.N., Sahoo, P.K. and Wong, A.K.C. (1985). A new method for
    gray-level picture thresholding using the entropy of the histogram.
    Computer Vision, Graphics, and Image Processing 29(3), 273-285.
    :doi:`10.1016/0734-189X(85)90125-2`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.bincount([10, 11, 12, 12, 200, 201, 210, 210], minlength=256)
    >>> MaxEntropy().threshold_from_histogram(counts)
    12
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        t = _max_entropy(counts, DBL_MIN_VALUE)
        if t is None:
            return ThresholdResult(0, False, "no split has positive entropy")
        return ThresholdResult(t)


def _renyi_scores(
    p: np.ndarray, p1: np.ndarray, p2: np.ndarray, cand: np.ndarray, alpha: float
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        power = np.sqrt(p) if alpha == 0.5 else p * p
        below = np.cumsum(power)[cand]
        above = tail_sums(power)[cand]
        a, b = p1[cand], p2[cand]
        if alpha == 0.5:
            product = (below / np.sqrt(a)) * (above / np.sqrt(b))
        else:
            product = (below / (a * a)) * (above / (b * b))
        term = 1.0 / (1.0 - alpha)
        return term * np.where(product > 0.0, np.log(product), 0.0)


def _renyi_exact(
    p: np.ndarray, p1: np.ndarray, p2: np.ndarray, cand: np.ndarray, alpha: float
) -> np.ndarray:
    ih = np.arange(p.size)[:, None]
    below = ih <= cand[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        if alpha == 0.5:
            tb = np.sqrt(p[ih] / p1[cand][None, :])
            to = np.sqrt(p[ih] / p2[cand][None, :])
        else:
            a, b = p1[cand][None, :], p2[cand][None, :]
            tb = (p[ih] * p[ih]) / (a * a)
            to = (p[ih] * p[ih]) / (b * b)
        ent_back = np.add.reduce(np.where(below, tb, 0.0), axis=0)
        ent_obj = np.add.reduce(np.where(below, 0.0, to), axis=0)
        product = ent_back * ent_obj
        term = 1.0 / (1.0 - alpha)
        return term * np.where(product > 0.0, np.log(product), 0.0)


@register("renyientropy", aliases=("renyi_entropy", "renyi"))
class RenyiEntropy(GlobalThreshold):
    """Sahoo–Wilkins–Yeager's combination of three Rényi-entropy thresholds.

    The thresholds maximising the Rényi entropy of order 0.5, 1 (Kapur's
    maximum entropy) and 2 are sorted, ``t1 <= t2 <= t3``, and combined as
    ``t1 (P(t1) + w b1 / 4) + t2 w b2 / 4 + t3 (1 - P(t3) + w b3 / 4)`` with
    ``w = P(t3) - P(t1)`` (``P`` the cumulative distribution) and weights
    ``b`` that depend on which of them lie within 5 levels of each other.

    Dark objects (``objects="dark"``: ``image <= t`` with ``t`` from the
    original histogram, Fiji's rule) and the invert-first pipeline
    (``255 - image``, then bright objects) give different masks: the
    combination weighs ``t1`` by ``P(t1)`` and ``t3`` by ``1 - P(t3)`` with
    weights ``b`` that are not mirror images of each other
    (``tests/algorithms/test_objects.py``).

    References
    ----------
    Sahoo, P., Wilkins, C. and Yeager, J. (1997). Threshold selection using
    Renyi's entropy. Pattern Recognition 30(1), 71-84.
    :doi:`10.1016/S0031-3203(96)00065-9`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.bincount([10, 11, 12, 12, 200, 201, 210, 210], minlength=256)
    >>> RenyiEntropy().threshold_from_histogram(counts)
    11
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        p, p1, p2 = normalized(counts)
        if not np.isfinite(p1[-1]):
            return ThresholdResult(0, False, "empty histogram: no pixel is counted")
        first, last = entropy_bins(p1, p2)
        cand = split_candidates(counts, first, last)
        # Order 1 (Kapur), started at 0 and 0.0 where MaxEntropy starts at -1, MIN_VALUE.
        t_star2 = _max_entropy(counts, 0.0)
        t_star2 = 0 if t_star2 is None else t_star2
        stars = [t_star2]
        for alpha in (0.5, 2.0):
            scores = _renyi_scores(p, p1, p2, cand, alpha)
            pick = resolve_near_ties(
                cand, scores, lambda c, a=alpha: _renyi_exact(p, p1, p2, c, a), 0.0
            )
            stars.append(0 if pick is None else pick)
        t2, t1, t3 = stars
        # ImageJ's three compare-and-swap steps.
        if t2 < t1:
            t1, t2 = t2, t1
        if t3 < t2:
            t2, t3 = t3, t2
        if t2 < t1:
            t1, t2 = t2, t1
        if abs(t1 - t2) <= 5:
            beta = (1, 2, 1) if abs(t2 - t3) <= 5 else (0, 1, 3)
        else:
            beta = (3, 1, 0) if abs(t2 - t3) <= 5 else (1, 2, 1)
        omega = float(p1[t3] - p1[t1])
        value = (
            t1 * (float(p1[t1]) + 0.25 * omega * beta[0])
            + 0.25 * t2 * omega * beta[1]
            + t3 * (float(p2[t3]) + 0.25 * omega * beta[2])
        )
        return ThresholdResult(java_int(value))


@register("yen")
class Yen(GlobalThreshold):
    """Yen–Chang–Chang's maximum correlation criterion.

    The threshold maximises ``-ln(G_b G_f) + 2 ln(P (1 - P))``, with ``P``
    the background's share of the pixels and ``G_b``, ``G_f`` the sums of
    squared probabilities of the bins of each class. Two levels give no
    positive criterion and no threshold (ImageJ: -1 → 0).

    References
    ----------
    Yen, J.C., Chang, F.J. and Chang, S. (1995). A new criterion for
    automatic multilevel thresholding. IEEE Trans. Image Processing 4(3),
    370-378. :doi:`10.1109/83.366472`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.bincount([10, 11, 12, 12, 200, 201, 210, 210], minlength=256)
    >>> Yen().threshold_from_histogram(counts)
    11
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        p, p1, _ = normalized(counts)
        square = p * p
        p1_sq = np.cumsum(square)
        # ImageJ: P2_sq[n-1] = 0, P2_sq[i] = P2_sq[i+1] + p[i+1]^2, summed from the top.
        p2_sq = np.append(np.cumsum(square[:0:-1])[::-1], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = p1_sq * p2_sq
            spread = p1 * (1.0 - p1)
            crit = -1.0 * np.where(corr > 0.0, np.log(corr), 0.0) + 2 * np.where(
                spread > 0.0, np.log(spread), 0.0
            )
        t = first_best(crit, DBL_MIN_VALUE)
        if t is None:
            return ThresholdResult(0, False, "no split has a positive criterion")
        return ThresholdResult(t)


def _shanbhag_scores(p: np.ndarray, p1: np.ndarray, p2: np.ndarray, cand: np.ndarray):
    """|background - object| fuzzy information at each candidate, in ImageJ's order.

    Background terms ``p[i] ln(1 - P1[i-1] / (2 P1[t]))`` for ``1 <= i <= t``,
    object terms ``p[i] ln(1 - P2[i] / (2 P2[t]))`` for ``i > t``, each class
    summed left to right; empty bins add exactly nothing and are skipped.
    """
    from . import _kernels  # compiled on first use: numba is imported only when needed

    nonzero = np.flatnonzero(p > 0)
    nonzero = nonzero[nonzero >= 1]  # ImageJ's background sum starts at bin 1
    weight = p[nonzero]
    p_prev, p_own = p1[nonzero - 1], p2[nonzero]
    scores = np.empty(cand.size)
    for block in column_blocks(nonzero.size, cand.size):
        t = cand[block]
        with np.errstate(divide="ignore", invalid="ignore"):
            arguments = _kernels.shanbhag_arguments(nonzero, t, p_prev, p_own, p1, p2)
            logs = np.log(arguments)
        _kernels.shanbhag_scores(nonzero, t, weight, logs, p1, p2, scores[block])
    return scores


@register("shanbhag")
class Shanbhag(GlobalThreshold):
    """Shanbhag's fuzzy-information threshold.

    Each class is seen as a fuzzy set whose membership falls off with the
    cumulative probability from the threshold; the threshold makes the
    information of the two classes as equal as possible (minimises
    ``|I_b - I_f|``) over the splits between the first and last non-empty
    bins.

    References
    ----------
    Shanbhag, A.G. (1994). Utilization of information measure as a means of
    image thresholding. CVGIP: Graphical Models and Image Processing 56(5),
    414-419. :doi:`10.1006/cgip.1994.1037`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.bincount([10, 11, 12, 12, 200, 201, 210, 210], minlength=256)
    >>> Shanbhag().threshold_from_histogram(counts)
    12
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        p, p1, p2 = normalized(counts)
        if not np.isfinite(p1[-1]):
            return ThresholdResult(0, False, "empty histogram: no pixel is counted")
        first, last = entropy_bins(p1, p2)
        cand = split_candidates(counts, first, last)
        scores = _shanbhag_scores(p, p1, p2, cand)
        pick = first_best(scores, sys.float_info.max, larger=False)  # Double.MAX_VALUE
        if pick is None:
            return ThresholdResult(0, False, "no split has a finite score")
        return ThresholdResult(int(cand[pick]))
