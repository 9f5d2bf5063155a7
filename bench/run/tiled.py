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
from bench.data import Sample
from bench.metrics import check_tileable
from bench.results import atomic_path
from bench.run.loop import Fits, run_plan
from bench.run.plan import FilterSpec, MethodSpec, Plan, as_samples, make_plan
from bench.run.stages import WARM_UP_SIDE, Result, extra_scores, result_row, warm_up
from bench.run.whole_image import evaluate
from bench.scale.engines import Engine, engine_from_config
from bench.scale.tiling import DEFAULT_TILE, joint_warm_up, segment_tiled_group
from bench.scale.volumes import VolumeDataset, open_volume

__all__ = ["Tiled", "evaluate_tiled", "evaluate_with_runner"]


def _folder_name(*parts: str) -> str:
    text = "_".join(parts)
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text)[:60] + "_" + digest


def _warm_up(image: Any, segmenters: Sequence[Any], filt: Any, done: set[tuple[int, str]]) -> None:
    """The untimed first calls (:func:`bench.run.stages.warm_up`), on a corner crop."""
    corner = (0,) * (len(np.shape(image)) - 2) + (slice(0, WARM_UP_SIDE), slice(0, WARM_UP_SIDE))
    crop = np.asarray(image[corner])
    for step in (filt, histogram, joint_warm_up, *segmenters):
        warm_up(step, crop, done)


class Tiled:
    """Executor: each sample tile by tile, each filter's segmenters as one group.

    The segmenters of a filter run together (:func:`bench.scale.tiling.segment_tiled_group`):
    each pass reads and prepares every tile once for all of them. Extra
    columns: ``runner``, ``depth`` (slices), ``tiles`` (per slice),
    ``t_wall_s`` (the group's wall time).
    """

    def __init__(
        self,
        tile_shape: int | Sequence[int] = DEFAULT_TILE,
        stack_histogram: bool = False,
        engine: Engine | None = None,
        run_dir: str | Path | None = None,
        progress: bool = False,
        runner: str = "tiled",
    ) -> None:
        self.tile_shape = tile_shape
        self.stack_histogram = stack_histogram
        self.engine = engine
        self.run_dir = None if run_dir is None else Path(run_dir)
        self.progress = progress
        self.runner = runner
        self._warmed: set[tuple[int, str]] = set()
        self._tile_tables: list[pd.DataFrame] = []

    def rows(
        self,
        plan: Plan,
        sample: Sample,
        side: str,
        fits: Fits,
        on_result: Callable[[Result], None] | None,
    ) -> list[dict[str, Any]]:
        """The rows of one sample: per filter, one tiled group run of its segmenters."""
        shape = tuple(np.shape(sample.image))
        figures = on_result is not None and len(shape) == 2
        if on_result is not None and not figures:
            print(f"segbench: no figures for the 3-D stack {sample.id!r}", file=sys.stderr)
        rows = []
        for group in plan.groups():
            configs = [c for c in group.configs if plan.scored(side, c.segmenter.requires_fit)]
            if not configs:
                continue
            segs = [c.segmenter for c in configs]
            group_dir = None
            if self.run_dir is not None:
                group_dir = self.run_dir / _folder_name(
                    sample.id, "+".join(s.name for s in segs), group.filter.name,
                    repr((segs, group.filter)),
                )  # fmt: skip
            outs: list[Any] = [None] * len(segs)
            filtered = None
            if figures:
                if group_dir is not None:
                    outs = [group_dir / f"mask_{s}.zarr" for s in range(len(segs))]
                    filtered = group_dir / "filtered.zarr"
                else:
                    outs = [np.zeros(shape, bool) for _ in segs]
                    filtered = np.empty(shape, np.dtype(sample.image.dtype))
            _warm_up(sample.image, segs, group.filter, self._warmed)
            results = segment_tiled_group(
                sample.image, segs, group.filter, truth=sample.truth, fov=sample.fov,
                fov_for_threshold=sample.fov_for_threshold, polarity=sample.polarity,
                tile_shape=self.tile_shape, stack_histogram=self.stack_histogram, outs=outs,
                filtered_out=filtered, engine=self.engine, run_dir=group_dir,
                progress=self.progress, label=sample.id,
            )  # fmt: skip
            depth = 1 if len(shape) == 2 else shape[0]
            for config, result, mask in zip(configs, results, outs, strict=True):
                found = all(result.found)
                row = result_row(
                    plan.dataset, plan.dataset_hash, sample, config, result.threshold, found,
                    result.counts, shape,
                    {k: v for k, v in result.timings.items() if k != "t_wall_s"}, 1, side=side,
                    extra=extra_scores(plan.extra_metrics, result.counts),
                )  # fmt: skip
                row.update(runner=self.runner, depth=depth,
                           tiles=len(result.tiles) // depth,
                           t_wall_s=result.timings["t_wall_s"])  # fmt: skip
                rows.append(row)
                self._tile_tables.append(result.tiles.assign(image=sample.id, config=row["config"]))
                if on_result is not None and mask is not None and filtered is not None:
                    seg_result = Segmentation(
                        _whole(mask), result.threshold, found, result.reasons[0]
                    )
                    on_result(Result(sample, _whole(filtered), seg_result, row))
        return rows

    def finish(self) -> None:
        """Write the per-tile table (``tiles.csv``/``.parquet``) into ``run_dir``."""
        if self.run_dir is not None and self._tile_tables:
            _write_tiles(pd.concat(self._tile_tables, ignore_index=True), self.run_dir)
        self._tile_tables = []


