"""The document-binarisation metrics of the DIBCO contests.

DIBCO's convention: ink is the object. These functions take boolean masks
with object = ``True`` (so ``ink = image <= t`` for a dark-ink page); which
side is ink is the caller's business, decided by the dataset's polarity.

- **F-measure** is :func:`bench.metrics.counts.f1` (DIBCO prints it ×100).
- **pseudo-F-measure** (:func:`pseudo_f_measure`): the F-measure with recall
  replaced by the *pseudo-recall*, the fraction of the ground truth's skeleton
  that the prediction covers (Ntirogiannis, Gatos & Pratikakis, DAS 2008; the
  definition DIBCO 2009 and H-DIBCO 2010 used). Precision is the ordinary one.
  The weighted pseudo-recall and pseudo-precision of Ntirogiannis et al.,
  IEEE TIP 2013 (DIBCO 2011 onward) need the contest's weight maps and are
  not implemented here.
- **PSNR** (:func:`psnr`): ``10 log10(C² / MSE)`` with ``C = 1`` the
  difference between ink and background and ``MSE = (FP + FN) / n``.
- **DRD** (:func:`drd`): distance-reciprocal distortion (Lu, Kot & Shi, IEEE
  Signal Processing Letters 11(2), 2004): each flipped pixel costs the
  weighted disagreement of the ground truth in its 5×5 neighbourhood, the
  weights ``1 / distance`` normalised to sum 1; the sum is divided by NUBN,
  the number of 8×8 blocks of the ground truth that are not uniform.
- **NRM** (:func:`nrm`): negative rate metric ``(FN/(FN+TP) + FP/(FP+TN)) / 2``.
- **MPM** (:func:`mpm`): misclassification penalty metric, the distances of
  the false negatives and false positives to the ground truth's contour,
  each sum divided by the sum of every pixel's distance to that contour,
  averaged.
"""

from __future__ import annotations

import math

import numpy as np

from .counts import ConfusionCounts, precision
from .pair import MaskPair

__all__ = ["DRD_WEIGHTS", "drd", "mpm", "nrm", "pseudo_f_measure", "psnr"]


def _drd_weights(size: int = 5) -> np.ndarray:
    centre = size // 2
    i, j = np.mgrid[:size, :size]
    distance = np.hypot(i - centre, j - centre)
    weights = np.divide(1.0, distance, out=np.zeros_like(distance), where=distance > 0)
    return weights / weights.sum()


DRD_WEIGHTS = _drd_weights()
"""The 5×5 normalised weight matrix of DRD: ``1/√(i²+j²)`` off centre, 0 at the centre, sum 1."""

DRD_BLOCK = 8
"""Side of the blocks whose non-uniform count (NUBN) normalises DRD."""


def psnr_from_counts(c: ConfusionCounts) -> float:
    """PSNR in dB of a binary prediction: ``10·log10(n / (FP + FN))``; ∞ without error."""
    if c.n == 0:
        return math.nan
    errors = c.fp + c.fn
    return math.inf if errors == 0 else 10.0 * math.log10(c.n / errors)


def nrm_from_counts(c: ConfusionCounts) -> float:
    """Negative rate metric ``(FN/(FN+TP) + FP/(FP+TN)) / 2``; a rate with no pixel to miss is 0."""
    if c.n == 0:
        return math.nan
    missed = c.fn / (c.fn + c.tp) if c.fn + c.tp else 0.0
    false_alarms = c.fp / (c.fp + c.tn) if c.fp + c.tn else 0.0
    return (missed + false_alarms) / 2


