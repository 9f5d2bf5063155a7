"""The ISBI 2012 EM challenge's scores: foreground-restricted V_rand and V_info.

The masks mark membranes (object = ``True``). The *segments* are the
4-connected regions of non-membrane pixels in each mask, as the challenge's
evaluation (Fiji's Trainable Weka Segmentation, ``RandError`` and
``VariationOfInformation``, "foreground-restricted", N² normalisation)
labels them. Only pixels inside a ground-truth segment count (``n`` of
them); a pixel that the prediction marks as membrane there is a segment of
its own (a singleton). With ``p_ij`` the fraction of those pixels in truth
segment ``i`` and predicted segment ``j``, ``t_i`` and ``s_j`` the marginals:

- ``V_rand = Σ p_ij² / (½ Σ s_j² + ½ Σ t_i²)`` (Rand F-score);
- ``V_info = I(S; T) / (½ H(S) + ½ H(T))`` (information-theoretic score);

both in [0, 1], higher is better (Arganda-Carreras et al., Frontiers in
Neuroanatomy 9:142, 2015, doi:10.3389/fnana.2015.00142, Eqs. for α = ½).

How scikit-image differs: ``skimage.metrics.adapted_rand_error`` counts
pairs of *distinct* pixels (``Σ n_ij(n_ij − 1)``) where the challenge counts
ordered pairs with repetition (``Σ n_ij²``), and treats the prediction's
label 0 as one segment, not as singletons; ``variation_of_information``
returns the two conditional entropies, not the normalised score, and also
takes label 0 of the prediction as one segment. With the prediction's
membrane pixels relabelled as singletons, its entropies give exactly
``V_info``; ``V_rand`` still differs by the self-pairs (``normalization="pairs"``
reproduces scikit-image's value).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .pair import MaskPair, joint_counts

__all__ = ["segments", "v_info", "v_rand"]


def segments(membranes: np.ndarray) -> tuple[np.ndarray, int]:
    """Label the 4-connected regions that the membrane mask separates (0 = membrane).

    OpenCV's connected components (the same partition as
    ``scipy.ndimage.label`` with a cross, several times faster).
    """
    cells = np.ascontiguousarray(~np.asarray(membranes, dtype=bool)).view(np.uint8)
    if cells.size == 0:
        return np.zeros(cells.shape, np.int32), 0
    n, labels = cv2.connectedComponents(cells, connectivity=4, ltype=cv2.CV_32S)
    return labels, int(n) - 1


def _truth_side(truth: np.ndarray):
    """The truth's cells, which pixels lie in one, their labels there, and the row sums."""
    t_labels, n_t = segments(truth)
    inside = t_labels > 0
    t_inside = t_labels[inside]
    rows = np.bincount(t_inside, minlength=n_t + 1)[1:].astype(np.int64)
    return inside, t_inside, rows


def _table(pair: MaskPair):
    """Joint counts n_ij (both > 0), truth row sums, and the singleton count."""
    cache = pair.__dict__.get("_segments_table")
    if cache is not None:
        return cache
    inside, t_inside, rows = pair.of_truth(("segments",), lambda: _truth_side(pair.truth))
    p_labels, n_p = segments(pair.prediction)
    p_inside = p_labels[inside]
    in_cell = p_inside > 0
    _, joint = joint_counts(t_inside[in_cell], p_inside[in_cell], n_p)
    columns = np.bincount(p_inside[in_cell], minlength=n_p + 1)[1:].astype(np.int64)
    n = int(t_inside.size)
    singletons = n - int(joint.sum())
    cache = (n, joint.astype(np.int64), rows, columns[columns > 0], singletons)
    pair.__dict__["_segments_table"] = cache
    return cache


def _v_rand(pair: MaskPair, normalization: str = "n2") -> float:
    if pair.empty:
        return math.nan
    n, joint, rows, columns, singletons = _table(pair)
    if n == 0:
        return math.nan
    # Exact integers: every term is a count times n², then one division.
    if normalization == "n2":
        sum_ab = int(joint @ joint) + singletons
        sum_a = int(rows @ rows)
        sum_b = int(columns @ columns) + singletons
    elif normalization == "pairs":
        sum_ab = int(joint @ (joint - 1))
        sum_a = int(rows @ (rows - 1))
        sum_b = int(columns @ (columns - 1))
    else:
        msg = f"normalization must be 'n2' (the challenge's) or 'pairs'; got {normalization!r}."
        raise ValueError(msg)
    if sum_a + sum_b == 0:
        return 1.0
    return 2 * sum_ab / (sum_a + sum_b)


def _plogp(counts: np.ndarray, n: int) -> float:
    """``Σ p log p`` of the probabilities ``counts / n`` (zero counts skipped)."""
    counts = counts[counts > 0].astype(np.float64)
    p = counts / n
    return float(np.sum(p * np.log(p)))


def _v_info(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    n, joint, rows, columns, singletons = _table(pair)
    if n == 0:
        return math.nan
    singles = singletons * math.log(n) / n  # each singleton: −(1/n)·log(1/n)
    h_truth = -_plogp(rows, n)
    h_pred = -_plogp(columns, n) + singles
    h_joint = -_plogp(joint, n) + singles
    if h_truth + h_pred == 0:
        return 1.0
    mutual = h_truth + h_pred - h_joint
    # 0 <= I(S; T) <= min(H(S), H(T)) exactly; the entropies, summed in floats,
    # can put the ratio an ulp outside [0, 1].
    return min(max(2 * mutual / (h_truth + h_pred), 0.0), 1.0)


def v_rand(truth: np.ndarray, prediction: np.ndarray, normalization: str = "n2") -> float:
    """Foreground-restricted Rand F-score of the ISBI 2012 challenge (membranes = ``True``).

    ``normalization="pairs"`` counts pairs of distinct pixels instead, as
    :func:`skimage.metrics.adapted_rand_error` does (its value is
    ``1 − v_rand(..., normalization="pairs")`` once the prediction's
    membrane pixels are singletons).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((6, 6), bool); t[:, 3] = True       # one membrane, two cells
    >>> v_rand(t, t), v_rand(t, np.zeros_like(t))         # merged cells lose
    (1.0, 0.6842105263157895)
    """
    return _v_rand(MaskPair(truth, prediction), normalization)


def v_info(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Foreground-restricted information-theoretic score of the ISBI 2012 challenge."""
    return _v_info(MaskPair(truth, prediction))
