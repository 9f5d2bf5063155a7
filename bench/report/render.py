"""A :class:`bench.report.model.Report` as Markdown (tables) and as one self-contained HTML file.

The HTML needs nothing but itself: figures are base64 PNG ``data:`` URIs,
styles and one small script (:mod:`bench.report.explore`: sortable and
filterable tables, overlays that open at full size, the threshold explorer)
are inline, and there is no external link, so it opens from disk, offline,
and can be mailed or archived as one file.

Every text that comes from data (dataset, image, method and config names,
notes quoting them) is escaped: :func:`html.escape` in the HTML,
:func:`md_escape` in the Markdown, so a name is shown as written and never
becomes markup (``<script>`` stays text, ``|`` does not split a table cell).
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from bench.metrics import get as get_metric
from bench.report.explore import EXPLORE_CSS, EXPLORE_JS, explorer_html, filter_box
from bench.report.model import BoardReport, Overlay, Report
from bench.report.plots import OVERLAY_COLOURS

__all__ = [
    "DEFINITIONS",
    "leaderboard_rows",
    "md_escape",
    "test_rows",
    "to_html",
    "to_markdown",
]

DEFINITIONS = [
    (
        "macro",
        "mean over images of the per-image score; every image counts the same. "
        "Configs are ranked on it.",
    ),
    (
        "95% CI",
        "percentile bootstrap interval of the macro mean, resampling the images "
        "(paired: one draw of images for every config; seeded).",
    ),
    (
        "micro",
        "the score of the confusion counts summed over all images; large images and "
        "images with much foreground weigh more.",
    ),
    (
        "regret",
        "global methods: mean over images of the best score any global threshold "
        "reaches on the image (after the same preprocessing; exact, from the joint "
        "histogram) minus the method's score. Methods with a score map (learned "
        "probabilities, another tool's score maps): the same over every threshold of the "
        "map. 0 means the method found the best threshold.",
    ),
    (
        "AUC, AP",
        "methods with a score map only: mean over images of the ROC AUC and of the average "
        "precision of the map, ranked without a threshold (exact, ties as scikit-learn).",
    ),
    (
        "images won",
        "images on which the config scores highest among the ranked configs "
        "(ties count for each tied config).",
    ),
    (
        "P(rank 1)",
        "fraction of bootstrap draws of the images in which the config ranks first; "
        "'rank 95%' is the interval of its rank over the draws.",
    ),
    ("s/image", "median over images of the filter + segmenter wall time."),
    ("Mpx/s", "all pixels divided by all filter + segmenter time."),
    (
        "Δ mean",
        "leader minus the other config, image by image; interval from a paired "
        "bootstrap. Wilcoxon: two-sided signed-rank test of the same differences; "
        "Holm: adjusted for the number of comparisons shown.",
    ),
    ("reference", "rows such as a second human observer are scored like methods but not ranked."),
]


_MD_SPECIAL = frozenset("\\`*_[]<>&|#!~")


def md_escape(text: object) -> str:
    r"""``text`` as literal Markdown: specials backslash-escaped, line breaks made spaces.

    CommonMark lets any ASCII punctuation be escaped with a backslash; the
    characters escaped here are those that can start markup (emphasis, code,
    links and images, raw HTML, entities, headings, table cells, strikethrough).

    Examples
    --------
    >>> md_escape("<script>alert(1)</script>")
    '\\<script\\>alert(1)\\</script\\>'
    >>> md_escape("a|b\nc")
    'a\\|b c'
    """
    flat = " ".join(str(text).splitlines())
    return "".join(f"\\{c}" if c in _MD_SPECIAL else c for c in flat)


def _shown(path: str) -> str:
    """A path relative to the current folder when it is below it (portable in published files)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


def _num(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def _seconds(value: float) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def _p(value: float) -> str:
    if value is None or math.isnan(value):
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _with_interval(value: float, low: float, high: float) -> str:
    """``0.8946 [0.8801, 0.9077]``; the value alone when the interval is empty or a point.

    A board of one image has nothing to resample: its "interval" would be the
    value twice, which reads as certainty it does not have.
    """
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)) or low == high:
        return _num(value)
    return f"{_num(value)} [{_num(low)}, {_num(high)}]"


