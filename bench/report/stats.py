"""Uncertainty of a leaderboard: bootstrap over images, paired tests, rank stability.

Every function takes a score matrix ``scores`` of shape (images, configs):
row ``i`` holds every config's score on image ``i`` (NaN where a config has
no score for that image). Images are the unit of resampling — the question
is how the ranking would change on another draw of images from the same
source. All resamples are **paired**: one draw of images is applied to every
config, so differences between configs keep their image-to-image pairing.
Randomness comes only from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

__all__ = [
    "PairedTest",
    "bootstrap_means",
    "holm",
    "paired_test",
    "percentile_interval",
    "rank_stability",
]


def _check_scores(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] == 0:
        msg = (
            f"scores must be a 2-D (images, configs) array with an image; got shape {scores.shape}."
        )
        raise ValueError(msg)
    return scores


def bootstrap_means(scores: np.ndarray, resamples: int = 2000, seed: int = 0) -> np.ndarray:
    """Mean score of each config on ``resamples`` bootstrap draws of the images.

    Parameters
    ----------
    scores : ndarray, shape (images, configs)
    resamples : int
        Number of draws (with replacement, as many images as there are).
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same draws.

    Returns
    -------
    ndarray, shape (resamples, configs)
        NaN scores are left out of each mean (NaN when a draw holds none).
    """
    scores = _check_scores(scores)
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 1:
        msg = f"resamples must be a positive integer; got {resamples!r}."
        raise ValueError(msg)
    n_images = scores.shape[0]
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_images, size=(resamples, n_images))
    # How often each image is drawn: the mean of a draw is a weighted mean,
    # computed for every config at once without materialising the draws.
    weights = np.zeros((resamples, n_images))
    np.add.at(weights, (np.arange(resamples)[:, None], draws), 1.0)
    present = ~np.isnan(scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights @ np.where(present, scores, 0.0)) / (weights @ present)


def percentile_interval(samples: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper percentile bounds of each column (NaNs ignored)."""
    tail = 100 * (1 - level) / 2
    with np.errstate(invalid="ignore"):
        low = np.nanpercentile(samples, tail, axis=0) if samples.size else np.array([])
        high = np.nanpercentile(samples, 100 - tail, axis=0) if samples.size else np.array([])
    return low, high


def rank_stability(means: np.ndarray) -> dict[str, np.ndarray]:
    """How the ranking moves across bootstrap draws (higher score = better rank).

    Parameters
    ----------
    means : ndarray, shape (resamples, configs)
        From :func:`bootstrap_means`.

    Returns
    -------
    dict of ndarray, one value per config
        ``p_first``: fraction of draws where the config ranks first (ties
        share the first place); ``median_rank``, ``rank_low``, ``rank_high``:
        median and 95 % interval of its rank (1 = best).
    """
    filled = np.where(np.isnan(means), -np.inf, means)
    ranks = sps.rankdata(-filled, method="min", axis=1)
    return {
        "p_first": (ranks == 1).mean(axis=0),
        "median_rank": np.median(ranks, axis=0),
        "rank_low": np.percentile(ranks, 2.5, axis=0, method="lower"),
        "rank_high": np.percentile(ranks, 97.5, axis=0, method="higher"),
    }


@dataclass(frozen=True)
class PairedTest:
    """A comparison of two configs on the images both were scored on.

    Attributes
    ----------
    n : int
        Images in common.
    mean_difference : float
        Mean of ``a - b`` over those images.
    ci_low, ci_high : float
        95 % paired-bootstrap interval of the mean difference.
    p_better : float
        Fraction of bootstrap draws where ``a``'s mean beats ``b``'s.
    wilcoxon_p : float
        Two-sided Wilcoxon signed-rank p-value (zero differences dropped);
        NaN when fewer than one nonzero difference leaves nothing to test.
    """

    n: int
    mean_difference: float
    ci_low: float
    ci_high: float
    p_better: float
    wilcoxon_p: float


def paired_test(a: np.ndarray, b: np.ndarray, resamples: int = 2000, seed: int = 0) -> PairedTest:
    """Wilcoxon signed-rank test and paired bootstrap of ``a - b``.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods.
    Biometrics Bulletin 1(6), 80–83. https://doi.org/10.2307/3001968

    Examples
    --------
    >>> import numpy as np
    >>> test = paired_test(np.array([0.9, 0.8, 0.85, 0.7]), np.array([0.5, 0.6, 0.55, 0.4]))
    >>> round(test.mean_difference, 3), test.p_better
    (0.3, 1.0)
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        msg = f"a and b must be 1-D arrays of paired scores; got shapes {a.shape} and {b.shape}."
        raise ValueError(msg)
    both = ~(np.isnan(a) | np.isnan(b))
    difference = a[both] - b[both]
    n = int(difference.size)
    if n == 0:
        nan = float("nan")
        return PairedTest(0, nan, nan, nan, nan, nan)
    draws = bootstrap_means(difference[:, None], resamples, seed)[:, 0]
    low, high = percentile_interval(draws[:, None])
    nonzero = np.count_nonzero(difference)
    wilcoxon_p = float(sps.wilcoxon(difference).pvalue) if nonzero >= 1 else float("nan")
    return PairedTest(
        n,
        float(difference.mean()),
        float(low[0]),
        float(high[0]),
        float((draws > 0).mean()),
        wilcoxon_p,
    )


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (NaNs stay NaN and are not counted).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics 6(2), 65–70. https://www.jstor.org/stable/4615733

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p_values = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full(p_values.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p_values))
    order = valid[np.argsort(p_values[valid], kind="stable")]
    m = order.size
    running = 0.0
    for k, index in enumerate(order):
        running = max(running, min(1.0, (m - k) * p_values[index]))
        adjusted[index] = running
    return adjusted
