"""One-pass local thresholds for 8-bit images (numba), square or disk windows.

Niblack, Sauvola, NICK and Wolf–Jolion. The NumPy path of
:mod:`algorithms.local_moments` sums each window with OpenCV box filters,
then evaluates the threshold formula block by block. Here both happen in
one pass: for squares, running column sums over the edge-padded image and a
sliding sum along each row; for disks (and any symmetric window), the
row-prefix sums of :mod:`algorithms._window_kernels`; then the comparison,
evaluated with the same floating-point operations in the same order as the
NumPy path, so the masks are identical (``tests/test_local_methods.py``
checks it). Wolf–Jolion needs the image's largest window deviation first:
one pass finds it, a second thresholds.

The sums are int32: exact while ``count · 255²`` < 2³¹, i.e. squares up to
181×181, disks up to radius 102 (:func:`fits`). Compiled on first use (a
second or two) and cached on disk by numba; the local methods import this
module only when they use it. Each kernel runs on one thread, free of the
GIL; :func:`_run` splits a large image into bands of rows, one per core
(threads, not numba's pool, which does not allow concurrent launches from
the several threads a tiled run uses).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import cv2
import numba
import numpy as np

from . import _counting, _window_kernels
from .windows import accumulation_types, half_widths

SAUVOLA, NIBLACK, NICK, WOLF, LARGEST_VARIANCE = 0, 1, 2, 3, 4
MIN_BAND_ROWS = 256  # rows per thread below which splitting costs more than it saves


def window_count(radius: int, window: str) -> int:
    """Pixels in the window."""
    return int(np.sum(2 * half_widths(radius, window) + 1))


def fits(image: np.ndarray, radius: int, window: str = "square") -> bool:
    """Whether the fused kernels handle this image and window exactly."""
    return image.dtype == np.uint8 and window_count(radius, window) * 255 * 255 < 2**31


@numba.njit(inline="always")
def _decide(y, centre, s_row, q_row, count, kind, p1, p2, p3, out, largest):  # pragma: no cover
    """Mask row ``y`` from the window sums ``s_row``, ``q_row`` (int) of that row.

    Branch-free loops per case, so the compiler can vectorise them; the same
    floating-point operations in the same order as the NumPy path.
    ``LARGEST_VARIANCE`` writes no mask: it raises ``largest[0]`` to the
    row's largest ``n·ΣX² − S²``.
    """
    cols = s_row.size
    if kind == SAUVOLA:  # p1 = a², p2 = b: L = n·p − b·S
        for x in range(cols):
            s = float(s_row[x])
            v = float(q_row[x]) * count - s * s
            left = float(centre[x]) * count - p2 * s
            out[y, x] = (left > 0) & (left * left > v * (s * s) * p1)
    elif kind == NIBLACK:  # p1 = k², p2 = sign of k, p3 = n·c: L = n·p − S + n·c
        for x in range(cols):
            s = float(s_row[x])
            v = float(q_row[x]) * count - s * s
            left = float(centre[x]) * count - s + p3
            if p2 > 0:
                out[y, x] = (left > 0) & (left * left > v * p1)
            elif p2 < 0:
                out[y, x] = (left > 0) | (left * left < v * p1)
            else:
                out[y, x] = left > 0
    elif kind == NICK:  # p1 = k: t = m + k·√max((ΣX² − m²)/n, 0)
        for x in range(cols):
            mean = float(s_row[x]) / count
            spread = (float(q_row[x]) - mean * mean) / count
            out[y, x] = float(centre[x]) > mean + p1 * np.sqrt(max(spread, 0.0))
    elif kind == WOLF:  # p1 = k, p2 = R (0: s/R = 0), p3 = M: t = m − k·(1 − s/R)·(m − M)
        for x in range(cols):
            s = float(s_row[x])
            mean = s / count
            ratio = np.sqrt(float(q_row[x]) * count - s * s) / count / p2 if p2 > 0 else 0.0
            out[y, x] = float(centre[x]) > mean - p1 * (1.0 - ratio) * (mean - p3)
    else:  # LARGEST_VARIANCE
        for x in range(cols):
            s = float(s_row[x])
            largest[0] = max(largest[0], float(q_row[x]) * count - s * s)


@numba.njit(nogil=True, cache=True)
def _threshold_square(padded, radius, kind, p1, p2, p3, out, largest):  # pragma: no cover
    rows, cols = out.shape
    size = 2 * radius + 1
    count = float(size * size)
    width = cols + 2 * radius
    column = np.zeros(width, np.int32)  # window-high column sums, sliding down
    column_sq = np.zeros(width, np.int32)
    prefix = np.zeros(width + 1, np.int64)  # their running sums along the row
    prefix_sq = np.zeros(width + 1, np.int64)
    s_row = np.empty(cols, np.int64)
    q_row = np.empty(cols, np.int64)
    for k in range(size):
        for x in range(width):
            v = np.int32(padded[k, x])
            column[x] += v
            column_sq[x] += v * v
    for y in range(rows):
        if y > 0:  # slide the columns down one row
            for x in range(width):
                v = np.int32(padded[y + 2 * radius, x])
                w = np.int32(padded[y - 1, x])
                column[x] += v - w
                column_sq[x] += v * v - w * w
        for x in range(width):
            prefix[x + 1] = prefix[x] + column[x]
            prefix_sq[x + 1] = prefix_sq[x] + column_sq[x]
        for x in range(cols):
            s_row[x] = prefix[x + size] - prefix[x]
            q_row[x] = prefix_sq[x + size] - prefix_sq[x]
        centre = padded[y + radius, radius : radius + cols]
        _decide(y, centre, s_row, q_row, count, kind, p1, p2, p3, out, largest)


@numba.njit(nogil=True, cache=True)
def _threshold_rows(
    padded, size, middle_width, count, kind, p1, p2, p3, sums, squares, out, largest
):
    """Any symmetric window (the disk): sums from per-row prefix sums in rings.

    ``sums`` and ``squares`` are ``(ring, levels, terms, passes)``: a
    ``levels·(2r+1) × (cols + 2r + 1)`` scratch array (uint16 or int32 for
    the values, int32 for their squares) and its plan
    (``_window_kernels.row_plan``, ``_window_kernels.accumulate``).
    """
    rows, cols = out.shape
    radius = size // 2
    ring, levels, terms, passes = sums
    ring_sq, levels_sq, terms_sq, passes_sq = squares
    width = padded.shape[1] + 1
    s_row = np.empty(cols, np.int32)
    q_row = np.empty(cols, np.int32)
    part = np.empty(cols, ring.dtype)
    part_sq = np.empty(cols, ring_sq.dtype)
    for k in range(size - 1):
        _window_kernels.prefix_both(padded[k], ring[k], ring_sq[k])
        _window_kernels.add_levels(ring, size, levels, k, width)
        _window_kernels.add_levels(ring_sq, size, levels_sq, k, width)
    for y in range(rows):
        j = y + size - 1
        _window_kernels.prefix_both(padded[j], ring[j % size], ring_sq[j % size])
        _window_kernels.add_levels(ring, size, levels, j, width)
        _window_kernels.add_levels(ring_sq, size, levels_sq, j, width)
        _window_kernels.accumulate(ring, size, middle_width, terms, passes, y, s_row, part)
        _window_kernels.accumulate(
            ring_sq, size, middle_width, terms_sq, passes_sq, y, q_row, part_sq
        )
        centre = padded[y + radius, radius : radius + cols]
        _decide(y, centre, s_row, q_row, count, kind, p1, p2, p3, out, largest)


def _plan(widths: np.ndarray, ring_type, budget: int, columns: int) -> tuple:
    levels, terms, passes = _window_kernels.row_plan(widths, budget)
    ring = np.empty((levels * widths.size, columns), dtype=ring_type)
    return ring, levels, terms, passes


def _band(padded, radius, window, kind, params, out) -> float:
    """One kernel call on rows of ``out`` (``padded`` holds them with their halo)."""
    largest = np.zeros(1, dtype=np.float64)
    if window == "square":
        _threshold_square(padded, radius, kind, *params, out, largest)
        return float(largest[0])
    widths = half_widths(radius, window)
    ring_type, _, budget = accumulation_types(padded, widths, squares=False, limit=0.0)
    columns = padded.shape[1] + 1
    sums = _plan(widths, ring_type, budget, columns)
    squares = _plan(widths, np.int32, 0, columns)
    count = float(window_count(radius, window))
    middle = int(widths[radius])
    _threshold_rows(padded, widths.size, middle, count, kind, *params, sums, squares, out, largest)
    return float(largest[0])


def _run(image: np.ndarray, radius: int, window: str, kind: int, *params: float):
    """The mask (or, for ``LARGEST_VARIANCE``, the largest numerator), in row bands."""
    padded = cv2.copyMakeBorder(image, radius, radius, radius, radius, cv2.BORDER_REPLICATE)
    out = np.empty(image.shape, dtype=bool)
    rows = image.shape[0]
    bands = max(1, min(_counting.cores(), rows // MIN_BAND_ROWS))
    edges = [rows * i // bands for i in range(bands + 1)]

    def band(i: int) -> float:
        top, bottom = edges[i], edges[i + 1]
        part = padded[top : bottom + 2 * radius]
        return _band(part, radius, window, kind, params, out[top:bottom])

    if bands == 1:
        largest = band(0)
    else:
        with ThreadPoolExecutor(max_workers=bands) as pool:
            largest = max(pool.map(band, range(bands)))
    return largest if kind == LARGEST_VARIANCE else out


def sauvola(image: np.ndarray, radius: int, window: str, a: float, b: float) -> np.ndarray:
    """Mask ``L > 0 and L² > a²·S²·V`` with ``L = n·p − b·S`` (see ``Sauvola``)."""
    return _run(image, radius, window, SAUVOLA, a * a, b, 0.0)


def niblack(image: np.ndarray, radius: int, window: str, k: float, nc: float) -> np.ndarray:
    """Mask ``n·(p + c) − S > k·√V`` compared as squares (see ``Niblack``)."""
    return _run(image, radius, window, NIBLACK, k * k, float(np.sign(k)), nc)


def nick(image: np.ndarray, radius: int, window: str, k: float) -> np.ndarray:
    """Mask ``p > m + k·√((ΣX² − m²)/n)`` (see ``Nick``)."""
    return _run(image, radius, window, NICK, k, 0.0, 0.0)


def largest_variance(image: np.ndarray, radius: int, window: str) -> float:
    """The largest ``n·ΣX² − S²`` over the image's windows (Wolf–Jolion's ``R``)."""
    return _run(image, radius, window, LARGEST_VARIANCE, 0.0, 0.0, 0.0)


def wolf(image: np.ndarray, radius: int, window: str, k: float, spread: float, low: float):
    """Mask ``p > m − k·(1 − s/R)·(m − M)`` (see ``WolfJolion``)."""
    return _run(image, radius, window, WOLF, k, spread, low)
