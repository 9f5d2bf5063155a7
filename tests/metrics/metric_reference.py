"""Literal, loop-based implementations of the field metrics, written from their papers.

Slow on purpose: each follows the published definition line by line, with
Python loops and exact (integer or :class:`fractions.Fraction`) arithmetic
where the definition allows, so that the vectorised metrics in
:mod:`bench.metrics` can be checked against something that shares none of
their shortcuts. Used by ``tests/metrics/test_metric_references.py``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from skimage.measure import label
from skimage.morphology import skeletonize


def drd_weights() -> list[list[float]]:
    """Lu et al. 2004: W(i, j) = 1/√((i−2)² + (j−2)²), 0 at the centre, normalised."""
    raw = [
        [0.0 if (i, j) == (2, 2) else 1 / math.sqrt((i - 2) ** 2 + (j - 2) ** 2) for j in range(5)]
        for i in range(5)
    ]
    total = sum(map(sum, raw))
    return [[w / total for w in row] for row in raw]


def nubn(truth: np.ndarray, block: int = 8, *, checked: int = 8, partial: bool = True) -> int:
    """Non-uniform ``block``×``block`` blocks of the truth, counted block by block.

    ``checked`` < 8 and ``partial=False`` reproduce doxapy's count (it looks at
    only the first 7×7 pixels of each block and skips partial blocks).
    """
    rows, cols = truth.shape
    count = 0
    for y in range(0, rows, block):
        for x in range(0, cols, block):
            if not partial and (y + block > rows or x + block > cols):
                continue
            values = set()
            for yy in range(y, min(y + checked, rows)):
                for xx in range(x, min(x + checked, cols)):
                    values.add(bool(truth[yy, xx]))
            count += len(values) == 2
    return count


def drd_total(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Σ_k DRD_k: for each flipped pixel, weighted disagreement of the truth's 5×5 window."""
    weights = drd_weights()
    rows, cols = truth.shape
    total = 0.0
    for y, x in zip(*np.nonzero(truth != prediction), strict=True):
        b = int(prediction[y, x])
        for i in range(5):
            for j in range(5):
                yy, xx = y + i - 2, x + j - 2
                if 0 <= yy < rows and 0 <= xx < cols:
                    total += abs(int(truth[yy, xx]) - b) * weights[i][j]
    return total


def drd(truth: np.ndarray, prediction: np.ndarray) -> float:
    n = nubn(truth)
    total = drd_total(truth, prediction)
    if total == 0:
        return 0.0
    return math.inf if n == 0 else total / n


def pseudo_f_measure(truth: np.ndarray, prediction: np.ndarray) -> float:
    """DIBCO 2009/2010: F of ordinary precision and the skeleton-based pseudo-recall."""
    skel = skeletonize(truth)
    on_skeleton = hits = tp = predicted = 0
    for t, s, p in zip(truth.ravel(), skel.ravel(), prediction.ravel(), strict=True):
        on_skeleton += bool(s)
        hits += bool(s and p)
        tp += bool(t and p)
        predicted += bool(p)
    recall = Fraction(hits, on_skeleton)
    precision = Fraction(tp, predicted)
    return float(2 * precision * recall / (precision + recall))


