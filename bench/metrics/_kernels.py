"""Compiled kernels of the image-level metrics (numba, cached next to this file).

numba compiles each kernel on first use (about a second) and caches it; the
numpy fallbacks give the same integers where numba is missing.
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a core dependency
    njit = None

__all__ = ["drd_disagreements", "non_uniform_blocks"]


def _drd_disagreements(truth: np.ndarray, prediction: np.ndarray, half: int) -> np.ndarray:
    # pragma: no cover - compiled
    rows, cols = truth.shape
    size = 2 * half + 1
    counts = np.zeros((size, size), np.int64)
    for y in range(rows):
        for x in range(cols):
            value = prediction[y, x]
            if truth[y, x] == value:
                continue
            for dy in range(-half, half + 1):
                yy = y + dy
                if yy < 0 or yy >= rows:
                    continue
                for dx in range(-half, half + 1):
                    xx = x + dx
                    if 0 <= xx < cols and truth[yy, xx] != value:
                        counts[dy + half, dx + half] += 1
    return counts


def _drd_disagreements_numpy(truth: np.ndarray, prediction: np.ndarray, half: int) -> np.ndarray:
    rows, cols = truth.shape
    ys, xs = np.nonzero(truth != prediction)
    value = prediction[ys, xs]
    size = 2 * half + 1
    counts = np.zeros((size, size), np.int64)
    for dy in range(-half, half + 1):
        y = ys + dy
        y_inside = (y >= 0) & (y < rows)
        for dx in range(-half, half + 1):
            x = xs + dx
            inside = y_inside & (x >= 0) & (x < cols)
            neighbour = truth[y[inside], x[inside]]
            counts[dy + half, dx + half] = np.count_nonzero(neighbour != value[inside])
    return counts


def _non_uniform_blocks(mask: np.ndarray, block: int) -> int:  # pragma: no cover - compiled
    rows, cols = mask.shape
    count = 0
    for y0 in range(0, rows, block):
        for x0 in range(0, cols, block):
            first = mask[y0, x0]
            mixed = False
            for y in range(y0, min(y0 + block, rows)):
                for x in range(x0, min(x0 + block, cols)):
                    if mask[y, x] != first:
                        mixed = True
                        break
                if mixed:
                    break
            count += mixed
    return count


def _non_uniform_blocks_numpy(mask: np.ndarray, block: int) -> int:
    rows, cols = mask.shape
    # Pad partial blocks with a copy of an edge pixel: padding never mixes a block.
    padded = np.pad(mask, ((0, -rows % block), (0, -cols % block)), mode="edge")
    blocks = padded.reshape(padded.shape[0] // block, block, padded.shape[1] // block, block)
    ones = blocks.sum(axis=(1, 3))
    return int(np.count_nonzero((ones != 0) & (ones != block * block)))


if njit is not None:
    _drd_disagreements = njit(nogil=True, cache=True)(_drd_disagreements)
    _non_uniform_blocks = njit(nogil=True, cache=True)(_non_uniform_blocks)
else:  # pragma: no cover
    _drd_disagreements = _drd_disagreements_numpy
    _non_uniform_blocks = _non_uniform_blocks_numpy


def non_uniform_blocks(mask: np.ndarray, block: int = 8) -> int:
    """Blocks of ``block``×``block`` pixels (partial ones at the right and bottom
    edges over the pixels they hold) that hold both values."""
    if mask.size == 0:
        return 0
    return int(_non_uniform_blocks(np.ascontiguousarray(mask), block))


def drd_disagreements(truth: np.ndarray, prediction: np.ndarray, half: int = 2) -> np.ndarray:
    """For each offset of the (2·half+1)² window: how many flipped pixels disagree there.

    ``counts[dy + half, dx + half]`` is the number of pixels ``k`` where the
    prediction differs from the truth and whose neighbour at ``(dy, dx)``,
    inside the image, has a truth value different from the prediction at
    ``k``. The centre entry is the number of flipped pixels.
    """
    return _drd_disagreements(np.ascontiguousarray(truth), np.ascontiguousarray(prediction), half)
