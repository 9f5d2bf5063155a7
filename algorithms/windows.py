"""Statistics over a window around every pixel: the engine of the local methods.

A window is given by its ``radius`` (an integer ≥ 1) and its ``shape``:

* ``"disk"``: ImageJ's circular kernel, the one Fiji's Auto Local Threshold
  uses (through ``RankFilters``): the offsets ``(dy, dx)`` with
  ``dx² + dy² ≤ radius² + 1``. Radius 1 is the 3×3 square, radius 2 has 21
  pixels, radius 15 has 717 — always an odd count, so the median is one value;
* ``"square"``: the ``(2·radius + 1)``-pixel square, as scikit-image, OpenCV
  and the published Niblack/Sauvola/Wolf/NICK/Bradley methods use.

Border rule, the same as the preprocessing filters': pixels outside the image
take the value of the nearest edge pixel (scipy.ndimage ``mode="nearest"``,
OpenCV ``BORDER_REPLICATE``, ImageJ's RankFilters). Every window therefore
holds the same number of pixels, and a tile cropped with ``radius`` pixels of
context reproduces the whole-image statistics of its interior exactly.

Exactness: sums of integer images are exact integers, which makes every
local result on integer images tile-invariant. Float images are summed
in float64, where a tile can differ from the whole image in the last bits.
The fast paths (OpenCV box filters and morphology, FFT correlation rounded
back to integers, scikit-image's rank filters) are checked against direct
per-window loops in ``tests/test_windows.py`` and against ImageJ's own
RankFilters output.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np
from scipy import ndimage

from ._validation import check_choice

__all__ = [
    "SHAPES",
    "Moments",
    "check_radius",
    "footprint",
    "half_widths",
    "square_sum",
    "window_max",
    "window_median",
    "window_min",
    "window_moments",
    "window_otsu",
]

SHAPES: tuple[str, ...] = ("disk", "square")
"""Window shapes every local method accepts (``window=`` parameter)."""

# dtypes OpenCV filters and morphology accept with BORDER_REPLICATE.
_CV2_TYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64)
# The FFT path correlates in float64 and rounds to integers. Its error grows
# with the magnitude of the sums (about 4e-16 of the largest, measured); below
# 2**40 it stays under 1e-3, far from the 0.5 that rounding tolerates. Above
# that (16-bit images with large windows) the exact row-prefix path is used.
_FFT_LIMIT = 2.0**40


def check_radius(value: object, *, name: str = "radius") -> int:
    """Return a window radius that is an integer ≥ 1, or raise."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        msg = (
            f"{name} must be an integer >= 1 (pixels from the centre to the window's edge); "
            f"got {value!r}. Fiji's default is 15."
        )
        raise ValueError(msg)
    return int(value)


def half_widths(radius: int, shape: str) -> np.ndarray:
    """Half-width of the window on each row ``dy = -radius … radius``.

    Row ``dy`` of the window covers columns ``-w[dy] … w[dy]``. For the disk
    this is ImageJ's ``RankFilters`` kernel, ``w = ⌊√(r² + 1 − dy²)⌋``,
    computed in integers so no rounding can change it.
    """
    radius = check_radius(radius)
    shape = check_choice(shape, SHAPES, name="window")
    dy = np.arange(-radius, radius + 1)
    if shape == "square":
        return np.full(dy.shape, radius)
    return np.array([math.isqrt(radius * radius + 1 - d * d) for d in dy])


def footprint(radius: int, shape: str) -> np.ndarray:
    """Boolean ``(2r+1) × (2r+1)`` mask of the window's pixels."""
    widths = half_widths(radius, shape)
    dx = np.arange(-radius, radius + 1)
    return np.abs(dx)[None, :] <= widths[:, None]


