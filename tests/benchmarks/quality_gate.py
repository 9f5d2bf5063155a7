"""Quality gate: fail when any method's result changes.

    python tests/benchmarks/quality_gate.py            # check against the golden table
    python tests/benchmarks/quality_gate.py --quick    # first 2 images of each dataset (CI)
    python tests/benchmarks/quality_gate.py --update   # regenerate the golden table on purpose

The golden table (``results/golden_quality.csv``) holds, for every registered
method that needs no training, with its default parameters (the dataset's
``method_defaults`` where it declares them) after the
article's 3×3 median, one row per image of every dataset config in
``conf/dataset/`` whose files are reachable: the threshold, the four
confusion counts and the scores. The check recomputes the same rows and
compares: counts must be identical, thresholds and scores equal within
1e-9 (floating-point noise). A method missing from the table, or a row that
disappeared, fails too: adding or changing a method means regenerating the
table with ``--update``, and ``git diff results/golden_quality.csv`` then
shows exactly which numbers moved.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import algorithms
import bench
from bench.cli.config import dataset_config
from bench.cli.overrides import group_options
from bench.data import from_config, method_specs
from bench.results import atomic_path

GOLDEN = Path(__file__).resolve().parents[2] / "results" / "golden_quality.csv"
KEY = ["dataset", "image", "algo"]
EXACT = ["tp", "fp", "fn", "tn"]
CLOSE = ["threshold", "accuracy", "f1", "mcc", "iou"]


def datasets() -> list[tuple[object, dict]]:
    """Every dataset config whose files are reachable from here, with its config."""
    found = []
    for name in group_options("dataset"):
        config = dataset_config(name)
        if config.get("images") is None or config.get("masks") is None:
            continue  # a template for the user's own files (folder, volume)
        dataset = from_config(config)
        try:
            dataset.pairs()
        except FileNotFoundError as error:
            print(f"skipping dataset {name}: {error}", file=sys.stderr)
            continue
        found.append((dataset, config))
    return found


def compute(limit: int | None) -> pd.DataFrame:
    methods = [n for n in algorithms.available() if not algorithms.get_class(n).requires_fit]
    tables = []
    for dataset, config in datasets():
        pairs = dataset.pairs()[:limit] if limit else dataset.pairs()
        samples = (dataset.load(*pair) for pair in pairs)
        specs = method_specs(config, methods)  # the dataset's declared baseline parameters
        table = bench.evaluate(samples, specs, [{"name": "median", "size": 3}],
                               dataset=dataset.name)  # fmt: skip
        tables.append(table[KEY + CLOSE[:1] + EXACT + CLOSE[1:]])
    return pd.concat(tables, ignore_index=True).sort_values(KEY, ignore_index=True)


def check(golden: pd.DataFrame, current: pd.DataFrame, quick: bool) -> list[str]:
    """Human-readable differences; empty when the gate passes."""
    golden = golden.astype({"image": str})
    current = current.astype({"image": str})
    if quick:  # only the rows computed now are expected
        golden = golden.merge(current[KEY], on=KEY, how="inner")
        missing_methods = set(current["algo"]) - set(golden["algo"])
    else:
        missing_methods = set()
    merged = golden.merge(current, on=KEY, how="outer", suffixes=("_golden", "_now"),
                          indicator=True)  # fmt: skip
    problems = [f"method {m!r} has no golden rows: regenerate with --update"
                for m in sorted(missing_methods)]  # fmt: skip
    for _, row in merged[merged["_merge"] != "both"].iterrows():
        where = "golden table only" if row["_merge"] == "left_only" else "not in golden table"
        problems.append(f"{row['dataset']}/{row['image']}/{row['algo']}: {where}")
    both = merged[merged["_merge"] == "both"]
    for column in EXACT:
        bad = both[both[f"{column}_golden"] != both[f"{column}_now"]]
        problems += [
            f"{r.dataset}/{r.image}/{r.algo}: {column} "
            f"{r[f'{column}_golden']} -> {r[f'{column}_now']}"
            for _, r in bad.iterrows()
        ]
    for column in CLOSE:
        a, b = both[f"{column}_golden"].to_numpy(float), both[f"{column}_now"].to_numpy(float)
        bad = ~np.isclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)
        problems += [
            f"{r.dataset}/{r.image}/{r.algo}: {column} {r[f'{column}_golden']!r} -> "
            f"{r[f'{column}_now']!r}"
            for _, r in both[bad].iterrows()
        ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Quality gate against the golden table.")
    parser.add_argument("--quick", action="store_true", help="first 2 images of each dataset")
    parser.add_argument("--update", action="store_true", help="regenerate the golden table")
    parser.add_argument("--golden", type=Path, default=GOLDEN)
    args = parser.parse_args(argv)
    if args.update and args.quick:
        parser.error("--update recomputes the whole table; drop --quick")
    start = time.perf_counter()
    current = compute(limit=2 if args.quick else None)
    elapsed = time.perf_counter() - start
    if args.update:
        with atomic_path(args.golden) as tmp:
            current.to_csv(tmp, index=False, float_format="%.17g")
        print(f"golden table written: {args.golden} ({len(current)} rows, {elapsed:.0f} s)")
        return 0
    if not args.golden.exists():
        print(f"no golden table at {args.golden}; create it with --update", file=sys.stderr)
        return 2
    problems = check(pd.read_csv(args.golden), current, args.quick)
    if problems:
        print(f"FAILED: {len(problems)} difference(s) from {args.golden.name}:")
        print("\n".join(f"  {p}" for p in problems[:50]))
        if len(problems) > 50:
            print(f"  … and {len(problems) - 50} more")
        print("If the change is intended, regenerate with --update and commit the diff.")
        return 1
    print(f"passed: {len(current)} rows identical to {args.golden.name} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
