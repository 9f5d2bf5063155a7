"""Local thresholds from the mean and standard deviation of each pixel's window.

Every method here compares each pixel ``p`` with a threshold surface ``t``
computed from the window mean ``m`` and population standard deviation ``s``
(divisor ``n``, as ImageJ's ``RankFilters``, scikit-image and OpenCV):
**foreground is** ``p > t``.

The window sums are exact integers for integer images (integral images for
squares, see :mod:`algorithms.windows` for disks), so ``m`` and ``s`` are
correctly rounded float64 values and a tile cropped with ``radius`` pixels of
context reproduces the whole-image mask. The per-pixel formula is then
evaluated block by block to stay in cache. Niblack, Sauvola, NICK and
Wolf–Jolion on 8-bit images take a one-pass kernel instead
(:mod:`algorithms._fused`, numba), with bit-identical masks.

Fiji parity (Auto Local Threshold v1.17, 8-bit images, ``window="disk"``,
same radius): Fiji compares ``p > (int) t``, which equals ``p > t`` for
``t ≥ 0`` and integer ``p``, and it stores ``m`` and ``s²`` in float32; masks
can therefore differ only where ``t`` is negative (``-1 < t < 0`` and
``p = 0``) or within float32 rounding of an integer. Phansalkar differs as
documented in its class.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ._registry import register
from ._validation import check_finite
from .local import WindowThreshold, map_row_blocks
from .windows import Moments, window_moments

__all__ = ["BradleyRoth", "LocalMean", "Niblack", "Nick", "Phansalkar", "Sauvola", "WolfJolion"]


def _positive(value: object, *, name: str) -> float:
    number = check_finite(value, name=name)
    if number <= 0:
        msg = f"{name} must be positive; got {value!r}."
        raise ValueError(msg)
    return number


class _MomentThreshold(WindowThreshold):
    """Shared loop: ``p > threshold(m, s)`` block by block."""

    def _threshold(self, moments: Moments, rows: slice) -> np.ndarray:
        raise NotImplementedError

    def _check(self) -> None:
        """Check the method's own parameters (called before any work)."""

    needs_std: ClassVar[bool] = True

    def _mask(self, image: np.ndarray) -> np.ndarray:
        radius, window = self._window()
        self._check()
        fused = self._fused(image, radius, window)
        if fused is not None:
            return fused
        moments = window_moments(image, radius, window, squares=self.needs_std)
        return self._compare(image, moments)

    def _fused(self, image: np.ndarray, radius: int, window: str) -> np.ndarray | None:
        """The one-pass mask (8-bit images) where a method has one."""
        return None

    def _compare(self, image: np.ndarray, moments: Moments) -> np.ndarray:
        mask = np.empty(image.shape, dtype=bool)

        def block(rows: slice) -> None:
            np.greater(image[rows], self._threshold(moments, rows), out=mask[rows])

        map_row_blocks(block, *image.shape)
        return mask


@register("local_mean")
class LocalMean(_MomentThreshold):
    """Fiji's local "Mean": foreground where ``p > m − c``.

    Parameters
    ----------
    radius : int
        Window radius in pixels (Fiji's default 15).
    c : float
        Offset subtracted from the mean (Fiji's "parameter 1", default 0);
        positive values admit more foreground.
    window : {"disk", "square"}
        ImageJ's circular kernel (Fiji) or the ``2·radius + 1`` square.

    References
    ----------
    Fisher, R., Perkins, S., Walker, A. and Wolfart, E. (2003), "Adaptive
    thresholding", Hypermedia Image Processing Reference (HIPR2),
    https://homepages.inf.ed.ac.uk/rbf/HIPR2/adpthrsh.htm — the source Fiji
    cites.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[10, 10, 10], [10, 50, 10], [10, 10, 10]], dtype=np.uint8)
    >>> LocalMean(radius=1)(image).astype(int)
    array([[0, 0, 0],
           [0, 1, 0],
           [0, 0, 0]])
    """

    needs_std: ClassVar[bool] = False

    def __init__(self, radius: int = 15, c: float = 0.0, window: str = "disk") -> None:
        self.radius = radius
        self.c = c
        self.window = window

    def _check(self) -> None:
        check_finite(self.c, name="c")

    def _threshold(self, moments: Moments, rows: slice) -> np.ndarray:
        threshold = moments.mean(rows)
        threshold -= float(self.c)
        return threshold


