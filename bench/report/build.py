"""``python -m bench.report RESULTS...``: leaderboards, statistics and figures of runs.

Reads run folders, sweep folders (or any folder above runs) and table files,
and writes, per board (dataset, and split / data version when recorded):
the leaderboard (:mod:`bench.report.leaderboard`), the paired tests of the leading
configs (:mod:`bench.report.stats`), and figures — score heatmap, runtime/score
Pareto front, per-image distributions, exact threshold curves and
histograms of the global methods, and the overlay gallery of each method's
best and worst image (:mod:`bench.report.figures`, :mod:`bench.report.images`).

Output: ``leaderboard.csv`` (every board), ``leaderboard_tests.csv``,
``leaderboard.md`` and ``leaderboard.html`` — one self-contained file, its
figures embedded, that opens from disk with no server::

    python -m bench.report results/multirun/2026-11-27/10-00-00
    python -m bench.report run_a run_b table.parquet --metric f1 --out results/report_f1
    python -m bench.report my_table.parquet --dataset-config conf/dataset/kesm.yaml
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf
from PIL import Image

from bench._help import command_parser
from bench._util import natural_key
from bench.data import DatasetWarning
from bench.data.predictions import PREDICTIONS
from bench.metrics import METRICS
from bench.progress import track
from bench.report import figures
from bench.report.images import ImageEvidence, gather_evidence, image_threshold_rows
from bench.report.leaderboard import Board, boards, leaderboard, paired_tests, with_labels
from bench.report.model import BoardReport, Overlay, Report, ReportFigure
from bench.report.render import to_html, to_markdown
from bench.report.replay import ResultSet, load_results
from bench.results import atomic_path, provenance

__all__ = ["BoardReport", "Report", "ReportFigure", "build_report", "main", "write_report"]


def _jpeg(rgb: np.ndarray) -> bytes:
    """An overlay thumbnail as JPEG: a third of the PNG size of a noisy photograph;
    quality 85 without chroma subsampling keeps one-pixel class colours."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=85, subsampling=0)
    return buffer.getvalue()


def _split_counts(table: pd.DataFrame) -> dict[str, int]:
    """Images on each side of the dataset's train/test split, where it means something.

    Only a board with a learned method (``n_train`` > 0) depends on the split;
    for thresholds alone the sides are labels of nothing.
    """
    if "split" not in table or table["split"].isna().all():
        return {}
    if "n_train" not in table or not (table["n_train"].fillna(0) > 0).any():
        return {}
    images = table.drop_duplicates("image")["split"].fillna("unknown")
    return {str(k): int(v) for k, v in sorted(images.value_counts().items())}


def _best_scores(table: pd.DataFrame, from_images: pd.Series, metric: str) -> pd.Series:
    """Each row's best achievable score: the image's threshold curve (global methods),
    else the best threshold of its score map recorded by the run in ``metric``
    (learned methods' probabilities, predicted score maps)."""
    if "best_score" not in table or "best_metric" not in table:
        return from_images
    recorded = table["best_score"].astype(float).where(table["best_metric"] == metric)
    return from_images.fillna(recorded)


def _gallery_requests(
    table: pd.DataFrame, board: pd.DataFrame, metric: str, methods: int
) -> list[tuple[str, str, str, float]]:
    """(config, image, best/worst, score) for the best config of each of the leading methods."""
    requests = []
    ranked = board[~board["reference"]]
    # one per method; each tool's predictions is a method of its own
    method = ranked["algo"].where(ranked["algo"] != PREDICTIONS, ranked["method"])
    for config in ranked.loc[~method.duplicated(), "config"].head(methods):
        rows = table[table["config"] == config].dropna(subset=[metric])
        if rows.empty:
            continue
        rows = rows.iloc[sorted(range(len(rows)), key=lambda i: natural_key(rows["image"].iloc[i]))]
        best, worst = rows[metric].astype(float).idxmax(), rows[metric].astype(float).idxmin()
        requests.append((config, rows.at[best, "image"], "best", float(rows.at[best, metric])))
        if worst != best:
            requests.append(
                (config, rows.at[worst, "image"], "worst", float(rows.at[worst, metric]))
            )
    return requests


