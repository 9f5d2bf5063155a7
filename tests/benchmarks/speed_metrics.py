"""Confusion-count metrics against scikit-learn on one 4096×4096 mask pair.

    python tests/benchmarks/speed_metrics.py [--size 4096] [--repeat 5]

Prints the median wall time of each side and their ratio, measured in one
run: ours is ``confusion_counts`` + ``scores`` (all eight metrics); the
reference is what the founding article did — ``confusion_matrix`` +
``f1_score`` + ``matthews_corrcoef`` on the flattened masks.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from sklearn.metrics import confusion_matrix, f1_score, matthews_corrcoef

    from bench.metrics import confusion_counts, scores

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    truth = rng.random((args.size, args.size)) < 0.1
    pred = truth ^ (rng.random(truth.shape) < 0.02)

    def ours() -> dict[str, float]:
        return scores(confusion_counts(truth, pred))

    def sklearn() -> tuple[np.ndarray, float, float]:
        t, p = truth.ravel(), pred.ravel()
        return confusion_matrix(t, p), f1_score(t, p), matthews_corrcoef(t, p)

    mine, ref = ours(), sklearn()
    if abs(mine["f1"] - ref[1]) > 1e-12 or abs(mine["mcc"] - ref[2]) > 1e-12:
        msg = f"Scores disagree with scikit-learn: {mine} vs f1={ref[1]}, mcc={ref[2]}"
        raise SystemExit(msg)
    t_ours = _median_time(ours, args.repeat)
    t_ref = _median_time(sklearn, max(1, args.repeat // 2))
    print(f"{args.size}x{args.size} masks, median of {args.repeat} runs")
    print(f"ours  (counts + 8 scores):                 {t_ours * 1e3:9.1f} ms")
    print(f"sklearn (confusion_matrix + f1 + mcc):     {t_ref * 1e3:9.1f} ms")
    print(f"speed-up: {t_ref / t_ours:.0f}x")


if __name__ == "__main__":
    main()
