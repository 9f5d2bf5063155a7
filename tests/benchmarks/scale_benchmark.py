"""Scale benchmark: a whole slide in memory vs tiled, a 31-config sweep, a 20-slice volume.

The full run, at the founding article's sizes (every section below; about
6 minutes on the 2-core machine with the two-pass tiling, 9 GB of temporary
files, removed at the end; ``--tmp DIR`` puts them elsewhere than the
system's temporary folder)::

    python tests/benchmarks/scale_benchmark.py --json scale.json

The same with one round of the modes and 6 of the 31 single runs timed
(about 4 minutes)::

    python tests/benchmarks/scale_benchmark.py --rounds 1 --sweep-singles 6

A quick try (small sizes: the same sections, seconds)::

    python tests/benchmarks/scale_benchmark.py --rows 1500 --cols 2000 --slices 3 \\
        --sweep-singles 3 --rounds 1 --modes whole,tiled-1,tiled-2

One section only: ``--sweep 0`` skips the sweep, ``--slices 0`` the volume,
``--modes ''`` the mode table; ``--sweep-singles K`` times K of the 31 single
runs and extrapolates (the output says so).

**The slide.** A synthetic uint8 slice of the article's size (17480 × 8026
pixels: 8026 rows of 17480 columns, 140 Mpx) with dark, vessel-like curves
(seeded) and its ground truth are written as ``.npy`` files. Each mode runs
the article's pipeline — median 3×3, Otsu (dark objects: ``p <= t``), confusion counts — in a
fresh subprocess, so that its peak memory is its own:

* ``whole``: both files loaded (the load is timed apart), then
  ``bench.evaluate`` on the arrays in memory (the wall time is that call,
  the first in the process, as a run makes it; a second call, which finds
  some of its memory already mapped, is timed apart);
* ``tiled-1`` / ``tiled-2``: ``bench.scale.tiling.segment_tiled`` on the
  memory-mapped files, tiles of ``--tile`` pixels, 1 or 2 threads;
* ``dask-2``: the same on a Dask ``LocalCluster`` of 2 worker processes
  (1 thread each) that read their tiles from the files themselves; its
  cluster start-up is timed apart.

The modes run interleaved ``--rounds`` times (a shared machine's load
drifts); the table shows each mode's median wall time and largest memory.
Every mode must find the same threshold and counts.

**The sweep** (``--sweep N``, default 31): N global configurations after a
median 3×3 — the 18 global methods of ``algorithms.available()`` (the
:class:`algorithms.GlobalThreshold` subclasses) then the 13 parameter
variants of :data:`VARIANTS` — each in a process of its own:

* ``in memory``: ``bench.evaluate`` of the N configs on the loaded slide;
* ``tiled group``: one :func:`~bench.scale.tiling.segment_tiled_group` run
  of the N configs (each tile read and filtered once per pass);
* ``tiled singles``: N :func:`~bench.scale.tiling.segment_tiled` runs, or
  the first ``--sweep-singles K`` of them, whose time is scaled by N / K.

All on ``--sweep-workers`` threads (default 2), tiles of ``--tile``. Every
config's threshold and counts must be the same in the three.

**The volume** (``--slices S``, default 20): a stack of S slices of the
slide, each the slide rolled by a seeded random shift of up to ±64 rows and
columns (its truth likewise) — cheap to make, and no two slices alike. It is
written twice: as ``.npy`` stacks and as Zarr arrays compressed with Blosc
LZ4 level 5, no shuffle, in chunks of 32 full rows of one slice (560 kB).
Why (measured on 32-row chunks of this slide, one thread): LZ4 writes at
540-850 Mpx/s and decodes the truth (which shrinks to 7 %) at ~2,000
Mpx/s; the noisy image does not compress, and Blosc then stores it as it
is and copies it back (13,000 Mpx/s). Zstd level 1 saves 16 % of the image
and halves the truth but decodes them at 430 and 840 Mpx/s; LZ4-HC
decodes the truth faster but writes at 7-86 Mpx/s; a bit shuffle saves
~40 % of the truth and halves its decode speed; a byte shuffle does nothing
to 1-byte pixels. Chunks spanning the row make tiles of full rows
(:func:`bench.scale.volumes.tile_shape_for`) that cut no chunk across, and
32 rows keep the 1-row halo of a median 3×3 to a chunk per side, which
:class:`bench.scale.volumes.ChunkReader` decodes once and shares with the
neighbour tile. Then, each in its own process:

* ``read``: every tile of the image and the truth (with its 1-row halo)
  read on 2 threads and dropped: the ceiling that reading puts on a run;
* ``sweep``: the 18 global methods after a median 3×3 with exact counts,
  one group run on 2 threads, tiles from :func:`tile_shape_for`.

Each prints Mpx/s (pixels of the stack per second, once per pass) and the
time projected for the article's 799 slices of 17480 × 8026. Both files
must give the same thresholds and counts.

Peak memory is the kernel's high-water mark of the process's resident set
(``VmHWM``; ``ru_maxrss`` is not used: Linux carries it over from the
parent through fork and exec), and, for the modes, the peak of the
resident sets of the process and its children sampled every 5 ms (psutil)
— the only measure that sees Dask's worker processes. ``base`` is the
resident set after the imports, before any work.

Bandwidth: a read-only pass over the image's bytes in memory (a sum over
them viewed as uint64), the best of 5, in a subprocess of its own. The pipeline
must read at least the image and the truth (2 bytes per pixel), so
``bandwidth / 2`` is the throughput a memory-bound pipeline could reach;
the tables give each mode's Mpx/s as a fraction of it. The files are read
from the page cache (they were just written), not from the disk.

The load average (``os.getloadavg``) is printed before and after each section:
the machine is shared, and its load changes the times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

MODES = ("whole", "tiled-1", "tiled-2", "dask-2")
VARIANTS: tuple[dict[str, Any], ...] = (
    *({"name": "percentile", "foreground": f}
      for f in (0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 0.95)),
    {"name": "otsu", "ignore_black": True},
    {"name": "otsu", "ignore_white": True},
    {"name": "triangle", "ignore_white": True},
)  # fmt: skip
"""The 13 parameter variants that follow the 18 global methods in the sweep."""
MEDIAN = {"name": "median", "size": 3}
ARTICLE = (799, 8026, 17480)  # the article's volume: slices, rows, columns
CHUNK_ROWS = 32


def global_methods() -> list[str]:
    """The registry's global methods (GlobalThreshold subclasses), by name."""
    import algorithms

    return [n for n in algorithms.available()
            if issubclass(algorithms.get_class(n), algorithms.GlobalThreshold)]  # fmt: skip