def _curve_figures(
    table: pd.DataFrame,
    board: pd.DataFrame,
    evidence: ImageEvidence,
    metric: str,
    preprocessings: Sequence[str],
    max_images: int,
) -> tuple[list[ReportFigure], list[str]]:
    out, notes = [], []
    for preprocessing in preprocessings:
        curves = {
            image: curve
            for (image, kind), curve in sorted(
                evidence.curves.items(), key=lambda kv: natural_key(kv[0][0])
            )
            if kind == preprocessing
        }
        if not curves:
            continue
        rows = with_labels(table[image_threshold_rows(table)])
        rows = rows[rows["preprocessing"] == preprocessing]
        chosen: dict[str, dict[str, float]] = {}
        for _, row in rows.iterrows():
            chosen.setdefault(row["image"], {})[row["method_label"]] = float(row["threshold"])
        shown = dict(list(curves.items())[:max_images])
        label = preprocessing or "none"
        if len(curves) > len(shown):
            notes.append(
                f"Threshold figures ({label}) show the first {len(shown)} of {len(curves)} "
                "images; the regret column uses every image."
            )
        out.append(
            ReportFigure(
                f"Score against threshold, every global threshold ({label})",
                f"Exact {metric} of every threshold of each image, from its joint histogram of "
                "intensity and truth (after the polarity rule and the preprocessing "
                f"'{label}'). Markers: the threshold each global method chose; star and dashed "
                "line: "
                "the best threshold any global method could have chosen. Regret is the gap.",
                figures.png_bytes(
                    figures.threshold_curves(
                        shown,
                        chosen,
                        metric,
                        f"{metric} of every global threshold, per image ({label})",
                    ),
                    tight=False,
                ),
            )
        )
        out.append(
            ReportFigure(
                f"Histograms with every method's threshold ({label})",
                "Each image's intensity histogram, split into truth-background (grey) and "
                "truth-foreground (blue, stacked) pixels; coloured lines: each global method's "
                f"threshold (foreground is to the right); dashed: the best {metric} threshold.",
                figures.png_bytes(
                    figures.threshold_histograms(
                        shown, chosen, metric, f"Histogram and thresholds, per image ({label})"
                    ),
                    tight=False,
                ),
            )
        )
    return out, notes


