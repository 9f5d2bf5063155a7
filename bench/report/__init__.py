"""Reports of runs: leaderboards, statistics, threshold curves, figures, HTML.

``python -m bench.report RESULTS...`` (:mod:`bench.report.build`). Modules, in
the order data flows through them:

- :mod:`~bench.report.replay` reads result tables back and re-derives pixels;
- :mod:`~bench.report.leaderboard` and :mod:`~bench.report.stats` rank configs;
- :mod:`~bench.report.images` (overlay evidence, with the exact threshold curves of
  :mod:`bench.run.curves`), :mod:`~bench.report.figures`
  and :mod:`~bench.report.plots` (matplotlib) draw;
- :mod:`~bench.report.model` holds what a report is, :mod:`~bench.report.render`
  writes it as Markdown and one self-contained HTML file,
  :mod:`~bench.report.browser` checks that HTML in a headless browser.

A new figure: a function in :mod:`bench.report.figures` (see ``score_heatmap``)
and a line in ``build._board_report`` that adds it to the board.
"""

from __future__ import annotations

from bench.report.build import build_report, main, write_report
from bench.report.model import BoardReport, Overlay, Report, ReportFigure
from bench.report.replay import ResultSet, load_results

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
