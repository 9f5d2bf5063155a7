"""ROC AUC and average precision of a 4096² score map: ours against scikit-learn's, one run.

    PYTHONPATH=. python tests/benchmarks/ranking_cost.py [--side 4096] [--repeat 3]

Prints the median wall time of each, the ratio, and the largest difference
of the values (a float32 map, so ties occur; the truth is 30 % foreground).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from bench.run.curves import score_curve


def _median_time(function, repeat: int) -> tuple[object, float]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    truth = rng.random((args.side, args.side)) < 0.3
    scores = (0.6 * rng.random(truth.shape) + 0.4 * truth).astype(np.float32)
    for name, array in (("float32", scores), ("uint16", (scores * 65535).astype(np.uint16))):

        def ours(array=array):
            curve = score_curve(array, truth)
            return curve.roc_auc(), curve.average_precision()

        def sklearn(array=array):
            flat, labels = array.ravel(), truth.ravel()
            return roc_auc_score(labels, flat), average_precision_score(labels, flat)

        (auc, ap), t_ours = _median_time(ours, args.repeat)
        (auc_sk, ap_sk), t_sk = _median_time(sklearn, args.repeat)
        print(
            f"{name} {args.side}²: ours {t_ours:.2f} s, scikit-learn {t_sk:.2f} s "
            f"(ratio {t_sk / t_ours:.1f}x); |ΔAUC| {abs(auc - auc_sk):.1e}, "
            f"|ΔAP| {abs(ap - ap_sk):.1e}"
        )


if __name__ == "__main__":
    main()
