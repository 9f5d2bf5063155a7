"""Local thresholds from order statistics of each pixel's window.

The minimum and maximum come from OpenCV's morphology with the window as
kernel, the median from OpenCV's constant-time median (8-bit squares) or a
sliding-histogram rank filter, local Otsu from scikit-image's rank kernel;
all with edge replication at the border (see :mod:`algorithms.windows`).
Order statistics are exact, so tiles cropped with ``radius`` pixels of
context reproduce the whole-image mask for every dtype.

Fiji parity (Auto Local Threshold v1.17, 8-bit, ``window="disk"``): Bernsen,
Median and MidGrey give Fiji's masks (integer offsets ``c``); Contrast and
Otsu differ as their classes document.
"""

from __future__ import annotations

import numpy as np

from ._registry import register
from ._validation import check_finite
from .local import WindowThreshold, map_row_blocks
from .windows import window_max, window_median, window_min, window_otsu

__all__ = ["Bernsen", "Contrast", "LocalMedian", "LocalOtsu", "MidGrey"]


def _wide(array: np.ndarray) -> np.ndarray:
    """Widen so that sums and differences of two values cannot overflow."""
    if np.issubdtype(array.dtype, np.integer):
        return array.astype(np.int32 if array.itemsize <= 2 else np.int64)
    return array.astype(np.float64)


def _blockwise(image: np.ndarray, rule, *stats: np.ndarray) -> np.ndarray:
    """``mask[rows] = rule(pixels, *stats)`` for each block of rows, on all cores."""
    mask = np.empty(image.shape, dtype=bool)

    def block(rows: slice) -> None:
        mask[rows] = rule(image[rows], *(stat[rows] for stat in stats))

    map_row_blocks(block, *image.shape)
    return mask


