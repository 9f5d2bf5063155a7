"""Whole slide benchmark: whole-image vs tiled vs Dask, wall time and peak memory.

    python tests/benchmarks/scale_benchmark.py                 # 17480 x 8026, the article's slice
    python tests/benchmarks/scale_benchmark.py --rows 1500 --cols 2000   # a quick try

A synthetic uint8 slice of the founding article's size (17480 × 8026 pixels:
8026 rows of 17480 columns, 140 Mpx) with dark, vessel-like curves (seeded)
and its ground truth are written as ``.npy`` files. Each mode then runs the
article's pipeline — invert, median 3×3, Otsu, confusion counts — in a
fresh subprocess, so that its peak memory is its own:

* ``whole``: both files read into memory, ``bench.evaluate`` (the
  whole-image runner);
* ``tiled-1`` / ``tiled-2``: ``bench.scale.tiling.segment_tiled`` on the
  memory-mapped files, tiles of ``--tile`` pixels, 1 or 2 threads;
* ``dask-2``: the same on a Dask ``LocalCluster`` of 2 worker processes
  (1 thread each) that read their tiles from the files themselves; its
  cluster start-up is timed apart.

The modes run interleaved ``--rounds`` times (a shared machine's load
drifts); the table shows each mode's median wall time and largest memory.

Peak memory is the kernel's high-water mark of the process's resident set
(``VmHWM``; ``ru_maxrss`` is not used: Linux carries it over from the
parent through fork and exec), and, for every mode, the peak of the
resident sets of the process and its children sampled every 5 ms (psutil)
— the only measure that sees Dask's worker processes. ``baseline`` is the
resident set after the imports, before any work. Every mode must find the
same threshold and counts.

Sweep (``--sweep N``): N global methods after the same filter, tiled, in
one process: one group run (:func:`bench.scale.tiling.segment_tiled_group`,
each tile read and prepared once per pass for all N) against N single-method
runs (:func:`bench.scale.tiling.segment_tiled`, each reading and preparing
every tile itself), interleaved ``--rounds`` times; the group must give each
method's threshold and counts exactly::

    python tests/benchmarks/scale_benchmark.py --modes whole --rounds 1 --sweep 10

Bandwidth: a read-only pass over the image's bytes in memory (a sum over
them viewed as uint64), the best of 5, in a subprocess of its own. The pipeline
must read at least the image and the truth (2 bytes per pixel), so
``bandwidth / 2`` is the throughput a memory-bound pipeline could reach;
the table gives each mode's Mpx/s as a fraction of it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

MODES = ("whole", "tiled-1", "tiled-2", "dask-2")
SWEEP = ("otsu", "li", "huang", "mean", "triangle", "yen", "isodata", "moments",
         "maxentropy", "renyientropy", "shanbhag", "default", "intermodes",
         "percentile")  # fmt: skip
"""The global methods of ``--sweep N``: the first N."""


def run_sweep(folder: Path, tile: str, n: int, rounds: int) -> dict[str, object]:
    """N methods tiled as one group, and as N single runs, in this process, interleaved."""
    from bench.scale.engines import ThreadEngine
    from bench.scale.tiling import segment_tiled, segment_tiled_group
    from bench.scale.volumes import open_volume

    if not 1 <= n <= len(SWEEP):
        msg = f"--sweep takes 1 to {len(SWEEP)} methods; got {n}."
        raise ValueError(msg)
    methods = list(SWEEP[:n])
    image, truth = open_volume(folder / "image.npy"), open_volume(folder / "truth.npy")
    kwargs = {"truth": truth, "polarity": "dark", "tile_shape": _tile_shape(tile),
              "engine": ThreadEngine(workers=1)}  # fmt: skip
    median = {"name": "median", "size": 3}
    crop = np.asarray(image[:256, :256])  # one-time costs (compiled kernels) off the clock
    segment_tiled_group(crop, methods, median, truth=np.asarray(truth[:256, :256]),
                        polarity="dark", tile_shape=128)  # fmt: skip
    group_walls, single_walls, answers = [], [], set()
    for _ in range(rounds):
        start = time.perf_counter()
        grouped = segment_tiled_group(image, methods, median, **kwargs)
        group_walls.append(time.perf_counter() - start)
        start = time.perf_counter()
        singles = [segment_tiled(image, m, median, **kwargs) for m in methods]
        single_walls.append(time.perf_counter() - start)
        for results in (grouped, singles):
            answers.add(tuple((r.thresholds[0], tuple(r.counts.as_dict().values()))
                              for r in results))  # fmt: skip
    return {"mode": "sweep", "methods": methods, "group_walls": group_walls,
            "single_walls": single_walls, "identical": len(answers) == 1}  # fmt: skip


def synthetic_slice(rows: int, cols: int, seed: int = 20260) -> tuple[np.ndarray, np.ndarray]:
    """A bright, shaded, noisy slice crossed by dark vessel-like curves; and their mask.

    Curves are random walks with persistent direction (smoothly turning),
    2 to 9 pixels thick (thin ones commoner), one per 60 000 pixels; the
    ink darkens them by 90 to 150 levels, edges are blurred (sigma 1) and
    Gaussian noise (sigma 14) is added.
    """
    import cv2

    rng = np.random.default_rng(seed)
    truth = np.zeros((rows, cols), np.uint8)
    depth = np.zeros((rows, cols), np.uint8)
    for _ in range(max(1, rows * cols // 60_000)):
        steps = int(rng.integers(40, 500))
        angle = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.12, steps))
        step = rng.uniform(4, 8)
        start = rng.uniform((0, 0), (cols, rows))
        points = start + np.cumsum(step * np.c_[np.cos(angle), np.sin(angle)], axis=0)
        thickness = int(rng.choice([2, 3, 4, 5, 6, 9], p=[0.3, 0.25, 0.2, 0.12, 0.08, 0.05]))
        curve = [np.round(points).astype(np.int32)]
        cv2.polylines(truth, curve, False, 1, thickness)
        cv2.polylines(depth, curve, False, int(rng.integers(90, 151)), thickness)
    image = np.empty((rows, cols), np.uint8)
    shade_c = 18 * np.sin(np.linspace(0, 3 * np.pi, cols, dtype=np.float32))
    halo, strip = 4, 1024
    for r0 in range(0, rows, strip):
        a, b = max(r0 - halo, 0), min(r0 + strip + halo, rows)
        ink = cv2.GaussianBlur(depth[a:b].astype(np.float32), (0, 0), 1.0)
        shade_r = 12 * np.cos(np.linspace(0, 2 * np.pi, rows, dtype=np.float32))[a:b, None]
        noise = rng.normal(0, 14, (b - a, cols)).astype(np.float32)
        values = 200 + shade_r + shade_c - ink + noise
        image[r0 : min(r0 + strip, rows)] = values.clip(0, 255)[r0 - a : r0 - a + strip]
    return image, truth.astype(bool)


def bandwidth_gbs(path: Path, repeat: int = 5) -> float:
    """GB/s of a read-only pass over the image's bytes, in memory."""
    data = np.load(path)
    words = data.reshape(-1)[: data.size // 8 * 8].view(np.uint64)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        np.add.reduce(words)
        best = min(best, time.perf_counter() - start)
    return words.nbytes / best / 1e9


class PeakRSS:
    """Largest sum of resident sets of this process and its children, sampled."""

    def __init__(self, every: float = 0.005) -> None:
        import psutil

        self.process = psutil.Process()
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> int:
        import psutil

        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            time.sleep(self.every)

    def __enter__(self) -> PeakRSS:
        self.peak = self._total()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._total())


