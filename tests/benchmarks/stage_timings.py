"""Per-stage timings of the default pipeline on the built-in KESM tile.

    python tests/benchmarks/stage_timings.py [--repeat 21]

Runs ``bench.evaluate`` with ``repeat`` and prints the median time of each
stage (polarity + filter, segmentation including the histogram, metrics).
"""

from __future__ import annotations

import argparse


def main() -> None:
    import bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    sample = next(iter(bench.builtin_sample()))
    rows = [bench.evaluate(sample, repeat=args.repeat) for _ in range(args.repeat)]
    stages = ["t_preprocess_s", "t_segment_s", "t_metrics_s"]
    import pandas as pd

    table = pd.concat(rows)[stages]
    print(f"KESM 512x512, invert + median 3x3 + Otsu; medians over {args.repeat} runs")
    for stage in stages:
        print(f"{stage:16s} {table[stage].median() * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