def _board_report(
    board: Board,
    results: ResultSet,
    metric: str,
    resamples: int,
    seed: int,
    *,
    images: bool,
    gallery_methods: int,
    curve_preprocessings: int,
    curve_images: int,
    tests_top: int,
    thumbnail_size: int,
) -> BoardReport:
    table = board.table
    first = leaderboard(table, metric, resamples=0)  # the order only; bootstrapped once below
    requests = _gallery_requests(table, first, metric, gallery_methods)
    global_configs = set(table.loc[image_threshold_rows(table), "config"])
    chosen_preprocessings = list(
        dict.fromkeys(first.loc[first["config"].isin(global_configs), "preprocessing"])
    )[:curve_preprocessings]
    if images:
        evidence = gather_evidence(
            table,
            results.datasets.get(board.dataset),
            metric,
            curve_preprocessings=frozenset(chosen_preprocessings),
            overlays=frozenset((c, i) for c, i, _, _ in requests),
            thumbnail_size=thumbnail_size,
        )
    else:
        evidence = ImageEvidence(pd.Series(np.nan, index=table.index))
        evidence.notes.append("Images not drawn (--no-images): no curves, regret or overlays.")
    table = table.assign(best_score=_best_scores(table, evidence.best_score, metric))
    if evidence.observer_rows:
        observers = pd.DataFrame(evidence.observer_rows)
        table = pd.concat([table, observers], ignore_index=True)
    board_table = leaderboard(table, metric, resamples, seed)
    board_table.insert(0, "board", board.name)
    tests = paired_tests(table, board_table, metric, tests_top, resamples, seed)
    n_images = int(table["image"].nunique())
    report = BoardReport(
        board.name,
        board.dataset,
        n_images,
        board_table,
        tests,
        notes=list(evidence.notes),
        splits=_split_counts(table),
    )
    ranked = board_table[~board_table["reference"]]
    partial = ranked[ranked["images"] < n_images]
    if len(partial):
        report.notes.append(
            f"{len(partial)} config(s) were scored on fewer than the board's {n_images} images "
            f"(e.g. {partial['config'].iloc[0]}: {partial['images'].iloc[0]}); each mean is "
            "over the config's own images, and paired tests use the images in common."
        )
    report.figures.append(
        ReportFigure(
            "Score by method and preprocessing",
            f"Mean per-image {metric} (macro) of each method (rows, best first) under each "
            "preprocessing (columns); brighter is better.",
            figures.png_bytes(figures.heatmap(board_table, metric)),
        )
    )
    if ranked["median_runtime_s"].gt(0).any():
        report.figures.append(
            ReportFigure(
                "Runtime against score",
                "Each point is a config: median seconds per image (filter + segmenter, log scale) "
                f"against mean per-image {metric}. Orange: the Pareto front — no other config is "
                "both faster and better."
                + (" Dashed green: the second human observer." if evidence.observer_rows else ""),
                figures.png_bytes(figures.pareto(board_table, metric)),
            )
        )
    report.figures.append(
        ReportFigure(
            "Per-image score distributions",
            f"{metric} of every image (points) and their quartiles (box) for the leading configs, "
            "best mean first: a narrow box is a method that behaves the same on every image.",
            figures.png_bytes(figures.distributions(table, board_table, metric)),
        )
    )
    curve_figures, notes = _curve_figures(
        table, board_table, evidence, metric, chosen_preprocessings, curve_images
    )
    report.figures += curve_figures
    report.notes += notes
    for preprocessing in chosen_preprocessings:
        found = sorted(
            (e for (_, kind), e in evidence.explorers.items() if kind == preprocessing),
            key=lambda e: natural_key(e.image),
        )
        report.explorers += found[:curve_images]
    for config, image, which, score in requests:
        rgb = evidence.overlays.get((config, image))
        if rgb is not None:
            full = results.overlays.get((board.dataset, config, image))
            report.gallery.append(Overlay(config, image, which, score, _jpeg(rgb), full))
    return report


def build_report(
    results: ResultSet,
    metric: str = "mcc",
    resamples: int = 2000,
    seed: int = 0,
    *,
    images: bool = True,
    gallery_methods: int = 12,
    curve_preprocessings: int = 1,
    curve_images: int = 24,
    tests_top: int = 5,
    thumbnail_size: int = 1024,
    progress: bool = False,
) -> Report:
    """Leaderboards, tests and figures of every board in ``results``.

    Parameters
    ----------
    results : ResultSet
        From :func:`bench.report.replay.load_results`.
    metric : str
        The score to rank on (a key of :data:`bench.METRICS`).
    resamples, seed : int
        Bootstrap draws of the images and their seed.
    images : bool
        Re-read the images for threshold curves, regret and overlays.
    gallery_methods : int
        Overlays of the best config of this many leading methods (best and
        worst image each).
    curve_preprocessings, curve_images : int
        Threshold figures for the preprocessings of this many leading global
        configs, showing at most this many images each.
    tests_top : int
        Paired tests between the leader and the next ``tests_top - 1`` configs.
    thumbnail_size : int
        Longest side of the gallery's overlays (smaller images keep their own
        size); the page shows them small and opens one at this size on a click.
    progress : bool
        Report progress over the boards on stderr (:mod:`bench.progress`).
    """
    if metric not in METRICS:
        msg = f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}."
        raise ValueError(msg)
    found = list(boards(results.table))
    # Re-reading a dataset repeats its warnings about files it left out: the report lists
    # each once among its notes instead of printing it again.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DatasetWarning)
        reports = [
            _board_report(
                board,
                results,
                metric,
                resamples,
                seed,
                images=images,
                gallery_methods=gallery_methods,
                curve_preprocessings=curve_preprocessings,
                curve_images=curve_images,
                tests_top=tests_top,
                thumbnail_size=thumbnail_size,
            )
            for board in track(found, "report", unit="boards", enabled=progress)
        ]
    notes = list(results.notes)
    for item in caught:
        if not issubclass(item.category, DatasetWarning):
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
        elif str(item.message) not in notes:
            notes.append(str(item.message))
    return Report(reports, metric, resamples, seed, results.sources, notes, provenance())