@register("niblack")
class Niblack(_MomentThreshold):
    """Niblack's threshold ``t = m + k·s − c`` (Fiji's form).

    Parameters
    ----------
    radius : int
        Window radius in pixels (Fiji's default 15).
    k : float
        Weight of the standard deviation (Fiji's "parameter 1", default 0.2
        for bright objects; Niblack used −0.2 for dark text on paper).
    c : float
        Offset subtracted from the threshold (Fiji's "parameter 2", default 0).
    window : {"disk", "square"}
        ImageJ's circular kernel (Fiji) or the ``2·radius + 1`` square.

    Notes
    -----
    scikit-image's ``threshold_niblack(image, window_size=w, k=k)`` returns
    ``m − k·s`` over a ``w × w`` square: ``Niblack(radius=(w - 1) // 2,
    k=-k, window="square")`` gives the same mask.

    References
    ----------
    Niblack, W. (1986), An Introduction to Digital Image Processing,
    Prentice-Hall, pp. 115–116.
    """

    def __init__(
        self, radius: int = 15, k: float = 0.2, c: float = 0.0, window: str = "disk"
    ) -> None:
        self.radius = radius
        self.k = k
        self.c = c
        self.window = window

    def _check(self) -> None:
        check_finite(self.k, name="k")
        check_finite(self.c, name="c")

    def _fused(self, image: np.ndarray, radius: int, window: str) -> np.ndarray | None:
        from . import _fused

        if not _fused.fits(image, radius, window):
            return None
        nc = _fused.window_count(radius, window) * float(self.c)
        return _fused.niblack(image, radius, window, float(self.k), nc)

    def _compare(self, image: np.ndarray, moments: Moments) -> np.ndarray:
        # p > S/n + k·√V/n − c  ⇔  L > k·√V  with  L = n·(p + c) − S  and
        # V = n·ΣX² − S². Comparing squares instead of taking the root saves
        # the costliest operation, and for integer images L² and V are exact:
        #   k > 0:  L > 0 and L² > k²V;   k < 0:  L > 0 or L² < k²V;   k = 0:  L > 0.
        n, k, c = moments.count, float(self.k), float(self.c)
        mask = np.empty(image.shape, dtype=bool)

        def block(rows: slice) -> None:
            left = np.multiply(image[rows], n, dtype=np.float64)
            left -= moments.total[rows]
            left += n * c  # exactly as the one-pass kernel does, even when c = 0
            positive = left > 0
            if k == 0:
                mask[rows] = positive
                return
            right = moments.variance_numerator(rows)
            right *= k * k
            np.square(left, out=left)
            if k > 0:
                np.logical_and(positive, left > right, out=mask[rows])
            else:
                np.logical_or(positive, left < right, out=mask[rows])

        map_row_blocks(block, *image.shape)
        return mask


