"""What a report holds: its boards, figures and overlays (built by ``build``, drawn by ``render``).

Kept apart from both so that :mod:`bench.report.build` and
:mod:`bench.report.render` import it and never each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["BoardReport", "Overlay", "Report", "ReportFigure"]


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
