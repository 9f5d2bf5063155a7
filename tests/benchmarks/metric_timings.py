"""Each image-level metric on one large mask pair against its reference, in one run.

    python tests/benchmarks/metric_timings.py [--size 4096] [--repeat 3]

Prints, per metric, the median wall time of ours (the public function, which
computes everything it needs from scratch) and of the reference
implementation the tests check it against, and their ratio. References:
doxapy (FM, PSNR, NRM, DRD in one call), MONAI (HD95, ASSD, NSD),
scikit-image (Betti numbers through ``label`` + ``euler_number``; V_rand and
V_info through ``adapted_rand_error`` / ``variation_of_information``), and the
literal loop-based definitions of ``tests/metrics/metric_reference.py`` (pFM, clDice,
DSB AP, PQ), timed once. A reference that is not installed is reported as
such. The pair: smooth random blobs (a few thousand objects) and the same
blobs with their boundaries moved and 1 % of the pixels flipped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "metrics"))  # metric_reference.py


def _median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def masks(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.standard_normal((size, size)), sigma=size / 400)
    truth = field > 0.5 * field.std()
    moved = ndimage.gaussian_filter(field + 0.3 * field.std(), sigma=1) > 0.5 * field.std()
    prediction = moved ^ (rng.random(truth.shape) < 0.01)
    return truth, prediction


def references(truth: np.ndarray, pred: np.ndarray) -> dict[str, tuple[str, object]]:
    import metric_reference as literal
    from skimage.measure import euler_number, label
    from skimage.metrics import adapted_rand_error, variation_of_information

    from bench.metrics import segments

    refs: dict[str, tuple[str, object]] = {}
    try:
        import doxapy

        gt8 = np.where(truth, 0, 255).astype(np.uint8)
        bin8 = np.where(pred, 0, 255).astype(np.uint8)
        refs["drd"] = (
            "doxapy calculate_performance",
            lambda: doxapy.calculate_performance(gt8, bin8),
        )
    except ImportError:
        refs["drd"] = ("doxapy (not installed)", None)
    try:
        import torch
        from monai.metrics import (
            compute_average_surface_distance,
            compute_hausdorff_distance,
            compute_surface_dice,
        )

        y = torch.from_numpy(truth[None, None].astype(np.float32))
        yp = torch.from_numpy(pred[None, None].astype(np.float32))
        refs["hd95"] = ("MONAI", lambda: compute_hausdorff_distance(yp, y, True, percentile=95))
        refs["assd"] = ("MONAI", lambda: compute_average_surface_distance(yp, y, True, True))
        refs["nsd"] = ("MONAI", lambda: compute_surface_dice(yp, y, [1.0], True))
    except ImportError:
        for name in ("hd95", "assd", "nsd"):
            refs[name] = ("MONAI (not installed)", None)

    def betti_skimage() -> None:
        for mask in (truth, pred):
            label(mask, connectivity=2).max() - euler_number(mask, connectivity=2)

    refs["betti"] = ("scikit-image label + euler_number", betti_skimage)
    refs["v_rand"] = (
        "scikit-image adapted_rand_error (+ labelling)",
        lambda: adapted_rand_error(segments.segments(truth)[0], segments.segments(pred)[0]),
    )
    refs["v_info"] = (
        "scikit-image variation_of_information (+ labelling)",
        lambda: variation_of_information(
            segments.segments(truth)[0], segments.segments(pred)[0], ignore_labels=(0,)
        ),
    )
    refs["pfm"] = ("literal loops", lambda: literal.pseudo_f_measure(truth, pred))
    refs["cldice"] = ("literal loops", lambda: literal.cldice(truth, pred))
    refs["ap_dsb"] = ("literal loops", lambda: literal.dsb_average_precision(truth, pred))
    refs["pq"] = ("literal loops", lambda: literal.panoptic_quality(truth, pred))
    return refs


def main() -> None:
    import bench.metrics as bm

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    truth, pred = masks(args.size)
    _, n_objects = ndimage.label(truth)
    print(f"{args.size}×{args.size} masks, {n_objects} truth objects, {truth.mean():.1%} object")

    ours = {
        "drd": lambda: bm.drd(truth, pred),
        "pfm": lambda: bm.pseudo_f_measure(truth, pred),
        "mpm": lambda: bm.mpm(truth, pred),
        "cldice": lambda: bm.cldice(truth, pred),
        "betti": lambda: (bm.betti_numbers(truth), bm.betti_numbers(pred)),
        "hd95": lambda: bm.hd95(truth, pred),
        "assd": lambda: bm.assd(truth, pred),
        "nsd": lambda: bm.nsd(truth, pred),
        "ap_dsb": lambda: bm.average_precision_dsb(truth, pred),
        "pq": lambda: bm.panoptic_quality(truth, pred),
        "v_rand": lambda: bm.v_rand(truth, pred),
        "v_info": lambda: bm.v_info(truth, pred),
        "all image-level (shared)": lambda: bm.evaluate(
            [n for n, m in bm.REGISTRY.items() if not m.count_based], truth, pred
        ),
    }
    refs = references(truth, pred)
    print(f"{'metric':26} {'ours s':>8} {'ref s':>8} {'ref/ours':>9}  reference")
    for name, function in ours.items():
        mine = _median_time(function, args.repeat)
        label, ref = refs.get(name, ("—", None))
        if ref is None:
            print(f"{name:26} {mine:8.3f} {'':>8} {'':>9}  {label}")
            continue
        repeat = 1 if label == "literal loops" else args.repeat
        theirs = _median_time(ref, repeat)
        print(f"{name:26} {mine:8.3f} {theirs:8.3f} {theirs / mine:9.1f}  {label}")


if __name__ == "__main__":
    main()