@register("sauvola")
class Sauvola(_MomentThreshold):
    """Sauvola's threshold ``t = m·(1 + k·(s / r − 1))``.

    Parameters
    ----------
    radius : int
        Window radius in pixels (Fiji's default 15).
    k : float
        Sensitivity to the local contrast (Fiji's "parameter 1", default 0.5).
    r : float
        Dynamic range of the standard deviation (Fiji's "parameter 2",
        default 128, for 8-bit images).
    window : {"disk", "square"}
        ImageJ's circular kernel (Fiji) or the ``2·radius + 1`` square.

    Notes
    -----
    scikit-image's ``threshold_sauvola(image, window_size=w, k=k, r=r)`` is the
    same formula over a ``w × w`` square (its default ``r`` is half the dtype
    range, 127.5 for 8-bit): ``Sauvola(radius=(w - 1) // 2, k=k, r=r,
    window="square")`` gives its mask ``image > t``.

    References
    ----------
    Sauvola, J. and Pietikäinen, M. (2000), "Adaptive document image
    binarization", Pattern Recognition 33(2):225–236.
    :doi:`10.1016/S0031-3203(99)00055-2`
    """

    def __init__(
        self, radius: int = 15, k: float = 0.5, r: float = 128.0, window: str = "disk"
    ) -> None:
        self.radius = radius
        self.k = k
        self.r = r
        self.window = window

    def _check(self) -> None:
        check_finite(self.k, name="k")
        _positive(self.r, name="r")

    def _fused(self, image: np.ndarray, radius: int, window: str) -> np.ndarray | None:
        from . import _fused

        k, r = float(self.k), float(self.r)
        if k < 0 or not _fused.fits(image, radius, window):
            return None
        count = _fused.window_count(radius, window)
        return _fused.sauvola(image, radius, window, k / (r * count), 1.0 - k)

    def _compare(self, image: np.ndarray, moments: Moments) -> np.ndarray:
        # p > m·(1 − k + k·s/r)  ⇔  L > a·S·√V  with  L = n·p − (1 − k)·S,
        # a = k/(r·n), V = n·ΣX² − S². When a·S ≥ 0 (k ≥ 0, no negative
        # pixels) that is  L > 0 and L² > a²·S²·V: no square root.
        n, k, r = moments.count, float(self.k), float(self.r)
        a, b = k / (r * n), 1.0 - k
        no_root = k >= 0 and (
            np.issubdtype(image.dtype, np.unsignedinteger) or float(np.min(image)) >= 0
        )
        mask = np.empty(image.shape, dtype=bool)

        def block(rows: slice) -> None:
            total = moments.total[rows]
            left = np.multiply(image[rows], n, dtype=np.float64)
            if no_root:
                left -= b * total
                right = moments.variance_numerator(rows)
                right *= np.square(total, dtype=np.float64)
                right *= a * a
                positive = left > 0
                np.square(left, out=left)
                np.logical_and(positive, left > right, out=mask[rows])
                return
            right = np.sqrt(moments.variance_numerator(rows))
            right *= a
            right += b
            right *= total
            np.greater(left, right, out=mask[rows])

        map_row_blocks(block, *image.shape)
        return mask


@register("phansalkar")
class Phansalkar(_MomentThreshold):
    """Phansalkar's threshold for low-contrast images, on normalised intensities.

    With intensities ``x`` scaled to ``[0, 1]``, window mean ``m`` and
    standard deviation ``s`` of ``x``::

        t = m · (1 + p·exp(−q·m) + k·(s / r − 1)),   foreground: x > t.

    Parameters
    ----------
    radius : int
        Window radius in pixels (Fiji's default 15).
    k : float
        Fiji's "parameter 1", default 0.25.
    r : float
        Fiji's "parameter 2", default 0.5.
    p, q : float
        Fixed in Fiji at 2 and 10, the paper's values.
    window : {"disk", "square"}
        ImageJ's circular kernel (Fiji) or the ``2·radius + 1`` square.

    Notes
    -----
    Normalisation: integer images are divided by their dtype's maximum (255
    for 8-bit); float images must already lie in ``[0, 1]``. Fiji first
    stretches each image's histogram to the full 0–255 range, an image-wide
    step that a tile cannot reproduce; on images that already span 0–255
    the two agree.

    References
    ----------
    Phansalkar, N., More, S., Sabale, A. and Joshi, M. (2011), "Adaptive local
    thresholding for detection of nuclei in diversity stained cytology
    images", International Conference on Communications and Signal
    Processing (ICCSP), pp. 218–220. :doi:`10.1109/ICCSP.2011.5739305`
    """

    def __init__(
        self,
        radius: int = 15,
        k: float = 0.25,
        r: float = 0.5,
        p: float = 2.0,
        q: float = 10.0,
        window: str = "disk",
    ) -> None:
        self.radius = radius
        self.k = k
        self.r = r
        self.p = p
        self.q = q
        self.window = window

    def _check(self) -> None:
        check_finite(self.k, name="k")
        _positive(self.r, name="r")
        check_finite(self.p, name="p")
        check_finite(self.q, name="q")

    @staticmethod
    def _scale(image: np.ndarray) -> float:
        if np.issubdtype(image.dtype, np.integer):
            return float(np.iinfo(image.dtype).max)
        low, high = float(image.min()), float(image.max())
        if low < 0 or high > 1:
            msg = (
                f"Phansalkar works on intensities in [0, 1]; this float image spans "
                f"[{low:g}, {high:g}]. Divide it by its maximum possible value first "
                "(or pass an integer image, which is divided by its dtype's maximum)."
            )
            raise ValueError(msg)
        return 1.0

    def _mask(self, image: np.ndarray) -> np.ndarray:
        radius, window = self._window()
        self._check()
        scale = self._scale(image)
        moments = window_moments(image, radius, window)
        k, r, p, q = float(self.k), float(self.r), float(self.p), float(self.q)
        mask = np.empty(image.shape, dtype=bool)

        def block(rows: slice) -> None:
            mean = moments.mean(rows) / scale
            std = moments.std(rows) / scale
            threshold = mean * (1.0 + p * np.exp(-q * mean) + k * (std / r - 1.0))
            np.greater(image[rows] / scale, threshold, out=mask[rows])

        map_row_blocks(block, *image.shape)
        return mask


