#!/usr/bin/env python3
"""Speed of the global thresholds, ours against the references, measured in one run.

    python tests/benchmarks/speed_global.py            # 4096×4096, 7 interleaved rounds
    python tests/benchmarks/speed_global.py --size 1024 --rounds 3

Prints three tables (times are the median of the rounds, the fastest round
in brackets; ours and the reference alternate, so both see the same machine
load):

1. the 8-bit histogram: ours, ``cv2.calcHist`` and ``np.bincount``;
2. all 18 global methods from one histogram (``try_all`` without masks)
   against computing that histogram once;
3. each method scikit-image also has, from the image: ours
   (``method.threshold(image)``: histogram + threshold) against
   ``skimage.filters.threshold_<name>``, with both thresholds.

The image is the bundled KESM tile, inverted and 3×3-median filtered as in
the founding article, tiled to the requested size: real image statistics
(a dominant background, correlated neighbours), not noise.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import cv2
import numpy as np
from skimage import filters

import algorithms
import bench

# scikit-image functions of the same name, and whether their definition is ImageJ's.
SKIMAGE = {
    "otsu": (filters.threshold_otsu, "same definition"),
    "li": (filters.threshold_li, "skimage iterates unrounded t; ImageJ stops at a rounded one"),
    "yen": (filters.threshold_yen, "same definition"),
    "isodata": (filters.threshold_isodata, "skimage: pixels at t count as background"),
    "mean": (filters.threshold_mean, "same definition; skimage returns the float mean"),
    "minimum": (filters.threshold_minimum, "skimage smooths with scipy's uniform_filter1d"),
    "triangle": (filters.threshold_triangle, "skimage: line from the first bin, no -1 shift"),
}


def kesm_image(size: int) -> np.ndarray:
    """The KESM tile (inverted, 3×3 median) tiled to ``size`` × ``size``, uint8."""
    sample = next(iter(bench.builtin_sample()))
    tile = algorithms.get_filter("median", size=3)(255 - sample.image)
    reps = (-(-size // tile.shape[0]), -(-size // tile.shape[1]))
    return np.ascontiguousarray(np.tile(tile, reps)[:size, :size])


def histogram_pair(image: np.ndarray) -> dict[str, Callable[[], object]]:
    return {
        "ours": lambda: algorithms.histogram(image),
        "cv2.calcHist": lambda: cv2.calcHist([image], [0], None, [256], [0, 256]),
        "np.bincount": lambda: np.bincount(image.ravel(), minlength=256),
    }


def all_methods_pair(image: np.ndarray) -> dict[str, Callable[[], object]]:
    return {
        "histogram + 18 methods": lambda: algorithms.try_all(image, masks=False),
        "histogram once": lambda: algorithms.histogram(image),
    }


def method_pair(image: np.ndarray, name: str) -> dict[str, Callable[[], object]]:
    method = algorithms.get(name)
    reference = SKIMAGE[name][0]
    return {"ours": lambda: method.threshold(image), "skimage": lambda: reference(image)}


def timed(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds of each call in each round, the calls interleaved round after round."""
    times: dict[str, list[float]] = {k: [] for k in calls}
    for call in calls.values():  # warm-up (imports, caches, first-touch of memory)
        call()
    for _ in range(rounds):
        for key, call in calls.items():
            start = time.perf_counter()
            call()
            times[key].append(time.perf_counter() - start)
    return times


def _ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1e3:8.2f} ({min(seconds) * 1e3:7.2f})"


def _ratio(slow: list[float], fast: list[float]) -> str:
    median = statistics.median(slow) / statistics.median(fast)
    return f"{median:.2f} ({min(slow) / min(fast):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    image = kesm_image(args.size)
    print(f"image: KESM tile tiled to {args.size}x{args.size} uint8, {args.rounds} rounds\n")

    t = timed(histogram_pair(image), args.rounds)
    print("1. 8-bit histogram, ms")
    for key, value in t.items():
        print(f"   {key:14s} {_ms(value)}")
    print(f"   cv2.calcHist / ours = {_ratio(t['cv2.calcHist'], t['ours'])} (>= 1: ours as fast)\n")

    t = timed(all_methods_pair(image), args.rounds)
    print("2. all 18 global methods from one histogram, ms")
    for key, value in t.items():
        print(f"   {key:24s} {_ms(value)}")
    ratio = _ratio(t["histogram + 18 methods"], t["histogram once"])
    print(f"   (histogram + 18 methods) / histogram = {ratio} (target <= 2)\n")

    print("3. ours vs scikit-image, from the image, ms; speed-up = skimage / ours")
    for name, (_, note) in SKIMAGE.items():
        calls = method_pair(image, name)
        t = timed(calls, args.rounds)
        ours, theirs = calls["ours"](), calls["skimage"]()
        same = "same mask" if np.array_equal(image > ours, image > theirs) else "differ"
        print(
            f"   {name:9s} ours {_ms(t['ours'])}  skimage {_ms(t['skimage'])}  "
            f"speed-up {_ratio(t['skimage'], t['ours'])}\n"
            f"             thresholds {ours:g} vs {float(theirs):g}: {same} ({note})"
        )


if __name__ == "__main__":
    main()