def sweep_configs(n: int) -> list[dict[str, Any]]:
    """The first ``n`` of the 18 global methods then :data:`VARIANTS`."""
    configs = [{"name": name} for name in global_methods()] + [dict(v) for v in VARIANTS]
    if not 0 <= n <= len(configs):
        msg = f"--sweep takes 0 to {len(configs)} configs; got {n}."
        raise ValueError(msg)
    return configs[:n]


def label(config: dict[str, Any]) -> str:
    params = ",".join(f"{k}={v}" for k, v in config.items() if k != "name")
    return f"{config['name']}({params})" if params else config["name"]


def _answer(result: Any) -> list[Any]:
    """A tiled result's thresholds and counts, as JSON."""
    return [result.thresholds, list(result.counts.as_dict().values())]


def _warm(configs: list[dict[str, Any]]) -> None:
    """One-time costs (imports, compiled kernels) off the clock: a tiny run of the same configs."""
    import bench
    from bench.scale.tiling import segment_tiled_group

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (64, 96), dtype=np.uint8)
    segment_tiled_group(image, configs, MEDIAN, truth=image > 99, polarity="dark", tile_shape=32)
    bench.evaluate(image, configs, [MEDIAN], truth=image > 99, polarity="dark")


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


def _tile_shape(text: str, source: Any = None) -> tuple[int, int]:
    if text == "auto":
        from bench.scale.volumes import tile_shape_for

        return tile_shape_for(source)
    sides = [int(n) for n in text.split(",")]
    return (sides[0], sides[-1])


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def run_mode(mode: str, folder: Path, tile: str) -> dict[str, object]:
    """One mode of the slide table, in this (fresh) process; returns its figures."""
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

    _warm([{"name": "otsu"}])
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
        if mode == "whole":
            start = time.perf_counter()
            image, truth = np.load(folder / "image.npy"), np.load(folder / "truth.npy")
            extra["t_load_s"] = time.perf_counter() - start
            start = time.perf_counter()
            row = bench.evaluate(image, ["otsu"], [MEDIAN], truth=truth, polarity="dark").iloc[0]
            wall = time.perf_counter() - start
            start = time.perf_counter()  # again: the first call maps its arrays' pages afresh
            bench.evaluate(image, ["otsu"], [MEDIAN], truth=truth, polarity="dark")
            extra["t_again_s"] = time.perf_counter() - start
            threshold = float(row["threshold"])
            counts = [int(row[c]) for c in ("tp", "fp", "fn", "tn")]
        else:
            image = open_volume(folder / "image.npy")
            start = time.perf_counter()
            result = segment_tiled(
                image, "otsu", MEDIAN, truth=open_volume(folder / "truth.npy"), polarity="dark",
                tile_shape=_tile_shape(tile, image), engine=engine,
            )  # fmt: skip
            wall = time.perf_counter() - start
            threshold, counts = result.threshold, list(result.counts.as_dict().values())
    if client is not None:
        client.close()
        cluster.close()
    return {
        "mode": mode, "wall_s": wall, "threshold": threshold, "counts": counts,
        "baseline_mb": baseline, "peak_sampled_mb": peak.peak / 2**20,
        "hwm_mb": _hwm_mb(), **extra,
    }  # fmt: skip


