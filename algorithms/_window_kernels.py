"""Compiled kernels for exact window sums of integer images (numba).

Two jobs, both exact for every integer image of up to 32 bits:

* :func:`window_sum`: the sum of the values (or of their squares) over any
  window given by its row half-widths (ImageJ's disk, the square), from
  per-row prefix sums: row ``dy`` of the window around ``(y, x)`` adds
  ``P[y+dy, x+w+1] − P[y+dy, x−w]``. The last ``2r+1`` rows' prefix sums
  live in a ring buffer, so each padded row is summed once; rows of the
  same half-width are read together (mirror rows, and runs of 2 or 4
  neighbouring rows from rings of summed prefix sums, :func:`row_plan`),
  a few per vectorised pass. The arithmetic wraps around (uint16, int32 or
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
    "add_levels",
    "numerator",
    "prefix",
    "prefix_both",
    "row_plan",
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


def row_plan(widths: np.ndarray, budget: int = 0) -> tuple[int, np.ndarray, np.ndarray]:
    """How :func:`accumulate` sums a symmetric window: ``(levels, terms, passes)``.

    Window rows ``k`` and ``2r − k`` have the same half-width, and on a disk
    neighbouring rows often do too (radius 15: four rows of half-width 14).
    A run of ``2^L`` equal-width rows is summed as one row segment of the
    level-``L`` ring, which holds the prefix sums of ``2^L`` consecutive rows
    added together (levels 0, 1, 2: one, two, four rows). Each term adds one
    such segment above the middle row and its mirror image below: two rows
    of loads where one would have added a single row. Radius 15's disk takes
    10 terms and the middle row, 42 loads per pixel instead of 62.

    ``terms[i] = (first ring row of its level, top window row, bottom window
    row, right offset, left offset)``; ``passes[j] = (first term, count)``,
    up to four terms per pass. ``budget`` > 0 caps the pixels summed in one
    pass (a uint16 ``part`` stays exact while they sum below 2¹⁶). The
    middle row is not a term (:func:`accumulate` starts from it).
    """
    widths = [int(w) for w in widths]
    size = len(widths)
    radius = size // 2
    chunks = []  # (level, top row, width)
    k = 0
    while k < radius:
        run = 1
        while k + run < radius and widths[k + run] == widths[k]:
            run += 1
        while run:
            level = 2 if run >= 4 else 1 if run >= 2 else 0
            while level and budget and 2 * (1 << level) * (2 * widths[k] + 1) > budget:
                level -= 1
            chunks.append((level, k, widths[k]))
            k += 1 << level
            run -= 1 << level
    levels = 1 + max((c[0] for c in chunks), default=0)
    terms = np.array(
        [
            (level * size, top, 2 * radius - top - (1 << level) + 1, radius + w + 1, radius - w)
            for level, top, w in chunks
        ],
        dtype=np.int64,
    ).reshape(-1, 5)
    passes = []
    i = 0
    while i < len(chunks):
        count, pixels = 0, 0
        while i + count < len(chunks) and count < 4:
            level, _, w = chunks[i + count]
            more = 2 * (1 << level) * (2 * w + 1)
            if count and budget and pixels + more > budget:
                break
            count, pixels = count + 1, pixels + more
        passes.append((i, count))
        i += count
    return levels, terms, np.array(passes, dtype=np.int64).reshape(-1, 2)


@numba.njit(inline="always")
def _term(ring, size, terms, i, y):  # pragma: no cover - compiled
    """Ring rows (top, bottom) and column offsets (right, left) of term ``i`` for row ``y``."""
    base = terms[i, 0]
    top = base + (y + terms[i, 1]) % size
    bottom = base + (y + terms[i, 2]) % size
    return top, bottom, terms[i, 3], terms[i, 4]


@numba.njit(inline="always")
def _pair(ring, top, bottom, right, left, x):  # pragma: no cover - compiled
    """Two row segments of the same half-width at column ``x``: ``(T + B)(right) − (T + B)(left)``.

    Unsigned column indices spare numba's negative-index check, which would
    otherwise keep the loops from vectorising.
    """
    r, lf = np.uint64(right + x), np.uint64(left + x)
    return (ring[top, r] + ring[bottom, r]) - (ring[top, lf] + ring[bottom, lf])


@numba.njit(nogil=True, cache=True)
def add_levels(ring, size, levels, j, width):  # pragma: no cover - compiled
    """After row ``j``'s prefix sums: the level-1 and level-2 ring rows it completes."""
    if levels > 1 and j >= 1:
        a, b = (j - 1) % size, j % size
        for i in range(width):
            x = np.uint64(i)
            ring[size + a, x] = ring[a, x] + ring[b, x]
        if levels > 2 and j >= 3:
            c, d = (j - 3) % size, (j - 1) % size
            for i in range(width):
                x = np.uint64(i)
                ring[2 * size + c, x] = ring[size + c, x] + ring[size + d, x]


