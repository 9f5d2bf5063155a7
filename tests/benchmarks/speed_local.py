#!/usr/bin/env python3
"""Speed of the local methods: disk against square windows, ours against scikit-image and doxapy.

    PYTHONPATH=. python tests/benchmarks/speed_local.py [--size 4096] [--rounds 5]
                                                       [--radius 15] [--threads N]

Every ratio is measured in one run, the two sides interleaved round after
round (see ``timing.py``), so both see the same machine load; the load is
printed beside every row of absolute times. Three tables, then every
ratio with its target (issue 15), met or missed:

1. each moment method (Niblack, Sauvola, NICK, Wolf–Jolion, local mean,
   Phansalkar, Bradley–Roth) with ImageJ's disk and with the square of the
   same radius on a ``size``² 8-bit image (the KESM tile, repeated):
   disk / square, target ≤ 2;
2. Sauvola and Niblack on a square window against scikit-image's
   ``threshold_sauvola`` / ``threshold_niblack`` (speed-up, and how many
   interior pixels differ: scikit-image pads by reflection, we replicate
   the edge), and the median filter against scipy's;
3. Wolf–Jolion, NICK, Sauvola and Niblack against doxapy on the 20 DIBCO
   pages (``../shared/data/dibco``, read as grey), same window (side
   ``2·radius + 1``) and ``k``: doxapy / ours, target ≥ 1, and the pixels
   whose class differs away from the border (doxapy's windows shrink at the
   border; inside they hold the same pixels).

``--threads 1`` pins the process to one core (its CPU affinity, which our
kernels' row bands follow) and limits OpenCV and numba to one thread, for
single-threaded references on equal terms (doxapy and scikit-image use one
core).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from timing import Targets, load, load_now, ms, ratio, timed

import algorithms
import bench

MOMENT_METHODS = {
    "niblack": {"k": 0.2},
    "sauvola": {"k": 0.5, "r": 128.0},
    "nick": {"k": -0.1},
    "wolf_jolion": {"k": 0.5},
    "local_mean": {},
    "phansalkar": {},
    "bradley_roth": {},
}
# ../shared/data next to the repository, or $SEGBENCH_DATA, as the dataset configs read it.
DATA = os.environ.get("SEGBENCH_DATA") or Path(__file__).resolve().parents[2].parent / "shared/data"
DIBCO = Path(DATA) / "dibco"


def slide(size: int) -> np.ndarray:
    """A ``size``×``size`` uint8 image: the built-in KESM tile, repeated."""
    tile = next(iter(bench.builtin_sample())).image
    reps = -(-size // tile.shape[0]), -(-size // tile.shape[1])
    return np.ascontiguousarray(np.tile(tile, reps)[:size, :size])


def disk_vs_square(image: np.ndarray, radius: int, rounds: int, targets: Targets) -> None:
    print(f"1. disk vs square, radius {radius}, {image.shape[0]}x{image.shape[1]} uint8, ms "
          "median (fastest)")  # fmt: skip
    for name, params in MOMENT_METHODS.items():
        disk = algorithms.get(name, radius=radius, window="disk", **params)
        square = algorithms.get(name, radius=radius, window="square", **params)
        t = timed({"disk": lambda m=disk: m(image), "square": lambda m=square: m(image)}, rounds)
        print(f"   {name:13s} disk {ms(t['disk'])}  square {ms(t['square'])}  "
              f"disk/square {ratio(t['disk'], t['square'])}  {load_now()}")  # fmt: skip
        targets.check(
            f"{name} disk / square, r {radius}, {image.shape[0]}²",
            t["disk"],
            t["square"],
            at_most=2,
        )


def interior_differences(a: np.ndarray, b: np.ndarray, margin: int) -> int:
    """Differing pixels at least ``margin`` from the border."""
    inner = (slice(margin, -margin or None), slice(margin, -margin or None))
    return int((a[inner] != b[inner]).sum())


WINDOW = 35  # scikit-image's window_size; our square window of radius 17
DOXAPY_TARGETS = ("wolf_jolion", "nick")  # issue 15: at least as fast as doxapy


def sauvola_pair(image: np.ndarray) -> tuple[Callable, Callable]:
    from skimage.filters import threshold_sauvola

    ours = algorithms.get("sauvola", radius=WINDOW // 2, window="square", k=0.2, r=128.0)
    return (lambda: ours(image)), (
        lambda: image > threshold_sauvola(image, window_size=WINDOW, k=0.2, r=128.0)
    )


def niblack_pair(image: np.ndarray) -> tuple[Callable, Callable]:
    from skimage.filters import threshold_niblack

    # scikit-image's Niblack is m - k*s; ours (Fiji's form) m + k*s.
    ours = algorithms.get("niblack", radius=WINDOW // 2, window="square", k=-0.2)
    return (lambda: ours(image)), (
        lambda: image > threshold_niblack(image, window_size=WINDOW, k=0.2)
    )


def median_pair(image: np.ndarray) -> tuple[Callable, Callable]:
    from scipy import ndimage

    ours = algorithms.get_filter("median", size=5)
    return (lambda: ours(image)), (lambda: ndimage.median_filter(image, size=5, mode="nearest"))


def versus_scikit_image(image: np.ndarray, rounds: int, targets: Targets) -> None:
    pairs = {
        f"sauvola square {WINDOW} vs skimage.threshold_sauvola": (sauvola_pair, WINDOW // 2),
        f"niblack square {WINDOW} vs skimage.threshold_niblack": (niblack_pair, WINDOW // 2),
        "median filter size 5 vs scipy.ndimage.median_filter": (median_pair, 0),
    }
    print("\n2. ours vs scikit-image and scipy, ms; speed-up = reference / ours")
    for label, (make, margin) in pairs.items():
        ours, theirs = make(image)
        t = timed({"ours": ours, "reference": theirs}, rounds)
        if margin:
            agree = f"{interior_differences(ours(), theirs(), margin)} interior pixels differ"
        else:
            agree = "identical" if np.array_equal(ours(), theirs()) else "DIFFERENT"
        print(f"   {label}: ours {ms(t['ours'])}  reference {ms(t['reference'])}  "
              f"speed-up {ratio(t['reference'], t['ours'])}  ({agree})  {load_now()}")  # fmt: skip
        targets.check(f"{label}: reference / ours", t["reference"], t["ours"], at_least=1)


def dibco_pages(folder: Path) -> list[np.ndarray]:
    import cv2

    files = sorted(folder.glob("*/images/*.png"))
    return [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in files]


def versus_doxapy(folder: Path, radius: int, rounds: int, targets: Targets) -> None:
    try:
        import doxapy
    except ImportError:
        print("\n3. doxapy is not installed (pip install doxapy); skipped")
        return
    pages = dibco_pages(folder)
    if not pages:
        print(f"\n3. doxapy: no DIBCO pages under {folder}; skipped (set --dibco)")
        return
    algos = doxapy.Binarization.Algorithms
    cases = {
        "wolf_jolion": (algos.WOLF, MOMENT_METHODS["wolf_jolion"]["k"]),
        "nick": (algos.NICK, MOMENT_METHODS["nick"]["k"]),
        "sauvola": (algos.SAUVOLA, 0.2),
        "niblack": (algos.NIBLACK, -0.2),
    }
    window = 2 * radius + 1
    pixels = sum(p.size for p in pages) / 1e6
    print(f"\n3. ours vs doxapy {getattr(doxapy, '__version__', '')} on {len(pages)} DIBCO pages "
          f"({pixels:.1f} Mpx), square window {window}, ms for all pages; "
          "speed-up = doxapy / ours")  # fmt: skip

    def dox(algorithm, page: np.ndarray, k: float) -> np.ndarray:
        binarizer = doxapy.Binarization(algorithm)
        binarizer.initialize(page)
        out = np.empty_like(page)
        binarizer.to_binary(out, {"window": window, "k": k})
        return out

    for name, (algorithm, k) in cases.items():
        method = algorithms.get(name, radius=radius, window="square", k=k)
        ours = lambda m=method: [m(p) for p in pages]  # noqa: E731
        theirs = lambda a=algorithm, k=k: [dox(a, p, k) for p in pages]  # noqa: E731
        t = timed({"ours": ours, "doxapy": theirs}, rounds)
        # doxapy writes 0 (ink, dark) / 255 (paper); our foreground is the bright side.
        differ = sum(
            interior_differences(a, b == 255, window) for a, b in zip(ours(), theirs(), strict=True)
        )
        print(f"   {name:12s} ours {ms(t['ours'])}  doxapy {ms(t['doxapy'])}  "
              f"speed-up {ratio(t['doxapy'], t['ours'])}  "
              f"({differ} interior pixels differ, k={k})  {load_now()}")  # fmt: skip
        if name in DOXAPY_TARGETS:
            targets.check(f"{name} doxapy / ours, DIBCO", t["doxapy"], t["ours"], at_least=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--radius", type=int, default=15)
    parser.add_argument("--threads", type=int, default=0, help="threads for ours (0: all)")
    parser.add_argument("--dibco", type=Path, default=DIBCO, help="DIBCO folder (year/images/)")
    args = parser.parse_args()
    if args.threads:
        import cv2
        import numba

        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.threads])
        cv2.setNumThreads(args.threads)
        numba.set_num_threads(args.threads)
    print(f"{load()}; threads for ours: {args.threads or 'all'}; {args.rounds} rounds\n")
    targets = Targets()
    disk_vs_square(slide(args.size), args.radius, args.rounds, targets)
    versus_scikit_image(slide(args.size), args.rounds, targets)
    versus_doxapy(args.dibco, args.radius, args.rounds, targets)
    targets.report()


if __name__ == "__main__":
    main()