def run_sweep(
    mode: str, folder: Path, tile: str, n: int, singles: int, workers: int
) -> dict[str, object]:
    """One way of sweeping N global configs over the slide, in this (fresh) process."""
    import bench
    from bench.scale.engines import ThreadEngine
    from bench.scale.tiling import segment_tiled, segment_tiled_group
    from bench.scale.volumes import open_volume

    configs = sweep_configs(n)
    _warm(configs)
    baseline = _rss_mb()
    figures: dict[str, Any] = {"mode": mode, "baseline_mb": baseline}
    if mode == "sweep-whole":
        start = time.perf_counter()
        image, truth = np.load(folder / "image.npy"), np.load(folder / "truth.npy")
        figures["t_load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        table = bench.evaluate(image, configs, [MEDIAN], truth=truth, polarity="dark")
        figures["wall_s"] = time.perf_counter() - start
        if list(table["algo"]) != [c["name"] for c in configs]:
            msg = f"bench.evaluate's rows are not in the configs' order: {list(table['algo'])}"
            raise RuntimeError(msg)
        figures["answers"] = [
            [[float(row["threshold"])], [int(row[c]) for c in ("tp", "fp", "fn", "tn")]]
            for _, row in table.iterrows()
        ]
    else:
        image, truth = open_volume(folder / "image.npy"), open_volume(folder / "truth.npy")
        kwargs = {"truth": truth, "polarity": "dark", "tile_shape": _tile_shape(tile, image),
                  "engine": ThreadEngine(workers=workers)}  # fmt: skip
        start = time.perf_counter()
        if mode == "sweep-group":
            results = segment_tiled_group(image, configs, MEDIAN, **kwargs)
        else:
            results = [segment_tiled(image, c, MEDIAN, **kwargs) for c in configs[:singles]]
        figures["wall_s"] = time.perf_counter() - start
        figures["answers"] = [_answer(r) for r in results]
        figures["timed"] = len(results)
    figures["hwm_mb"] = _hwm_mb()
    return figures


def make_stack(folder: Path, slices: int, seed: int = 15) -> dict[str, object]:
    """The volume: the slide rolled by a seeded shift per slice, as .npy and as Zarr (Blosc LZ4)."""
    import zarr
    from zarr.codecs import BloscCodec

    image, truth = np.load(folder / "image.npy"), np.load(folder / "truth.npy")
    shape = (slices, *image.shape)
    chunks = (1, min(CHUNK_ROWS, image.shape[0]), image.shape[1])
    codec = BloscCodec(cname="lz4", clevel=5, shuffle="noshuffle")
    both = (("image", image), ("truth", truth))
    npys = [np.lib.format.open_memmap(folder / f"stack-{n}.npy", mode="w+", dtype=a.dtype,
                                      shape=shape) for n, a in both]  # fmt: skip
    zarrs = [zarr.create_array(folder / f"stack-{n}.zarr", shape=shape, chunks=chunks,
                               dtype=a.dtype, compressors=codec) for n, a in both]  # fmt: skip
    rng = np.random.default_rng(seed)
    t_npy = t_zarr = 0.0
    for z in range(slices):
        shift = tuple(int(v) for v in rng.integers(-64, 65, 2))
        for a, npy, stored in zip((image, truth), npys, zarrs, strict=True):
            rolled = np.roll(a, shift, axis=(0, 1))
            start = time.perf_counter()
            npy[z] = rolled
            t_npy += time.perf_counter() - start
            start = time.perf_counter()
            stored[z] = rolled
            t_zarr += time.perf_counter() - start
    for npy in npys:
        npy.flush()
    del npys

    def size(path: Path) -> int:
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())

    raw = {n: np.prod(shape) * a.itemsize for n, a in (("image", image), ("truth", truth))}
    return {
        "mode": "stack", "shape": shape, "chunks": chunks, "t_npy_s": t_npy, "t_zarr_s": t_zarr,
        "ratio": {n: size(folder / f"stack-{n}.zarr") / raw[n] for n in raw},
    }  # fmt: skip


