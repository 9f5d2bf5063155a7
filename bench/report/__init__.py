"""Reports of runs: leaderboards, statistics, threshold curves, figures, HTML.

``python -m bench.report RESULTS...`` (:mod:`bench.report.build`). Modules, in
the order data flows through them:

- :mod:`~bench.report.replay` reads result tables back and re-derives pixels;
- :mod:`~bench.report.leaderboard` and :mod:`~bench.report.stats` rank configs;
- :mod:`~bench.report.images` (overlay evidence, with the exact threshold curves of
  :mod:`bench.run.curves`), :mod:`~bench.report.figures`
  (matplotlib) and :mod:`~bench.report.plots` (a run's per-image PNGs, numpy and Pillow) draw;
- :mod:`~bench.report.model` holds what a report is, :mod:`~bench.report.render`
  writes it as Markdown and one self-contained HTML file,
  :mod:`~bench.report.browser` checks that HTML in a headless browser.

A new figure: a function in :mod:`bench.report.figures` (see ``score_heatmap``)
and a line in ``build._board_report`` that adds it to the board.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.report.build import build_report, main, write_report
    from bench.report.model import BoardReport, Overlay, Report, ReportFigure
    from bench.report.replay import ResultSet, load_results

# Imported on first use: a run draws its figures with bench.report.plots alone, and
# must not pay for the statistics (scipy.stats), matplotlib and seaborn that reports need.
_LAZY = {
    "build_report": "build", "main": "build", "write_report": "build",
    "BoardReport": "model", "Overlay": "model", "Report": "model", "ReportFigure": "model",
    "ResultSet": "replay", "load_results": "replay",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"bench.report.{_LAZY[name]}"), name)
    msg = f"module 'bench.report' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "BoardReport",
    "Overlay",
    "Report",
    "ReportFigure",
    "ResultSet",
    "build_report",
    "load_results",
    "main",
    "write_report",
]
