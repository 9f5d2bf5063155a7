"""Base classes every segmenter derives from.

Conventions, the same everywhere in the package:

* a segmenter maps a 2-D intensity image to a boolean mask of the same shape;
* **foreground is bright**: a global threshold ``t`` gives ``image > t``.
  Invert dark-object images (``255 - image``) before segmenting;
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


@dataclass(frozen=True)
class Segmentation:
    """What a segmenter returns besides the mask.

    Attributes
    ----------
    mask : ndarray of bool
        Foreground mask, the image's shape.
    threshold : float or None
        The intensity threshold for global methods (foreground is ``image >
        threshold``), None for local and learned methods. For ``int64`` and
        ``uint64`` images beyond 2**53 it is the nearest float; the mask is
        computed from the exact integer (:meth:`Histogram.exact_value`).
    found : bool
        False when a global method found no threshold in the histogram and fell
        back to its documented default (see ``reason``).
    reason : str
        Why no threshold was found; empty otherwise.
    """

    mask: np.ndarray
    threshold: float | None = None
    found: bool = True
    reason: str = ""


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

        mask = algorithms.get("otsu")(image)
    """

    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    requires_fit: ClassVar[bool] = False

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
    ) -> Segmentation:
        """Segment ``image``; see :class:`Segmentation` for what comes back.

        Parameters
        ----------
        image : ndarray, 2-D
            Intensities, foreground bright.
        fov : ndarray of bool, optional
            Field of view. Global methods estimate their threshold from the
            pixels inside it only; the mask still covers the whole image.
        hist : Histogram, optional
            A precomputed histogram of ``image`` (within ``fov``) to share
            between methods. Ignored by methods that do not use one.
        """
        raise NotImplementedError

    def __call__(self, image: np.ndarray, fov: np.ndarray | None = None) -> np.ndarray:
        """Boolean foreground mask of ``image``."""
        return self.segment(image, fov=fov).mask


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
        """Intensity threshold of ``image``: its foreground is ``image > threshold``."""
        return float(self._evaluate(check_image(image), fov, hist)[0])

    def segment(
        self,
        image: np.ndarray,
        *,
        fov: np.ndarray | None = None,
        hist: Histogram | None = None,
    ) -> Segmentation:
        image = check_image(image)
        value, result = self._evaluate(image, fov, hist)
        # The mask compares with the exact threshold (an int for integer images: exact
        # for int64 and uint64 beyond 2**53); the record holds it as a float.
        return Segmentation(image > value, float(value), result.found, result.reason)

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
    """A method that compares each pixel with a statistic of its neighbourhood."""

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
    ) -> Segmentation:
        image = check_image(image)
        if fov is not None:
            check_mask(fov, image.shape, name="field of view")
        # Memory and work of the window, estimated before anything is allocated.
        check_window_cost(image.shape, self.halo(), name=repr(self))
        return Segmentation(self._mask(image))
