"""Helpers shared by the global methods: ImageJ's numeric conventions.

Parity with ImageJ 1.53t is decided by details that are easy to get wrong:
Java's casts and rounding, which of several equal scores wins, and the order
in which floating-point sums are accumulated. The helpers here state those
rules once. Sums of integer counts (and of ``level * count``) are computed in
int64 and are exact; ImageJ's doubles hold the same exact values as long as
they stay below 2**53, so both agree. Where ImageJ uses 32-bit ``int``
arithmetic that overflows, we keep the exact value (documented per method).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

DBL_EPSILON = 2.220446049250313e-16
"""C's DBL_EPSILON: ImageJ's entropy methods treat ``|P| < DBL_EPSILON`` as empty."""

DBL_MIN_VALUE = 5e-324
"""Java's ``Double.MIN_VALUE`` (the smallest positive double), a start value in ImageJ."""

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def java_int(x: float) -> int:
    """Java's ``(int) x``: truncation toward zero, NaN → 0, saturating at the int range."""
    if x != x:
        return 0
    if x >= _INT_MAX:
        return _INT_MAX
    if x <= _INT_MIN:
        return _INT_MIN
    return int(x)


def java_round(x: float) -> int:
    """Java's ``Math.round(double)``: ``floor(x + 0.5)``, NaN → 0, saturating."""
    if x != x:
        return 0
    y = math.floor(x + 0.5) if math.isfinite(x) else x
    if y >= _LONG_MAX:
        return _LONG_MAX
    if y <= _LONG_MIN:
        return _LONG_MIN
    return int(y)


def cumulative(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact cumulative counts and first moments ``sum(i * h[i])`` as float64."""
    levels = np.arange(counts.size, dtype=np.int64)
    n = np.cumsum(counts)
    s = np.cumsum(counts * levels)
    return n.astype(np.float64), s.astype(np.float64)


def tail_sums(values: np.ndarray) -> np.ndarray:
    """``out[i] = sum(values[i+1:])``, accumulated from the last bin down."""
    out = np.zeros_like(values, dtype=np.float64)
    out[:-1] = np.cumsum(values[:0:-1])[::-1]
    return out


def normalized(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ImageJ's normalised histogram ``p``, its running sum ``P1`` and ``P2 = 1 - P1``.

    ``P1`` is accumulated left to right as in ImageJ (``np.cumsum`` is
    sequential), so it rounds exactly as ImageJ's does. An empty histogram
    gives NaN everywhere, as ``0.0 / 0`` does in Java.
    """
    total = float(counts.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        p = counts / total
    p1 = np.cumsum(p)
    return p, p1, 1.0 - p1


def entropy_bins(p1: np.ndarray, p2: np.ndarray) -> tuple[int, int]:
    """ImageJ's ``first_bin`` and ``last_bin`` of the entropy methods.

    ``first_bin``: first bin whose running sum is not below DBL_EPSILON (0 if
    none); ``last_bin``: last bin at or after it whose complement is not below
    DBL_EPSILON (the last bin if none). NaN (an empty histogram) counts as
    "not below", as in Java.
    """
    n = p1.size
    small1 = np.abs(p1) < DBL_EPSILON
    hits = np.flatnonzero(~small1)
    first = int(hits[0]) if hits.size else 0
    small2 = np.abs(p2[first:]) < DBL_EPSILON
    hits = np.flatnonzero(~small2)
    last = first + int(hits[-1]) if hits.size else n - 1
    return first, last


def split_candidates(counts: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Thresholds in ``start..stop`` that give distinct splits: ``start`` and non-empty bins.

    A threshold inside a run of empty bins splits the pixels exactly as the
    non-empty bin (or ``start``) before the run does, so every score ImageJ
    computes there is bit-identical to that one, and with a "first best wins"
    rule the earlier one wins. Scoring only these candidates gives the same
    answer for far less work.
    """
    if stop < start:
        return np.empty(0, dtype=np.intp)
    inside = np.flatnonzero(counts[start + 1 : stop + 1]) + start + 1
    return np.concatenate(([start], inside)).astype(np.intp)


def column_blocks(rows: int, columns: int, budget: int = 1 << 14) -> list[slice]:
    """Slices of ``range(columns)`` so that a ``rows × block`` matrix stays under ``budget``.

    The quadratic methods (Huang, Huang2, Shanbhag) score every split against
    every non-empty bin. Built a block of columns at a time, the temporaries
    stay in the CPU cache (three times faster on 8-bit histograms than one
    large matrix) and a 16-bit histogram with thousands of levels fits in
    memory.
    """
    step = max(1, budget // max(rows, 1))
    return [slice(i, min(i + step, columns)) for i in range(0, columns, step)]


def first_best(values: np.ndarray, start: float, *, larger: bool = True) -> int | None:
    """Position Java's ``if (best < v) {best = v; t = i;}`` loop ends on, or None.

    The first position holding the extreme value, provided that value beats
    ``start`` strictly; NaN never wins. ``larger=False`` minimises.
    """
    with np.errstate(invalid="ignore"):
        beats = values > start if larger else values < start
    if not beats.any():
        return None
    chosen = values[beats]
    best = chosen.max() if larger else chosen.min()
    return int(np.flatnonzero(beats & (values == best))[0])


def resolve_near_ties(
    candidates: np.ndarray,
    approx: np.ndarray,
    exact: Callable[[np.ndarray], np.ndarray],
    start: float,
    *,
    larger: bool = True,
    rtol: float = 1e-9,
) -> int | None:
    """Pick as ImageJ does when a fast formula approximates ImageJ's summation.

    ``approx`` scores ``candidates`` with a closed form that differs from
    ImageJ's left-to-right sums only by rounding. Candidates whose scores lie
    within ``rtol`` of the best could swap places under ImageJ's rounding,
    so they are re-scored with ``exact`` (ImageJ's order of operations) and
    the first best of those wins. Returns the winning threshold or None.
    """
    position = first_best(approx, start, larger=larger)
    if position is None:
        return None
    best = approx[position]
    scale = max(abs(best), 1e-300)
    with np.errstate(invalid="ignore"):
        close = np.abs(approx - best) <= rtol * scale
    near = np.flatnonzero(close)
    if near.size == 1:
        return int(candidates[position])
    rescored = exact(candidates[near])
    pick = first_best(rescored, start, larger=larger)
    return None if pick is None else int(candidates[near[pick]])
