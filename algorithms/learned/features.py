"""Multi-scale filter features of each pixel, as interactive pixel classifiers use.

At every scale ``sigma`` the image is described by seven numbers per pixel:

* the Gaussian-smoothed intensity;
* the Laplacian of Gaussian (``Ixx + Iyy`` of the smoothed image);
* the gradient magnitude of Gaussian;
* the two eigenvalues of the Hessian of Gaussian (largest first);
* the two eigenvalues of the structure tensor (largest first): the outer
  product of the gradient taken at scale ``sigma / 2``, averaged over a
  Gaussian window of scale ``sigma``;

plus the raw intensity once. Eigenvalues come from the closed form for
symmetric 2×2 matrices. Border rule: edge pixels repeated (scipy.ndimage
``mode="nearest"``), as everywhere in the package. Every filter is a
Gaussian truncated at ``truncate`` sigma, which bounds the context a pixel
depends on (:func:`features_halo`).

References
----------
Sommer, C., Straehle, C., Köthe, U. and Hamprecht, F.A. (2011). ilastik:
Interactive learning and segmentation toolkit. IEEE ISBI, 230–233.
DOI:10.1109/ISBI.2011.5872394

Förstner, W. and Gülch, E. (1987). A fast operator for detection and precise
location of distinct points, corners and centres of circular features.
ISPRS Intercommission Workshop, 281–305 (the structure tensor).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from .._validation import check_image, check_positive

__all__ = ["DEFAULT_SIGMAS", "feature_names", "features_halo", "filter_features"]

FEATURE_LIMIT = 2.0**56
"""Largest magnitude of an image's values for filter features (float32 squares fit)."""

DEFAULT_SIGMAS = (0.7, 1.0, 1.6, 3.5, 5.0, 10.0)
"""Scales in pixels, those of ilastik's default feature set."""

_PER_SCALE = (
    "gaussian", "log", "gradient", "hessian_1", "hessian_2", "structure_1", "structure_2",
)  # fmt: skip


def _check_sigmas(sigmas: Sequence[float]) -> list[float]:
    if isinstance(sigmas, (str, bytes)) or not isinstance(sigmas, Sequence) or not sigmas:
        msg = f"sigmas must be a non-empty list of positive scales; got {sigmas!r}."
        raise ValueError(msg)
    return [check_positive(s, name="each sigma") for s in sigmas]


def feature_names(sigmas: Sequence[float] = DEFAULT_SIGMAS) -> list[str]:
    """Names of the columns of :func:`filter_features`, in order."""
    return ["raw"] + [f"{name}_{s:g}" for s in _check_sigmas(sigmas) for name in _PER_SCALE]


def _radius(sigma: float, truncate: float) -> int:
    # scipy.ndimage's kernel radius for a Gaussian of this sigma.
    return int(truncate * sigma + 0.5)


def features_halo(sigmas: Sequence[float] = DEFAULT_SIGMAS, truncate: float = 4.0) -> int:
    """Pixels of context each feature needs: the widest kernel, nested ones added."""
    return max(_radius(s, truncate) + _radius(s / 2, truncate) for s in _check_sigmas(sigmas))


def _eigenvalues(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (largest first) of the symmetric matrices [[a, b], [b, c]]."""
    mean = (a + c) / 2
    radius = np.hypot((a - c) / 2, b)
    return mean + radius, mean - radius


def filter_features(
    image: np.ndarray, sigmas: Sequence[float] = DEFAULT_SIGMAS, truncate: float = 4.0
) -> np.ndarray:
    """Per-pixel features, shape ``(rows, cols, 1 + 7 * len(sigmas))``, float32.

    Parameters
    ----------
    image : ndarray, 2-D
        Intensities.
    sigmas : sequence of float
        Scales in pixels.
    truncate : float
        Gaussian kernels stop at this many sigma.

    Returns
    -------
    ndarray of float32
        Columns in the order of :func:`feature_names`.

    Examples
    --------
    >>> import numpy as np
    >>> filter_features(np.zeros((8, 9), np.uint8), sigmas=[1.0]).shape
    (8, 9, 8)
    """
    image = check_image(image)
    largest = max(abs(float(image.min())), abs(float(image.max())))  # no abs(int64 min)
    if largest > FEATURE_LIMIT:
        msg = (
            f"Filter features are computed in float32, whose squared gradients overflow for "
            f"values beyond {FEATURE_LIMIT:.3g} (2**56) in magnitude; this image reaches "
            f"{largest:.3g}. Rescale it (e.g. to 0..1 or 16 bits) first."
        )
        raise ValueError(msg)
    image = image.astype(np.float32)
    scales = _check_sigmas(sigmas)
    out = np.empty((*image.shape, 1 + len(_PER_SCALE) * len(scales)), np.float32)
    out[..., 0] = image

    def gauss(array: np.ndarray, sigma: float, order: tuple[int, int] = (0, 0)) -> np.ndarray:
        return ndimage.gaussian_filter(
            array, sigma, order=order, mode="nearest", truncate=truncate, output=np.float32
        )

    column = 1
    for sigma in scales:
        hxx, hxy, hyy = (gauss(image, sigma, o) for o in ((0, 2), (1, 1), (2, 0)))
        gx, gy = gauss(image, sigma, (0, 1)), gauss(image, sigma, (1, 0))
        h1, h2 = _eigenvalues(hxx, hxy, hyy)
        # Structure tensor: gradient at the inner scale, averaged at the outer one.
        dx, dy = gauss(image, sigma / 2, (0, 1)), gauss(image, sigma / 2, (1, 0))
        s1, s2 = _eigenvalues(gauss(dx * dx, sigma), gauss(dx * dy, sigma), gauss(dy * dy, sigma))
        for feature in (gauss(image, sigma), hxx + hyy, np.hypot(gx, gy), h1, h2, s1, s2):
            out[..., column] = feature
            column += 1
    return out
