"""The UNet on CUDA against the UNet on the CPU: same split, same seeds, same scores?

python tests/benchmarks/unet_cuda.py --data ../shared/data/isbi2012 --out results/unet_cuda

Fits ``algorithms.get("unet")`` (its defaults: 600 steps of 8 crops of 96²) on the
ISBI 2012 training slices on each device asked for (``--devices cuda,cpu``), then
predicts the held-out slices and reports, per device: fit and inference wall
time, mean MCC of the membranes (truth value 0), and how many test pixels the
devices' masks share. It also predicts with two tile sizes and fits a second
time on each device: the class promises that the result depends on neither
``tile_size`` nor the run (fixed seeds).

The split is the harness's seeded hash (``bench.data.splits``, seed 0, test
fraction 0.3) when ``bench`` can be imported; on a machine without the
harness's dependencies pass the held-out ids with ``--test``. Uses only
``algorithms``, numpy and Pillow otherwise, so it runs on a GPU machine that
has PyTorch but not Hydra. Not a pytest test: it needs a GPU and trains.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

import algorithms


def held_out(ids: list[str], given: str | None) -> list[str]:
    if given:
        return [s.strip() for s in given.split(",") if s.strip()]
    from bench.data import Split  # the harness's split, when its dependencies are there

    rule = Split(seed=0, test_fraction=0.3)
    return [i for i in ids if rule.of(i) == "test"]


def mcc(truth: np.ndarray, mask: np.ndarray) -> float:
    tp = int(np.count_nonzero(truth & mask))
    fp = int(np.count_nonzero(~truth & mask))
    fn = int(np.count_nonzero(truth & ~mask))
    tn = truth.size - tp - fp - fn
    denominator = ((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)) ** 0.5
    return (tp * tn - fp * fn) / denominator if denominator else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with images/ and masks/")
    parser.add_argument("--out", type=Path, default=Path("results/unet_cuda"))
    parser.add_argument("--devices", default="cuda,cpu")
    parser.add_argument("--test", default=None, help="held-out ids, comma-separated")
    parser.add_argument("--steps", type=int, default=None, help="override the UNet's steps")
    args = parser.parse_args(argv)

    paths = sorted((args.data / "images").glob("*.png"), key=lambda p: int(p.stem))
    ids = [p.stem for p in paths]
    images = {p.stem: np.asarray(Image.open(p).convert("L")) for p in paths}
    truths = {i: np.asarray(Image.open(args.data / "masks" / f"{i}.png")) == 0 for i in ids}
    test = held_out(ids, args.test)
    train = [i for i in ids if i not in test]
    print(f"train {len(train)} slices, test {', '.join(test)}", flush=True)

    params = {} if args.steps is None else {"steps": args.steps}
    report: dict[str, object] = {
        "test": test,
        "machine": platform.platform(),
        "params": params,
    }
    masks: dict[str, dict[str, np.ndarray]] = {}
    for device in [d.strip() for d in args.devices.split(",") if d.strip()]:
        unet = algorithms.get("unet", device=device, random_state=0, **params)
        start = time.perf_counter()
        unet.fit([images[i] for i in train], [truths[i] for i in train])
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        masks[device] = {i: unet(images[i]) for i in test}
        infer_s = (time.perf_counter() - start) / len(test)
        other = algorithms.get("unet", **{**unet.get_params(), "tile_size": 128})
        other.__dict__.update({k: v for k, v in vars(unet).items() if k.endswith("_")})
        differ = sum(int(np.count_nonzero(other(images[i]) != masks[device][i])) for i in test)
        again = algorithms.get("unet", **unet.get_params())
        again.fit([images[i] for i in train], [truths[i] for i in train])
        refit = sum(int(np.count_nonzero(again(images[i]) != masks[device][i])) for i in test)
        scores = [mcc(truths[i], masks[device][i]) for i in test]
        report[device] = {
            "fit_s": round(fit_s, 2),
            "infer_s_per_slice": round(infer_s, 3),
            "mean_mcc": round(float(np.mean(scores)), 4),
            "mcc": [round(s, 4) for s in scores],
            "pixels_differing_tile_256_vs_128": differ,
            "pixels_differing_second_fit": refit,
        }
        print(device, json.dumps(report[device]), flush=True)
    if len(masks) == 2:
        a, b = masks.values()
        equal = sum(int(np.count_nonzero(a[i] == b[i])) for i in test)
        total = sum(a[i].size for i in test)
        report["devices_agree_fraction"] = round(equal / total, 6)
        print(f"devices agree on {equal} of {total} test pixels ({equal / total:.4%})")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "unet_cuda.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