@register("wolf_jolion")
class WolfJolion(_MomentThreshold):
    """Wolf and Jolion's threshold ``t = m − k·(1 − s/R)·(m − M)``.

    ``M`` is the image's minimum grey level and ``R`` the largest window
    standard deviation over the image. Both are image-wide: by default they
    are taken from the image being segmented (the published method); give
    ``min_value`` and ``max_std`` (see :meth:`image_statistics`) to fix them,
    which tiled execution needs for exact results.

    Parameters
    ----------
    radius : int
        Window radius in pixels.
    k : float
        Weight of the correction, default 0.5 (the paper's value).
    window : {"square", "disk"}
        The ``2·radius + 1`` square (as published) or ImageJ's disk.
    min_value : float, optional
        ``M``; None: the image minimum.
    max_std : float, optional
        ``R`` (> 0); None: the image's largest window standard deviation
        (an image with no contrast at all, ``R = 0``, gets ``s/R = 0``).

    References
    ----------
    Wolf, C. and Jolion, J.-M. (2004), "Extraction and recognition of
    artificial text in multimedia documents", Pattern Analysis and
    Applications 6(4):309–326. :doi:`10.1007/s10044-003-0197-7`
    """

    def __init__(
        self,
        radius: int = 15,
        k: float = 0.5,
        window: str = "square",
        min_value: float | None = None,
        max_std: float | None = None,
    ) -> None:
        self.radius = radius
        self.k = k
        self.window = window
        self.min_value = min_value
        self.max_std = max_std

    def _check(self) -> None:
        check_finite(self.k, name="k")
        if self.min_value is not None:
            check_finite(self.min_value, name="min_value")
        if self.max_std is not None:
            _positive(self.max_std, name="max_std")

    @staticmethod
    def _largest_std(moments: Moments) -> float:
        def block(rows: slice) -> float:
            return float(np.max(moments.variance_numerator(rows)))

        largest = max(map_row_blocks(block, *moments.total.shape))
        return float(np.sqrt(largest)) / moments.count

    def image_statistics(self, image: np.ndarray) -> dict[str, float]:
        """``{"min_value": M, "max_std": R}`` of ``image`` for this window."""
        radius, window = self._window()
        from . import _fused

        if _fused.fits(image, radius, window):
            largest = _fused.largest_variance(image, radius, window)
            spread = float(np.sqrt(largest)) / _fused.window_count(radius, window)
        else:
            spread = self._largest_std(window_moments(image, radius, window))
        return {"min_value": float(np.min(image)), "max_std": spread}

    def _mask(self, image: np.ndarray) -> np.ndarray:
        radius, window = self._window()
        self._check()
        from . import _fused

        if _fused.fits(image, radius, window):  # one-pass kernels, the same mask
            low = float(np.min(image)) if self.min_value is None else float(self.min_value)
            if self.max_std is None:
                spread = self.image_statistics(image)["max_std"]
            else:
                spread = float(self.max_std)
            return _fused.wolf(image, radius, window, float(self.k), spread, low)
        moments = window_moments(image, radius, window)
        low = float(np.min(image)) if self.min_value is None else float(self.min_value)
        spread = self._largest_std(moments) if self.max_std is None else float(self.max_std)
        k = float(self.k)
        mask = np.empty(image.shape, dtype=bool)

        def block(rows: slice) -> None:
            mean = moments.mean(rows)
            ratio = moments.std(rows) / spread if spread > 0 else 0.0
            threshold = mean - k * (1.0 - ratio) * (mean - low)
            np.greater(image[rows], threshold, out=mask[rows])

        map_row_blocks(block, *image.shape)
        return mask


