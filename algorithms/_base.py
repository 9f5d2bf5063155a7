"""Base classes every segmenter derives from.

Conventions, the same everywhere in the package:

* a segmenter maps a 2-D intensity image to a boolean mask of the same shape;
* **the object polarity is declared**, never obtained by inverting pixels:
  ``segment(image, objects="bright")`` (the default) makes the object
  ``image > t`` (global) or ``p > t(p)`` (local); ``objects="dark"`` makes it
  ``image <= t`` / ``p <= t(p)``, the exact complement, with ``t`` computed on
  the *original* intensities (see :data:`OBJECTS` for Fiji's source);
* parameters are explicit keyword arguments of ``__init__`` stored under their
  own names, with no logic in ``__init__`` (scikit-learn's convention): checks
  happen when the method runs, so a bad value fails with a clear message;
* capabilities are declared as class attributes: ``kind`` ("global", "local",
  "learned"), ``requires_fit``, and :meth:`Segmenter.halo`, the context in
  pixels a method needs around a tile to reproduce its whole-image result.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ._validation import check_image, check_mask, check_window_cost
from .histogram import Histogram, histogram

OBJECTS: tuple[str, ...] = ("bright", "dark")
"""The object polarities every segmenter accepts (``objects=``).

Fiji's rule, which is also the document-binarisation papers' rule: the
method sees the original intensities and computes the same threshold ``t``
(global) or threshold surface ``t(p)`` (local) for either polarity; bright
objects are ``p > t``, dark objects the exact complement ``p <= t``. Fiji's
Auto Threshold (``Auto_Threshold.exec``) writes ``ip.getPixel(x, y) >
threshold ? c : b`` with ``c = 0, b = 255`` when "White objects on black
background" is off and then selects 255 (or, with "Set threshold instead",
sets the range ``0 .. threshold``); every method of Auto Local Threshold
(``Auto_Local_Threshold.java``, ``Bernsen(...)`` to ``Sauvola(...)``)
writes ``(condition) ? object : backg`` with ``object = 0, backg = 255``
when ``doIwhite`` is false, and the result is the 255 side ("Thresholded
result is always shown in white [255]"): the pixels that fail the bright
condition. Inverting the pixels first (``255 - p``) is a different method
for the local formulas, which are not symmetric under that map.
"""


def check_objects(value: object) -> str:
    """Return ``value`` if it is one of :data:`OBJECTS`, or raise saying what it means."""
    if not isinstance(value, str) or value not in OBJECTS:
        msg = (
            f"objects must be 'bright' (objects brighter than their surroundings: "
            f"p > t) or 'dark' (objects darker: p <= t, the threshold computed on the "
            f"original intensities); got {value!r}."
        )
        raise ValueError(msg)
    return value


@dataclass(frozen=True)
class Segmentation:
    """What a segmenter returns besides the mask.

    Attributes
    ----------
    mask : ndarray of bool
        Object mask, the image's shape.
    threshold : float or None
        The intensity threshold for global methods, on the intensities the
        method saw (objects are ``image > threshold`` when bright, ``image <=
        threshold`` when dark), None for local and learned methods. For
        ``int64`` and ``uint64`` images beyond 2**53 it is the nearest float;
        the mask is computed from the exact integer (:meth:`Histogram.exact_value`).
    found : bool
        False when a global method found no threshold in the histogram and fell
        back to its documented default (see ``reason``).
    reason : str
        Why no threshold was found; empty otherwise.
    scores : ndarray or None
        Per-pixel foreground scores, for methods whose mask thresholds them
        (a learned method's probabilities: ``mask = scores > threshold``);
        None for the others. A harness ranks them without a threshold (ROC
        AUC, average precision).
    """

    mask: np.ndarray
    threshold: float | None = None
    found: bool = True
    reason: str = ""
    scores: np.ndarray | None = None


@dataclass(frozen=True)
class ThresholdResult:
    """A global method's answer on a histogram.

    ``bin`` is the last bin of the background: foreground is bins ``> bin``.
    When ``found`` is False the method could not find a threshold in this
    histogram, ``bin`` is its documented fallback (ImageJ's answer) and
    ``reason`` says why. A fallback may lie outside ``0..n-1`` (Triangle's
    ``n`` on a flat histogram): then every pixel is on one side.
    """

    bin: int
    found: bool = True
    reason: str = field(default="")


class Segmenter:
    """Base class: subclasses implement :meth:`segment`.

    Calling a segmenter on an image returns the boolean mask::

        mask = algorithms.get("otsu")(image)                  # bright objects
        ink = algorithms.get("sauvola")(page, objects="dark")  # dark objects

    The object polarity is an argument of the call, not a parameter of the
    method: it is a property of the data (like the field of view), and one
    configured method serves datasets of either polarity. For every
    non-learned method ``segment(image, objects="dark").mask`` is exactly
    ``~segment(image, objects="bright").mask`` and the threshold is the same
    (see :data:`OBJECTS`).

    Capabilities declared by subclasses: ``kind`` ("global", "local",
    "learned"), ``requires_fit``, ``tileable`` (False when no finite halo
    lets a tile reproduce the whole-image mask, e.g. a method that keeps
    whole connected components) and :meth:`halo`.
    """

    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    requires_fit: ClassVar[bool] = False
    tileable: ClassVar[bool] = True

    def halo(self) -> int:
        """Pixels of context needed on each side of a tile (0 for pointwise)."""
        return 0

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters and their current values."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def segment(
        self,
        image: np.ndarray,
        *,
        fov: np.ndarray | None = None,
        hist: Histogram | None = None,
        objects: str = "bright",
    ) -> Segmentation:
        """Segment ``image``; see :class:`Segmentation` for what comes back.

        Parameters
        ----------
        image : ndarray, 2-D
            Intensities, as acquired (never inverted for dark objects).
        fov : ndarray of bool, optional
            Field of view. Global methods estimate their threshold from the
            pixels inside it only; the mask still covers the whole image.
        hist : Histogram, optional
            A precomputed histogram of ``image`` (within ``fov``) to share
            between methods. Ignored by methods that do not use one.
        objects : {"bright", "dark"}
            Object polarity: "bright" objects are ``p > t``, "dark" objects
            ``p <= t`` with the same ``t`` (see :data:`OBJECTS`).
        """
        raise NotImplementedError

    def __call__(
        self, image: np.ndarray, fov: np.ndarray | None = None, *, objects: str = "bright"
    ) -> np.ndarray:
        """Boolean object mask of ``image`` (``objects``: "bright" or "dark")."""
        return self.segment(image, fov=fov, objects=objects).mask


class GlobalThreshold(Segmenter):
    """A method that picks one threshold from the image histogram.

    Subclasses implement :meth:`_find` on validated integer counts and return
    the bin that ImageJ 1.53t's ``AutoThresholder`` would return on the same
    counts (generalised from 256 bins to any length). This class does the
    rest, once for every method:

    * ``ignore_black`` / ``ignore_white`` (Fiji's Auto Threshold options) set
      the first / last bin to zero before the method sees the histogram
      (bins 0 and 255 for 8-bit images; the darkest and brightest level
      present for 16-bit images, whose histogram spans min..max);
    * the answer is judged: ``found`` is False, with a reason, when the
      histogram is empty, holds a single level, or when the bin leaves every
      counted pixel on one side (``bin < first`` or ``bin >= last`` non-empty
      bin) — e.g. ImageJ's "no threshold" (-1, reported as 0), Triangle's 256
      on a flat histogram. The bin is still ImageJ's, so results stay
      deterministic and comparable with ImageJ.

    Parameters
    ----------
    ignore_black : bool
        Do not count the pixels of the first bin (black, 0 in 8-bit images).
    ignore_white : bool
        Do not count the pixels of the last bin (white, 255 in 8-bit images).
    """

    kind: ClassVar[str] = "global"

    def __init__(self, *, ignore_black: bool = False, ignore_white: bool = False) -> None:
        self.ignore_black = ignore_black
        self.ignore_white = ignore_white

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        raise NotImplementedError

    def _check_options(self) -> tuple[bool, bool]:
        """``(ignore_black, ignore_white)``, checked to be booleans."""
        return _check_flag(self, "ignore_black"), _check_flag(self, "ignore_white")

    def _counts(self, hist: Histogram | np.ndarray) -> np.ndarray:
        """Validated counts with the ignore options applied (on a copy)."""
        counts = hist.counts if isinstance(hist, Histogram) else _check_counts(hist)
        ignore = self._check_options()
        if any(ignore):
            counts = counts.copy()
            if ignore[0]:
                counts[0] = 0
            if ignore[1]:
                counts[-1] = 0
        return counts

    def find_threshold(self, hist: Histogram | np.ndarray) -> ThresholdResult:
        """Threshold bin of a histogram, with whether one was found and why not.

        Parameters
        ----------
        hist : Histogram or array_like of int
            The histogram, or its 1-D non-negative integer counts.

        Returns
        -------
        ThresholdResult
            ``bin`` (foreground: bins ``> bin``), ``found`` and ``reason``.
        """
        counts = self._counts(hist)
        return _judge(self._find(counts), counts)

    def threshold_from_histogram(self, hist: Histogram | np.ndarray) -> int:
        """Last background bin ``t`` for 1-D integer counts (foreground: bins > t)."""
        return self.find_threshold(hist).bin

    def threshold(
        self, image: np.ndarray, fov: np.ndarray | None = None, hist: Histogram | None = None
    ) -> float:
        """Intensity threshold of ``image``: bright objects ``> threshold``, dark ``<=``."""
        return float(self._evaluate(check_image(image), fov, hist)[0])

    def segment(
        self,
        image: np.ndarray,
        *,
        fov: np.ndarray | None = None,
        hist: Histogram | None = None,
        objects: str = "bright",
    ) -> Segmentation:
        image = check_image(image)
        objects = check_objects(objects)
        value, result = self._evaluate(image, fov, hist)
        # The mask compares with the exact threshold (an int for integer images: exact
        # for int64 and uint64 beyond 2**53); the record holds it as a float.
        mask = image > value if objects == "bright" else image <= value
        return Segmentation(mask, float(value), result.found, result.reason)

    def _evaluate(
        self, image: np.ndarray, fov: np.ndarray | None, hist: Histogram | None
    ) -> tuple[int | float, ThresholdResult]:
        """The exact intensity threshold and the method's answer; no mask is built."""
        if hist is None:
            hist = histogram(image, fov)
        result = self.find_threshold(hist)
        return hist.exact_value(result.bin), result


def _check_flag(method: Segmenter, name: str) -> bool:
    value = getattr(method, name)
    if not isinstance(value, (bool, np.bool_)):
        msg = f"{type(method).__name__}: {name} must be True or False; got {value!r}."
        raise ValueError(msg)
    return bool(value)


def _judge(result: ThresholdResult, counts: np.ndarray) -> ThresholdResult:
    """Mark a bin that does not split the counted pixels into two classes."""
    if not result.found:
        return result
    nonzero = np.flatnonzero(counts)
    if nonzero.size == 0:
        return ThresholdResult(result.bin, False, "empty histogram: no pixel is counted")
    if nonzero.size == 1:
        reason = f"a single grey level (bin {nonzero[0]}): no split separates two classes"
        return ThresholdResult(result.bin, False, reason)
    if not nonzero[0] <= result.bin < nonzero[-1]:
        reason = (
            f"bin {result.bin} leaves every counted pixel on one side "
            f"(non-empty bins {nonzero[0]}..{nonzero[-1]})"
        )
        return ThresholdResult(result.bin, False, reason)
    return result


def _check_counts(counts: object) -> np.ndarray:
    array = np.asarray(counts)
    if array.ndim != 1 or array.size == 0:
        msg = f"A histogram must be a non-empty 1-D array of counts; got shape {array.shape}."
        raise ValueError(msg)
    if not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.floating) and np.all(np.mod(array, 1) == 0):
            array = array.astype(np.int64)
        else:
            msg = f"Histogram counts must be whole numbers; got dtype {array.dtype}."
            raise ValueError(msg)
    if (array < 0).any():
        msg = "Histogram counts must be non-negative; found a negative count."
        raise ValueError(msg)
    return array.astype(np.int64, copy=False)


class LocalThreshold(Segmenter):
    """A method that compares each pixel with a statistic of its neighbourhood.

    Subclasses implement :meth:`_mask`, the bright-object rule (``p > t(p)``,
    or the method's own comparison, e.g. Bernsen's ``p >= mid``) on the
    original intensities; dark objects are its exact complement, as in Fiji
    (see :data:`OBJECTS`).
    """

    kind: ClassVar[str] = "local"

    def image_statistics(self, image: np.ndarray) -> dict[str, float]:
        """Parameter values the method would derive from the whole ``image``.

        Most local methods look only at each pixel's window and return ``{}``.
        A method that also uses image-wide values (Wolf–Jolion's minimum grey
        level and largest local deviation) returns them here, under the names
        of its parameters: setting them makes tiles reproduce the whole-image
        result exactly (``type(m)(**{**m.get_params(), **m.image_statistics(image)})``).
        """
        return {}

    def _mask(self, image: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def segment(
        self,
        image: np.ndarray,
        *,
        fov: np.ndarray | None = None,
        hist: Histogram | None = None,
        objects: str = "bright",
    ) -> Segmentation:
        image = check_image(image)
        objects = check_objects(objects)
        if fov is not None:
            check_mask(fov, image.shape, name="field of view")
        # Memory and work of the window, estimated before anything is allocated.
        check_window_cost(image.shape, self.halo(), name=repr(self))
        mask = self._mask(image)
        if objects == "dark":
            np.logical_not(mask, out=mask)
        return Segmentation(mask)
