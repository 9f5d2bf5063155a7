"""Boundary distances: HD95, ASSD and NSD, with the pixel spacing as a parameter.

Definitions of MONAI (``compute_hausdorff_distance``,
``compute_average_surface_distance``, ``compute_surface_dice``) and of
MetricsReloaded (Maier-Hein et al., Nature Methods 2024):

- the *surface* of a mask is its boundary pixels (:func:`bench.metrics.pair.boundary`:
  object pixels with a 4-neighbour outside the object, as MONAI's
  ``get_mask_edges`` takes them);
- ``d(a, B)`` is the Euclidean distance (in spacing units) from a boundary
  pixel ``a`` of one mask to the nearest boundary pixel of the other (a k-d
  tree over the boundary pixels' coordinates, exact in float64);
- **HD95** = max of the two directed 95th percentiles of ``d`` (linear
  interpolation between order statistics, numpy's and torch's default);
- **ASSD** = mean of all distances of both directions together;
- **NSD** at tolerance τ = the share of boundary pixels of both masks that
  lie within τ of the other mask's boundary.

Edge cases (MONAI returns NaN or ∞ with a warning): both masks empty →
HD95 = ASSD = 0, NSD = 1; exactly one empty → the distance is infinite:
HD95 = ASSD = ∞, NSD = 0.
"""

from __future__ import annotations

import math

import numpy as np

from .pair import MaskPair

__all__ = ["DEFAULT_TOLERANCE", "assd", "hd95", "nsd"]

DEFAULT_TOLERANCE = 1.0
"""τ of NSD in spacing units when none is given."""


def _directed(pair: MaskPair) -> tuple[np.ndarray, np.ndarray] | float:
    """Distances prediction→truth and truth→prediction, or the edge-case value."""
    has_t, has_p = pair.truth.any(), pair.prediction.any()
    if not has_t and not has_p:
        return 0.0
    if not has_t or not has_p:
        return math.inf
    return pair.boundary_distances


def _hd95(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    d = _directed(pair)
    if isinstance(d, float):
        return d
    return float(max(np.percentile(d[0], 95), np.percentile(d[1], 95)))


def _assd(pair: MaskPair) -> float:
    if pair.empty:
        return math.nan
    d = _directed(pair)
    if isinstance(d, float):
        return d
    return float((d[0].sum() + d[1].sum()) / (d[0].size + d[1].size))


def _nsd(pair: MaskPair, tolerance: float = DEFAULT_TOLERANCE) -> float:
    if pair.empty:
        return math.nan
    d = _directed(pair)
    if isinstance(d, float):
        return 1.0 if d == 0 else 0.0
    within = np.count_nonzero(d[0] <= tolerance) + np.count_nonzero(d[1] <= tolerance)
    return within / (d[0].size + d[1].size)


def hd95(truth: np.ndarray, prediction: np.ndarray, spacing=(1.0, 1.0)) -> float:
    """95th-percentile symmetric Hausdorff distance between the two boundaries.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((12, 12), bool); t[2:8, 2:8] = True
    >>> p = np.roll(t, 2, axis=1)                  # shifted two columns
    >>> hd95(t, p)
    2.0
    """
    return _hd95(MaskPair(truth, prediction, spacing=spacing))


def assd(truth: np.ndarray, prediction: np.ndarray, spacing=(1.0, 1.0)) -> float:
    """Average symmetric surface distance: mean boundary distance over both directions."""
    return _assd(MaskPair(truth, prediction, spacing=spacing))


def nsd(
    truth: np.ndarray,
    prediction: np.ndarray,
    tolerance: float = DEFAULT_TOLERANCE,
    spacing=(1.0, 1.0),
) -> float:
    """Normalised surface distance (surface Dice) at ``tolerance`` spacing units.

    References
    ----------
    S. Nikolov et al., "Clinically applicable segmentation of head and neck
    anatomy for radiotherapy", J Med Internet Res 23(7), 2021, arXiv:1809.04430.
    """
    if not (tolerance >= 0 and math.isfinite(tolerance)):
        msg = f"NSD tolerance must be a finite distance >= 0 in spacing units; got {tolerance}."
        raise ValueError(msg)
    return _nsd(MaskPair(truth, prediction, spacing=spacing), tolerance)
