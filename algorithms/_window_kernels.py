"""Compiled kernels for exact window sums of integer images (numba).

Two jobs, both exact for every integer image of up to 32 bits:

* :func:`window_sum`: the sum of the values (or of their squares) over any
  window given by its row half-widths (ImageJ's disk, the square), from
  per-row prefix sums: row ``dy`` of the window around ``(y, x)`` adds
  ``P[y+dy, x+w+1] − P[y+dy, x−w]``. The last ``2r+1`` rows' prefix sums
  live in a ring buffer, so each padded row is summed once and every output
  row is ``2r+1`` vectorised passes. The arithmetic wraps around (int32 or
  int64): a difference of two wrapped prefix sums is the exact window sum
  whenever that sum itself fits the type, which the caller checks.
* :func:`numerator` and :func:`split_sum`: ``n·Σx² − (Σx)²`` and ``Σx²``
  rounded once to float64 when they exceed 64 bits (32-bit images, large
  windows), from the window sums of ``x``, ``x² >> 32`` and
  ``x² & (2³² − 1)``, with 128-bit integer arithmetic on pairs of uint64
  words.

Single-threaded and free of the GIL, like :mod:`algorithms._fused`: callers
that run tiles on threads parallelise them. Compiled on first use and cached
on disk by numba.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "accumulate",
    "numerator",
    "prefix",
    "prefix_both",
    "split_sum",
    "to_float",
    "window_sum",
]

_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)


@numba.njit(nogil=True, cache=True)
def prefix(row, squares, out):  # pragma: no cover - compiled
    """``out[j] = Σ row[:j]`` (of the squares if asked), wrapping in out's type."""
    out[0] = 0
    if squares:
        for x in range(row.size):
            v = np.int64(row[x])
            out[x + 1] = out[x] + v * v
    else:
        for x in range(row.size):
            out[x + 1] = out[x] + row[x]


@numba.njit(nogil=True, cache=True)
def prefix_both(row, out, out_sq):  # pragma: no cover - compiled
    """:func:`prefix` of the values and of their squares, in one loop."""
    out[0] = 0
    out_sq[0] = 0
    for x in range(row.size):
        v = np.int64(row[x])
        out[x + 1] = out[x] + v
        out_sq[x + 1] = out_sq[x] + v * v


@numba.njit(nogil=True, cache=True)
def accumulate(ring, widths, y, acc, part):  # pragma: no cover - compiled
    """Window sums of output row ``y`` into ``acc``, from the ring of row prefix sums.

    Slot ``(y + k) % (2r+1)`` of ``ring`` holds the prefix sums of window row
    ``k``. Rows ``k`` and ``2r − k`` have the same half-width (the windows are
    symmetric), so they are added in pairs, two pairs per pass: each pass
    sums four row segments into ``part`` (of the ring's type, wrapping) and
    adds that to ``acc``. A uint16 ring and ``part`` (8-bit images, windows
    up to 63 pixels wide) therefore work on twice as many pixels per vector
    instruction as int32, and stay exact while four segments sum below 2¹⁶.
    """
    size = widths.size
    radius = size // 2
    cols = acc.size
    middle = ring[(y + radius) % size]
    right, left = radius + widths[radius] + 1, radius - widths[radius]
    a, b = middle[right : right + cols], middle[left : left + cols]
    for x in range(cols):
        part[x] = a[x] - b[x]
    for x in range(cols):
        acc[x] = part[x]
    for k in range(0, radius, 2):  # two pairs of rows per pass (one in the last, if odd)
        top, bottom = ring[(y + k) % size], ring[(y + size - 1 - k) % size]
        right, left = radius + widths[k] + 1, radius - widths[k]
        a1, a2 = top[right : right + cols], bottom[right : right + cols]
        b1, b2 = top[left : left + cols], bottom[left : left + cols]
        if k + 1 == radius:
            for x in range(cols):
                part[x] = (a1[x] + a2[x]) - (b1[x] + b2[x])
        else:
            top, bottom = ring[(y + k + 1) % size], ring[(y + size - 2 - k) % size]
            right, left = radius + widths[k + 1] + 1, radius - widths[k + 1]
            c1, c2 = top[right : right + cols], bottom[right : right + cols]
            d1, d2 = top[left : left + cols], bottom[left : left + cols]
            for x in range(cols):
                part[x] = ((a1[x] + a2[x]) - (b1[x] + b2[x])) + ((c1[x] + c2[x]) - (d1[x] + d2[x]))
        for x in range(cols):
            acc[x] += part[x]