class Moments(NamedTuple):
    """Window count and sums: the mean and variance of every window.

    For integer images ``total`` and ``total_sq`` hold the exact integer sums
    (as int32, int64 or float64 arrays, whichever the fast path produced);
    for float images they are float64 sums. ``mean = total / count`` and the
    population variance is ``(count·total_sq − total²) / count²`` (see
    :meth:`variance_numerator`). ``bound`` bounds ``count²·max|x|²``, which
    decides how that numerator can be computed exactly.
    """

    count: int
    total: np.ndarray
    total_sq: np.ndarray | None
    bound: float

    def mean(self, rows: slice = slice(None)) -> np.ndarray:
        """Window mean (float64) of the given rows."""
        return np.divide(self.total[rows], self.count, dtype=np.float64)

    def variance_numerator(self, rows: slice = slice(None)) -> np.ndarray:
        """``count·Σx² − (Σx)²`` (≥ 0) of the given rows.

        Exact for integer images: in float64 while ``bound < 2⁵³`` (8-bit
        windows below 370 000 pixels, 16-bit below 1 400), else in int64
        while ``bound < 2⁶³``; beyond that, and for float images, in float64
        clipped at 0.
        """
        if self.total_sq is None:
            msg = "These moments were computed without squares; pass squares=True."
            raise ValueError(msg)
        total = self.total[rows]
        total_sq = self.total_sq[rows]
        if self.bound >= 2.0**53 and self.bound < 2.0**63:
            return self.count * total_sq.astype(np.int64) - np.square(total.astype(np.int64))
        numerator = np.multiply(total_sq, self.count, dtype=np.float64)
        numerator -= np.square(total, dtype=np.float64)
        if self.bound >= 2.0**53:  # rounding can make a flat window slightly negative
            np.maximum(numerator, 0.0, out=numerator)
        return numerator

    def std(self, rows: slice = slice(None)) -> np.ndarray:
        """Window population standard deviation (float64) of the given rows."""
        deviation = np.sqrt(self.variance_numerator(rows), dtype=np.float64)
        deviation /= self.count
        return deviation


def _as_sum_dtype(image: np.ndarray) -> np.ndarray:
    if np.issubdtype(image.dtype, np.integer):
        return image.astype(np.int64, copy=False)
    return image.astype(np.float64, copy=False)


def square_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Sum over the ``2·radius + 1`` square, by an integral image of the edge-padded array.

    Exact for int64 ``values``; callers choose the accumulation dtype.
    """
    size = 2 * radius + 1
    padded = np.pad(values, radius, mode="edge")
    table = np.zeros((padded.shape[0] + 1, padded.shape[1] + 1), dtype=values.dtype)
    np.cumsum(padded, axis=0, out=table[1:, 1:])
    np.cumsum(table[1:, 1:], axis=1, out=table[1:, 1:])
    rows, cols = values.shape
    return (
        table[size : size + rows, size : size + cols]
        - table[:rows, size : size + cols]
        - table[size : size + rows, :cols]
        + table[:rows, :cols]
    )


def _disk_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Exact sum over the disk: per row of the window, a difference of row prefix sums."""
    widths = half_widths(radius, "disk")
    padded = np.pad(values, radius, mode="edge")
    prefix = np.zeros((padded.shape[0], padded.shape[1] + 1), dtype=values.dtype)
    np.cumsum(padded, axis=1, out=prefix[:, 1:])
    rows, cols = values.shape
    out = np.zeros((rows, cols), dtype=values.dtype)
    for k, w in enumerate(widths):  # window row dy = k - radius is padded row y + k
        out += prefix[k : k + rows, radius + w + 1 : radius + w + 1 + cols]
        out -= prefix[k : k + rows, radius - w : radius - w + cols]
    return out


def _disk_sum_fft(values: np.ndarray, radius: int) -> np.ndarray:
    """Disk sum by OpenCV's (FFT) correlation in float64, rounded to the exact integers."""
    kernel = footprint(radius, "disk").astype(np.float64)
    if values.dtype == np.int8:  # a type filter2D does not take
        values = values.astype(np.int16)
    summed = cv2.filter2D(values, cv2.CV_64F, kernel, borderType=cv2.BORDER_REPLICATE)
    return np.rint(summed, out=summed)


def window_moments(image: np.ndarray, radius: int, shape: str, *, squares: bool = True) -> Moments:
    """Count, sum and sum of squares over the window around every pixel.

    Parameters
    ----------
    image : ndarray, 2-D
        Intensities (integer or float).
    radius : int
        Window radius, ≥ 1.
    shape : {"disk", "square"}
        Window shape (see the module docstring).
    squares : bool
        Also sum the squares (for the variance); False leaves ``total_sq``
        None and saves half the work of methods that need only the mean.

    Returns
    -------
    Moments
        Exact integer sums for integer images.
    """
    widths = half_widths(radius, shape)
    count = int(np.sum(2 * widths + 1))
    bound = float("inf")
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        bound = float(count) ** 2 * float(max(-int(info.min), int(info.max))) ** 2
    if shape == "square" and image.dtype in (np.uint8, np.uint16, np.int16) and bound < 2.0**53:
        # OpenCV's box filters sum the values and their squares exactly (integers
        # below 2⁵³ in float64). Float64 output keeps the per-pixel formulas in
        # fast, uniform-type NumPy loops (int32 → float64 casts cost as much as
        # the arithmetic itself).
        size = (2 * radius + 1, 2 * radius + 1)
        border = cv2.BORDER_REPLICATE
        total = cv2.boxFilter(image, cv2.CV_64F, size, normalize=False, borderType=border)
        if not squares:
            return Moments(count, total, None, bound)
        total_sq = cv2.sqrBoxFilter(image, cv2.CV_64F, size, normalize=False, borderType=border)
        return Moments(count, total, total_sq, bound)
    small = image.dtype in (np.uint8, np.int8, np.uint16, np.int16)
    if shape == "disk" and small and bound / count < _FFT_LIMIT:
        total = _disk_sum_fft(image, radius)
        if not squares:
            return Moments(count, total, None, bound)
        # Squares of 8-bit values fit 16 bits, which filter2D reads directly.
        wide = {np.dtype(np.uint8): np.uint16, np.dtype(np.int8): np.int16}
        squared = np.square(image, dtype=wide.get(image.dtype, np.float64))
        return Moments(count, total, _disk_sum_fft(squared, radius), bound)
    values = _as_sum_dtype(image)
    summer = square_sum if shape == "square" else _disk_sum
    total_sq = summer(values * values, radius) if squares else None
    return Moments(count, summer(values, radius), total_sq, bound)


