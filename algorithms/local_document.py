"""Document-binarisation methods: published for dark ink on brighter paper.

Each method here is defined by its paper for **dark objects** (ink): with
``objects="dark"`` the mask is the paper's ink, computed on the original
intensities; ``objects="bright"`` gives its exact complement, like every
other local method (see :data:`algorithms.OBJECTS`). Windows are
``2·radius + 1`` squares with the package's border rule (edge pixels
replicated, :mod:`algorithms.windows`); ``tests/algorithms/test_doxapy_oracle.py``
checks each method against doxapy (C++ Doxa), an independent
implementation.

=============  =============================================================
``wan``        Sauvola's formula around the mean of the window's maximum and
               mean (Mustafa & Abdul Kader 2018)
``su``         high-contrast pixels (local max/min contrast, Otsu) give each
               window's ink statistics (Su, Lu & Tan 2010)
``isauvola``   Sauvola's ink, kept where a connected component touches a
               high-contrast pixel (Hadjadj et al. 2016)
``gatos``      Wiener filter, Sauvola's rough ink, a background surface and a
               threshold on the distance to it (Gatos et al. 2006)
=============  =============================================================

Image-wide values (Otsu's contrast threshold, the Wiener noise variance,
Gatos's average distances) are parameters left ``None`` to mean "from the
image being segmented", returned by :meth:`image_statistics` so that tiles
can reproduce the whole-image mask (as Wolf–Jolion's). ISauvola keeps whole
connected components, which no finite halo bounds: it declares
``tileable = False``.

Bataineh et al.'s method (2011) is not included: its published window
threshold divides by ``σ_max − σ_max`` (zero) and its corrected form is known
only from the authors' correspondence (Doxa's notes call it unreproducible);
its windows are fixed blocks whose sizes depend on image-wide counts, which
no halo can tile. Howe's method (2013) needs a graph-cut solver and a
parameter search, and doxapy 0.9.2 has no oracle for it.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from scipy import ndimage

from ._base import LocalThreshold
from ._registry import register
from ._validation import check_choice, check_finite, check_int
from .global_thresholds import Otsu
from .windows import check_radius, square_sum, window_max, window_min, window_moments

__all__ = ["Gatos", "ISauvola", "Su", "Wan", "contrast_levels"]

CONTRAST_EPSILON = 1e-4
"""Su et al.'s ε in ``(max − min) / (max + min + ε)``: "a positive but
infinitely small number"; 1e-4 (Doxa's value) keeps black windows at 0."""


def _positive(value: object, *, name: str) -> float:
    number = check_finite(value, name=name)
    if number <= 0:
        msg = f"{name} must be positive; got {value!r}."
        raise ValueError(msg)
    return number


def _check_uint8(image: np.ndarray, method: str) -> None:
    if image.dtype != np.uint8:
        msg = (
            f"{method} works on 8-bit images (its contrast image and constants are defined "
            f"for grey levels 0-255); got dtype {image.dtype}. Convert it, e.g. with "
            "skimage.util.img_as_ubyte(image)."
        )
        raise ValueError(msg)


def contrast_levels(image: np.ndarray) -> np.ndarray:
    """Su et al.'s local contrast as grey levels: ``⌊255 · (max − min) / (max + min + ε)⌋``.

    ``max`` and ``min`` are taken over the 3×3 neighbourhood (edge pixels
    replicated). The contrast is normalised by the local brightness, so faint
    strokes on dark paper count as much as dark strokes on white paper; it
    is kept in 256 levels for Otsu's histogram.

    Parameters
    ----------
    image : ndarray of uint8, 2-D

    Returns
    -------
    ndarray of uint8
    """
    low = window_min(image, 1, "square").astype(np.float64)
    high = window_max(image, 1, "square").astype(np.float64)
    contrast = (high - low) / ((CONTRAST_EPSILON + high) + low)
    contrast *= 255.0
    return contrast.astype(np.uint8)  # truncation: the fraction of a level is dropped


def _otsu_level(levels: np.ndarray) -> float:
    """Otsu's threshold of a uint8 image (high contrast: ``level > threshold``)."""
    counts = np.bincount(levels.ravel(), minlength=256)
    return float(Otsu().find_threshold(counts).bin)