@numba.njit(nogil=True, cache=True)
def accumulate(ring, size, middle_width, terms, passes, y, acc, part):  # pragma: no cover
    """Window sums of output row ``y`` into ``acc``, from the rings of row prefix sums.

    Level ``L``'s ring occupies rows ``L·size … (L+1)·size − 1`` of ``ring``;
    its slot ``(y + k) % size`` holds the prefix sums of window rows ``k …
    k + 2^L − 1`` of output row ``y`` added together. The sum starts from
    the middle row (half-width ``middle_width``), then :func:`row_plan`'s
    ``terms``, ``passes`` at a time. A ring narrower than ``acc`` (uint16:
    8-bit images) sums each pass into ``part``, of the ring's type and
    wrapping, then adds that to ``acc``: twice as many pixels per vector
    instruction as int32, exact while the pass sums below 2¹⁶ (the plan's
    budget). A ring of ``acc``'s type adds straight into ``acc``. Every
    index is computed and no row is sliced: numba counts the references to
    every slice, which costs microseconds per row.
    """
    radius = size // 2
    cols = acc.size
    direct = ring.itemsize >= acc.itemsize
    middle = (y + radius) % size
    right, left = radius + middle_width + 1, radius - middle_width
    if direct:
        for x in range(cols):
            acc[x] = ring[middle, np.uint64(right + x)] - ring[middle, np.uint64(left + x)]
    else:
        for x in range(cols):
            part[x] = ring[middle, np.uint64(right + x)] - ring[middle, np.uint64(left + x)]
        for x in range(cols):
            acc[x] = part[x]
    for p in range(passes.shape[0]):
        first, count = passes[p, 0], passes[p, 1]
        t0, b0, r0, l0 = _term(ring, size, terms, first, y)
        if count == 1:
            if direct:
                for x in range(cols):
                    acc[x] += _pair(ring, t0, b0, r0, l0, x)
                continue
            for x in range(cols):
                part[x] = _pair(ring, t0, b0, r0, l0, x)
        elif count == 2:
            t1, b1, r1, l1 = _term(ring, size, terms, first + 1, y)
            if direct:
                for x in range(cols):
                    acc[x] += _pair(ring, t0, b0, r0, l0, x) + _pair(ring, t1, b1, r1, l1, x)
                continue
            for x in range(cols):
                part[x] = _pair(ring, t0, b0, r0, l0, x) + _pair(ring, t1, b1, r1, l1, x)
        elif count == 3:
            t1, b1, r1, l1 = _term(ring, size, terms, first + 1, y)
            t2, b2, r2, l2 = _term(ring, size, terms, first + 2, y)
            if direct:
                for x in range(cols):
                    acc[x] += (_pair(ring, t0, b0, r0, l0, x) + _pair(ring, t1, b1, r1, l1, x)) + (
                        _pair(ring, t2, b2, r2, l2, x)
                    )
                continue
            for x in range(cols):
                part[x] = (_pair(ring, t0, b0, r0, l0, x) + _pair(ring, t1, b1, r1, l1, x)) + (
                    _pair(ring, t2, b2, r2, l2, x)
                )
        else:
            t1, b1, r1, l1 = _term(ring, size, terms, first + 1, y)
            t2, b2, r2, l2 = _term(ring, size, terms, first + 2, y)
            t3, b3, r3, l3 = _term(ring, size, terms, first + 3, y)
            if direct:
                for x in range(cols):
                    acc[x] += (_pair(ring, t0, b0, r0, l0, x) + _pair(ring, t1, b1, r1, l1, x)) + (
                        _pair(ring, t2, b2, r2, l2, x) + _pair(ring, t3, b3, r3, l3, x)
                    )
                continue
            for x in range(cols):
                part[x] = (_pair(ring, t0, b0, r0, l0, x) + _pair(ring, t1, b1, r1, l1, x)) + (
                    _pair(ring, t2, b2, r2, l2, x) + _pair(ring, t3, b3, r3, l3, x)
                )
        for x in range(cols):
            acc[x] += part[x]


@numba.njit(nogil=True, cache=True)
def window_sum(
    padded, size, middle_width, levels, terms, passes, squares, ring, acc, out
):  # pragma: no cover
    """Window sums of ``padded`` (edge-padded by ``r``) into ``out`` (rows × cols).

    The window has ``size = 2r + 1`` rows, summed by :func:`row_plan`'s
    ``levels``, ``terms`` and ``passes`` around the middle row of
    half-width ``middle_width``; ``ring`` is a ``levels·(2r+1) × (cols + 2r
    + 1)`` scratch array for the row prefix sums (uint16, int32 or int64,
    see :func:`accumulate`), ``acc`` one of ``cols`` for the sums (int32 or
    int64), ``out`` any numeric array. ``squares``: sum the squares of the
    values instead.
    """
    rows, cols = out.shape
    width = padded.shape[1] + 1
    part = np.empty(cols, ring.dtype)
    for k in range(size - 1):
        prefix(padded[k], squares, ring[k])
        add_levels(ring, size, levels, k, width)
    for y in range(rows):
        j = y + size - 1
        prefix(padded[j], squares, ring[j % size])
        add_levels(ring, size, levels, j, width)
        accumulate(ring, size, middle_width, terms, passes, y, acc, part)
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