def leaderboard_rows(board: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and text cells of a leaderboard as shown in the report."""
    metric = board["metric"].iloc[0] if len(board) else "score"
    header = [
        "rank",
        "method",
        "preprocessing",
        "images",
        f"{metric} macro [95% CI]",
        f"{metric} micro",
        "regret",
        "images won",
        "P(rank 1)",
        "rank 95%",
        "s/image",
        "Mpx/s",
    ]
    ranking = "auc" in board and board["auc"].notna().any()
    if ranking:
        header[header.index("regret") + 1 : header.index("regret") + 1] = ["AUC", "AP"]
    # A dataset's own metrics (leaderboard's <name>_macro columns), after the ranked one.
    extra = [c for c in board.columns if c.endswith("_macro") and c != "macro"]
    at = header.index(f"{metric} micro") + 1
    header[at:at] = [f"{get_metric(c.removesuffix('_macro')).label} macro" for c in extra]
    rows = []
    for _, r in board.iterrows():
        ranked = not r["reference"]
        rows.append(
            [
                str(int(r["rank"])) if ranked else "ref.",
                r["method"],
                r["preprocessing"] or "—",
                str(r["images"]),
                _with_interval(r["macro"], r["ci_low"], r["ci_high"]),
                _num(r["micro"]),
                *(_num(r[c]) for c in extra),
                _num(r["regret"]),
                str(int(r["wins"])) if ranked else "—",
                f"{r['p_first']:.0%}" if ranked else "—",
                f"{int(r['rank_low'])}–{int(r['rank_high'])}" if ranked else "—",
                _seconds(r["median_runtime_s"]),
                _num(r["throughput_mpx_s"], 1),
            ]
        )
        if ranking:
            rows[-1][header.index("AUC") : header.index("AUC")] = [_num(r["auc"]), _num(r["ap"])]
    return header, rows


def test_rows(tests: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and text cells of the paired tests (the leader is named in the sentence above)."""
    header = [
        "leader compared with",
        "images",
        "Δ mean [95% CI]",
        "P(leader better)",
        "Wilcoxon p",
        "Holm p",
    ]
    rows = [
        [
            t["other"],
            str(t["n"]),
            _with_interval(t["mean_difference"], t["ci_low"], t["ci_high"]),
            f"{t['p_better']:.0%}" if not math.isnan(t["p_better"]) else "—",
            _p(t["wilcoxon_p"]),
            _p(t["holm_p"]),
        ]
        for _, t in tests.iterrows()
    ]
    return header, rows


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table; the cells (names from data) escaped, the harness's own header not."""

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    head = [str(c).replace("|", "\\|") for c in header]
    body = [[md_escape(c) for c in row] for row in rows]
    return "\n".join([line(head), line(["---"] * len(header)), *map(line, body)])


def _summary(report: Report, escape: Callable[[object], str] = str) -> str:
    # A code span shows backslashes literally: keep the commit (hex) in one, backticks out.
    commit = str(report.provenance.get("git_commit") or "unknown").replace("`", "")
    metric = escape(report.metric)
    return (
        f"Ranked on **{metric}** (macro mean); 95% intervals from {report.resamples} "
        f"bootstrap draws of the images, seed {report.seed}. Generated "
        f"{escape(report.provenance.get('date', ''))} at commit `{commit}` from "
        f"{len(report.sources)} result table(s)."
    )


def _board_meta(board: BoardReport) -> str:
    ranked = int((~board.leaderboard["reference"]).sum())
    text = f"{board.n_images} image(s), {ranked} ranked config(s)"
    if board.splits:
        text += " (images by split: " + ", ".join(f"{k} {v}" for k, v in board.splits.items()) + ")"
    return text + "."


def _test_sentence(board: BoardReport) -> str:
    if board.tests.empty:
        return "Fewer than two ranked configs: nothing to compare."
    sentence = (
        f"The leader, {board.tests['leader'].iloc[0]}, against the next configs on the same "
        "images: paired bootstrap of the mean difference and Wilcoxon signed-rank test."
    )
    n = int(board.tests["n"].max())
    if n <= 5:
        sentence += (
            f" With {n} image(s) no two-sided Wilcoxon p can fall below {2 / 2**n:.3g}: "
            "this board cannot separate methods; read its ranking as anecdotal."
        )
    return sentence


def to_markdown(report: Report, html_name: str = "leaderboard.html") -> str:
    """The leaderboards, tests and notes as Markdown; figures are in the HTML file."""
    parts = [
        "# Leaderboard",
        "",
        _summary(report, md_escape),
        "",
        f"Figures (heatmaps, Pareto fronts, threshold curves, overlays): {md_escape(html_name)}.",
        "",
    ]
    parts += [f"- {md_escape(n)}" for n in report.notes] + ([""] if report.notes else [])
    for board in report.boards:
        parts += [f"## {md_escape(board.name)}", "", md_escape(_board_meta(board)), ""]
        parts += [_md_table(*leaderboard_rows(board.leaderboard)), ""]
        parts += [md_escape(_test_sentence(board)), ""]
        if not board.tests.empty:
            parts += [_md_table(*test_rows(board.tests)), ""]
        parts += [f"- {md_escape(n)}" for n in board.notes] + ([""] if board.notes else [])
    parts += ["## Definitions", ""] + [f"- **{k}**: {v}" for k, v in DEFINITIONS]
    return "\n".join(parts) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;
max-width:1280px;padding:0 1em;color:#222;line-height:1.4}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:13px;margin:.6em 0}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#eef4f8} th.text,td.text{text-align:left;white-space:normal}
tr.reference td{background:#eaf6ee;font-style:italic} tr.first td{font-weight:600}
.note{background:#fff7e0;border-left:4px solid #E69F00;padding:.4em .8em;margin:.4em 0}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:13px;color:#444;max-width:1000px;overflow-wrap:anywhere}
td{white-space:nowrap}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,560px),1fr));gap:14px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:6px;align-items:start;
border:1px solid #ddd;padding:6px}
.pair figure{margin:0;min-width:0} .swatch{display:inline-block;width:1em;height:1em;
vertical-align:middle;margin:0 .3em 0 .8em;border:1px solid #555}
dl dt{font-weight:600} dl dd{margin:0 0 .5em 1.2em} .meta{color:#555;font-size:13px}
"""


def _html_table(
    header: list[str],
    rows: list[list[str]],
    text: tuple[int, ...],
    classes: list[str] | None = None,
    table_id: str | None = None,
) -> str:
    """An HTML table, sortable by a click on a header; ``text`` columns are left-aligned."""

    def cell(tag: str, i: int, value: str) -> str:
        css = ' class="text"' if i in text else ""
        return f"<{tag}{css}>{html.escape(str(value))}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = []
    for k, row in enumerate(rows):
        css = f' class="{classes[k]}"' if classes and classes[k] else ""
        body.append(f"<tr{css}>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    return (
        f'<table class="sortable"{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _img(data: bytes, alt: str, kind: str = "png") -> str:
    text = base64.b64encode(data).decode("ascii")
    return (
        f'<img class="zoom" src="data:image/{kind};base64,{text}" alt="{html.escape(alt)}" '
        'title="click: full size">'
    )


def _board_html(board: BoardReport, index: int, folder: Path | None = None) -> str:
    lb = board.leaderboard
    classes = [
        "reference" if r["reference"] else ("first" if r["rank"] == 1 else "")
        for _, r in lb.iterrows()
    ]
    parts = [
        f'<h2 id="board-{index}">{html.escape(board.name)}</h2>',
        f'<p class="meta">{html.escape(_board_meta(board))}</p>',
        filter_box(f"leaderboard-{index}"),
        _html_table(
            *leaderboard_rows(lb), text=(1, 2), classes=classes, table_id=f"leaderboard-{index}"
        ),
    ]
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in board.notes]
    parts += [f"<h3>Statistics</h3><p>{html.escape(_test_sentence(board))}</p>"]
    if not board.tests.empty:
        parts.append(_html_table(*test_rows(board.tests), text=(0,)))
    for fig in board.figures:
        parts.append(
            f"<h3>{html.escape(fig.title)}</h3><figure>{_img(fig.png, fig.title)}"
            f"<figcaption>{html.escape(fig.caption)}</figcaption></figure>"
        )
    if board.gallery:
        swatches = "".join(
            f'<span class="swatch" style="background:rgb{colour}"></span>{name}'
            for name, colour in OVERLAY_COLOURS.items()
        )
        parts.append(
            "<h3>Where each method fails: best and worst image</h3><p>Overlay of the mask on "
            f"the image the method saw: {swatches}"
            '<span class="swatch" style="background:#888"></span>TN (the grey image). '
            "For each method, its best config: the image it scores best on, then the worst. "
            "Images longer than the thumbnail are shrunk by area averaging (a one-pixel error "
            "stays a tint); <i>native resolution</i> opens the run's own overlay, one pixel "
            "per image pixel, where the run drew it.</p>"
        )
        pairs: dict[str, list[str]] = {}
        for o in board.gallery:
            pairs.setdefault(o.config, []).append(
                f"<figure>{_img(o.jpeg, f'{o.which} image of {o.config}: {o.image}', 'jpeg')}"
                f"<figcaption><b>{html.escape(o.which)}</b> ({o.score:.4f}): "
                f"{html.escape(o.image)}{_full_size_link(o, folder)}</figcaption></figure>"
            )
        cells = [
            f'<div class="pair"><p class="meta" style="grid-column:1/3;margin:0">'
            f"<b>{html.escape(config)}</b></p>{''.join(figs)}</div>"
            for config, figs in pairs.items()
        ]
        parts.append(f'<div class="gallery">{"".join(cells)}</div>')
    if board.explorers:
        metric = str(lb["metric"].iloc[0]) if len(lb) else "score"
        parts.append(
            "<h3>Threshold explorer</h3><p>Every global threshold of each image: move the "
            f"slider to see the overlay and the exact {html.escape(metric)} at that threshold "
            "(the same numbers as the table and the curves above); each method's choice is "
            "marked. Documents and other dark-object images are shown in their own polarity.</p>"
        )
        parts += [explorer_html(e, metric) for e in board.explorers]
    return "\n".join(parts)


def _full_size_link(overlay: Overlay, folder: Path | None) -> str:
    """A link from the report's folder to the run's overlay at native resolution, if any."""
    if overlay.full is None or folder is None:
        return ""
    target = Path(os.path.relpath(Path(overlay.full).resolve(), Path(folder).resolve()))
    return f' · <a href="{html.escape(quote(target.as_posix()))}">native resolution</a>'


def to_html(report: Report, folder: str | Path | None = None) -> str:
    """One self-contained HTML page: tables, notes, embedded figures, definitions.

    ``folder``: where the page is written; a gallery overlay whose run drew it at
    native resolution links there (a path relative to ``folder``), beside the
    embedded, area-averaged thumbnail.
    """
    toc = "".join(
        f'<li><a href="#board-{i}">{html.escape(b.name)}</a></li>'
        for i, b in enumerate(report.boards)
    )
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in report.notes)
    sources = "".join(f"<li><code>{html.escape(_shown(s))}</code></li>" for s in report.sources)
    definitions = "".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in DEFINITIONS
    )
    summary = html.escape(_summary(report)).replace("**", "").replace("`", "")
    boards = "\n".join(
        _board_html(b, i, None if folder is None else Path(folder))
        for i, b in enumerate(report.boards)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>segbench leaderboard ({html.escape(report.metric)})</title>"
        f"<style>{_CSS}{EXPLORE_CSS}</style></head><body>"
        f"<h1>segbench leaderboard</h1><p>{summary}</p>{notes}<ul>{toc}</ul>{boards}"
        f"<h2>Definitions</h2><dl>{definitions}</dl>"
        f'<h2>Sources</h2><ul class="meta">{sources}</ul>'
        f"<script>{EXPLORE_JS}</script></body></html>\n"
    )