class _DocumentThreshold(LocalThreshold):
    """Shared shape: subclasses implement ``_ink`` (the paper's dark-object rule)."""

    def _ink(self, image: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _mask(self, image: np.ndarray) -> np.ndarray:
        ink = self._ink(image)
        np.logical_not(ink, out=ink)  # bright objects: the complement of the ink
        return ink


@register("wan")
class Wan(_DocumentThreshold):
    """WAN: Sauvola's threshold around the mean of the window's maximum and mean.

    Ink where ``p <= t`` with ``t = (max + m)/2 · (1 + k·(s/r − 1))``, ``max``,
    ``m`` and ``s`` the maximum, mean and population standard deviation of the
    window. Moving the base level from ``m`` towards the paper colour keeps
    faint strokes that Sauvola's threshold loses.

    Parameters
    ----------
    radius : int
        Window radius; the square window has side ``2·radius + 1``.
    k : float
        Sensitivity to the local contrast, default 0.2 (the paper's value).
    r : float
        Dynamic range of the standard deviation, default 128 (8-bit images).
    window : {"square", "disk"}
        The published square window, or ImageJ's disk.

    References
    ----------
    Mustafa, W.A. and Abdul Kader, M.M.M. (2018), "Binarization of document
    image using optimum threshold modification", Journal of Physics:
    Conference Series 1019, 012022. :doi:`10.1088/1742-6596/1019/1/012022`

    Examples
    --------
    >>> import numpy as np
    >>> page = np.full((9, 9), 200, np.uint8)
    >>> page[4, 2:7] = 40
    >>> int(Wan(radius=2)(page, objects="dark").sum())
    5
    """

    def __init__(self, radius: int = 37, k: float = 0.2, r: float = 128.0, window: str = "square"):
        self.radius = radius
        self.k = k
        self.r = r
        self.window = window

    def halo(self) -> int:
        return check_radius(self.radius)

    def _ink(self, image: np.ndarray) -> np.ndarray:
        radius = check_radius(self.radius)
        window = check_choice(self.window, ("square", "disk"), name="window")
        k, r = check_finite(self.k, name="k"), _positive(self.r, name="r")
        moments = window_moments(image, radius, window)
        mean, std = moments.mean(), moments.std()
        base = window_max(image, radius, window).astype(np.float64)
        base += mean
        base /= 2.0
        return image <= base * (1.0 + k * (std / r - 1.0))


class _ContrastMixin:
    """The high-contrast pixels shared by Su and ISauvola (Otsu on the contrast levels)."""

    contrast_threshold: float | None

    def _high_contrast(self, image: np.ndarray) -> np.ndarray:
        levels = contrast_levels(image)
        if self.contrast_threshold is None:
            threshold = _otsu_level(levels)
        else:
            threshold = check_finite(self.contrast_threshold, name="contrast_threshold")
        return levels > threshold

    def image_statistics(self, image: np.ndarray) -> dict[str, float]:
        """``{"contrast_threshold": t}``: Otsu's level of ``image``'s contrast levels."""
        _check_uint8(image, type(self).__name__)
        return {"contrast_threshold": _otsu_level(contrast_levels(image))}


@register("su")
class Su(_ContrastMixin, _DocumentThreshold):
    """Su, Lu and Tan's binarisation from the local maximum and minimum.

    1. Contrast image ``C = (max − min) / (max + min + ε)`` over each 3×3
       neighbourhood (:func:`contrast_levels`, in 256 levels);
    2. high-contrast pixels: ``C`` above Otsu's threshold of ``C`` (they sit
       on the stroke edges);
    3. ink where the window holds ``Ne >= n_min`` high-contrast pixels and
       ``p <= E_mean + E_std / 2``, ``E_mean`` and ``E_std`` the mean and
       population standard deviation of the intensities of those ``Ne``
       pixels.

    Parameters
    ----------
    radius : int
        Window radius; the window (``2·radius + 1``) must be larger than the
        stroke width (the paper estimates it per image; here it is given).
    n_min : int
        Fewest high-contrast pixels a window needs to hold ink; the paper
        sets it to about the window size.
    contrast_threshold : float, optional
        The high-contrast cut on the 0-255 contrast levels; None: Otsu's
        threshold of the image (see :meth:`image_statistics`).

    Notes
    -----
    ``E_std`` is the population standard deviation (divisor ``Ne``) of the
    high-contrast intensities, the statistic the paper names; its printed
    normalisation was not available to check. doxapy 0.9.2 computes
    ``√((ΣI − Ne·E_mean)² / 2)``, which is zero up to rounding, so its ink is
    ``p <= E_mean``; the difference is tested in
    ``tests/algorithms/test_doxapy_oracle.py``.

    References
    ----------
    Su, B., Lu, S. and Tan, C.L. (2010), "Binarization of historical
    document images using the local maximum and minimum", Proc. 9th IAPR
    International Workshop on Document Analysis Systems (DAS), pp. 159-166.
    :doi:`10.1145/1815330.1815351`
    """

    def __init__(
        self, radius: int = 5, n_min: int = 11, contrast_threshold: float | None = None
    ) -> None:
        self.radius = radius
        self.n_min = n_min
        self.contrast_threshold = contrast_threshold

    def halo(self) -> int:
        return check_radius(self.radius) + 1  # the window, plus the 3x3 contrast

    def _ink(self, image: np.ndarray) -> np.ndarray:
        _check_uint8(image, "Su")
        radius = check_radius(self.radius)
        n_min = check_int(self.n_min, name="n_min", minimum=1)
        high = self._high_contrast(image)
        values = np.where(high, image, 0).astype(np.int64)
        count = square_sum(high.astype(np.int64), radius)
        total = square_sum(values, radius).astype(np.float64)
        total_sq = square_sum(values * values, radius).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total / count
            variance = total_sq / count - mean * mean
        std = np.sqrt(np.maximum(variance, 0.0))
        return (count >= n_min) & (image <= mean + std / 2)


@register("isauvola")
class ISauvola(_ContrastMixin, _DocumentThreshold):
    """ISauvola: Sauvola's ink, kept where it touches high-contrast pixels.

    1. High-contrast pixels as in :class:`Su` (3×3 contrast, Otsu);
    2. Sauvola's ink ``p <= m·(1 + k·(s/r − 1))`` over the square window;
    3. the result is every 8-connected component of Sauvola's ink that
       contains at least one high-contrast pixel: noise that Sauvola keeps
       in flat paper has no contrast edge and goes.

    Parameters
    ----------
    radius : int
        Sauvola's window radius (side ``2·radius + 1``).
    k, r : float
        Sauvola's parameters (0.2 and 128 for 8-bit documents).
    contrast_threshold : float, optional
        As in :class:`Su`.

    Notes
    -----
    The paper also removes small high-contrast components (MATLAB's
    ``bwareaopen``) before the combination; the area is not part of the
    method's parameters here (none are removed), as in Doxa. Whole connected
    components are kept, however large: no finite halo lets a tile reproduce
    them, so the method is not ``tileable``.

    References
    ----------
    Hadjadj, Z., Meziane, A., Cherfa, Y., Cheriet, M. and Setitra, I. (2016),
    "ISauvola: Improved Sauvola's algorithm for document image
    binarization", Image Analysis and Recognition (ICIAR 2016), LNCS 9730,
    pp. 737-745. :doi:`10.1007/978-3-319-41501-7_82`
    """

    tileable: ClassVar[bool] = False

    def __init__(
        self,
        radius: int = 37,
        k: float = 0.2,
        r: float = 128.0,
        contrast_threshold: float | None = None,
    ) -> None:
        self.radius = radius
        self.k = k
        self.r = r
        self.contrast_threshold = contrast_threshold

    def halo(self) -> int:
        return check_radius(self.radius) + 1  # per pixel; components reach further

    def _ink(self, image: np.ndarray) -> np.ndarray:
        _check_uint8(image, "ISauvola")
        from .local_moments import Sauvola

        sauvola = Sauvola(radius=self.radius, k=self.k, r=self.r, window="square")
        ink = sauvola.segment(image, objects="dark").mask
        seeds = ink & self._high_contrast(image)
        labels, _ = ndimage.label(ink, structure=np.ones((3, 3), dtype=bool))
        keep = np.zeros(labels.max() + 1, dtype=bool)
        keep[labels[seeds]] = True
        keep[0] = False
        return keep[labels]


@register("gatos")
class Gatos(_DocumentThreshold):
    """Gatos, Pratikakis and Perantonis's adaptive degraded-document binarisation.

    1. Wiener filter over a ``2·wiener_radius + 1`` square: ``I = μ + (σ² −
       ν²)/σ² · (p − μ)`` where ``σ² > ν²``, else ``μ`` (``ν²``, the noise
       variance, is the mean of the local variances ``σ²``); ``I`` is kept in
       whole grey levels (fractions dropped);
    2. rough ink ``S``: Sauvola on ``I`` (``radius``, ``k``, ``r = 128``);
    3. background surface ``B``: ``I`` on ``S``'s background; on ``S``'s ink,
       the mean of ``I`` over the background pixels of the
       ``2·background_radius + 1`` window (whole levels; ``I`` where the
       window has none);
    4. ink where ``B − I > d(B)`` with ``d(B) = q·δ·((1 − p2) / (1 +
       exp(−4B / (b(1 − p1)) + 2(1 + p1)/(1 − p1))) + p2)``, ``δ`` the mean
       of ``B − I`` over ``S``'s ink and ``b`` the mean of ``B`` over its
       background.

    The paper's optional upsampling and its post-processing (shrink and
    swell filters) are not part of this method.

    Parameters
    ----------
    radius : int
        Sauvola's window radius in step 2.
    k : float
        Sauvola's ``k`` in step 2, default 0.2 (the paper's value).
    background_radius : int
        Radius of the background interpolation window; the window must be
        larger than the characters.
    wiener_radius : int
        Radius of the Wiener window (1: the paper's 3×3).
    q, p1, p2 : float
        The paper's constants of ``d(B)``: 0.6, 0.5 and 0.8.
    noise_variance, delta, background_mean : float, optional
        ``ν²``, ``δ`` and ``b``; None: from the image (see
        :meth:`image_statistics`).

    References
    ----------
    Gatos, B., Pratikakis, I. and Perantonis, S.J. (2006), "Adaptive
    degraded document image binarization", Pattern Recognition 39(3):317-327.
    :doi:`10.1016/j.patcog.2005.09.010`
    """

    def __init__(
        self,
        radius: int = 37,
        k: float = 0.2,
        background_radius: int = 60,
        wiener_radius: int = 1,
        q: float = 0.6,
        p1: float = 0.5,
        p2: float = 0.8,
        noise_variance: float | None = None,
        delta: float | None = None,
        background_mean: float | None = None,
    ) -> None:
        self.radius = radius
        self.k = k
        self.background_radius = background_radius
        self.wiener_radius = wiener_radius
        self.q = q
        self.p1 = p1
        self.p2 = p2
        self.noise_variance = noise_variance
        self.delta = delta
        self.background_mean = background_mean

    def halo(self) -> int:
        return (
            check_radius(self.wiener_radius, name="wiener_radius")
            + check_radius(self.radius)
            + check_radius(self.background_radius, name="background_radius")
        )

    def _filtered(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        """Step 1: the Wiener-filtered image in whole grey levels, and ``ν²``."""
        moments = window_moments(image, check_radius(self.wiener_radius, name="wiener_radius"),
                                 "square")  # fmt: skip
        mean = moments.total / moments.count
        variance = moments.total_sq / moments.count - mean * mean
        if self.noise_variance is None:
            noise = math.fsum(variance.ravel()) / variance.size
        else:
            noise = check_finite(self.noise_variance, name="noise_variance")
        with np.errstate(divide="ignore", invalid="ignore"):
            wiener = mean + ((variance - noise) * (image - mean)) / variance
        filtered = np.where(variance <= noise, mean, wiener)
        return np.clip(filtered, 0, 255).astype(np.uint8), noise

    def _surfaces(self, image: np.ndarray):
        """Steps 1-3: ``I``, rough ink ``S``, background ``B``, and ``ν²``."""
        from .local_moments import Sauvola

        _check_uint8(image, "Gatos")
        filtered, noise = self._filtered(image)
        sauvola = Sauvola(radius=self.radius, k=self.k, r=128.0, window="square")
        rough = sauvola.segment(filtered, objects="dark").mask
        radius = check_radius(self.background_radius, name="background_radius")
        paper = ~rough
        count = square_sum(paper.astype(np.int64), radius)
        total = square_sum(np.where(paper, filtered, 0).astype(np.int64), radius)
        background = filtered.astype(np.int64)
        fill = rough & (count > 0)
        background[fill] = total[fill] // count[fill]
        return filtered, rough, background, noise

    def image_statistics(self, image: np.ndarray) -> dict[str, float]:
        """``{"noise_variance": ν², "delta": δ, "background_mean": b}`` of ``image``."""
        filtered, rough, background, noise = self._surfaces(image)
        return {"noise_variance": noise, **self._averages(filtered, rough, background)}

    @staticmethod
    def _averages(filtered, rough, background) -> dict[str, float]:
        ink, paper = int(rough.sum()), int(rough.size - rough.sum())
        distance = int(np.sum(background - filtered))  # zero on the background
        delta = distance / ink if ink else 0.0
        mean = int(np.sum(background[~rough])) / paper if paper else 0.0
        return {"delta": delta, "background_mean": mean}

    def _ink(self, image: np.ndarray) -> np.ndarray:
        q = check_finite(self.q, name="q")
        p1, p2 = check_finite(self.p1, name="p1"), check_finite(self.p2, name="p2")
        if not p1 < 1:
            msg = f"p1 must be below 1 (d(B) divides by 1 - p1); got {self.p1!r}."
            raise ValueError(msg)
        filtered, rough, background, _ = self._surfaces(image)
        averages = self._averages(filtered, rough, background)
        delta = averages["delta"] if self.delta is None else check_finite(self.delta, name="delta")
        b = (
            averages["background_mean"]
            if self.background_mean is None
            else _positive(self.background_mean, name="background_mean")
        )
        level = background.astype(np.float64)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            # On a page whose background mean b is 0 the term -4B/(b(1 - p1)) is the limit
            # b -> 0+: 0 where B = 0 and -inf elsewhere (d(B) = q·δ there), never 0/0 = NaN.
            term = np.where(level == 0, 0.0, -4.0 * level / (b * (1 - p1)))
            exponent = term + 2 * (1 + p1) / (1 - p1)
            threshold = q * delta * ((1 - p2) / (1 + np.exp(exponent)) + p2)
        return (background - filtered) > threshold