def psnr(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Peak signal-to-noise ratio (dB) of a binary prediction, as DIBCO reports it.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((10, 10), bool); t[2:5, 2:5] = True
    >>> p = t.copy(); p[0, 0] = True
    >>> psnr(t, p)
    20.0
    """
    return psnr_from_counts(MaskPair(truth, prediction).counts)


def nrm(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Negative rate metric of DIBCO 2011 (lower is better), see :func:`nrm_from_counts`."""
    return nrm_from_counts(MaskPair(truth, prediction).counts)


def _pseudo_f_measure(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    c = pair.counts
    skeleton = pair.truth_skeleton
    on_skeleton = int(np.count_nonzero(skeleton))
    if on_skeleton == 0:
        pseudo_recall = 1.0 if c.fp == 0 else 0.0
    else:
        pseudo_recall = int(np.count_nonzero(skeleton & pair.prediction)) / on_skeleton
    p = precision(c)
    if p + pseudo_recall == 0:
        return 0.0
    return 2 * p * pseudo_recall / (p + pseudo_recall)


def pseudo_f_measure(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Pseudo-F-measure: F-measure of precision and the skeleton-based pseudo-recall.

    Pseudo-recall is the fraction of the ground truth's skeleton (Zhang–Suen
    thinning, :func:`bench.metrics.pair.skeleton`) that the prediction covers;
    a prediction that keeps every stroke but thins it loses no pseudo-recall.

    References
    ----------
    K. Ntirogiannis, B. Gatos, I. Pratikakis, "An objective evaluation
    methodology for document image binarization techniques", DAS 2008;
    used by DIBCO 2009 (Gatos et al., ICDAR 2009, doi:10.1109/ICDAR.2009.246).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((9, 9), bool); t[3:6, 1:8] = True   # a thick stroke
    >>> from bench.metrics.pair import skeleton
    >>> pseudo_f_measure(t, skeleton(t))                 # its centre line: all found
    1.0
    >>> edge = np.zeros_like(t); edge[3, 1:8] = True     # its upper edge: misses the centre
    >>> round(pseudo_f_measure(t, edge), 6)
    0.285714
    """
    return _pseudo_f_measure(MaskPair(truth, prediction))


def _nubn(truth: np.ndarray, block: int = DRD_BLOCK) -> int:
    """NUBN: 8×8 blocks of the truth holding both ink and background (partial edge blocks too)."""
    from ._kernels import non_uniform_blocks  # numba, imported only when needed

    return non_uniform_blocks(truth, block)


def _drd_total(truth: np.ndarray, prediction: np.ndarray) -> float:
    """``Σ_k DRD_k`` over the flipped pixels: the numerator of DRD.

    For each offset of the 5×5 window, the number of flipped pixels whose
    neighbour there (inside the image) disagrees with the flipped pixel's new
    value is an exact integer (a compiled kernel visits only the flipped
    pixels' windows); the numerator is those counts times the weights.
    """
    from ._kernels import drd_disagreements  # numba, imported only when needed

    counts = drd_disagreements(truth, prediction, DRD_WEIGHTS.shape[0] // 2)
    return float(np.sum(counts * DRD_WEIGHTS))


def _drd(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    truth, prediction = pair.truth, pair.prediction
    if np.array_equal(truth, prediction):
        return 0.0
    nubn = _nubn(truth)
    if nubn == 0:
        return math.inf
    return _drd_total(truth, prediction) / nubn


def drd(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Distance-reciprocal distortion (Lu, Kot & Shi 2004), as DIBCO reports it.

    ``DRD = Σ_k DRD_k / NUBN``: for each pixel ``k`` where the prediction
    differs from the truth, ``DRD_k = Σ_{i,j} |G(i,j) − B(k)| · W(i,j)`` over
    the 5×5 neighbourhood of ``k`` in the ground truth ``G`` (``W`` =
    :data:`DRD_WEIGHTS`, neighbours beyond the image skipped); NUBN is the
    number of 8×8 blocks of the ground truth that hold both ink and
    background (partial blocks at the right and bottom edges included).
    0 without error; ∞ when pixels are wrong but no block is non-uniform.

    References
    ----------
    H. Lu, A. C. Kot, Y. Q. Shi, "Distance-reciprocal distortion measure for
    binary document images", IEEE Signal Processing Letters 11(2):228–231,
    2004, doi:10.1109/LSP.2003.821748.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((8, 8), bool); t[2:6, 2:6] = True
    >>> p = t.copy(); p[0, 0] = True                    # one stray pixel far from ink
    >>> round(drd(t, p), 6)                 # 7 of its 8 in-image neighbours are background
    0.332954
    """
    return _drd(MaskPair(truth, prediction))


def _mpm(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    c = pair.counts
    if c.fp == 0 and c.fn == 0:
        return 0.0
    contour = pair.truth_boundary
    if not contour.any():
        return math.inf
    distance = pair.distance_to_truth_boundary
    normaliser = float(distance.sum())
    if normaliser == 0:
        return math.inf
    false_neg = pair.truth & ~pair.prediction
    false_pos = pair.prediction & ~pair.truth
    value = (float(distance[false_neg].sum()) + float(distance[false_pos].sum())) / (2 * normaliser)
    # The misclassified pixels are a subset of all pixels, so the exact value is
    # at most 0.5; the float sums, added in different orders, can overshoot by an ulp.
    return min(value, 0.5)


def mpm(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Misclassification penalty metric (DIBCO 2011), lower is better.

    ``MPM = (Σ_FN d + Σ_FP d) / (2 D)`` where ``d`` is a pixel's Euclidean
    distance to the ground truth's contour (its boundary pixels, as
    :func:`bench.metrics.pair.boundary` defines them) and ``D`` the sum of that
    distance over every pixel of the image. 0 without error; ∞ when pixels
    are wrong and the truth has no contour (no ink).

    References
    ----------
    I. Pratikakis, B. Gatos, K. Ntirogiannis, "ICDAR 2011 Document Image
    Binarization Contest (DIBCO 2011)", ICDAR 2011, doi:10.1109/ICDAR.2011.299.
    """
    return _mpm(MaskPair(truth, prediction))
