"""``python -m bench.publish``: regenerate the published leaderboard of the shared datasets.

One command, from the repository root::

    python -m bench.publish                    # → results/leaderboard.md and .html

Every registered segmenter that needs no training, with its default
parameters, after each preprocessing of :data:`FILTERS` (no filter, 3×3 and
5×5 median), on each dataset of :data:`DATASETS`, read through its named
config (``conf/dataset/<name>.yaml``; the data root is ``$SEGBENCH_DATA`` or
``../shared/data``). Each
dataset's rows are written as a run folder (``results/published/<name>/``:
tables, ``config.yaml``, ``provenance.json``), and the report is built from
those folders exactly as ``python -m bench.report`` would.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

import algorithms
from bench.cli.config import dataset_config
from bench.cli.help import command_parser
from bench.cli.overrides import CONF_DIR
from bench.data import from_config, method_specs
from bench.report.build import build_report, write_report
from bench.report.replay import load_results
from bench.results import atomic_path, provenance, write_json, write_table
from bench.run.whole_image import evaluate

__all__ = ["DATASETS", "FILTERS", "main", "methods", "publish"]

REPO = CONF_DIR.parent
DATASETS = ("kesm", "isbi2012", "dibco2009", "dibco2010", "dsb2018")
"""The shared datasets of the published leaderboard, in the order shown."""

FILTERS: list[dict[str, Any]] = [
    {"name": "none"},
    {"name": "median", "size": 3},
    {"name": "median", "size": 5},
]


def methods(pattern: str = "*") -> list[str]:
    """Registered segmenters matching ``pattern`` that need no training."""
    return [n for n in algorithms.available(pattern) if not algorithms.get_class(n).requires_fit]


def publish(
    out: Path,
    datasets: Sequence[str] = DATASETS,
    pattern: str = "*",
    **report_options: Any,
) -> list[Path]:
    """Run every method × filter on each dataset, write run folders and the report."""
    names = methods(pattern)
    if not names:
        msg = f"No segmenter without training matches {pattern!r}; see algorithms.available()."
        raise ValueError(msg)
    runs = []
    for name in datasets:
        config = dataset_config(name)
        start = time.perf_counter()
        # Each dataset's own metric set (dataset.metrics) beside the count-based scores.
        table = evaluate(
            from_config(config), method_specs(config, names), FILTERS,
            metrics=config.get("metrics", []), progress=True,
        )  # fmt: skip
        folder = out / "published" / name
        write_table(table, folder)
        text = OmegaConf.to_yaml({"dataset": config, "algo": names, "filter": FILTERS})
        with atomic_path(folder / "config.yaml") as tmp:
            tmp.write_text(text)
        write_json(provenance(text), folder / "provenance.json")
        runs.append(folder)
        print(
            f"{name}: {table['image'].nunique()} images × {len(names)} methods × "
            f"{len(FILTERS)} filters in {time.perf_counter() - start:.1f} s"
        )
    report = build_report(load_results(runs), progress=True, **report_options)
    return write_report(report, out)


def parser(prog: str = "python -m bench.publish") -> argparse.ArgumentParser:
    """The command line of ``segbench publish``."""
    p = command_parser(
        prog,
        "Regenerate the published leaderboard: every segmenter that needs no training x\n"
        "{no filter, median 3, median 5} on the shared datasets (root: $SEGBENCH_DATA or\n"
        "../shared/data), one run folder per dataset under OUT/published/, then the report.",
        [
            (prog, "results/leaderboard.md and .html"),
            (f"{prog} --datasets kesm --methods 'otsu' --out /tmp/pub", "one dataset, one method"),
            (f"{prog} --datasets dibco2009 dibco2010 --metric f1", "documents, ranked on F1"),
        ],
    )
    p.add_argument("--out", default=str(REPO / "results"), help="folder of leaderboard.md/.html")
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), help="datasets to run")
    p.add_argument("--methods", default="*", help="segmenter name pattern (all: *)")
    p.add_argument("--metric", default="mcc", help="score to rank on")
    return p


def main(argv: Sequence[str] | None = None, prog: str = "python -m bench.publish") -> int:
    """Entry point; prints the wall time; returns the exit status (2 for bad input)."""
    args = parser(prog).parse_args(argv)
    start = time.perf_counter()
    try:
        written = publish(
            Path(args.out),
            args.datasets,
            args.methods,
            metric=args.metric,
            gallery_methods=4,
            curve_images=12,
            thumbnail_size=1024,
        )
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
