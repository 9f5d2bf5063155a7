"""The benchmark loop of :func:`bench.evaluate`, executed tile by tile.

``python -m bench runner=tiled`` (threads of this process) or ``runner=dask``
(a Dask cluster) score every image × config with
:func:`bench.scale.tiling.segment_tiled`: the same table, the same numbers as
``runner=local``, in memory bounded by the tiles. Extra columns say how it
ran (``runner``, ``depth``: slices of a stack, ``tiles`` per slice,
``t_wall_s``); the timing columns sum the seconds each stage spent over all
tiles and passes. Given a ``run_dir`` (the CLI's is ``<run>/tiles/``), the
per-tile counts and scores go to ``tiles.csv`` / ``tiles.parquet`` there,
beside one folder per image × config of partial results, from which an
interrupted run resumes.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from algorithms import Segmentation, histogram
from bench.results import atomic_path
from bench.run.whole_image import (
    COLUMNS,
    WARM_UP_SIDE,
    FilterSpec,
    MethodSpec,
    Result,
    _as_samples,
    build_configs,
    dataset_identity,
    evaluate,
    result_row,
    warm_up,
)
from bench.scale.engines import Engine, engine_from_config
from bench.scale.tiling import DEFAULT_TILE, segment_tiled
from bench.scale.volumes import VolumeDataset, open_volume

__all__ = ["evaluate_tiled", "evaluate_with_runner"]


def _folder_name(*parts: str) -> str:
    text = "_".join(parts)
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text)[:60] + "_" + digest


def _warm_up(image: Any, seg: Any, filt: Any, done: set[tuple[int, str]]) -> None:
    """The untimed first calls (:func:`bench.run.whole_image.warm_up`), on a corner crop."""
    corner = (0,) * (len(np.shape(image)) - 2) + (slice(0, WARM_UP_SIDE), slice(0, WARM_UP_SIDE))
    crop = np.asarray(image[corner])
    for step in (filt, histogram, seg):
        warm_up(step, crop, done)


def evaluate_tiled(
    data: Any,
    methods: Iterable[MethodSpec] = ("otsu",),
    filters: Iterable[FilterSpec] = ({"name": "median", "size": 3},),
    *,
    truth: np.ndarray | None = None,
    fov: np.ndarray | None = None,
    polarity: str = "bright",
    dataset: str | None = None,
    tile_shape: int | Sequence[int] = DEFAULT_TILE,
    stack_histogram: bool = False,
    engine: Engine | None = None,
    run_dir: str | Path | None = None,
    progress: bool = False,
    runner: str = "tiled",
    on_result: Callable[[Result], None] | None = None,
) -> pd.DataFrame:
    """:func:`bench.evaluate`, tile by tile: one row per sample × method × filter.

    Parameters are those of :func:`bench.evaluate` and of
    :func:`bench.scale.tiling.segment_tiled`. ``on_result`` (figures) is called for
    2-D samples only; it needs their mask and filtered image, which are
    assembled in memory (or, with ``run_dir``, in Zarr files there).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[10, 200, 12], [11, 220, 9]], dtype=np.uint8)
    >>> table = evaluate_tiled(image, ["otsu"], [None], truth=image > 100, tile_shape=1)
    >>> table[["algo", "threshold", "f1", "tiles"]].to_dict("records")
    [{'algo': 'otsu', 'threshold': 199.0, 'f1': 1.0, 'tiles': 6}]
    """
    segmenters, filter_list = build_configs(methods, filters)
    dataset_name, dataset_hash = dataset_identity(data, dataset)
    rows, tile_tables = [], []
    warmed: set[tuple[int, str]] = set()
    for sample in _as_samples(data, truth, fov, polarity):
        shape = tuple(np.shape(sample.image))
        figures = on_result is not None and len(shape) == 2
        if on_result is not None and not figures:
            print(f"segbench: no figures for the 3-D stack {sample.id!r}", file=sys.stderr)
        for filt in filter_list:
            for seg in segmenters:
                config_dir = None
                if run_dir is not None:
                    config_dir = Path(run_dir) / _folder_name(
                        sample.id, seg.name, filt.name, repr((seg, filt))
                    )
                mask = filtered = None
                if figures:
                    mask = config_dir / "mask.zarr" if config_dir else np.zeros(shape, bool)
                    filtered = (
                        config_dir / "filtered.zarr"
                        if config_dir
                        else np.empty(shape, np.dtype(sample.image.dtype))
                    )
                _warm_up(sample.image, seg, filt, warmed)
                result = segment_tiled(
                    sample.image, seg, filt, truth=sample.truth, fov=sample.fov,
                    fov_for_threshold=getattr(sample, "fov_for_threshold", True),
                    polarity=sample.polarity, tile_shape=tile_shape,
                    stack_histogram=stack_histogram, out=mask, filtered_out=filtered,
                    engine=engine, run_dir=config_dir, progress=progress, label=sample.id,
                )  # fmt: skip
                found = all(result.found)
                row = result_row(
                    dataset_name, dataset_hash, sample, seg, filt, result.threshold, found,
                    result.counts, shape,
                    {k: v for k, v in result.timings.items() if k != "t_wall_s"}, 1,
                )  # fmt: skip
                depth = 1 if len(shape) == 2 else shape[0]
                row.update(runner=runner, depth=depth, tiles=len(result.tiles) // depth,
                           t_wall_s=result.timings["t_wall_s"])  # fmt: skip
                rows.append(row)
                tiles = result.tiles.assign(image=sample.id, config=row["config"])
                tile_tables.append(tiles)
                if on_result is not None and mask is not None and filtered is not None:
                    seg_result = Segmentation(
                        _whole(mask), result.threshold, found, result.reasons[0]
                    )
                    on_result(Result(sample, _whole(filtered), seg_result, row))
    if run_dir is not None and tile_tables:
        _write_tiles(pd.concat(tile_tables, ignore_index=True), Path(run_dir))
    table = pd.DataFrame(rows)
    extra = [c for c in table.columns if c not in COLUMNS]
    return table.reindex(columns=[*COLUMNS, *extra])


def _whole(output: Any) -> np.ndarray:
    return np.asarray(open_volume(output) if isinstance(output, Path) else output)


def _write_tiles(table: pd.DataFrame, folder: Path) -> None:
    first = ["image", "config"]
    table = table[first + [c for c in table.columns if c not in first]]
    with atomic_path(folder / "tiles.csv") as tmp:
        table.to_csv(tmp, index=False)
    with atomic_path(folder / "tiles.parquet") as tmp:
        table.to_parquet(tmp, index=False)


def evaluate_with_runner(
    runner: Mapping[str, Any],
    data: Any,
    methods: Iterable[MethodSpec],
    filters: Iterable[FilterSpec],
    *,
    repeat: int = 1,
    run_dir: str | Path | None = None,
    on_result: Callable[[Result], None] | None = None,
    **learning: Any,
) -> pd.DataFrame:
    """Run the benchmark the way a ``runner`` config (``conf/runner/``) says.

    ``runner=local`` is :func:`bench.evaluate` (each image whole); a lazily
    read 2-D image is read whole for it. ``tiled`` and ``dask`` are
    :func:`evaluate_tiled` on the engine they name, with its partial results
    in ``run_dir``. ``learning`` (``score_split``, ``allow_train_eval``, ``progress``,
    ``cache_dir``) goes to :func:`bench.evaluate`: only the local runner
    trains learned methods.
    """
    name = runner.get("name", "local")
    if name == "local":
        samples = data.in_memory() if isinstance(data, VolumeDataset) else data
        return evaluate(samples, methods, filters, repeat=repeat, on_result=on_result,
                        dataset=getattr(data, "name", None), **learning)  # fmt: skip
    segmenters, _ = build_configs(methods, filters)
    learned = [s.name for s in segmenters if s.requires_fit]
    if learned:
        msg = (
            f"runner={name} does not train learned methods ({', '.join(learned)}); train and "
            "score them with runner=local (they are tiled internally at inference)."
        )
        raise ValueError(msg)
    if repeat != 1:
        msg = (
            f"repeat={repeat} times the whole-image runner; runner={name} runs each config "
            "once (its timings sum every tile). Use runner=local to time, or drop repeat."
        )
        raise ValueError(msg)
    with engine_from_config(runner) as engine:
        return evaluate_tiled(
            data, methods, filters, tile_shape=tuple(runner.get("tile", DEFAULT_TILE)),
            stack_histogram=bool(runner.get("stack_histogram", False)), engine=engine,
            run_dir=run_dir, runner=name,
            progress=bool(runner.get("progress", False)) and learning.get("progress", True),
            on_result=on_result,
        )  # fmt: skip