def run_volume(mode: str, folder: Path, tile: str, workers: int) -> dict[str, object]:
    """Read the stack (``read-*``) or sweep the 18 global methods over it (``volume-*``)."""
    from bench.scale.engines import ThreadEngine
    from bench.scale.tiling import segment_tiled_group, tile_grid
    from bench.scale.volumes import open_volume

    kind = mode.split("-")[1]  # npy or zarr
    image = open_volume(folder / f"stack-image.{kind}")
    truth = open_volume(folder / f"stack-truth.{kind}")
    tiles = _tile_shape(tile, image)
    methods = global_methods()
    if mode.startswith("volume"):
        _warm([{"name": m} for m in methods])
    baseline = _rss_mb()
    figures: dict[str, Any] = {"mode": mode, "tile": tiles, "baseline_mb": baseline}
    start = time.perf_counter()
    if mode.startswith("read"):
        units = [(z, t) for z in range(image.shape[0])
                 for t in tile_grid(image.shape[-2:], tiles, halo=1)]  # fmt: skip

        def read(unit: tuple[int, Any]) -> int:
            z, t = unit
            return image[(z, *t.outer)].size + truth[(z, *t.core)].size

        with ThreadPoolExecutor(workers) as pool:
            figures["values"] = sum(pool.map(read, units))
    else:
        engine = ThreadEngine(workers=workers)
        results = segment_tiled_group(image, methods, MEDIAN, truth=truth, polarity="dark",
                                      tile_shape=tiles, engine=engine)  # fmt: skip
        figures["answers"] = [_answer(r) for r in results]
    figures["wall_s"] = time.perf_counter() - start
    reader = image._chunk_reader() if kind == "zarr" else None
    if reader is not None:
        chunks = -(-image.shape[1] // reader.chunks[1]) * image.shape[0]
        figures["decodes_per_chunk"] = reader.decoded / chunks
    figures["hwm_mb"] = _hwm_mb()
    return figures


def _child(mode: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--mode", mode, "--folder", str(folder),
               "--tile", args.tile, "--volume-tile", args.volume_tile,
               "--sweep", str(args.sweep), "--sweep-singles", str(args.sweep_singles),
               "--sweep-workers", str(args.sweep_workers),
               "--slices", str(args.slices)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        msg = f"mode {mode} failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        raise RuntimeError(msg)
    return json.loads(lines[-1][len("RESULT ") :])


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One mode over its rounds: median times, largest memory, the answers of every round."""
    summary = dict(runs[0])
    for key in ("wall_s", "t_startup_s", "t_load_s", "t_again_s"):
        if key in summary:
            summary[key] = statistics.median(r[key] for r in runs)
    for key in ("hwm_mb", "peak_sampled_mb", "baseline_mb"):
        summary[key] = max(r[key] for r in runs)
    summary["walls"] = [r["wall_s"] for r in runs]
    first = (runs[0]["threshold"], runs[0]["counts"])
    summary["agree"] = all((r["threshold"], r["counts"]) == first for r in runs)
    return summary


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def _child_mode(args: argparse.Namespace) -> dict[str, Any]:
    if args.mode.startswith("sweep-"):
        return run_sweep(args.mode, args.folder, args.tile, args.sweep, args.sweep_singles,
                         args.sweep_workers)  # fmt: skip
    if args.mode == "stack":
        return make_stack(args.folder, args.slices)
    if args.mode.startswith(("read-", "volume-")):
        return run_volume(args.mode, args.folder, args.volume_tile, 2)
    return run_mode(args.mode, args.folder, args.tile)


def modes_section(folder: Path, args: argparse.Namespace, megapixels: float,
                  bound: float) -> tuple[list[dict[str, Any]], bool]:  # fmt: skip
    modes = [m for m in args.modes.split(",") if m]
    if not modes:
        return [], True
    runs = [_child(mode, folder, args) for _ in range(args.rounds) for mode in modes]
    results = [_summary([r for r in runs if r["mode"] == mode]) for mode in modes]
    whole = next((r for r in results if r["mode"] == "whole"), results[0])
    print(f"\n## The slide: median 3x3 + Otsu (dark objects) + counts ({args.rounds} round(s), "
          f"medians; tiles {args.tile}) -- {_load()}")  # fmt: skip
    print(f"{'mode':8s} {'wall s':>7s} {'x whole':>7s} {'Mpx/s':>7s} {'of bw':>6s} "
          f"{'base MB':>8s} {'HWM MB':>7s} {'x whole':>7s} {'tree MB':>8s}")  # fmt: skip
    for r in results:
        rate = megapixels / r["wall_s"]
        print(f"{r['mode']:8s} {r['wall_s']:7.2f} {r['wall_s'] / whole['wall_s']:7.2f} "
              f"{rate:7.1f} {rate / bound:6.1%} {r['baseline_mb']:8.0f} {r['hwm_mb']:7.0f} "
              f"{r['hwm_mb'] / whole['hwm_mb']:7.2f} {r['peak_sampled_mb']:8.0f}")  # fmt: skip
        if "t_load_s" in r:
            print(f"{'':8s} (loading both .npy files into memory {r['t_load_s']:.2f} s, "
                  f"not in wall; a second call of bench.evaluate in the same process "
                  f"{r['t_again_s']:.2f} s)")  # fmt: skip
        if "t_startup_s" in r:
            print(f"{'':8s} (cluster start-up {r['t_startup_s']:.1f} s, not in wall)")
    agree = all(r["agree"] and r["threshold"] == whole["threshold"]
                and r["counts"] == whole["counts"] for r in results)  # fmt: skip
    print(f"threshold {whole['threshold']:g}, counts tp fp fn tn {whole['counts']}; "
          f"identical in every mode: {agree}")  # fmt: skip
    return results, agree


def sweep_section(folder: Path, args: argparse.Namespace, megapixels: float,
                  bound: float) -> tuple[dict[str, Any] | None, bool]:  # fmt: skip
    if not args.sweep:
        return None, True
    configs = sweep_configs(args.sweep)
    singles = min(max(args.sweep_singles, 1), len(configs))
    args.sweep_singles = singles
    runs = {m: _child(m, folder, args) for m in ("sweep-whole", "sweep-group", "sweep-singles")}
    whole, group, single = runs["sweep-whole"], runs["sweep-group"], runs["sweep-singles"]
    single["wall_s_all"] = single["wall_s"] * len(configs) / singles
    print(f"\n## sweep of {len(configs)} global methods and variants after median 3x3 "
          f"-- {_load()}")  # fmt: skip
    print("configs: " + ", ".join(label(c) for c in configs))
    print(f"{'way':22s} {'wall s':>8s} {'Mpx/s':>7s} {'of bw':>6s} {'base MB':>8s} {'HWM MB':>7s}")
    rows = [
        ("in memory (evaluate)", whole["wall_s"]),
        (f"tiled group, {args.sweep_workers} thr", group["wall_s"]),
        (f"tiled singles, {args.sweep_workers} thr", single["wall_s_all"]),
    ]
    for (name, wall), r in zip(rows, (whole, group, single), strict=True):
        rate = megapixels / wall
        print(f"{name:22s} {wall:8.2f} {rate:7.1f} {rate / bound:6.1%} "
              f"{r['baseline_mb']:8.0f} {r['hwm_mb']:7.0f}")  # fmt: skip
    print(f"(in memory: loading the slide {whole['t_load_s']:.2f} s, not in wall; "
          f"Mpx/s: pixels of the slide per second, whatever the configs)")  # fmt: skip
    if singles < len(configs):
        print(f"(singles: timed {singles} of {len(configs)} runs, {single['wall_s']:.2f} s, "
              f"extrapolated x {len(configs) / singles:.2f})")  # fmt: skip
    identical = (whole["answers"] == group["answers"]
                 and single["answers"] == group["answers"][:singles])  # fmt: skip
    print(f"one group run vs {len(configs)} single runs: "
          f"{single['wall_s_all'] / group['wall_s']:.2f}x; group vs in memory: "
          f"{group['wall_s'] / whole['wall_s']:.2f}x; identical results: {identical} "
          f"(thresholds and counts of all {len(configs)} in memory and grouped, "
          f"of the {singles} single runs)")  # fmt: skip
    return {"configs": configs, **runs}, identical


def volume_section(folder: Path, args: argparse.Namespace,
                   bound: float) -> tuple[dict[str, Any] | None, bool]:  # fmt: skip
    if not args.slices:
        return None, True
    stack = _child("stack", folder, args)
    slices, rows, cols = stack["shape"]
    megapixels = slices * rows * cols / 1e6
    print(f"\n## The volume: {slices} slices of {cols} x {rows} ({megapixels:.0f} Mpx), "
          f"each the slide rolled by a seeded shift of up to 64 px -- {_load()}")  # fmt: skip
    print(f"written in {stack['t_npy_s']:.1f} s as .npy, {stack['t_zarr_s']:.1f} s as Zarr "
          f"(Blosc LZ4, no shuffle, chunks {tuple(stack['chunks'])}; compressed size: image "
          f"{stack['ratio']['image']:.0%}, truth {stack['ratio']['truth']:.0%} "
          "of raw)")  # fmt: skip
    runs = {m: _child(m, folder, args) for m in ("read-zarr", "read-npy", "volume-zarr",
                                                  "volume-npy")}  # fmt: skip
    print(f"{'2 threads':22s} {'wall s':>8s} {'Mpx/s':>7s} {'of bw':>6s} {'799 slices':>11s} "
          f"{'HWM MB':>7s} {'decodes/chunk':>13s}")  # fmt: skip
    names = {"read-zarr": "read only, Zarr", "read-npy": "read only, .npy",
             "volume-zarr": "18 globals, Zarr", "volume-npy": "18 globals, .npy"}  # fmt: skip
    per_slice = rows * cols / 1e6
    for mode, r in runs.items():
        rate = megapixels / r["wall_s"]
        projected = ARTICLE[0] * ARTICLE[1] * ARTICLE[2] / 1e6 / rate
        decodes = f"{r['decodes_per_chunk']:.2f}" if "decodes_per_chunk" in r else "-"
        print(f"{names[mode]:22s} {r['wall_s']:8.2f} {rate:7.1f} {rate / bound:6.1%} "
              f"{projected / 60:9.1f} m {r['hwm_mb']:7.0f} {decodes:>13s}")  # fmt: skip
    sweep = runs["volume-zarr"]
    rate = megapixels / sweep["wall_s"]
    print(f"tiles {tuple(sweep['tile'])} (tile_shape_for); 799 slices: the article's "
          f"{ARTICLE[0]} x {ARTICLE[2]} x {ARTICLE[1]} at the rate measured "
          f"({per_slice:.1f} Mpx a slice); decodes/chunk: chunks decoded over the run per "
          "chunk of the stack (1 per pass over the tiles)")  # fmt: skip
    print(f"sustained {rate:.0f} Mpx/s from Zarr: goal >= 600 Mpx/s "
          f"({'met' if rate >= 600 else 'not met'})")  # fmt: skip
    identical = runs["volume-zarr"]["answers"] == runs["volume-npy"]["answers"]
    print(f"18 methods x {slices} slices, thresholds and counts identical from Zarr and "
          f".npy: {identical} -- {_load()}")  # fmt: skip
    return {"stack": stack, **runs}, identical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8026)
    parser.add_argument("--cols", type=int, default=17480)
    parser.add_argument("--tile", default="1024,2048",
                        help="tile rows,columns (or one side, or auto) of the modes")  # fmt: skip
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs of every mode")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--sweep", type=int, default=31, help="global configs to sweep (0: no)")
    parser.add_argument("--sweep-singles", type=int, default=31,
                        help="single runs timed, the rest extrapolated")  # fmt: skip
    parser.add_argument("--sweep-workers", type=int, default=2)
    parser.add_argument("--slices", type=int, default=20, help="slices of the volume (0: no)")
    parser.add_argument("--volume-tile", default="auto",
                        help="tile of the volume runs (auto: tile_shape_for)")  # fmt: skip
    parser.add_argument("--tmp", type=Path, default=None, help="folder for the temporary files")
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:  # a child: one mode, one JSON line
        print("RESULT " + json.dumps(_child_mode(args)))
        return

    print(f"cpus {os.cpu_count()}; {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="segbench-scale-", dir=args.tmp) as tmp:
        folder = Path(tmp) / f"slice-{args.rows}-{args.cols}"
        folder.mkdir()
        needed = args.rows * args.cols * (4 * max(args.slices, 1) + 2)
        free = shutil.disk_usage(tmp).free
        if needed > free:
            msg = f"{tmp} has {free / 1e9:.1f} GB free; the run writes up to {needed / 1e9:.1f} GB."
            raise SystemExit(msg)
        made = _child("make", folder, args)["t_make_s"]
        megapixels = args.rows * args.cols / 1e6
        print(f"slice {args.cols} x {args.rows} ({megapixels:.1f} Mpx) made in {made:.1f} s",
              flush=True)  # fmt: skip
        gbs = _child("bandwidth", folder, args)["gbs"]
        bound = gbs * 1e3 / 2  # Mpx/s when reading 2 bytes per pixel at that bandwidth
        print(f"memory bandwidth (read-only sum): {gbs:.1f} GB/s -> {bound:.0f} Mpx/s at 2 B/px")
        results, agree = modes_section(folder, args, megapixels, bound)
        sweep, same_sweep = sweep_section(folder, args, megapixels, bound)
        volume, same_volume = volume_section(folder, args, bound)
    print(f"\n{_load()}")
    if args.json:
        figures = {"gbs": gbs, "megapixels": megapixels, "results": results, "sweep": sweep,
                   "volume": volume}  # fmt: skip
        args.json.write_text(json.dumps(figures, indent=2))
    if not (agree and same_sweep and same_volume):
        sys.exit(1)


if __name__ == "__main__":
    main()
