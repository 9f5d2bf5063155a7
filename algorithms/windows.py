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
The fast paths (OpenCV box filters and morphology, compiled row-prefix
sums for disks, scikit-image's rank filters) are checked against direct
per-window loops in ``tests/test_windows.py`` and against ImageJ's own
RankFilters output.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np
from scipy import ndimage

from ._validation import check_choice, check_int

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


def check_radius(value: object, *, name: str = "radius") -> int:
    """Return a window radius that is an integer ≥ 1, or raise."""
    hint = "pixels from the centre to the window's edge; Fiji's default is 15"
    return check_int(value, name=name, minimum=1, hint=hint)


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
    (as float64 arrays while they stay below 2⁵³, else int64), except where
    ``Σx²`` passes 2⁶³ (32-bit images, large windows): there ``total_sq`` is
    that sum rounded once to float64 and ``numerator`` holds the exactly
    computed, once-rounded :meth:`variance_numerator`. For float images they
    are float64 sums. ``mean = total / count`` and the population variance
    is ``(count·total_sq − total²) / count²``. ``bound`` bounds
    ``count²·max|x|²`` over the image's values, which decides how that
    numerator is computed exactly.
    """

    count: int
    total: np.ndarray
    total_sq: np.ndarray | None
    bound: float
    numerator: np.ndarray | None = None

    def mean(self, rows: slice = slice(None)) -> np.ndarray:
        """Window mean (float64) of the given rows."""
        return np.divide(self.total[rows], self.count, dtype=np.float64)

    def variance_numerator(self, rows: slice = slice(None)) -> np.ndarray:
        """``count·Σx² − (Σx)²`` (≥ 0) of the given rows, as a new float64 array.

        For integer images the exact integer, rounded once to float64 (so
        exact below 2⁵³): in float64 while ``bound < 2⁵³``, in int64 while
        ``bound < 2⁶³``, beyond that in 128-bit integer arithmetic
        (:mod:`algorithms._window_kernels`). For float images (``bound``
        infinite), in float64 clipped at 0.
        """
        if self.total_sq is None:
            msg = "These moments were computed without squares; pass squares=True."
            raise ValueError(msg)
        if self.numerator is not None:
            return self.numerator[rows].copy()
        total = self.total[rows]
        total_sq = self.total_sq[rows]
        if 2.0**53 <= self.bound < float("inf"):  # integer sums, held exactly (int64 or float64)
            total, total_sq = total.astype(np.int64), total_sq.astype(np.int64)
            if self.bound < 2.0**63:
                return (self.count * total_sq - np.square(total)).astype(np.float64)
            from . import _window_kernels

            out = np.empty(total.shape, dtype=np.float64)
            high, low = total_sq >> 32, total_sq & 0xFFFFFFFF
            _window_kernels.numerator(self.count, total, high, low, out)
            return out
        numerator = np.multiply(total_sq, self.count, dtype=np.float64)
        numerator -= np.square(total, dtype=np.float64)
        if self.bound == float("inf"):  # rounding can make a flat window slightly negative
            np.maximum(numerator, 0.0, out=numerator)
        return numerator

    def std(self, rows: slice = slice(None)) -> np.ndarray:
        """Window population standard deviation (float64) of the given rows."""
        deviation = np.sqrt(self.variance_numerator(rows), dtype=np.float64)
        deviation /= self.count
        return deviation


def square_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Sum over the ``2·radius + 1`` square, by an integral image of the edge-padded array.

    Exact for int64 ``values`` whose window sums fit int64: the table may
    wrap around, the differences of its entries do not. Callers choose the
    accumulation dtype.
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
    """Sum over the disk of a float64 array: per window row, a difference of row prefix sums."""
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


def _integer_sum(
    values: np.ndarray, radius: int, widths: np.ndarray, *, squares: bool, limit: float, out_dtype
) -> np.ndarray:
    """Exact window sums of integer ``values`` (of their squares if asked), any window.

    ``limit`` bounds every window sum; it decides the accumulation types
    (:func:`accumulation_types`), which the caller keeps below 2⁶³.
    """
    from . import _window_kernels

    if values.dtype.itemsize > 4 or values.dtype == np.uint32:
        values = values.astype(np.int64)
    if values.dtype in _CV2_TYPES:
        border = cv2.BORDER_REPLICATE
        padded = cv2.copyMakeBorder(values, radius, radius, radius, radius, border)
    else:
        padded = np.pad(values, radius, mode="edge")
    ring_type, acc_type, budget = accumulation_types(values, widths, squares=squares, limit=limit)
    levels, terms, passes = _window_kernels.row_plan(widths, budget)
    ring = np.empty((levels * widths.size, padded.shape[1] + 1), dtype=ring_type)
    acc = np.empty(values.shape[1], dtype=acc_type)
    out = np.empty(values.shape, dtype=out_dtype)
    middle = int(widths[radius])
    _window_kernels.window_sum(
        padded, widths.size, middle, levels, terms, passes, squares, ring, acc, out
    )
    return out


def accumulation_types(values: np.ndarray, widths: np.ndarray, *, squares: bool, limit: float):
    """Ring type, accumulator type and pass budget of ``window_sum``.

    See :func:`algorithms._window_kernels.window_sum`. The ring of row prefix
    sums wraps around: uint16 when four row segments sum below 2¹⁶ —
    8-bit values, windows up to 63 pixels wide — else int32 or int64 like
    the accumulator, which holds the window sums: int32 below 2³¹, int64
    otherwise. A uint16 ring sums at most ``budget`` pixels per pass (so
    each pass sums below 2¹⁶); a ring of the accumulator's type has no
    budget (0).
    """
    acc = np.int32 if limit < 2.0**31 else np.int64
    if not squares and values.dtype == np.uint8 and 4 * (2 * int(widths.max()) + 1) * 255 < 2**16:
        return np.uint16, acc, (2**16 - 1) // 255
    return acc, acc, 0


def _magnitude(image: np.ndarray) -> int:
    """Largest ``|x|`` the image can hold: its dtype's for 8-bit images, else its values'."""
    if image.dtype.itemsize == 1:
        info = np.iinfo(image.dtype)
        return max(-int(info.min), int(info.max))
    return max(-int(image.min()), int(image.max()))


def _integer_moments(
    image: np.ndarray, radius: int, shape: str, magnitude: int, *, squares: bool
) -> Moments:
    """Exact moments of an integer image with ``|x| < 2³²`` over any window."""
    widths = half_widths(radius, shape)
    count = int(np.sum(2 * widths + 1))
    bound = float(count) ** 2 * float(magnitude) ** 2
    sum_limit = float(count) * magnitude
    square_limit = float(count) * magnitude * magnitude
    if shape == "square":  # the integral image: O(1) per pixel, int64 wrapping

        def summer(values, *, squares, limit, out_dtype):
            wide = values.astype(np.int64)
            summed = square_sum(wide * wide if squares else wide, radius)
            return summed.astype(out_dtype, copy=False)
    else:  # the compiled row-prefix kernel, int32 where the sums fit

        def summer(values, *, squares, limit, out_dtype):
            return _integer_sum(
                values, radius, widths, squares=squares, limit=limit, out_dtype=out_dtype
            )

    def sum_type(limit: float):
        return np.float64 if limit < 2.0**53 else np.int64

    total = summer(image, squares=False, limit=sum_limit, out_dtype=sum_type(sum_limit))
    if not squares:
        return Moments(count, total, None, bound)
    if square_limit < 2.0**63:
        total_sq = summer(image, squares=True, limit=square_limit, out_dtype=sum_type(square_limit))
        return Moments(count, total, total_sq, bound)
    # Σx² passes 2⁶³: sum the high and low 32 bits of x² apart, combine in 128 bits.
    from . import _window_kernels

    if total.dtype != np.int64:
        total = total.astype(np.int64)
    squared = np.square(np.abs(image.astype(np.int64)).astype(np.uint64))
    parts = [
        summer((squared >> np.uint64(32)).astype(np.int64), squares=False,
               limit=float(count) * 2.0**32, out_dtype=np.int64),
        summer((squared & np.uint64(0xFFFFFFFF)).astype(np.int64), squares=False,
               limit=float(count) * 2.0**32, out_dtype=np.int64),
    ]  # fmt: skip
    total_sq = np.empty(image.shape, dtype=np.float64)
    _window_kernels.split_sum(parts[0], parts[1], total_sq)
    numerator = np.empty(image.shape, dtype=np.float64)
    _window_kernels.numerator(count, total, parts[0], parts[1], numerator)
    return Moments(count, total, total_sq, bound, numerator)


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
        Exact integer sums for integer images whose values lie within
        ``±2³²`` (every integer dtype up to 32 bits); wider integer values
        are summed in float64.
    """
    widths = half_widths(radius, shape)
    count = int(np.sum(2 * widths + 1))
    if not np.issubdtype(image.dtype, np.integer):
        values = image.astype(np.float64, copy=False)
        summer = square_sum if shape == "square" else _disk_sum
        total_sq = summer(values * values, radius) if squares else None
        return Moments(count, summer(values, radius), total_sq, float("inf"))
    magnitude = _magnitude(image)
    bound = float(count) ** 2 * float(magnitude) ** 2
    # OpenCV sums the squares of 8-bit images in int32 (wrapping past 2³¹: squares
    # wider than 181 pixels), those of 16-bit images in float64.
    cv2_exact = bound < 2.0**53 and (image.dtype != np.uint8 or count * 255**2 < 2**31)
    if shape == "square" and image.dtype in (np.uint8, np.uint16, np.int16) and cv2_exact:
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
    if magnitude < 2**32:
        return _integer_moments(image, radius, shape, magnitude, squares=squares)
    # Values beyond 32 bits (64-bit images): float64 sums, rounded.
    values = image.astype(np.float64)
    summer = square_sum if shape == "square" else _disk_sum
    total_sq = summer(values * values, radius) if squares else None
    return Moments(count, summer(values, radius), total_sq, float("inf"))


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
