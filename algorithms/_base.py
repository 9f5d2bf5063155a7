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

from ._validation import check_image, check_mask
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
        threshold``), None for local and learned methods.
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
    histogram, ``bin`` is its documented fallback and ``reason`` says why.
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

    Subclasses implement :meth:`_find` on validated integer counts.
    """

    kind: ClassVar[str] = "global"

    def _find(self, counts: np.ndarray) -> ThresholdResult:
        raise NotImplementedError

    def find_threshold(self, hist: Histogram | np.ndarray) -> ThresholdResult:
        """Threshold bin of a histogram, with whether one was found and why not."""
        counts = hist.counts if isinstance(hist, Histogram) else _check_counts(hist)
        return self._find(counts)

    def threshold_from_histogram(self, hist: Histogram | np.ndarray) -> int:
        """Last background bin ``t`` for 1-D integer counts (foreground: bins > t)."""
        return self.find_threshold(hist).bin

    def threshold(
        self, image: np.ndarray, fov: np.ndarray | None = None, hist: Histogram | None = None
    ) -> float:
        """Intensity threshold of ``image``: its foreground is ``image > threshold``."""
        return self.segment(image, fov=fov, hist=hist).threshold  # type: ignore[return-value]

    def segment(
        self,
        image: np.ndarray,
        *,
        fov: np.ndarray | None = None,
        hist: Histogram | None = None,
    ) -> Segmentation:
        image = check_image(image)
        if hist is None:
            hist = histogram(image, fov)
        result = self.find_threshold(hist)
        value = hist.value(result.bin)
        return Segmentation(image > value, value, result.found, result.reason)


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
        return Segmentation(self._mask(image))
