"""Deciding from the image alone whether its objects are bright or dark (``polarity: auto``).

Two cues are measured, both **inside the field of view** when there is one
(a retinal image's black surround must not vote), and the ground truth is
never looked at:

``minority`` and ``separability`` (the Otsu cue)
    Otsu's threshold splits the pixels in two; the objects are taken to be
    the **smaller class**. ``minority`` is that class's share of the pixels
    (0 to 0.5) and ``separability`` Otsu's own measure of how well two
    classes explain the histogram, η = σ²_between / σ²_total (0 to 1; a
    single Gaussian gives 2/π ≈ 0.64, two well-separated modes near 1). The
    cue is *clear* when ``minority <= 0.4`` and ``separability >= 0.6``.
``contrast_skew`` (the local-contrast cue)
    The skewness of the image minus its local background (a Gaussian mean
    of σ = max(2, min(height, width) / 32) pixels, normalised by the field
    of view so that the surround does not darken the rim). Objects are the
    long tail of these residuals: negative skewness means dark objects,
    positive bright. Uneven illumination, which splits a retinal field of
    view into a bright centre and a dark rim of similar sizes and defeats the
    Otsu cue, cancels out here. The cue is *clear* when
    ``|contrast_skew| >= 0.5``.

The decision (:class:`PolarityDecision`):

* both cues clear and agreeing, or only one clear: that cue decides;
* both clear and disagreeing: the local-contrast cue decides, and the
  decision is **unsure**;
* neither clear (classes of similar size with little bimodality, and no
  skewed residuals): the Otsu cue decides, and the decision is **unsure**.

An unsure decision is warned about per image (:class:`PolarityWarning`) and
every decision is recorded with its evidence in the sample's ``meta`` and in
the result rows (``polarity_basis``, ``polarity_unsure``,
``polarity_minority``, ``polarity_separability``, ``polarity_contrast_skew``).
Where it warns, set the dataset's ``polarity`` explicitly.

Measured: on the 47 DSB 2018 images of the shared data both cues are clear
and agree with the truth on every image (minority ≤ 0.33, separability ≥
0.67, |contrast_skew| ≥ 0.57), so the decisions are those of the earlier
smaller-Otsu-class rule; ``tests/data/test_polarity.py`` checks that, and
that a retina-like image (thin dark vessels, uneven illumination, a round
field of view on a black surround) is decided dark inside its field of view,
where the Otsu cue alone says bright.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

import algorithms
from bench.data.sample import POLARITIES

__all__ = [
    "POLARITY_RULES",
    "PolarityDecision",
    "PolarityWarning",
    "decide_polarity",
    "polarity_decision",
    "resolve_polarity",
]

POLARITY_RULES = (*POLARITIES, "auto")

MAX_MINORITY = 0.4
"""The Otsu cue is clear when the smaller class holds at most this share."""
MIN_SEPARABILITY = 0.6
"""… and Otsu's separability η is at least this."""
MIN_CONTRAST_SKEW = 0.5
"""The local-contrast cue is clear when ``|contrast_skew|`` is at least this."""


class PolarityWarning(UserWarning):
    """``polarity: auto`` decided an image on weak or conflicting evidence."""


@dataclass(frozen=True)
class PolarityDecision:
    """How ``polarity: auto`` decided one image (see the module's docstring).

    Attributes
    ----------
    polarity : {"bright", "dark"}
        The decision.
    basis : {"both", "otsu", "local contrast", "conflict", "weak"}
        Which cue decided: both agreeing, only one clear, both clear but
        disagreeing (the local-contrast cue wins), or neither clear (the
        Otsu cue's guess).
    unsure : bool
        True for ``conflict`` and ``weak``: set the polarity explicitly.
    minority, separability, contrast_skew : float
        The evidence.
    """

    polarity: str
    basis: str
    unsure: bool
    minority: float
    separability: float
    contrast_skew: float

    def record(self) -> dict[str, object]:
        """The evidence as result-row columns (``polarity_basis``, …; not the decision itself)."""
        return {f"polarity_{k}": v for k, v in asdict(self).items() if k != "polarity"}

    def describe(self) -> str:
        """One line: the decision, its basis and the evidence."""
        return (
            f"{self.polarity} ({self.basis}: minority {self.minority:.2f}, separability "
            f"{self.separability:.2f}, contrast skewness {self.contrast_skew:+.2f})"
        )


def _skewness(values: np.ndarray) -> float:
    centred = values - values.mean()
    variance = float(np.mean(centred**2))
    if variance <= 0:
        return 0.0
    return float(np.mean(centred**3) / variance**1.5)