def _morphology(image: np.ndarray, radius: int, shape: str, op: str) -> np.ndarray:
    mask = footprint(radius, shape)
    if image.dtype in _CV2_TYPES:
        kernel = mask.astype(np.uint8)
        apply = cv2.dilate if op == "max" else cv2.erode
        return apply(np.ascontiguousarray(image), kernel, borderType=cv2.BORDER_REPLICATE)
    apply = ndimage.maximum_filter if op == "max" else ndimage.minimum_filter
    return apply(image, footprint=mask, mode="nearest")


def window_max(image: np.ndarray, radius: int, shape: str) -> np.ndarray:
    """Maximum over the window (OpenCV dilation with the window as kernel)."""
    return _morphology(image, radius, shape, "max")


def window_min(image: np.ndarray, radius: int, shape: str) -> np.ndarray:
    """Minimum over the window (OpenCV erosion with the window as kernel)."""
    return _morphology(image, radius, shape, "min")


def _rank_filter(image: np.ndarray, radius: int, shape: str, name: str) -> np.ndarray:
    """A scikit-image rank filter with the edge-replication border rule.

    scikit-image's rank filters leave out-of-image pixels out of the window;
    padding by ``radius`` first makes every window of the original pixels
    hold edge replicas instead, as everywhere else in the package.
    """
    from skimage.filters import rank

    padded = np.pad(image, radius, mode="edge")
    result = getattr(rank, name)(padded, footprint(radius, shape).astype(np.uint8))
    return result[radius:-radius, radius:-radius]


def window_median(image: np.ndarray, radius: int, shape: str) -> np.ndarray:
    """Median over the window (both shapes hold an odd number of pixels).

    Square windows on 8-bit images use OpenCV's constant-time median, 8-bit
    disks scikit-image's sliding-histogram rank filter (about 6 s for a
    4096×4096 image at radius 15); other images scipy's ``median_filter``
    with the window as footprint (exact, and much slower).
    """
    if shape == "square" and image.dtype == np.uint8:
        return cv2.medianBlur(np.ascontiguousarray(image), 2 * radius + 1)
    if image.dtype == np.uint8:
        return _rank_filter(image, radius, shape, "median")
    return ndimage.median_filter(image, footprint=footprint(radius, shape), mode="nearest")


def window_otsu(image: np.ndarray, radius: int, shape: str) -> np.ndarray:
    """Otsu's threshold of the histogram of every window (8-bit images).

    The threshold ``t`` maximises the between-class variance of the split
    ``≤ t`` / ``> t``; the first maximum wins; a window with one grey level
    gets ``t = 0``.

    Computed with scikit-image's sliding-histogram kernel, which evaluates
    the split after every non-empty bin except bin 0 and returns the first
    bin of the upper class. Shifting the image up by one level keeps bin 0
    empty, so every split is evaluated; its answer minus one is then the last
    bin of the lower class, ``t`` above. The kernel compares the criteria in
    float64: among splits whose between-class variances are exactly equal the
    choice follows floating-point rounding.

    Raises
    ------
    ValueError
        For images that are not 8-bit unsigned integers.
    """
    if image.dtype != np.uint8:
        msg = (
            f"Local Otsu needs an 8-bit unsigned image (one histogram bin per grey level, "
            f"as Fiji); got dtype {image.dtype}. Convert it, e.g. with "
            "skimage.util.img_as_ubyte(image)."
        )
        raise ValueError(msg)
    upper_start = _rank_filter(image.astype(np.uint16) + 1, radius, shape, "otsu")
    return np.maximum(upper_start.astype(np.int16) - 1, 0)
