"""Metrics of thin structures that pixel F1 hides: clDice and Betti-number errors.

A method that breaks every vessel into pieces can keep a high F1; clDice
(the overlap of each mask's skeleton with the other mask) and the Betti
numbers (how many pieces, how many holes) see the breaks.

Connectivity convention for the Betti numbers: the object is 8-connected
and the background 4-connected (the dual pair, so that a one-pixel-wide
diagonal line is one piece and does not leak a hole); pixels beyond the
image are background.

- ``β0`` = number of 8-connected components of the object;
- ``β1`` = number of holes = 4-connected components of the background that
  do not touch the image border.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from .pair import CROSS, SQUARE, MaskPair

__all__ = ["betti_numbers", "cldice"]


def _ratio(covered: int, total: int, empty: float) -> float:
    return covered / total if total else empty


def _cldice(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    truth, prediction = pair.truth, pair.prediction
    skel_t, skel_p = pair.truth_skeleton, pair.prediction_skeleton
    if not truth.any() and not prediction.any():
        return 1.0
    # Topology precision: the prediction's skeleton inside the truth; topology
    # sensitivity: the truth's skeleton inside the prediction.
    tprec = _ratio(int(np.count_nonzero(skel_p & truth)), int(np.count_nonzero(skel_p)), 0.0)
    tsens = _ratio(int(np.count_nonzero(skel_t & prediction)), int(np.count_nonzero(skel_t)), 0.0)
    if tprec + tsens == 0:
        return 0.0
    return 2 * tprec * tsens / (tprec + tsens)


def cldice(truth: np.ndarray, prediction: np.ndarray) -> float:
    """Centerline Dice: harmonic mean of topology precision and sensitivity.

    ``Tprec = |S(P) ∩ T| / |S(P)|``, ``Tsens = |S(T) ∩ P| / |S(T)|``,
    ``clDice = 2·Tprec·Tsens / (Tprec + Tsens)``, with ``S`` the skeleton
    (:func:`bench.metrics.pair.skeleton`). 1 when both masks are empty; 0 when
    exactly one is.

    References
    ----------
    S. Shit et al., "clDice — a novel topology-preserving loss function for
    tubular structure segmentation", CVPR 2021, arXiv:2003.07311.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((9, 9), bool); t[4, :] = True
    >>> p = t.copy(); p[4, 4] = False       # one break: Dice barely moves, clDice does
    >>> round(cldice(t, p), 4)
    0.9412
    """
    return _cldice(MaskPair(truth, prediction))


def betti_numbers(mask: np.ndarray) -> tuple[int, int]:
    """``(β0, β1)`` of a 2-D boolean mask: 8-connected pieces and holes.

    Examples
    --------
    >>> import numpy as np
    >>> ring = np.zeros((5, 5), bool); ring[1:4, 1:4] = True; ring[2, 2] = False
    >>> betti_numbers(ring)
    (1, 1)
    """
    mask = np.asarray(mask, dtype=bool)
    _, pieces = ndimage.label(mask, structure=SQUARE)
    # Pad with background so that every background region touching the border
    # joins the one outer region; holes are the other background regions.
    background = np.pad(~mask, 1, constant_values=True)
    _, regions = ndimage.label(background, structure=CROSS)
    return int(pieces), int(regions) - 1


def _betti_error(pair: MaskPair, k: int) -> float:
    if pair.empty:
        return math.nan
    return float(abs(_betti(pair, "truth")[k] - _betti(pair, "prediction")[k]))


def _betti(pair: MaskPair, which: str) -> tuple[int, int]:
    if which == "truth":
        return pair.of_truth(("betti",), lambda: betti_numbers(pair.truth))
    if "_betti" not in pair.__dict__:
        pair.__dict__["_betti"] = betti_numbers(pair.prediction)
    return pair.__dict__["_betti"]


def betti0_error(pair: MaskPair) -> float:
    """``|β0(prediction) − β0(truth)|``: how many pieces too many or too few."""
    return _betti_error(pair, 0)


def betti1_error(pair: MaskPair) -> float:
    """``|β1(prediction) − β1(truth)|``: how many holes too many or too few."""
    return _betti_error(pair, 1)