def _contrast_skew(image: np.ndarray, fov: np.ndarray | None) -> float:
    """Skewness of the image minus its local background, inside the field of view."""
    # float32 and a 3-sigma kernel: a cue, not a measurement (5x faster than float64, 4 sigma).
    values = image.astype(np.float32)
    sigma = max(2.0, min(values.shape) / 32)
    if fov is None:
        background = ndimage.gaussian_filter(values, sigma, truncate=3.0)
        return _skewness((values - background).ravel().astype(np.float64))
    # A normalised (masked) Gaussian mean: the surround outside the field of view
    # neither darkens nor brightens the background estimate at the rim.
    weight = fov.astype(np.float32)
    spread = ndimage.gaussian_filter(weight, sigma, truncate=3.0)
    background = ndimage.gaussian_filter(values * weight, sigma, truncate=3.0)
    background /= np.maximum(spread, 1e-6)
    return _skewness((values - background)[fov].astype(np.float64))


def polarity_decision(image: np.ndarray, fov: np.ndarray | None = None) -> PolarityDecision:
    """Decide whether the objects of ``image`` are bright or dark, with the evidence.

    Parameters
    ----------
    image : ndarray
        2-D intensities (any real type).
    fov : ndarray of bool, optional
        Only pixels inside it are measured.

    Examples
    --------
    >>> import numpy as np
    >>> spots = np.full((32, 32), 50, np.uint8); spots[8:12, 8:12] = 200
    >>> polarity_decision(spots).polarity, polarity_decision(255 - spots).basis
    ('bright', 'both')
    """
    bright = algorithms.get("otsu").segment(image, fov=fov).mask
    inside = np.ones(image.shape, bool) if fov is None else np.asarray(fov, bool)
    values = image[inside].astype(np.float64)
    above = bright[inside]
    n_bright = int(np.count_nonzero(above))
    total = values.size
    otsu = "bright" if n_bright <= total - n_bright else "dark"
    minority = min(n_bright, total - n_bright) / total if total else 0.5
    variance = float(values.var()) if total else 0.0
    separability = 0.0
    if variance > 0 and 0 < n_bright < total:
        gap = values[above].mean() - values[~above].mean()
        share = n_bright / total
        separability = float(share * (1 - share) * gap**2 / variance)
    skew = _contrast_skew(image, None if fov is None else inside)
    contrast = "dark" if skew < 0 else "bright"
    otsu_clear = minority <= MAX_MINORITY and separability >= MIN_SEPARABILITY
    contrast_clear = abs(skew) >= MIN_CONTRAST_SKEW
    if otsu_clear and contrast_clear:
        polarity, basis = contrast, "both" if otsu == contrast else "conflict"
    elif otsu_clear:
        polarity, basis = otsu, "otsu"
    elif contrast_clear:
        polarity, basis = contrast, "local contrast"
    else:
        polarity, basis = otsu, "weak"
    return PolarityDecision(
        polarity, basis, basis in ("conflict", "weak"), round(minority, 4),
        round(separability, 4), round(skew, 4),
    )  # fmt: skip


def decide_polarity(image: np.ndarray, fov: np.ndarray | None = None) -> str:
    """``"bright"`` or ``"dark"``: :func:`polarity_decision`'s decision alone.

    Examples
    --------
    >>> import numpy as np
    >>> spots = np.full((32, 32), 50, np.uint8); spots[8:12, 8:12] = 200
    >>> decide_polarity(spots), decide_polarity(255 - spots)
    ('bright', 'dark')
    """
    return polarity_decision(image, fov).polarity


def resolve_polarity(
    rule: str, image: np.ndarray, fov: np.ndarray | None = None, *, source: str = "the image"
) -> str:
    """The polarity of ``image`` under a dataset's rule: ``bright``, ``dark`` or ``auto``.

    Under ``auto`` an unsure decision warns (:class:`PolarityWarning`) naming
    ``source`` and the evidence; :func:`polarity_decision` gives the evidence
    itself.
    """
    if rule == "auto":
        decision = polarity_decision(image, fov)
        warn_if_unsure(decision, source)
        return decision.polarity
    if rule not in POLARITIES:
        msg = f"polarity must be one of {', '.join(POLARITY_RULES)}; got {rule!r}."
        raise ValueError(msg)
    return rule


def warn_if_unsure(decision: PolarityDecision, source: str) -> None:
    """Warn (:class:`PolarityWarning`) when ``decision`` is unsure, naming ``source``."""
    if decision.unsure:
        reason = (
            "the cues disagree"
            if decision.basis == "conflict"
            else "the evidence is weak (classes of similar size, little bimodality, "
            "no skewed local contrast)"
        )
        warnings.warn(
            f"polarity auto on {source}: decided {decision.describe()}, but {reason}. "
            "Set the dataset's polarity (bright or dark) if that is wrong.",
            PolarityWarning,
            stacklevel=3,
        )
