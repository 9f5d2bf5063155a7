"""Intensity histograms: built once per image, shared by every global method.

Rules (the same for every global method):

* **8-bit** images (``uint8``): 256 bins, bin ``k`` holds the pixels of value ``k``.
* **Other integer** images (``uint16``, ``int32``, …): one bin per integer level
  from the image minimum to its maximum (full resolution, as Fiji's
  Auto Threshold plugin does for 16-bit images); bin ``k`` holds value
  ``minimum + k``. The methods run on all these bins, so a 12-bit image gives a
  12-bit threshold. (ImageJ's own Threshold dialog instead converts 16-bit
  images to 8 bits first.) Methods that score every split against every level
  (Huang, Huang2, Shanbhag) cost ``levels**2``: about 0.5 s for 4,000 levels.
* **Floating-point** images, and integer images spanning more than
  :data:`MAX_INTEGER_BINS` levels: 256 bins of equal width between the minimum
  and the maximum (fixed edges, both ends included in the outer bins). For
  integer images the edges are exact integers (bin ``k`` starts at
  ``minimum + ceil(k · span / 256)``, computed with Python integers), so
  ``int64`` near 2**63 and ``uint64`` beyond it are binned exactly, never
  through float64.

A threshold is a *bin index* ``t``: the background is bins ``0..t``, the
foreground bins ``t+1..`` — foreground is ``image > t`` for 8-bit images.
:meth:`Histogram.value` turns the bin into the intensity to compare with (a
float); :meth:`Histogram.exact_value` gives it without rounding, an exact
Python ``int`` for integer images, which NumPy compares exactly with any
integer dtype.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from . import _counting
from ._validation import check_image, check_mask

try:  # the fallback when numba is missing: ~5-10x faster than np.bincount.
    import cv2
except ImportError:  # pragma: no cover - OpenCV is a core dependency
    cv2 = None

__all__ = ["Histogram", "foreground", "histogram"]

# cv2.calcHist returns float32 counts, exact only up to 2**24 per bin: feed it
# at most that many pixels at a time and add the parts as integers.
_CALCHIST_CHUNK = 1 << 24
FLOAT_BINS = 256
SMALL_IMAGE = 1 << 20
"""Pixels below which 8-bit images are counted by cv2.calcHist (exact: fewer than 2**24 pixels)
rather than the compiled kernel: importing numba and loading the kernel cost about 0.5 s once
per process, more than calcHist's extra 0.1 ms per megapixel saves over a run of small images."""
MAX_INTEGER_BINS = 1 << 16
"""Integer images spanning more levels than this are binned like floats."""


@dataclass(frozen=True, eq=False)
class Histogram:
    """Integer counts and the mapping from bins back to intensities.

    Attributes
    ----------
    counts : ndarray of int64
        Pixel counts per bin.
    offset : float or int
        Intensity of bin 0 (its lower edge for float images); an exact ``int``
        for integer images.
    width : float
        Intensity step between bins (1 for integer images).
    integer : bool
        True when each bin is one integer level.
    span : int
        For integer images binned in 256 parts: maximum − minimum, exactly
        (the bins' integer edges follow from it); 0 otherwise.
    """

    counts: np.ndarray
    offset: float = 0.0
    width: float = 1.0
    integer: bool = True
    span: int = 0

    def value(self, t: int) -> float:
        """Intensity threshold ``v`` such that ``image > v`` ⇔ bin of pixel > ``t``, as a float.

        For integer images beyond 2**53 (``int64``, ``uint64``) the float is
        rounded: compare with :meth:`exact_value` instead.
        """
        return float(self.exact_value(t))

    def exact_value(self, t: int) -> int | float:
        """:meth:`value` without rounding: an exact ``int`` for integer images.

        ``image > hist.exact_value(t)`` is exact for every integer dtype
        (NumPy compares integer arrays with Python integers exactly, ``uint64``
        beyond 2**63 included), and is :meth:`value`'s comparison for floats.
        """
        if self.integer:
            return int(self.offset) + int(t)
        if self.span:
            lo, t = int(self.offset), int(t)
            if t < 0:
                return lo - 1
            if t >= self.counts.size - 1:
                return lo + self.span
            return _edge(lo, self.span, t + 1) - 1
        # Bin t ends just below offset + (t+1)*width; values equal to that edge
        # belong to bin t+1, so compare against the largest float below it.
        edge = self.offset + (t + 1) * self.width
        return float(np.nextafter(edge, -np.inf))

    def __add__(self, other: Histogram) -> Histogram:
        """Sum of two histograms with the same bins (e.g. of two tiles)."""
        if not isinstance(other, Histogram):
            return NotImplemented
        if (
            self.counts.shape != other.counts.shape
            or self.offset != other.offset
            or self.width != other.width
            or self.integer != other.integer
            or self.span != other.span
        ):
            msg = "Only histograms with identical bins can be added."
            raise ValueError(msg)
        return dataclasses.replace(self, counts=self.counts + other.counts)


