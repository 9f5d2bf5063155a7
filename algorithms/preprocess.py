"""Preprocessing filters applied before segmentation, with their own registry.

Border rule, the same for every filter: the image is extended by repeating
its edge pixels (scipy.ndimage ``mode="nearest"``, OpenCV
``BORDER_REPLICATE``). Filters keep the image's dtype, so an 8-bit image
stays 8-bit and keeps the exact 8-bit histogram path (``float16`` images come
back as ``float32``: :func:`~algorithms._validation.check_image` widens them).

Bounds, checked before any work: a filter may spend at most
:data:`~algorithms._validation.MAX_PIXEL_WORK` operations per pixel (the
Gaussian's kernel taps in both directions, the median's window when OpenCV
cannot take it), so ``filter.sigma=1e6`` is refused at once instead of
running for hours.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from scipy import ndimage

from ._registry import FILTERS
from ._validation import MAX_PIXEL_WORK, check_image, check_odd_window, check_positive

try:  # OpenCV's median is 10-100x faster than scipy's, with identical output.
    import cv2
except ImportError:  # pragma: no cover - OpenCV is a core dependency
    cv2 = None

__all__ = ["Filter", "Gaussian", "Median", "NoFilter", "get_filter"]


class Filter:
    """Base class: an image-to-image function with explicit parameters."""

    name: ClassVar[str] = ""

    def halo(self) -> int:
        """Pixels of context needed on each side of a tile."""
        return 0

    def get_params(self) -> dict[str, Any]:
        return dict(vars(self))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def __call__(self, image: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@FILTERS.register("none")
class NoFilter(Filter):
    """The identity: no preprocessing."""

    def __init__(self) -> None:
        pass

    def __call__(self, image: np.ndarray) -> np.ndarray:
        return check_image(image)


@FILTERS.register("median")
class Median(Filter):
    """Median over a ``size`` × ``size`` square window (``size=1``: no-op).

    Output equals ``scipy.ndimage.median_filter(image, size, mode="nearest")``
    exactly; OpenCV's ``medianBlur`` computes it where it supports the dtype
    and size (8-bit any size, 16-bit and float32 up to 5).

    Examples
    --------
    >>> import numpy as np
    >>> Median(size=3)(np.array([[0, 0, 0], [0, 9, 0], [0, 0, 0]], dtype=np.uint8)).max()
    np.uint8(0)
    """

    def __init__(self, size: int = 3) -> None:
        self.size = size

    def halo(self) -> int:
        return check_odd_window(self.size, name="filter.size") // 2

    def __call__(self, image: np.ndarray) -> np.ndarray:
        image = check_image(image)
        size = check_odd_window(self.size, name="filter.size")
        if size == 1:
            return image
        fits_cv2 = cv2 is not None and (
            image.dtype == np.uint8
            or (image.dtype in (np.uint16, np.int16, np.float32) and size <= 5)
        )
        if fits_cv2 and min(image.shape) > size // 2:
            return cv2.medianBlur(np.ascontiguousarray(image), size)
        if size * size > MAX_PIXEL_WORK:
            largest = math.isqrt(MAX_PIXEL_WORK)
            largest -= 1 - largest % 2  # odd
            msg = (
                f"filter.size={size}: a {size}×{size} median of a {image.dtype} image costs "
                f"{size * size:,} operations per pixel; the limit is {MAX_PIXEL_WORK:,} "
                f"(size ≤ {largest}; 8-bit images at least size/2 pixels on each side take any "
                "size, through OpenCV). Use a smaller size."
            )
            raise ValueError(msg)
        return ndimage.median_filter(image, size=size, mode="nearest")


@FILTERS.register("gaussian")
class Gaussian(Filter):
    """Gaussian blur of standard deviation ``sigma`` pixels, truncated at 4 sigma.

    Integer images are rounded back to their dtype.
    """

    truncate = 4.0

    def __init__(self, sigma: float = 1.0) -> None:
        self.sigma = sigma

    def _sigma(self) -> float:
        sigma = check_positive(self.sigma, name="filter.sigma")
        taps = 2 * (2 * math.ceil(self.truncate * sigma) + 1)  # rows, then columns
        if taps > MAX_PIXEL_WORK:
            largest = ((MAX_PIXEL_WORK // 2 - 1) // 2) / self.truncate
            msg = (
                f"filter.sigma={self.sigma!r}: a Gaussian truncated at {self.truncate:g} sigma "
                f"costs {taps:,} operations per pixel; the limit is {MAX_PIXEL_WORK:,} "
                f"(sigma ≤ {largest:g}). Use a smaller sigma."
            )
            raise ValueError(msg)
        return sigma

    def halo(self) -> int:
        return math.ceil(self.truncate * self._sigma())

    def __call__(self, image: np.ndarray) -> np.ndarray:
        image = check_image(image)
        sigma = self._sigma()
        if image.dtype.kind in "iu" and image.dtype.itemsize == 8:
            return self._wide_integer(image, sigma)
        smooth = ndimage.gaussian_filter(
            image.astype(np.float64), sigma, mode="nearest", truncate=self.truncate
        )
        if np.issubdtype(image.dtype, np.integer):
            info = np.iinfo(image.dtype)
            return np.clip(np.rint(smooth), info.min, info.max).astype(image.dtype)
        return smooth.astype(image.dtype)

    def _wide_integer(self, image: np.ndarray, sigma: float) -> np.ndarray:
        """Blur of an int64/uint64 image relative to its minimum, added back exactly.

        float64 holds 53 bits: near 2**63 its step is 2048, so blurring the raw
        values would flatten the image. The offsets from the minimum are exact
        in float64 when the image spans less than 2**53 levels; the minimum is
        added back in integer arithmetic. (A tile's minimum may differ from the
        whole image's, so tiled and whole results may differ by one level where
        a value rounds at exactly .5.)
        """
        # Offsets from the minimum in unsigned 64-bit arithmetic (wrapping, hence exact for
        # int64 too, whose span may pass 2**63), then added back the same way.
        base = np.array(image.min(), dtype=image.dtype).view(np.uint64)
        offsets = np.ascontiguousarray(image).view(np.uint64) - base
        smooth = ndimage.gaussian_filter(
            offsets.astype(np.float64), sigma, mode="nearest", truncate=self.truncate
        )
        span = int(offsets.max())  # a blur stays within the image's range
        top = float(span) if int(float(span)) <= span else float(np.nextafter(float(span), 0))
        steps = np.clip(np.rint(smooth), 0.0, top).astype(np.uint64)
        return (steps + base).view(image.dtype)


def get_filter(name: str, **params: Any) -> Filter:
    """Instantiate the filter registered under ``name`` with ``params``."""
    return FILTERS.get_class(name)(**params)
