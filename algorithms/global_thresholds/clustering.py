"""Clustering methods: two classes whose means (or Gaussian fits) define the split.

Otsu, the IsoData family (ImageJ's IsoData, its original ``IJ_IsoData`` and
the ``Default`` variant) and Kittler–Illingworth's minimum error. Every
method returns the last bin of the background; foreground is bins ``> t``.
"""

from __future__ import annotations

import numpy as np

from .._base import GlobalThreshold, ThresholdResult
from .._registry import register
from ._common import cumulative, java_int, java_round

__all__ = ["Default", "IJIsoData", "IsoData", "MinError", "Otsu"]

_NO_CROSSING = (
    "the two Gaussians have no finite crossing (a class empty or constant, or equal variances)"
)


@register("otsu")
class Otsu(GlobalThreshold):
    """Otsu's method: the split that maximises the between-class variance.

    For every candidate ``k = 1 .. n-2`` the between-class variance is
    ``(N1/N * S - S1)**2 / (N1 * (N - N1))`` with ``N1``, ``S1`` the count and
    intensity sum of bins ``<= k`` (``N``, ``S`` of all bins); a split with an
    empty class scores 0. Ties go to the largest ``k`` (ImageJ tests with
    ``>=``), so two levels ``a < b`` give ``b - 1`` and a single level
    gives ``n - 2``.

    ImageJ 1.53t keeps ``N``, ``S`` and ``S1`` in 32-bit ``int``; they
    overflow once the intensity sum exceeds 2**31 (about 8.4 Mpx of white,
    or a 4096×4096 image of mean 128), and ImageJ's answer is then wrong.
    Here they are exact.

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

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        n = counts.size
        if n < 3:
            return ThresholdResult(0, False, f"{n} bins: Otsu needs at least 3")
        cum_n, cum_s = cumulative(counts)
        total_n, total_s = cum_n[-1], cum_s[-1]
        n1, s1 = cum_n[1 : n - 1], cum_s[1 : n - 1]
        denominator = n1 * (total_n - n1)
        with np.errstate(divide="ignore", invalid="ignore"):
            numerator = (n1 / total_n) * total_s - s1
            between = np.where(denominator != 0, numerator * numerator / denominator, 0.0)
        # `>=` from a start of 0: the last position of the maximum wins.
        k = int(np.flatnonzero(between == between.max())[-1]) + 1
        return ThresholdResult(k)


@register("isodata")
class IsoData(GlobalThreshold):
    """Ridler–Calvard's iterative intermeans, as ImageJ's ``IsoData``.

    NIH Image's rule: the threshold is the first level ``g`` that equals the
    average of ``L``, the mean of the pixels *below* ``g``, and ``H``, the mean
    of the pixels *above* ``g`` (pixels at ``g`` count in neither), both
    truncated to integers as ImageJ's integer division does, the average
    rounded half up. The scan starts one level above the first non-empty bin
    ``>= 1``; if no ``g`` up to ``n - 2`` satisfies the rule there is no
    threshold (ImageJ: -1 → 0).

    ImageJ sums ``level * count`` in 32-bit ``int``, which overflows once the
    intensity sum passes 2**31 (images of roughly 8-16 Mpx and more); the
    sums here are exact, so on such histograms the answers differ.

    Dark objects (``objects="dark"``: ``image <= t`` with ``t`` from the
    original histogram, Fiji's rule) and the invert-first pipeline
    (``255 - image``, then bright objects) give different masks: the scan for
    ``g`` runs upward from the darkest level and stops at the first match, so
    the mirrored histogram can stop at a different valley
    (``tests/algorithms/test_objects.py``).

    References
    ----------
    Ridler, T.W. and Calvard, S. (1978). Picture thresholding using an
    iterative selection method. IEEE Trans. Systems, Man, and Cybernetics
    8(8), 630-632. :doi:`10.1109/TSMC.1978.4310039`

    Examples
    --------
    >>> import numpy as np
    >>> IsoData().threshold_from_histogram(np.bincount([10, 12, 200, 210], minlength=256))
    108
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        n = counts.size
        above = np.flatnonzero(counts[1:])
        start = int(above[0]) + 2 if above.size else 0
        if start > n - 2:
            return ThresholdResult(0, False, "no level above the first one to test")
        levels = np.arange(n, dtype=np.int64)
        cum_n = np.cumsum(counts)
        cum_s = np.cumsum(counts * levels)
        g = np.arange(max(start, 1), n - 1)
        low_n, low_s = cum_n[g - 1], cum_s[g - 1]  # bins < g
        high_n, high_s = cum_n[-1] - cum_n[g], cum_s[-1] - cum_s[g]  # bins > g
        valid = (low_n > 0) & (high_n > 0)
        safe_low, safe_high = np.where(valid, low_n, 1), np.where(valid, high_n, 1)
        # Java: l /= totl and h /= toth (int division), then Math.round((l + h) / 2.0).
        means = low_s // safe_low + high_s // safe_high
        hits = np.flatnonzero(valid & (g == (means + 1) // 2))
        if hits.size == 0:
            return ThresholdResult(0, False, "no level equals the mean of the two class means")
        return ThresholdResult(int(g[hits[0]]))


def _ij_isodata(counts: np.ndarray) -> ThresholdResult:
    """ImageJ's original IsoData (``IJIsoData``): bins 0 and n-1 are not counted."""
    n = counts.size
    data = counts.copy()
    data[0] = 0
    data[-1] = 0
    nonzero = np.flatnonzero(data)
    if nonzero.size < 2:
        reason = "fewer than two levels once the first and last bins are dropped"
        return ThresholdResult(n // 2, False, reason)
    lo, hi = int(nonzero[0]), int(nonzero[-1])
    part = data[lo : hi + 1]
    levels = np.arange(lo, hi + 1, dtype=np.int64)
    cum_n = np.cumsum(part)
    cum_s = np.cumsum(part * levels)
    m = np.arange(lo, hi)  # moving index: the lower class is lo..m
    k = m - lo
    low_n, low_s = cum_n[k].astype(np.float64), cum_s[k].astype(np.float64)
    high_n = (cum_n[-1] - cum_n[k]).astype(np.float64)
    high_s = (cum_s[-1] - cum_s[k]).astype(np.float64)
    result = (low_s / low_n + high_s / high_n) / 2.0
    # ImageJ stops after the first m with m + 2 > result or m + 1 >= hi - 1.
    stop = np.flatnonzero((m + 2 > result) | (m + 1 >= hi - 1))[0]
    return ThresholdResult(java_round(float(result[stop])))


@register("ij_isodata", aliases=("ijisodata",))
class IJIsoData(GlobalThreshold):
    """The original ImageJ IsoData (``IJ_IsoData``), kept for compatibility.

    Bins 0 and ``n - 1`` are left out (in ImageJ they held erased areas).
    Moving a split ``m`` up from the first non-empty bin, it stops at the
    first ``m`` where ``m + 2 > (mu_b + mu_f) / 2`` (or near the top) and
    returns that average of the two class means, rounded. Fewer than two
    levels left gives ``n // 2`` (128), not found.

    Dark objects (``objects="dark"``: ``image <= t`` with ``t`` from the
    original histogram, Fiji's rule) and the invert-first pipeline
    (``255 - image``, then bright objects) give different masks: the split
    moves upward from the darkest non-empty bin and stops at the first
    crossing, and bins 0 and ``n - 1`` are left out
    (``tests/algorithms/test_objects.py``).

    References
    ----------
    Ridler, T.W. and Calvard, S. (1978). Picture thresholding using an
    iterative selection method. IEEE Trans. Systems, Man, and Cybernetics
    8(8), 630-632. :doi:`10.1109/TSMC.1978.4310039`

    Examples
    --------
    >>> import numpy as np
    >>> IJIsoData().threshold_from_histogram(np.bincount([10, 12, 200, 210], minlength=256))
    108
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        return _ij_isodata(counts)


@register("default")
class Default(GlobalThreshold):
    """ImageJ's "Default": ``IJ_IsoData`` after taming a dominant mode.

    If the most populated bin holds more than twice as many pixels as any
    other, its count is lowered to 1.5 times the runner-up (truncated) before
    ``IJ_IsoData`` runs, so a large uniform background does not pull the
    threshold. ImageJ computes ``2 * runner_up`` in 32-bit ``int``, which
    overflows above 2**30 pixels per bin; here it is exact.

    Fiji's Auto Threshold plugin calls a different "Default" (no mode
    clipping, bins 0 and 255 kept); this is ImageJ 1.53t's, the one behind
    the Threshold dialog.

    Dark objects (``objects="dark"``: ``image <= t`` with ``t`` from the
    original histogram, Fiji's rule) and the invert-first pipeline
    (``255 - image``, then bright objects) give different masks: it runs
    ``IJ_IsoData``, whose upward scan stops at the first crossing
    (``tests/algorithms/test_objects.py``).

    References
    ----------
    Ridler, T.W. and Calvard, S. (1978). Picture thresholding using an
    iterative selection method. IEEE Trans. Systems, Man, and Cybernetics
    8(8), 630-632. :doi:`10.1109/TSMC.1978.4310039`

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.bincount([10] * 50 + [12, 200, 210], minlength=256)
    >>> Default().threshold_from_histogram(counts)
    108
    """

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        data = counts.copy()
        mode = int(np.argmax(data))  # the first bin holding the largest count
        top = int(data[mode])
        data[mode] = 0
        runner_up = int(data.max())
        data[mode] = top
        if top > 2 * runner_up and runner_up != 0:
            data[mode] = int(runner_up * 1.5)
        return _ij_isodata(data)


@register("minerror", aliases=("min_error", "minerror(i)", "kittler"))
class MinError(GlobalThreshold):
    """Kittler–Illingworth minimum error thresholding, iterative form.

    Two Gaussians are fitted to the classes ``<= t`` and ``> t``; the next
    ``t`` is the floor of the larger root of the quadratic where their
    weighted densities are equal. It starts from :class:`Mean`'s threshold
    and stops when ``t`` repeats. A quadratic without real root stops it
    ("not converging" in ImageJ): the current ``t`` is returned, not found.
    A cycle or 10000 steps (ImageJ would loop for ever) also stop it.

    ImageJ computes ``i * h[i]`` and ``i * i * h[i]`` in 32-bit ``int``:
    once a bin near 255 holds more than ~33,000 pixels (e.g. a saturated
    512×512 image) the products wrap around and ImageJ's threshold is wrong,
    sometimes far outside 0..255. Here the sums are exact, so on such
    histograms this method differs from ImageJ on purpose.

    References
    ----------
    Kittler, J. and Illingworth, J. (1986). Minimum error thresholding.
    Pattern Recognition 19(1), 41-47. :doi:`10.1016/0031-3203(86)90030-0`

    Glasbey, C.A. (1993). An analysis of histogram-based thresholding
    algorithms. CVGIP: Graphical Models and Image Processing 55(6), 532-537.
    :doi:`10.1006/cgip.1993.1040`

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> values = np.r_[rng.normal(60, 10, 5000), rng.normal(160, 20, 3000)]
    >>> counts = np.bincount(values.clip(0, 255).astype(int), minlength=256)
    >>> MinError().threshold_from_histogram(counts)
    93
    """

    max_iterations = 10000

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        n = counts.size
        levels = np.arange(n, dtype=np.int64)
        cum_a = np.cumsum(counts).astype(np.float64)
        cum_b = np.cumsum(counts * levels).astype(np.float64)
        cum_c = np.cumsum(counts * levels * levels).astype(np.float64)
        a_all, b_all, c_all = (np.float64(v[-1]) for v in (cum_a, cum_b, cum_c))

        def partial(cum: np.ndarray, j: int) -> np.float64:
            # ImageJ sums bins 0..j: nothing for j < 0 (NaN follows, and stops it).
            return np.float64(0.0) if j < 0 else np.float64(cum[min(j, n - 1)])

        with np.errstate(all="ignore"):
            t = java_int(float(np.floor(b_all / a_all)))  # Mean's threshold
            seen = {t}
            for _ in range(self.max_iterations):
                a, b, c = partial(cum_a, t), partial(cum_b, t), partial(cum_c, t)
                mu = b / a
                nu = (b_all - b) / (a_all - a)
                p = a / a_all
                q = (a_all - a) / a_all
                sigma2 = c / a - mu * mu
                tau2 = (c_all - c) / (a_all - a) - nu * nu
                w0 = 1.0 / sigma2 - 1.0 / tau2
                w1 = mu / sigma2 - nu / tau2
                w2 = (
                    (mu * mu) / sigma2
                    - (nu * nu) / tau2
                    + np.log10((sigma2 * (q * q)) / (tau2 * (p * p)))
                )
                sqterm = w1 * w1 - w0 * w2
                if sqterm < 0:
                    return ThresholdResult(t, False, "the quadratic has no real root")
                temp = (w1 + np.sqrt(sqterm)) / w0
                if np.isnan(temp):
                    return ThresholdResult(t, False, _NO_CROSSING)
                new = java_int(float(np.floor(temp)))
                if new == t:
                    return ThresholdResult(t)
                if new in seen:
                    return ThresholdResult(new, False, "the iteration cycles without converging")
                seen.add(new)
                t = new
        return ThresholdResult(t, False, f"no convergence after {self.max_iterations} steps")
