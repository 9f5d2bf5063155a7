"""One-pass Niblack and Sauvola for 8-bit images and square windows (numba).

The NumPy path of :mod:`algorithms.local_moments` sums each window with
OpenCV box filters, then evaluates the threshold formula block by block.
Here both happen in one pass: running column sums over the edge-padded
image, a sliding sum along each row, and the comparison, evaluated with the
same floating-point operations in the same order as the NumPy path, so the
masks are identical (``tests/test_local_methods.py`` checks it). On a
4096×4096 image this is about four times faster, on one core, which is what
puts these two methods well past ten times scikit-image's speed.

The sums are int32: exact while ``count · 255²`` < 2³¹, i.e. windows up to
181×181 (:func:`fits`). Compiled on first use (a second or two) and cached
on disk by numba; the local methods import this module only when they use it.
Single-threaded on purpose, and free of the GIL: callers that run tiles on
threads parallelise it without numba's thread pool, which does not allow
concurrent launches from several threads.
"""

from __future__ import annotations

import cv2
import numba
import numpy as np

SAUVOLA, NIBLACK = 0, 1


def fits(image: np.ndarray, radius: int) -> bool:
    """Whether the fused kernels handle this image and square window exactly."""
    count = (2 * radius + 1) ** 2
    return image.dtype == np.uint8 and count * 255 * 255 < 2**31


@numba.njit(nogil=True, cache=True)
def _threshold(padded, radius, kind, p1, p2, p3, out):  # pragma: no cover - compiled
    rows, cols = out.shape
    size = 2 * radius + 1
    count = float(size * size)
    width = cols + 2 * radius
    column = np.zeros(width, np.int32)  # window-high column sums, sliding down
    column_sq = np.zeros(width, np.int32)
    prefix = np.zeros(width + 1, np.int64)  # their running sums along the row
    prefix_sq = np.zeros(width + 1, np.int64)
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
        # Branch-free loops per case, so the compiler can vectorise them.
        if kind == SAUVOLA:  # p1 = a², p2 = b: L = n·p − b·S
            for x in range(cols):
                s = float(prefix[x + size] - prefix[x])
                v = float(prefix_sq[x + size] - prefix_sq[x]) * count - s * s
                left = float(padded[y + radius, x + radius]) * count - p2 * s
                out[y, x] = (left > 0) & (left * left > v * (s * s) * p1)
        else:  # NIBLACK, p1 = k², p2 = sign of k, p3 = n·c: L = n·p − S + n·c
            for x in range(cols):
                s = float(prefix[x + size] - prefix[x])
                v = float(prefix_sq[x + size] - prefix_sq[x]) * count - s * s
                left = float(padded[y + radius, x + radius]) * count - s + p3
                if p2 > 0:
                    out[y, x] = (left > 0) & (left * left > v * p1)
                elif p2 < 0:
                    out[y, x] = (left > 0) | (left * left < v * p1)
                else:
                    out[y, x] = left > 0


def _run(image: np.ndarray, radius: int, kind: int, p1: float, p2: float, p3: float):
    padded = cv2.copyMakeBorder(image, radius, radius, radius, radius, cv2.BORDER_REPLICATE)
    out = np.empty(image.shape, dtype=bool)
    _threshold(padded, radius, kind, p1, p2, p3, out)
    return out


def sauvola(image: np.ndarray, radius: int, a: float, b: float) -> np.ndarray:
    """Mask ``L > 0 and L² > a²·S²·V`` with ``L = n·p − b·S`` (see ``Sauvola``)."""
    return _run(image, radius, SAUVOLA, a * a, b, 0.0)


def niblack(image: np.ndarray, radius: int, k: float, nc: float) -> np.ndarray:
    """Mask ``n·(p + c) − S > k·√V`` compared as squares (see ``Niblack``)."""
    return _run(image, radius, NIBLACK, k * k, float(np.sign(k)), nc)