@numba.njit(nogil=True, cache=True)
def window_sum(padded, widths, squares, ring, acc, out):  # pragma: no cover - compiled
    """Window sums of ``padded`` (edge-padded by ``r``) into ``out`` (rows × cols).

    ``widths[k]`` is the half-width of window row ``dy = k − r`` (symmetric:
    ``widths[k] == widths[2r − k]``); ``ring`` is a ``(2r+1) × (cols + 2r + 1)``
    scratch array for the row prefix sums (uint16, int32 or int64, see
    :func:`accumulate`), ``acc`` one of ``cols`` for the sums (int32 or
    int64), ``out`` any numeric array. ``squares``: sum the squares of the
    values instead.
    """
    rows, cols = out.shape
    size = widths.size
    part = np.empty(cols, ring.dtype)
    for k in range(size - 1):
        prefix(padded[k], squares, ring[k])
    for y in range(rows):
        prefix(padded[y + size - 1], squares, ring[(y + size - 1) % size])
        accumulate(ring, widths, y, acc, part)
        for x in range(cols):
            out[y, x] = acc[x]


@numba.njit(inline="always")
def _mul(a, b):  # pragma: no cover - compiled
    """Full 128-bit product of two uint64: (high word, low word)."""
    a0, a1 = a & _M32, a >> _S32
    b0, b1 = b & _M32, b >> _S32
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> _S32) + (p01 & _M32) + (p10 & _M32)
    low = (mid << _S32) | (p00 & _M32)
    high = p11 + (p01 >> _S32) + (p10 >> _S32) + (mid >> _S32)
    return high, low


@numba.njit(inline="always")
def _add(h1, l1, h2, l2):  # pragma: no cover - compiled
    low = l1 + l2
    return h1 + h2 + (_ONE if low < l1 else _ZERO), low


@numba.njit(inline="always")
def _sub(h1, l1, h2, l2):  # pragma: no cover - compiled
    return h1 - h2 - (_ONE if l1 < l2 else _ZERO), l1 - l2


@numba.njit(inline="always")
def to_float(high, low):  # pragma: no cover - compiled
    """The unsigned 128-bit integer ``high·2⁶⁴ + low``, correctly rounded to float64.

    The top 64 bits, with a sticky bit for whatever lies below them, are
    rounded by the hardware's uint64 → float64 conversion (round to nearest,
    ties to even); the sticky bit sits below the rounding position, so it
    decides ties exactly as the dropped bits would.
    """
    if high == _ZERO:
        return float(low)
    bits = 0
    h = high
    while h != _ZERO:
        h >>= _ONE
        bits += 1
    if bits == 64:
        top = high | (_ONE if low != _ZERO else _ZERO)
    else:
        shift = np.uint64(bits)
        top = (high << (np.uint64(64) - shift)) | (low >> shift)
        if low & ((_ONE << shift) - _ONE) != _ZERO:
            top |= _ONE
    return float(top) * 2.0**bits


@numba.njit(nogil=True, cache=True)
def split_sum(high, low, out):  # pragma: no cover - compiled
    """``out = high·2³² + low`` (int64 window sums, ≥ 0) rounded once to float64."""
    rows, cols = out.shape
    for y in range(rows):
        for x in range(cols):
            a, b = np.uint64(high[y, x]), np.uint64(low[y, x])
            h, lo = _add(a >> _S32, a << _S32, _ZERO, b)
            out[y, x] = to_float(h, lo)


@numba.njit(nogil=True, cache=True)
def numerator(count, total, high, low, out):  # pragma: no cover - compiled
    """``out = n·Q − S²`` rounded once to float64, with ``Q = high·2³² + low``.

    ``total`` holds the exact window sums ``S`` (int64), ``high`` and ``low``
    those of ``x² >> 32`` and ``x² & (2³² − 1)`` (or any split of ``Q`` into
    non-negative int64 parts). Exact for ``count < 2³¹`` and ``|x| < 2³²``,
    where every intermediate value fits 128 bits.
    """
    n = np.uint64(count)
    rows, cols = out.shape
    for y in range(rows):
        for x in range(cols):
            a, b = np.uint64(high[y, x]), np.uint64(low[y, x])
            h1, l1 = _mul(n, a)  # n·a·2³²
            h1, l1 = (h1 << _S32) | (l1 >> _S32), l1 << _S32
            h2, l2 = _mul(n, b)
            h1, l1 = _add(h1, l1, h2, l2)
            s = total[y, x]
            magnitude = np.uint64(s) if s >= 0 else np.uint64(-s)
            h2, l2 = _mul(magnitude, magnitude)
            h1, l1 = _sub(h1, l1, h2, l2)
            out[y, x] = to_float(h1, l1)