def evaluate_tiled(
    data: Any,
    methods: Iterable[MethodSpec] | Plan = ("otsu",),
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
    metrics: str | Iterable[str] = (),
) -> pd.DataFrame:
    """:func:`bench.evaluate`, tile by tile: one row per sample × method × filter.

    Parameters are those of :func:`bench.evaluate` and of
    :func:`bench.scale.tiling.segment_tiled`. Only metrics that add up
    exactly over tiles (count-based) can be chosen; others are refused.
    The segmenters of each filter run as one group (:class:`Tiled`).
    ``on_result`` (figures) is called for 2-D samples only; it needs their
    mask and filtered image, which are assembled in memory (or, with
    ``run_dir``, in Zarr files there).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[10, 200, 12], [11, 220, 9]], dtype=np.uint8)
    >>> table = evaluate_tiled(image, ["otsu"], [None], truth=image > 100, tile_shape=1)
    >>> table[["algo", "threshold", "f1", "tiles"]].to_dict("records")
    [{'algo': 'otsu', 'threshold': 199.0, 'f1': 1.0, 'tiles': 6}]
    """
    plan = methods if isinstance(methods, Plan) else make_plan(
        data, methods, filters, dataset=dataset, metrics=metrics
    )  # fmt: skip
    # Skeletons, components, distances and percentiles do not add up over tiles.
    check_tileable(plan.metrics)
    executor = Tiled(tile_shape, stack_histogram, engine, run_dir, progress, runner)
    return run_plan(plan, as_samples(data, truth, fov, polarity), executor, on_result=on_result)


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
    plan: Plan,
    *,
    repeat: int = 1,
    run_dir: str | Path | None = None,
    on_result: Callable[[Result], None] | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run ``plan`` on ``data`` the way a ``runner`` config (``conf/runner/``) says.

    ``runner=local`` is the whole-image executor (:func:`bench.evaluate`); a
    lazily read 2-D image is read whole for it. ``tiled`` and ``dask`` are
    the tiled executor (:func:`evaluate_tiled`) on the engine they name, with
    its partial results in ``run_dir``. Only the local runner trains learned
    methods (with ``cache_dir``). ``progress`` (and the tiled runners'
    ``runner.progress``) reports the work on stderr (:mod:`bench.progress`).
    """
    name = runner.get("name", "local")
    plan = plan.on(data)
    if name == "local":
        samples = data.in_memory() if isinstance(data, VolumeDataset) else data
        return evaluate(samples, plan, repeat=repeat, on_result=on_result, cache_dir=cache_dir,
                        progress=progress)  # fmt: skip
    check_tileable(plan.metrics)  # before any engine starts
    if plan.predictions:
        msg = (
            f"runner={name} segments tile by tile; predictions "
            f"({', '.join(p.method for p in plan.predictions)}) are read whole: score them "
            "with runner=local."
        )
        raise ValueError(msg)
    learned = [s.name for s in plan.learned]
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
            data, plan, tile_shape=tuple(runner.get("tile", DEFAULT_TILE)),
            stack_histogram=bool(runner.get("stack_histogram", False)), engine=engine,
            run_dir=run_dir, progress=bool(runner.get("progress", False)) and progress,
            runner=name,
            on_result=on_result,
        )  # fmt: skip