def cldice(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Shit et al. 2021: Tprec(S_P, V_L), Tsens(S_L, V_P), their harmonic mean."""
    s_p, s_l = skeletonize(prediction), skeletonize(truth)
    pred_skeleton_in_truth = sum(
        1 for s, v in zip(s_p.ravel(), truth.ravel(), strict=True) if s and v
    )
    truth_skeleton_in_pred = sum(
        1 for s, v in zip(s_l.ravel(), prediction.ravel(), strict=True) if s and v
    )
    tprec = Fraction(pred_skeleton_in_truth, int(s_p.sum()))
    tsens = Fraction(truth_skeleton_in_pred, int(s_l.sum()))
    return float(2 * tprec * tsens / (tprec + tsens))


def _ious(truth: np.ndarray, prediction: np.ndarray):
    """IoU of every overlapping (truth object, predicted object) pair, counted pixel by pixel."""
    t_labels, p_labels = label(truth, connectivity=2), label(prediction, connectivity=2)
    t_area: dict[int, int] = {}
    p_area: dict[int, int] = {}
    inter: dict[tuple[int, int], int] = {}
    for t, p in zip(t_labels.ravel().tolist(), p_labels.ravel().tolist(), strict=True):
        if t:
            t_area[t] = t_area.get(t, 0) + 1
        if p:
            p_area[p] = p_area.get(p, 0) + 1
        if t and p:
            inter[t, p] = inter.get((t, p), 0) + 1
    ious = {(t, p): Fraction(n, t_area[t] + p_area[p] - n) for (t, p), n in inter.items()}
    return ious, len(t_area), len(p_area)


def dsb_average_precision(truth: np.ndarray, prediction: np.ndarray) -> float:
    """DSB 2018: mean over t = 0.5, 0.55, …, 0.95 of TP/(TP + FP + FN), hit when IoU > t."""
    ious, n_t, n_p = _ious(truth, prediction)
    scores = []
    for k in range(10, 20):
        t = Fraction(k, 20)
        matched_truth = {i for (i, _), v in ious.items() if v > t}
        matched_pred = {j for (_, j), v in ious.items() if v > t}
        tp = len(matched_truth)
        assert tp == len(matched_pred)  # matches above 0.5 are one to one
        fp, fn = n_p - len(matched_pred), n_t - tp
        scores.append(Fraction(tp, tp + fp + fn))
    return float(sum(scores) / len(scores))


def panoptic_quality(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Kirillov et al. 2019: Σ IoU of matches (IoU > 0.5) / (TP + FP/2 + FN/2)."""
    ious, n_t, n_p = _ious(truth, prediction)
    matched = [v for v in ious.values() if v > Fraction(1, 2)]
    tp = len(matched)
    return float(sum(matched, Fraction(0)) / (tp + Fraction(n_p - tp, 2) + Fraction(n_t - tp, 2)))


def isbi_scores(truth_labels: np.ndarray, proposal_labels: np.ndarray) -> tuple[float, float]:
    """V_rand and V_info as the ISBI 2012 script computes them (foreground-restricted, N²).

    Label 0 of the truth is left out; label 0 of the proposal inside the truth's
    foreground counts as singletons. Probabilities normalised by ``n``, the
    number of truth-foreground pixels.
    """
    joint: dict[tuple[int, int], int] = {}
    n = 0
    for t, p in zip(truth_labels.ravel(), proposal_labels.ravel(), strict=True):
        if t == 0:
            continue
        n += 1
        joint[int(t), int(p)] = joint.get((int(t), int(p)), 0) + 1
    rows: dict[int, int] = {}
    cols: dict[int, int] = {}
    singletons = 0
    for (t, p), c in joint.items():
        rows[t] = rows.get(t, 0) + c
        if p == 0:
            singletons += c
        else:
            cols[p] = cols.get(p, 0) + c
    # V_rand with probabilities p = count / n, singletons adding (1/n)² each.
    sum_ab = sum((c / n) ** 2 for (t, p), c in joint.items() if p != 0) + singletons / n / n
    sum_a = sum((c / n) ** 2 for c in rows.values())
    sum_b = sum((c / n) ** 2 for c in cols.values()) + singletons / n / n
    v_rand = 2 * sum_ab / (sum_a + sum_b)

    def plogp(c: int) -> float:
        return (c / n) * math.log(c / n)

    h_t = -sum(plogp(c) for c in rows.values())
    h_s = -sum(plogp(c) for c in cols.values()) + singletons * math.log(n) / n
    h_ts = -sum(plogp(c) for (t, p), c in joint.items() if p != 0) + singletons * math.log(n) / n
    mutual = h_t + h_s - h_ts
    return v_rand, 2 * mutual / (h_t + h_s)


def surface_scores(truth, prediction, spacing=(1.0, 1.0), tolerance=1.0):
    """HD95, ASSD, NSD from scipy's exact Euclidean distance maps (MONAI's pre-1.5 path).

    Boundary = object pixels with a 4-neighbour outside the object (pixels
    beyond the image are outside), found by a loop over the pixels.
    """
    from scipy import ndimage

    def edges(mask):
        rows, cols = mask.shape
        out = np.zeros_like(mask)
        for y in range(rows):
            for x in range(cols):
                if not mask[y, x]:
                    continue
                for yy, xx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                    if not (0 <= yy < rows and 0 <= xx < cols) or not mask[yy, xx]:
                        out[y, x] = True
                        break
        return out

    e_t, e_p = edges(truth), edges(prediction)
    d_p = ndimage.distance_transform_edt(~e_t, sampling=spacing)[e_p]
    d_t = ndimage.distance_transform_edt(~e_p, sampling=spacing)[e_t]
    hd95 = max(np.percentile(d_p, 95), np.percentile(d_t, 95))
    assd = np.concatenate([d_p, d_t]).mean()
    nsd = (np.sum(d_p <= tolerance) + np.sum(d_t <= tolerance)) / (d_p.size + d_t.size)
    return float(hd95), float(assd), float(nsd)