def write_report(report: Report, folder: str | Path, stem: str = "leaderboard") -> list[Path]:
    """Write ``<stem>.csv``, ``<stem>_tests.csv``, ``<stem>.md`` and ``<stem>.html``, atomically."""
    folder = Path(folder)
    written = []
    tables = {
        f"{stem}.csv": pd.concat([b.leaderboard for b in report.boards], ignore_index=True),
        f"{stem}_tests.csv": pd.concat(
            [b.tests.assign(board=b.name) for b in report.boards if len(b.tests)]
            or [pd.DataFrame()],
            ignore_index=True,
        ),
    }
    for name, table in tables.items():
        with atomic_path(folder / name) as tmp:
            table.to_csv(tmp, index=False)
        written.append(folder / name)
    for name, text in (
        (f"{stem}.md", to_markdown(report, f"{stem}.html")),
        (f"{stem}.html", to_html(report, folder)),
    ):
        with atomic_path(folder / name) as tmp:
            tmp.write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written


def _dataset_configs(paths: Iterable[str]) -> list[dict[str, Any]]:
    configs = []
    for path in paths:
        if not Path(path).is_file():
            msg = f"Dataset config not found: {path}"
            raise FileNotFoundError(msg)
        node = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
        node = node.get("dataset", node) if isinstance(node, dict) else node
        if not isinstance(node, dict) or "name" not in node:
            msg = f"{path} is not a dataset config: it needs a 'name' (see conf/dataset/)."
            raise ValueError(msg)
        configs.append(node)
    return configs


def _default_out(paths: Sequence[str]) -> Path:
    if len(paths) == 1 and Path(paths[0]).is_dir():
        return Path(paths[0]) / "report"
    return Path("results") / "reports" / dt.datetime.now().strftime("%Y-%m-%d/%H-%M-%S")


def parser(prog: str = "python -m bench.report") -> argparse.ArgumentParser:
    """The command line of ``segbench report`` (``python -m bench.report``)."""
    p = command_parser(
        prog,
        "Leaderboards, statistics and figures of benchmark runs: per dataset, configs ranked\n"
        "by the macro mean with bootstrap intervals, paired tests, regret, Pareto plot, curves\n"
        "and overlays. Writes leaderboard.csv/.md/.html (one self-contained file) into --out.",
        [
            (f"{prog} results/multirun/2026-11-27/10-00-00", "a sweep: its report/ folder"),
            (f"{prog} run_a run_b table.parquet --metric f1 --out my_report", "several runs"),
            (f"{prog} my_table.parquet --dataset-config conf/dataset/kesm.yaml", "a bare table"),
        ],
    )
    p.add_argument("results", nargs="+", help="run folders, sweep folders or table files")
    p.add_argument("--metric", default="mcc", choices=list(METRICS), help="score to rank on")
    p.add_argument(
        "--out", help="output folder (default: RESULT/report for one folder, else results/reports)"
    )
    p.add_argument("--resamples", type=int, default=2000, help="bootstrap draws")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument(
        "--dataset-config",
        action="append",
        default=[],
        metavar="YAML",
        help="dataset config for tables recorded without one (repeatable)",
    )
    p.add_argument("--no-images", action="store_true", help="tables only; do not re-read images")
    p.add_argument("--gallery", type=int, default=12, help="methods in the overlay gallery")
    return p


def main(argv: Sequence[str] | None = None, prog: str = "python -m bench.report") -> int:
    """Entry point; returns the exit status (2 for bad input)."""
    args = parser(prog).parse_args(argv)
    start = time.perf_counter()
    try:
        results = load_results(args.results, _dataset_configs(args.dataset_config))
        report = build_report(
            results,
            args.metric,
            args.resamples,
            args.seed,
            images=not args.no_images,
            gallery_methods=args.gallery,
            progress=True,
        )
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else _default_out(args.results)
    written = write_report(report, out)
    for board in report.boards:
        top = board.leaderboard[~board.leaderboard["reference"]].iloc[0]
        print(
            f"{board.name}: {len(board.leaderboard)} configs, {board.n_images} images; "
            f"first: {top['config']} ({args.metric} {top['macro']:.4f})"
        )
    print(f"report: {written[-1]} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
