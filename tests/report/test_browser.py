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
    board = report.boards[0]
    n_figures = len(board.figures) + len(board.gallery)
    # Each explorer holds its image and its truth as hidden sources for its canvas.
    assert check.images == n_figures + 2 * len(board.explorers)
    assert n_figures >= 8
    assert len(board.explorers) == 1
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


_EXPLORE = """(() => {
  const out = {};
  // Sort the leaderboard by its macro column (one click: ascending), read the column.
  const table = document.getElementById('leaderboard-0');
  const header = Array.from(table.tHead.rows[0].cells);
  const macro = header.findIndex(c => c.textContent.includes('macro'));
  header[macro].click();
  out.sorted = Array.from(table.tBodies[0].rows).map(r => r.cells[macro].textContent);
  out.sort = header[macro].getAttribute('aria-sort');
  // Filter: only rows naming li.
  const box = document.querySelector('input.filter');
  box.value = 'li';
  box.dispatchEvent(new Event('input'));
  out.visible = Array.from(table.tBodies[0].rows)
    .filter(r => r.style.display !== 'none').map(r => r.cells[1].textContent);
  box.value = '';
  box.dispatchEvent(new Event('input'));
  // The threshold explorer of the first image: go to each method's threshold, then to 100.
  const explorer = window.segbenchExplorers[0];
  const slider = explorer.slider;
  out.image = explorer.box.dataset.image;
  out.methods = explorer.methods.map(m => {
    slider.value = m[3];
    slider.dispatchEvent(new Event('input'));
    return {config: m[0], threshold: explorer.tOut.textContent,
            shown: explorer.sOut.textContent, counts: explorer.counts};
  });
  slider.value = 101;
  slider.dispatchEvent(new Event('input'));
  out.at100 = {threshold: explorer.tOut.textContent, shown: explorer.sOut.textContent,
               counts: explorer.counts};
  return out;
})()"""


@pytest.mark.parametrize("dataset", ["kesm", "dibco2009"])  # bright objects; dark ink
def test_tables_sort_and_filter_and_the_explorer_shows_the_tables_scores(
    tmp_path: Path, dataset: str
) -> None:
    from bench.data import from_config
    from bench.report.replay import prepared_image
    from bench.run.curves import threshold_curve

    config = {**dataset_config(dataset), "limit": 1}
    try:
        data = from_config(config)
        sample = next(iter(data))
    except FileNotFoundError as error:
        pytest.skip(f"the shared data is not here: {error}")
    table = bench.evaluate(
        data, ["otsu", "li", "mean", "adaptive"], [{"name": "median", "size": 3}]
    )
    table.to_parquet(tmp_path / "t.parquet")
    report = build_report(load_results([tmp_path / "t.parquet"], [config]), resamples=100)
    html = next(p for p in write_report(report, tmp_path / "report") if p.suffix == ".html")
    check = check_html(html, _shots(tmp_path) / f"explore-{dataset}.png", script=_EXPLORE)
    assert check.console_errors == []
    seen = check.evaluated
    assert seen["sort"] == "ascending"
    values = [float(v.split()[0]) for v in seen["sorted"]]
    assert values == sorted(values)
    assert seen["visible"] == ["li"]
    explorer = report.boards[0].explorers[0]
    exact_picture = explorer.step == 1  # a sampled picture's counts are the picture's own
    # The slider at each method's threshold shows the results table's score of that method.
    rows = table[table["threshold"].notna()].set_index("config")
    assert {m["config"] for m in seen["methods"]} == set(rows.index)
    for method in seen["methods"]:
        row = rows.loc[method["config"]]
        assert method["threshold"] == f"{row['threshold']:g}"
        assert method["shown"] == f"{row['mcc']:.4f}"
        expected = {k: int(row[k]) for k in ("tp", "fp", "fn", "tn")}
        if exact_picture:
            assert method["counts"] == expected
        else:  # 1 pixel in step² drawn: the same mask, sampled
            for k in ("tp", "tn"):
                drawn = method["counts"][k] * explorer.step**2
                assert drawn == pytest.approx(expected[k], rel=0.05), k
    # Anywhere else on the slider: the exact curve's score, and the picture is its mask.
    image = prepared_image(sample, table.iloc[0])
    curve = threshold_curve(image, sample.truth, objects=str(table["polarity"].iloc[0]))
    assert seen["at100"]["threshold"] == f"{curve.values[101]:g}" == "100"
    assert seen["at100"]["shown"] == f"{curve.scores('mcc')[101]:.4f}"
    if exact_picture:
        assert seen["at100"]["counts"] == curve.counts(101).as_dict()
