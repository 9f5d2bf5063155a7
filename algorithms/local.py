"""Local (adaptive) thresholds: each pixel against a statistic of its window.

Border rule: windows that cross the image edge see the edge pixels repeated
(scipy.ndimage ``mode="nearest"``), as the preprocessing filters do.

This module holds the OpenCV-style ``adaptive`` threshold (mean or
Gaussian-weighted, ``block_size`` window) and :class:`WindowThreshold`, the
base of the radius-window methods: Fiji's Auto Local Threshold set and its
relatives live in :mod:`algorithms.local_moments` (from the window's mean and
standard deviation) and :mod:`algorithms.local_rank` (from its minimum,
maximum, median or histogram). Their windows are described in
:mod:`algorithms.windows`.

Object polarity (``segment(image, objects=...)``, see :data:`algorithms.OBJECTS`):
every local method computes its threshold surface on the original
intensities; bright objects follow the method's own comparison and dark
objects are its exact complement, as Fiji's Auto Local Threshold writes
``(condition) ? object : backg``:

==============================  ===============================  ==============================
method                          bright objects                   dark objects
==============================  ===============================  ==============================
local_mean, niblack, sauvola,   ``p > t``                        ``p <= t``
phansalkar, wolf_jolion, nick,
bradley_roth, local_otsu,
adaptive, local_median, midgrey
bernsen, contrasted window      ``p >= mid``                     ``p < mid``
bernsen, low-contrast window    ``mid >= uniform_level``         ``mid < uniform_level``
contrast                        ``hi - p <= p - lo``             ``hi - p > p - lo``
                                and ``p != 0``                   or ``p == 0``
==============================  ===============================  ==============================

The document methods of :mod:`algorithms.local_document` are published for
dark text: their dark rule is the paper's, and bright objects are its
complement.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar, TypeVar

import numpy as np
from scipy import ndimage

from ._base import LocalThreshold
from ._registry import register
from ._validation import check_choice, check_finite, check_odd_window
from .windows import SHAPES, check_radius, square_sum

__all__ = ["Adaptive", "WindowThreshold", "box_sum", "check_finite", "map_row_blocks", "row_blocks"]

T = TypeVar("T")


class WindowThreshold(LocalThreshold):
    """Base of the methods that threshold each pixel against its ``radius`` window.

    Subclasses store ``radius`` and ``window`` ("disk": ImageJ's circular
    kernel, as Fiji; "square": side ``2·radius + 1``) and implement
    ``_mask``. The halo is the radius: a tile cropped with ``radius`` pixels
    of context on each side reproduces the whole-image mask of its interior
    exactly (for integer images; see :mod:`algorithms.windows`).
    """

    radius: int
    window: str

    def _window(self) -> tuple[int, str]:
        return check_radius(self.radius), check_choice(self.window, SHAPES, name="window")

    def halo(self) -> int:
        return self._window()[0]


def row_blocks(rows: int, cols: int, elements: int = 1 << 15) -> list[slice]:
    """Row slices of about ``elements`` pixels each."""
    step = max(1, elements // max(cols, 1))
    return [slice(start, min(start + step, rows)) for start in range(0, rows, step)]


def map_row_blocks(function: Callable[[slice], T], rows: int, cols: int) -> list[T]:
    """``function(block)`` for each block of rows, on all cores; results in order.

    Evaluating a per-pixel formula block by block keeps its temporaries in
    the CPU cache (several times faster on large images than whole-image
    NumPy expressions, which wait on memory), and NumPy releases the GIL
    inside its loops, so threads share the blocks. ``function`` must only
    write to its own rows.
    """
    blocks = row_blocks(rows, cols)
    workers = min(len(blocks), os.cpu_count() or 1)
    if workers <= 1:
        return [function(block) for block in blocks]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, blocks))


def box_sum(image: np.ndarray, size: int) -> np.ndarray:
    """Exact sum over a ``size`` × ``size`` window centred on each pixel.

    Uses an integral image (summed-area table) over the edge-padded image:
    four look-ups per pixel whatever the window size. Integer images are
    summed in int64, so the sums are exact.
    """
    dtype = np.int64 if np.issubdtype(image.dtype, np.integer) else np.float64
    return square_sum(image.astype(dtype, copy=False), size // 2)


@register("adaptive")
class Adaptive(LocalThreshold):
    """Foreground where the pixel exceeds its local mean minus ``offset``.

    ``method="mean"`` uses the plain mean over a ``block_size`` square window;
    ``method="gaussian"`` a Gaussian-weighted mean with ``sigma = (block_size
    - 1) / 6`` (truncated at 4 sigma), as OpenCV's and scikit-image's
    adaptive thresholds do.

    Parameters
    ----------
    block_size : int
        Odd window side in pixels.
    offset : float
        Subtracted from the local mean; positive values admit more foreground.
    method : {"mean", "gaussian"}
        The weighting of the window.

    References
    ----------
    Gonzalez, R.C. and Woods, R.E., Digital Image Processing, section on
    variable (local) thresholding.
    """

    methods: ClassVar[tuple[str, ...]] = ("mean", "gaussian")
    truncate: ClassVar[float] = 4.0

    def __init__(self, block_size: int = 51, offset: float = 0.0, method: str = "gaussian") -> None:
        self.block_size = block_size
        self.offset = offset
        self.method = method

    def _sigma(self) -> float:
        return (check_odd_window(self.block_size, name="block_size") - 1) / 6.0

    def halo(self) -> int:
        block = check_odd_window(self.block_size, name="block_size")
        if check_choice(self.method, self.methods, name="method") == "mean":
            return block // 2
        return int(self.truncate * self._sigma() + 0.5)

    def _mask(self, image: np.ndarray) -> np.ndarray:
        block = check_odd_window(self.block_size, name="block_size")
        method = check_choice(self.method, self.methods, name="method")
        offset = float(self.offset)
        if method == "mean":
            # image > sum/n - offset  ⇔  (image + offset) * n > sum: exact for integer sums.
            n = block * block
            return (image + offset) * n > box_sum(image, block)
        sigma = self._sigma()
        if sigma == 0:
            local = image.astype(np.float64)
        else:
            local = ndimage.gaussian_filter(
                image.astype(np.float64), sigma, mode="nearest", truncate=self.truncate
            )
        return image > local - offset
