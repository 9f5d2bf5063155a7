"""Learned segmenters against thresholds on held-out ISBI 2012 slices.

python tests/benchmarks/learned_isbi.py                 # both learned methods, fresh fits
python tests/benchmarks/learned_isbi.py --unet-threads 1 --out results/learned_isbi

Every method is scored on the same test slices: the split of ``bench.data.splits``
(seed 0, test fraction 0.3), membranes made bright by inverting the images
(they are 0 = black in the masks and dark in the images). Thresholds: Otsu,
Li and the adaptive Gaussian-mean threshold (block sizes 25, 51, 101), each
after a median filter of size 1, 3 and 5. Learned methods: their default
configurations (``conf/algo/*.yaml``), no filter, fitted on the train
slices. Prints the mean (macro) MCC over the test slices per configuration,
training time, mean inference time per slice and the process CPU time of
each learned evaluation (fit + inference), which is what a busy machine
does not inflate; writes the per-slice table and the summary under --out.
Not a pytest test (its name does not start with ``test_``): it trains for
minutes.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import pandas as pd

import bench
from bench.data import Split
from bench.results import write_json, write_table

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "isbi2012"
RULE = Split(seed=0, test_fraction=0.3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder with images/ and masks/")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "learned_isbi")
    parser.add_argument("--unet-threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--skip-unet", action="store_true")
    parser.add_argument("--skip-forest", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"error: ISBI 2012 data not found at {args.data}", file=sys.stderr)
        return 2
    dataset = bench.FolderDataset(
        "isbi2012", args.data / "images", args.data / "masks", truth_value=0, polarity="dark"
    )
    samples = list(dataset)
    test_ids = [s.id for s in samples if RULE.of(s.id) == "test"]
    print(f"ISBI 2012: {len(samples)} slices, test slices {', '.join(test_ids)}")

    thresholds = [
        "otsu", "li",
        *({"name": "adaptive", "block_size": b, "method": "gaussian"} for b in (25, 51, 101)),
    ]  # fmt: skip
    medians = [{"name": "median", "size": s} for s in (1, 3, 5)]
    tables = [bench.evaluate(samples, thresholds, medians, split=RULE, score_split="test")]
    cpu: dict[str, float] = {}
    learned = []
    if not args.skip_forest:
        learned.append({"name": "pixel_classifier"})
    if not args.skip_unet:
        learned.append({"name": "unet", "n_threads": args.unet_threads})
    for method in learned:
        start = time.process_time()
        tables.append(bench.evaluate(samples, [method], [None], split=RULE, score_split="test"))
        cpu[method["name"]] = time.process_time() - start
    table = pd.concat(tables, ignore_index=True)
    assert set(table["image"]) == set(test_ids), "every method must be scored on the test slices"

    summary = (
        table.groupby("config", sort=False)
        .agg(
            algo=("algo", "first"),
            images=("image", "count"),
            mcc=("mcc", "mean"),
            f1=("f1", "mean"),
            t_train_s=("t_train_s", "first"),
            t_segment_s=("t_segment_s", "mean"),
        )
        .reset_index()
    )
    summary["cpu_fit_and_infer_s"] = summary["algo"].map(cpu)
    summary = summary.sort_values("mcc", ascending=False)
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    best_threshold = summary[summary["algo"].isin(["otsu", "li", "adaptive"])]
    best = best_threshold.iloc[0]
    print(f"\nbest threshold configuration: {best['config']}  mean MCC {best['mcc']:.4f}")
    for name in (m["name"] for m in learned):
        row = summary[summary["algo"] == name].iloc[0]
        verdict = "beats" if row["mcc"] > best["mcc"] else "does NOT beat"
        print(
            f"{name}: mean MCC {row['mcc']:.4f} {verdict} it; training {row['t_train_s']:.1f} s "
            f"wall, inference {row['t_segment_s']:.2f} s per slice, "
            f"{cpu[name]:.0f} s CPU (fit + inference)"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    write_table(table, args.out)
    summary.to_csv(args.out / "summary.csv", index=False)
    write_json(
        {"command": " ".join(sys.argv), "machine": platform.platform(), "test_slices": test_ids},
        args.out / "run.json",
    )
    print(f"\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
