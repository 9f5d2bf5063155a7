"""The HTML report in a real browser (headless Chromium): it loads, every image shows, no errors.

Skipped when Chromium is not installed (``.ci/run`` installs Debian's
``chromium``). The screenshot lands in the test's temporary folder, or in
``$SEGBENCH_SCREENSHOTS`` when set, for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

import bench
from bench.cli.config import dataset_config
from bench.report.browser import check_html, find_chromium
from bench.report.build import build_report, write_report
from bench.report.replay import load_results

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed"),
]

KESM = dataset_config("kesm")


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("SEGBENCH_SCREENSHOTS", tmp_path))


def test_report_loads_with_every_image_and_no_console_error(tmp_path: Path) -> None:
    table = bench.evaluate(
        bench.builtin_sample(), ["otsu", "li", "adaptive"], [None, {"name": "median", "size": 3}]
    )
    table.to_parquet(tmp_path / "t.parquet")
    report = build_report(load_results([tmp_path / "t.parquet"], [KESM]), resamples=100)
    html = next(p for p in write_report(report, tmp_path / "report") if p.suffix == ".html")
    shot = _shots(tmp_path) / "report.png"
    check = check_html(html, shot)
    assert check.console_errors == []
    assert check.broken_images == []
    n_figures = len(report.boards[0].figures) + len(report.boards[0].gallery)
    assert check.images == n_figures >= 8
    assert check.title == "segbench leaderboard (mcc)"
    assert check.size[0] <= 1280  # nothing wider than the window: no sideways scrolling
    with Image.open(shot) as picture:
        assert picture.size == check.size
        # A rendered page, not a blank one: many distinct colours.
        assert len(picture.convert("RGB").getcolors(1 << 24)) > 1000


def test_the_check_sees_a_broken_image_and_a_console_error(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><title>bad</title></head><body><img src="missing.png" '
        'alt="gone"><script>console.error("boom")</script></body></html>'
    )
    check = check_html(page)
    assert not check.ok
    assert check.broken_images == ["gone"]
    assert any("boom" in e for e in check.console_errors)
    assert any("ERR_FILE_NOT_FOUND" in e for e in check.console_errors)
