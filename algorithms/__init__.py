"""Binary segmenters: arrays in, boolean masks out.

A pure library with no knowledge of files, configs or tables::

    import algorithms
    mask = algorithms.get("otsu")(image)          # foreground: image > threshold
    algorithms.available("*")                      # registered names, wildcards allowed
    algorithms.get("adaptive", block_size=51)(image)
    algorithms.try_all(image)                      # every global method, one histogram

Objects are bright by default (``image > t``); for dark objects pass
``objects="dark"``: the method sees the original intensities and the object
is ``image <= t`` (Fiji's rule, see :data:`algorithms.OBJECTS`)::

    ink = algorithms.get("sauvola", k=0.2)(page, objects="dark")
"""

from __future__ import annotations

from typing import Any

from . import (  # noqa: F401  (imports register the methods)
    global_thresholds,
    learned,
    local,
    local_document,
    local_moments,
    local_rank,
)
from ._base import (
    OBJECTS,
    GlobalThreshold,
    LocalThreshold,
    Segmentation,
    Segmenter,
    ThresholdResult,
)
from ._registry import FILTERS, SEGMENTERS, Registry, UnknownNameError, register
from ._validation import check_image
from .histogram import Histogram, histogram
from .learned import LearnedSegmenter, MissingDependencyError, NotFittedError
from .preprocess import Filter, get_filter
from .try_all import Trial, try_all

__all__ = [
    "FILTERS",
    "OBJECTS",
    "SEGMENTERS",
    "Filter",
    "GlobalThreshold",
    "Histogram",
    "LearnedSegmenter",
    "LocalThreshold",
    "MissingDependencyError",
    "NotFittedError",
    "Registry",
    "Segmentation",
    "Segmenter",
    "ThresholdResult",
    "Trial",
    "UnknownNameError",
    "available",
    "available_filters",
    "check_image",
    "get",
    "get_class",
    "get_filter",
    "histogram",
    "register",
    "try_all",
]


def get(name: str, **params: Any) -> Segmenter:
    """A segmenter instance by (case-insensitive) name, with ``params`` set.

    Raises
    ------
    UnknownNameError
        If no segmenter has that name; the message lists the choices and the
        closest match.
    """
    return SEGMENTERS.get_class(name)(**params)


def get_class(name: str) -> type[Segmenter]:
    """The segmenter class registered under ``name``."""
    return SEGMENTERS.get_class(name)


def available(pattern: str = "*", **tags: Any) -> list[str]:
    """Registered segmenter names matching ``pattern`` (e.g. ``"*entropy"``).

    Keyword arguments filter on declared capabilities, e.g. ``kind="global"``.
    """
    return SEGMENTERS.available(pattern, **tags)


def available_filters(pattern: str = "*") -> list[str]:
    """Registered preprocessing filter names matching ``pattern``."""
    return FILTERS.available(pattern)
