"""Speed of the local methods against scikit-image and scipy: ratios measured in one run.

    PYTHONPATH=. python tests/benchmarks/speed_local.py [--size 4096] [--repeat 3]
                                                       [--all] [--threads N]

Each line times ours and the reference on the same 4096×4096 8-bit image (the
built-in KESM tile repeated), best of ``--repeat`` runs, and checks that the
outputs agree where the definitions do. ``--all`` also times every registered
local method at its defaults (local Otsu and the disk median take seconds).
``--threads 1`` limits numba and OpenCV to one thread, for a comparison with
the single-threaded references on equal terms.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_niblack, threshold_sauvola

import algorithms
import bench

WINDOW = 35  # scikit-image's window_size; our square window of radius 17


def slide(size: int = 4096) -> np.ndarray:
    """A ``size``×``size`` uint8 image: the built-in KESM tile, repeated."""
    tile = next(iter(bench.builtin_sample())).image
    reps = -(-size // tile.shape[0]), -(-size // tile.shape[1])
    return np.ascontiguousarray(np.tile(tile, reps)[:size, :size])


def sauvola_pair(image: np.ndarray) -> tuple[Callable, Callable]:
    ours = algorithms.get("sauvola", radius=WINDOW // 2, window="square", k=0.2, r=128.0)
    return (lambda: ours(image)), (
        lambda: image > threshold_sauvola(image, window_size=WINDOW, k=0.2, r=128.0)
    )


def niblack_pair(image: np.ndarray) -> tuple[Callable, Callable]:
    # scikit-image's Niblack is m - k*s; ours (Fiji's form) m + k*s.
    ours = algorithms.get("niblack", radius=WINDOW // 2, window="square", k=-0.2)
    return (lambda: ours(image)), (
        lambda: image > threshold_niblack(image, window_size=WINDOW, k=0.2)
    )


def median_pair(image: np.ndarray) -> tuple[Callable, Callable]:
    ours = algorithms.get_filter("median", size=5)
    return (lambda: ours(image)), (lambda: ndimage.median_filter(image, size=5, mode="nearest"))


def interior_differences(a: np.ndarray, b: np.ndarray, margin: int) -> int:
    """Differing pixels at least ``margin`` from the border.

    scikit-image pads by reflection, this package by edge replication, so
    windows that reach past the edge hold different pixels.
    """
    return int((a[margin:-margin, margin:-margin] != b[margin:-margin, margin:-margin]).sum())


def best_of(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


PAIRS = {
    f"sauvola square {WINDOW} vs skimage.threshold_sauvola": (sauvola_pair, WINDOW // 2),
    f"niblack square {WINDOW} vs skimage.threshold_niblack": (niblack_pair, WINDOW // 2),
    "median filter size 5 vs scipy.ndimage.median_filter": (median_pair, 0),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="also time every local method")
    parser.add_argument("--threads", type=int, default=0, help="numba/OpenCV threads (0: all)")
    args = parser.parse_args()
    if args.threads:
        import cv2
        import numba

        cv2.setNumThreads(args.threads)
        numba.set_num_threads(args.threads)
    image = slide(args.size)
    threads = args.threads or "all"
    print(f"image {image.shape} {image.dtype}; best of {args.repeat} runs; threads: {threads}")
    for label, (make, margin) in PAIRS.items():
        ours, reference = make(image)
        t_ours, out_ours = best_of(ours, args.repeat)
        t_ref, out_ref = best_of(reference, args.repeat)
        if margin:
            agree = f"{interior_differences(out_ours, out_ref, margin)} interior pixels differ"
        else:
            agree = "identical" if np.array_equal(out_ours, out_ref) else "DIFFERENT"
        print(f"{label}: ours {t_ours:.3f} s, reference {t_ref:.3f} s, "
              f"ratio {t_ref / t_ours:.1f}x ({agree})")  # fmt: skip
    if args.all:
        for name in algorithms.available(kind="local"):
            method = algorithms.get(name)
            elapsed, _ = best_of(lambda method=method: method(image), 1)
            print(f"{name} (defaults {method.get_params()}): {elapsed:.3f} s")


if __name__ == "__main__":
    main()
