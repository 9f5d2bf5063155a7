"""What a report holds: its boards, figures and overlays (built by ``build``, drawn by ``render``).

Kept apart from both so that :mod:`bench.report.build` and
:mod:`bench.report.render` import it and never each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["BoardReport", "Explorer", "Overlay", "Report", "ReportFigure"]


@dataclass(frozen=True)
class ReportFigure:
    """An embedded PNG with the sentence that says how to read it."""

    title: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Overlay:
    """One thumbnail of the overlay gallery."""

    config: str
    image: str
    which: str  # "best" or "worst"
    score: float
    jpeg: bytes
    full: Path | None = None  # the run's own overlay at native resolution, when it drew one


@dataclass(frozen=True)
class Explorer:
    """One image's threshold explorer: every global threshold, its exact score, its mask.

    The page thresholds ``grey`` itself (objects: value > t, or value <= t
    for dark objects, Fiji's rule), so the
    overlay at any slider position is the mask a global method would give;
    the score shown is ``scores`` at that position, computed from the
    full-resolution image (the picture may be sampled: 1 pixel in ``step``).
    """

    image: str
    preprocessing: str
    grey_png: bytes  # 8-bit, the image the methods thresholded (after polarity and filter)
    truth_png: bytes  # 0/255
    fov_png: bytes | None  # 0/255, or None: the whole image
    dark: bool  # dark objects: the object side of t is value <= t (the image is not inverted)
    step: int
    values: tuple[float, ...]  # threshold of each slider position, t = -1 first
    scores: tuple[float, ...]  # the metric at each position
    methods: tuple[tuple[str, float, float], ...]  # (config, its threshold, its table score)


@dataclass
class BoardReport:
    """Everything shown for one board."""

    name: str
    dataset: str
    n_images: int
    leaderboard: pd.DataFrame
    tests: pd.DataFrame
    figures: list[ReportFigure] = field(default_factory=list)
    gallery: list[Overlay] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    splits: dict[str, int] = field(default_factory=dict)  # images per split, when recorded
    explorers: list[Explorer] = field(default_factory=list)


@dataclass
class Report:
    """A whole report: its boards and how it was made."""

    boards: list[BoardReport]
    metric: str
    resamples: int
    seed: int
    sources: list[str]
    notes: list[str]
    provenance: dict[str, Any]