@register("nick")
class Nick(_MomentThreshold):
    """The NICK threshold ``t = m + k·√((Σp² − m²) / n)`` over the ``n`` window pixels.

    A Niblack variant for pale documents: with ``k`` between −0.2 and −0.1
    the threshold sits below the mean by a fraction of the window's root mean
    square, which keeps light, uniform background out of the noise.

    Parameters
    ----------
    radius : int
        Window radius in pixels.
    k : float
        Default −0.1 (the paper recommends −0.1 to −0.2).
    window : {"square", "disk"}
        The ``2·radius + 1`` square (as published) or ImageJ's disk.

    Notes
    -----
    The formula is the paper's as printed, ``(Σp² − m²)/n``; some
    implementations use ``Σp²/n`` (i.e. ``s² + m²``), which differs by ``m²/n``.

    References
    ----------
    Khurshid, K., Siddiqi, I., Faure, C. and Vincent, N. (2009), "Comparison of
    Niblack inspired binarization methods for ancient documents", Document
    Recognition and Retrieval XVI, Proc. SPIE 7247, 72470U.
    :doi:`10.1117/12.805827`
    """

    def __init__(self, radius: int = 15, k: float = -0.1, window: str = "square") -> None:
        self.radius = radius
        self.k = k
        self.window = window

    def _check(self) -> None:
        check_finite(self.k, name="k")

    def _fused(self, image: np.ndarray, radius: int, window: str) -> np.ndarray | None:
        from . import _fused

        if not _fused.fits(image, radius, window):
            return None
        return _fused.nick(image, radius, window, float(self.k))

    def _threshold(self, moments: Moments, rows: slice) -> np.ndarray:
        mean = moments.mean(rows)
        # Σp² ≥ (Σp)²/n ≥ m², so the root's argument is never negative.
        spread = (moments.total_sq[rows] - mean * mean) / moments.count
        return mean + float(self.k) * np.sqrt(np.maximum(spread, 0.0))


@register("bradley_roth")
class BradleyRoth(_MomentThreshold):
    """Bradley and Roth's threshold: foreground where ``p > m·(1 − t/100)``.

    A pixel is background when it is at least ``t`` percent darker than the
    mean of its window. Compared as ``100·n·p > (100 − t)·Σ`` so integer
    images and whole-number ``t`` give exact results.

    Parameters
    ----------
    radius : int
        Window radius in pixels (the paper uses a window one eighth of the
        image width; choose ``radius`` accordingly).
    t : float
        Percentage in ``[0, 100)``, default 15 (the paper's value).
    window : {"square", "disk"}
        The ``2·radius + 1`` square (as published) or ImageJ's disk.

    References
    ----------
    Bradley, D. and Roth, G. (2007), "Adaptive thresholding using the
    integral image", Journal of Graphics Tools 12(2):13–21.
    :doi:`10.1080/2151237X.2007.10129236`
    """

    needs_std: ClassVar[bool] = False

    def __init__(self, radius: int = 15, t: float = 15.0, window: str = "square") -> None:
        self.radius = radius
        self.t = t
        self.window = window

    def _check(self) -> None:
        t = check_finite(self.t, name="t")
        if not 0 <= t < 100:
            msg = f"t is a percentage in [0, 100); got {self.t!r}."
            raise ValueError(msg)

    def _compare(self, image: np.ndarray, moments: Moments) -> np.ndarray:
        scale = 100.0 * moments.count
        keep = 100.0 - float(self.t)
        mask = np.empty(image.shape, dtype=bool)

        def block(rows: slice) -> None:
            left = np.multiply(image[rows], scale, dtype=np.float64)
            np.greater(left, np.multiply(moments.total[rows], keep), out=mask[rows])

        map_row_blocks(block, *image.shape)
        return mask