def _hwm_mb() -> float:
    """The kernel's high-water mark of this process's resident set, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    msg = "No VmHWM in /proc/self/status: peak memory needs Linux."
    raise OSError(msg)


def run_mode(mode: str, folder: Path, tile: str) -> dict[str, object]:
    """One mode, in this (fresh) process; returns its figures."""
    if mode == "bandwidth":
        return {"mode": mode, "gbs": bandwidth_gbs(folder / "image.npy")}
    if mode == "make":
        start = time.perf_counter()
        rows, cols = (int(n) for n in folder.name.split("-")[-2:])
        image, truth = synthetic_slice(rows, cols)
        np.save(folder / "image.npy", image)
        np.save(folder / "truth.npy", truth)
        return {"mode": mode, "t_make_s": time.perf_counter() - start}

    import bench
    from bench.scale.engines import DaskEngine, ThreadEngine
    from bench.scale.tiling import segment_tiled
    from bench.scale.volumes import open_volume

    median = {"name": "median", "size": 3}
    extra: dict[str, object] = {}
    cluster = client = None
    engine = None
    if mode.startswith("dask"):
        from distributed import Client, LocalCluster

        start = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=":0")  # fmt: skip
        client = Client(cluster)
        client.run(lambda: __import__("bench.scale.tiling"))  # workers import the code once
        extra["t_startup_s"] = time.perf_counter() - start
        engine = DaskEngine(client=client)
    elif mode.startswith("tiled"):
        engine = ThreadEngine(workers=int(mode.split("-")[1]))
    baseline = _rss_mb()
    with PeakRSS() as peak:
        start = time.perf_counter()
        if mode == "whole":
            image, truth = np.load(folder / "image.npy"), np.load(folder / "truth.npy")
            row = bench.evaluate(image, ["otsu"], [median], truth=truth, polarity="dark").iloc[0]
            threshold, counts = (
                float(row["threshold"]),
                [int(row[c]) for c in ("tp", "fp", "fn", "tn")],
            )
        else:
            result = segment_tiled(
                open_volume(folder / "image.npy"), "otsu", median,
                truth=open_volume(folder / "truth.npy"), polarity="dark",
                tile_shape=_tile_shape(tile), engine=engine,
            )  # fmt: skip
            threshold, counts = result.threshold, list(result.counts.as_dict().values())
        wall = time.perf_counter() - start
    if client is not None:
        client.close()
        cluster.close()
    return {
        "mode": mode, "wall_s": wall, "threshold": threshold, "counts": counts,
        "baseline_mb": baseline, "peak_sampled_mb": peak.peak / 2**20,
        "hwm_mb": _hwm_mb(), **extra,
    }  # fmt: skip


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _tile_shape(text: str) -> tuple[int, int]:
    sides = [int(n) for n in text.split(",")]
    return (sides[0], sides[-1])


def _child(mode: str, folder: Path, tile: str, *extra: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--mode", mode, "--folder", str(folder), "--tile", tile,
         *extra],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        msg = f"mode {mode} failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        raise RuntimeError(msg)
    return json.loads(lines[-1][len("RESULT ") :])


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One mode over its rounds: median times, largest memory, the answers of every round."""
    summary = dict(runs[0])
    for key in ("wall_s", "t_startup_s"):
        if key in summary:
            summary[key] = statistics.median(r[key] for r in runs)
    for key in ("hwm_mb", "peak_sampled_mb", "baseline_mb"):
        summary[key] = max(r[key] for r in runs)
    summary["walls"] = [r["wall_s"] for r in runs]
    first = (runs[0]["threshold"], runs[0]["counts"])
    summary["agree"] = all((r["threshold"], r["counts"]) == first for r in runs)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8026)
    parser.add_argument("--cols", type=int, default=17480)
    parser.add_argument("--tile", default="1024,2048", help="tile rows,columns (or one side)")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs of every mode")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--sweep",
        type=int,
        default=0,
        help="also time N global methods tiled as one group vs N runs (0: no)",
    )
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "sweep":  # a child: the sweep, one JSON line
        print("RESULT " + json.dumps(run_sweep(args.folder, args.tile, args.sweep, args.rounds)))
        return
    if args.mode:  # a child: one mode, one JSON line
        print("RESULT " + json.dumps(run_mode(args.mode, args.folder, args.tile)))
        return

    with tempfile.TemporaryDirectory(prefix="segbench-scale-") as tmp:
        folder = Path(tmp) / f"slice-{args.rows}-{args.cols}"
        folder.mkdir()
        made = _child("make", folder, args.tile)["t_make_s"]
        megapixels = args.rows * args.cols / 1e6
        print(f"slice {args.cols} x {args.rows} ({megapixels:.1f} Mpx) made in {made:.1f} s; "
              f"cpus {os.cpu_count()}", flush=True)  # fmt: skip
        gbs = _child("bandwidth", folder, args.tile)["gbs"]
        bound = gbs * 1e3 / 2  # Mpx/s when reading 2 bytes per pixel at that bandwidth
        print(f"memory bandwidth (read-only sum): {gbs:.1f} GB/s -> {bound:.0f} Mpx/s at 2 B/px")
        modes = args.modes.split(",")
        runs = [_child(mode, folder, args.tile) for _ in range(args.rounds) for mode in modes]
        results = [_summary([r for r in runs if r["mode"] == mode]) for mode in modes]
        sweep = None
        if args.sweep:
            sweep = _child("sweep", folder, args.tile, "--sweep", str(args.sweep),
                           "--rounds", str(args.rounds))  # fmt: skip

    whole = next((r for r in results if r["mode"] == "whole"), results[0])
    header = (f"{'mode':8s} {'wall s':>7s} {'x whole':>7s} {'Mpx/s':>7s} {'of bw':>6s} "
              f"{'base MB':>8s} {'HWM MB':>7s} {'x whole':>7s} {'tree MB':>8s}")  # fmt: skip
    print(header)
    for r in results:
        rate = megapixels / r["wall_s"]
        print(f"{r['mode']:8s} {r['wall_s']:7.2f} {r['wall_s'] / whole['wall_s']:7.2f} "
              f"{rate:7.1f} {rate / bound:6.1%} {r['baseline_mb']:8.0f} {r['hwm_mb']:7.0f} "
              f"{r['hwm_mb'] / whole['hwm_mb']:7.2f} {r['peak_sampled_mb']:8.0f}")  # fmt: skip
        if "t_startup_s" in r:
            print(f"{'':8s} (cluster start-up {r['t_startup_s']:.1f} s, not in wall)")
    agree = all(r["agree"] and r["threshold"] == whole["threshold"]
                and r["counts"] == whole["counts"] for r in results)  # fmt: skip
    print(f"threshold {whole['threshold']:g}, counts tp fp fn tn {whole['counts']}; "
          f"identical in every mode: {agree}")  # fmt: skip
    if sweep is not None:
        group, single = (statistics.median(sweep[k]) for k in ("group_walls", "single_walls"))
        print(f"sweep of {len(sweep['methods'])} global methods after median 3x3, tiled, one "
              f"thread, same process ({args.rounds} round(s), medians): one group run "
              f"{group:.2f} s, {len(sweep['methods'])} single runs {single:.2f} s: "
              f"{single / group:.2f}x; identical results: {sweep['identical']}")  # fmt: skip
        agree = agree and bool(sweep["identical"])
    if args.json:
        figures = {"gbs": gbs, "megapixels": megapixels, "results": results, "sweep": sweep}
        args.json.write_text(json.dumps(figures, indent=2))
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