@register("bernsen")
class Bernsen(WindowThreshold):
    """Bernsen's threshold: the mid-grey of the window, where it has contrast.

    With window minimum ``lo``, maximum ``hi`` and mid-grey ``mid = (lo +
    hi) / 2`` (rounded down for integer images, as Fiji does):

    * where ``hi − lo ≥ contrast_threshold``: foreground where ``p ≥ mid``;
    * elsewhere the window is taken as one class: all foreground when
      ``mid ≥ uniform_level``, all background otherwise.

    Parameters
    ----------
    radius : int
        Window radius in pixels (Fiji's default 15).
    contrast_threshold : float
        Fiji's "parameter 1", default 15 (Bernsen's value).
    uniform_level : float
        Grey level that decides low-contrast windows; Fiji fixes it at 128,
        the middle of the 8-bit range.
    window : {"disk", "square"}
        ImageJ's circular kernel (Fiji) or the ``2·radius + 1`` square.

    References
    ----------
    Bernsen, J. (1986), "Dynamic thresholding of grey-level images", Proc. 8th
    International Conference on Pattern Recognition, pp. 1251–1255.
    Sezgin, M. and Sankur, B. (2004), "Survey over image thresholding
    techniques and quantitative performance evaluation", Journal of
    Electronic Imaging 13(1):146–165. :doi:`10.1117/1.1631315`
    """

    def __init__(
        self,
        radius: int = 15,
        contrast_threshold: float = 15.0,
        uniform_level: float = 128.0,
        window: str = "disk",
    ) -> None:
        self.radius = radius
        self.contrast_threshold = contrast_threshold
        self.uniform_level = uniform_level
        self.window = window

    def _mask(self, image: np.ndarray) -> np.ndarray:
        radius, window = self._window()
        contrast_threshold = check_finite(self.contrast_threshold, name="contrast_threshold")
        uniform_level = check_finite(self.uniform_level, name="uniform_level")
        integer = np.issubdtype(image.dtype, np.integer)

        def rule(pixel: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
            low, high = _wide(low), _wide(high)
            mid = (low + high) // 2 if integer else (low + high) / 2
            return np.where(high - low >= contrast_threshold, pixel >= mid, mid >= uniform_level)

        return _blockwise(
            image, rule, window_min(image, radius, window), window_max(image, radius, window)
        )


@register("contrast")
class Contrast(WindowThreshold):
    """Fiji's "Contrast": foreground where the pixel is nearer its window's maximum.

    Foreground where ``hi − p ≤ p − lo`` (ties count as foreground) and
    ``p ≠ 0``: as in Fiji, black pixels are never foreground, so a flat black
    region is background while a flat non-black one is foreground.

    Parameters
    ----------
    radius : int
        Window radius in pixels (Fiji's default 15).
    window : {"disk", "square"}
        ImageJ's circular kernel (Fiji) or the ``2·radius + 1`` square.

    Notes
    -----
    Some releases of the Fiji plugin write the distances as
    ``max[i]&0xff - pixels[i]&0xff``, which Java evaluates as bitwise ANDs
    around a subtraction; this class follows the documented intent
    (the nearest of the two extremes), not that slip.

    References
    ----------
    Landini, G. (2013), Auto Local Threshold, Fiji, "Contrast" method, after
    the toggle contrast operator of Soille, P. (2004), Morphological Image
    Analysis, 2nd ed., Springer, p. 259. :doi:`10.1007/978-3-662-05088-0`
    """

    def __init__(self, radius: int = 15, window: str = "disk") -> None:
        self.radius = radius
        self.window = window

    def _mask(self, image: np.ndarray) -> np.ndarray:
        radius, window = self._window()

        def rule(pixel: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
            wide = _wide(pixel)
            return (_wide(high) - wide <= wide - _wide(low)) & (pixel != 0)

        return _blockwise(
            image, rule, window_min(image, radius, window), window_max(image, radius, window)
        )


@register("local_median")
class LocalMedian(WindowThreshold):
    """Fiji's local "Median": foreground where ``p > median − c``.

    Parameters
    ----------
    radius : int
        Window radius in pixels (Fiji's default 15).
    c : float
        Offset subtracted from the median (Fiji's "parameter 1", default 0).
    window : {"disk", "square"}
        ImageJ's circular kernel (Fiji) or the ``2·radius + 1`` square.

    References
    ----------
    Fisher, R., Perkins, S., Walker, A. and Wolfart, E. (2003), "Adaptive
    thresholding", Hypermedia Image Processing Reference (HIPR2),
    https://homepages.inf.ed.ac.uk/rbf/HIPR2/adpthrsh.htm
    """

    def __init__(self, radius: int = 15, c: float = 0.0, window: str = "disk") -> None:
        self.radius = radius
        self.c = c
        self.window = window

    def _mask(self, image: np.ndarray) -> np.ndarray:
        radius, window = self._window()
        c = check_finite(self.c, name="c")

        def rule(pixel: np.ndarray, median: np.ndarray) -> np.ndarray:
            return pixel > median.astype(np.float64) - c

        return _blockwise(image, rule, window_median(image, radius, window))


@register("midgrey")
class MidGrey(WindowThreshold):
    """Fiji's "MidGrey": foreground where ``p > (lo + hi)/2 − c``.

    Parameters
    ----------
    radius : int
        Window radius in pixels (Fiji's default 15).
    c : float
        Offset subtracted from the mid-grey (Fiji's "parameter 1", default 0).
    window : {"disk", "square"}
        ImageJ's circular kernel (Fiji) or the ``2·radius + 1`` square.

    Notes
    -----
    Fiji rounds the mid-grey down before subtracting its integer ``c``; for
    integer images and whole-number ``c`` that gives the same mask.

    References
    ----------
    Fisher, R., Perkins, S., Walker, A. and Wolfart, E. (2003), "Adaptive
    thresholding", Hypermedia Image Processing Reference (HIPR2),
    https://homepages.inf.ed.ac.uk/rbf/HIPR2/adpthrsh.htm
    """

    def __init__(self, radius: int = 15, c: float = 0.0, window: str = "disk") -> None:
        self.radius = radius
        self.c = c
        self.window = window

    def _mask(self, image: np.ndarray) -> np.ndarray:
        radius, window = self._window()
        c = check_finite(self.c, name="c")

        def rule(pixel: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
            middle = np.add(low, high, dtype=np.float64)
            middle /= 2
            middle -= c
            return pixel > middle

        return _blockwise(
            image, rule, window_min(image, radius, window), window_max(image, radius, window)
        )


@register("local_otsu")
class LocalOtsu(WindowThreshold):
    """Otsu's method on the histogram of every pixel's window: foreground where ``p > t``.

    ``t`` maximises the between-class variance of the window's histogram
    split into ``≤ t`` and ``> t`` (the first maximum); a window holding a
    single grey level has no split and gets ``t = 0``, as in Fiji. For 8-bit
    images (one bin per grey level, as Fiji); other dtypes are refused with a
    clear message. Slow by nature: every pixel scans a histogram (about 15 s
    for a 4096×4096 8-bit image at radius 15).

    Parameters
    ----------
    radius : int
        Window radius in pixels (Fiji's default 15).
    window : {"disk", "square"}
        ImageJ's circular kernel or the ``2·radius + 1`` square.

    Notes
    -----
    Fiji's local Otsu takes its histogram from an ``OvalRoi`` of width
    ``2·radius`` (an even-sized oval, half a pixel off-centre, clipped at the
    image border) rather than the ``RankFilters`` disk its other methods
    use; this class uses the same disk and border rule as every other local
    method, so its masks can differ from Fiji's near edges and contours.

    References
    ----------
    Otsu, N. (1979), "A threshold selection method from gray-level
    histograms", IEEE Transactions on Systems, Man, and Cybernetics
    9(1):62–66. :doi:`10.1109/TSMC.1979.4310076`
    """

    def __init__(self, radius: int = 15, window: str = "disk") -> None:
        self.radius = radius
        self.window = window

    def _mask(self, image: np.ndarray) -> np.ndarray:
        radius, window = self._window()
        return image > window_otsu(image, radius, window)