def _edge(lo: int, span: int, k: int) -> int:
    """First integer level of bin ``k`` of ``FLOAT_BINS`` equal parts of ``lo..lo+span``."""
    return lo + -((-k * span) // FLOAT_BINS)


def _integer_counts(values: np.ndarray, lo: int, hi: int) -> Histogram:
    """Exact histogram of integer ``values`` (any dtype) spanning ``lo..hi``."""
    span = hi - lo
    flat = values.ravel()
    if span < MAX_INTEGER_BINS:
        # values - lo lies in 0..span: exact in the dtype itself for 64-bit types (no
        # detour through int64, which uint64 beyond 2**63 would overflow), widened first
        # for narrower ones (int8 127 - (-128) does not fit int8).
        if flat.dtype.itemsize < 8:
            shifted = flat.astype(np.int64) - lo
        else:
            shifted = (flat - flat.dtype.type(lo)).astype(np.int64)
        counts = np.bincount(shifted, minlength=span + 1).astype(np.int64)
        return Histogram(counts, offset=lo)
    edges = np.array([_edge(lo, span, k) for k in range(1, FLOAT_BINS)], dtype=flat.dtype)
    index = np.searchsorted(edges, flat, side="right")  # bins below: exact comparisons
    counts = np.bincount(index, minlength=FLOAT_BINS).astype(np.int64)
    return Histogram(counts, offset=lo, width=span / FLOAT_BINS, integer=False, span=span)


def _hist_uint8(image: np.ndarray, fov: np.ndarray | None) -> np.ndarray:
    """Exact int64 counts of an 8-bit image (within ``fov``).

    The compiled kernel of :mod:`algorithms._counting` when numba is there
    and the image has at least :data:`SMALL_IMAGE` pixels (2-3x faster than
    cv2.calcHist on real images, as fast on noise; large images in parts,
    one per core), else cv2.calcHist in chunks small enough for its float32
    counts to stay exact.
    """
    flat = np.ascontiguousarray(image).reshape(-1)
    flat_fov = None if fov is None else np.ascontiguousarray(fov).reshape(-1).view(np.uint8)
    if _counting.AVAILABLE and flat.size >= SMALL_IMAGE:
        return _counting.count_uint8(flat, flat_fov, threads=_counting.cores())
    if cv2 is None:  # pragma: no cover
        values = flat if flat_fov is None else flat[flat_fov.view(bool)]
        return np.bincount(values, minlength=256).astype(np.int64)
    return _calchist_uint8(flat, flat_fov)


def _calchist_uint8(flat: np.ndarray, flat_fov: np.ndarray | None) -> np.ndarray:
    counts = np.zeros(256, dtype=np.int64)
    for start in range(0, flat.size, _CALCHIST_CHUNK):
        chunk = flat[start : start + _CALCHIST_CHUNK]
        mask = None if flat_fov is None else flat_fov[start : start + _CALCHIST_CHUNK]
        part = cv2.calcHist([chunk], [0], mask, [256], [0, 256])
        counts += part.ravel().astype(np.int64)
    return counts


def histogram(image: np.ndarray, fov: np.ndarray | None = None) -> Histogram:
    """Histogram of ``image``, restricted to the field of view ``fov`` if given.

    Parameters
    ----------
    image : ndarray, 2-D
        Integer or floating-point intensities.
    fov : ndarray of bool, optional
        Field of view: only pixels where it is True are counted.

    Returns
    -------
    Histogram
        Counts and bin mapping, following the module's rules.

    Examples
    --------
    >>> import numpy as np
    >>> h = histogram(np.array([[0, 1], [1, 255]], dtype=np.uint8))
    >>> h.counts[:2].tolist(), int(h.counts[255])
    ([1, 2], 1)
    """
    image = check_image(image)
    if fov is not None:
        fov = check_mask(fov, image.shape, name="field of view")
    if image.dtype == np.uint8:
        return Histogram(_hist_uint8(image, fov))
    values = image if fov is None else image[fov]
    if values.size == 0:
        msg = "The field of view holds no pixel; nothing to build a histogram from."
        raise ValueError(msg)
    lo, hi = values.min(), values.max()
    if np.issubdtype(image.dtype, np.integer):
        return _integer_counts(values, int(lo), int(hi))
    lo, hi = float(lo), float(hi)
    width = (hi - lo) / FLOAT_BINS if hi > lo else 1.0
    index = np.floor((values.astype(np.float64) - lo) / width).astype(np.int64)
    np.clip(index, 0, FLOAT_BINS - 1, out=index)
    counts = np.bincount(index.ravel(), minlength=FLOAT_BINS).astype(np.int64)
    return Histogram(counts, offset=lo, width=width, integer=False)


def foreground(image: np.ndarray, value: float) -> np.ndarray:
    """The mask ``image > value``, compared in the image's own integer type when exact.

    For an integer image and a whole-number threshold (every integer
    histogram's :meth:`Histogram.value`) the comparison with the integer is
    the same mask, computed by NumPy's integer loop: four times faster on
    8-bit images than promoting every pixel to float64 to compare with a
    float.

    Examples
    --------
    >>> import numpy as np
    >>> foreground(np.array([[10, 80, 200]], dtype=np.uint8), 79.0).tolist()
    [[False, True, True]]
    """
    if np.issubdtype(image.dtype, np.integer) and float(value).is_integer():
        return image > int(value)
    return image > value
