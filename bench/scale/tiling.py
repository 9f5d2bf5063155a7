"""Whole slides and volumes, tile by tile, with results identical to a whole-image run.

The same stages as :func:`bench.evaluate` — filter,
segment, count — executed on tiles small enough for memory (a few Mpx), on
an :mod:`engine <bench.scale.engines>` (threads here, or Dask workers):

* **Filters and local methods** see each tile with a *halo*: the context each
  declares (:meth:`algorithms.Filter.halo`, :meth:`algorithms.Segmenter.halo`).
  A tile is read with ``filter halo + segmenter halo`` pixels around it
  (cut at the image edge, where both runs see the same edge-replicated
  border), filtered, segmented, and cropped back: the mask is bit for bit the
  whole-image mask.
* **Global methods** need the whole image's histogram: pass 1 filters each
  tile (with the filter's halo) and histograms it on the whole image's bins;
  the histograms add up (:meth:`algorithms.Histogram.__add__`) to the whole
  image's histogram, so the method picks the same threshold. With ground
  truth, the same pass also counts each tile's **joint histogram** of
  intensity and truth inside the field of view
  (:func:`bench.run.curves.joint_histogram`; one compiled pass for 8-bit
  tiles): the confusion counts of any threshold follow from it by sums, so
  every global method of a sweep gets its exact counts, tile by tile, from
  this one read-filter pass. Pass 2 applies the thresholds tile by tile only
  when a mask (or the filtered image) is asked for. Bins of 8-bit images
  are fixed. Other images' bins span their range (see
  :mod:`algorithms.histogram`): 16-bit (and 8-bit signed) tiles count their
  pixels per level of the type, tables that add up before the range is
  known, so they too need one pass; wider integers and floats find the
  range first, by a pass 0.
* **Metrics** are confusion counts, which add up
  (:class:`bench.metrics.ConfusionCounts`): the sums are the whole image's
  counts, and every score computed from them is identical.

Per-tile counts and scores are in :attr:`TiledResult.tiles`. **The mean of
per-tile F1 scores is not the image's F1.** F1 = 2TP / (2TP + FP + FN) is a
ratio, and a mean of ratios is not the ratio of the sums: every tile counts
equally, whether it holds a thousand vessel pixels or a few stray ones, and
tiles with no foreground at all score 0 or 1 by the edge-case conventions
(:mod:`bench.metrics`). So the mean changes with the tile size; the F1 of
the summed counts does not. For example a tile with TP=90, FP=10, FN=0 has
F1 0.947, a tile of background with one false positive has F1 0: their mean
is 0.47, while the F1 of both together is 180/191 = 0.942.

A 3-D stack ``(slices, rows, columns)`` is filtered and segmented slice by
slice; a global method takes one threshold per slice, or with
``stack_histogram=True`` one threshold from the histogram of the whole stack
(Fiji's "stack histogram"). Given ``run_dir`` the run records each finished
unit (:mod:`bench.scale.tile_store`) and resumes after an interruption.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from algorithms import Filter, GlobalThreshold, Histogram, Segmenter, _counting, histogram
from bench.metrics import METRICS, ConfusionCounts, confusion_counts, scores
from bench.run.curves import joint_histogram, level_intervals
from bench.run.plan import FilterSpec, MethodSpec, as_filter, as_segmenter
from bench.run.stages import prepare, segment
from bench.scale.engines import Engine, ThreadEngine
from bench.scale.tile_store import Progress, RunStore
from bench.scale.volumes import (
    BinaryVolume,
    Volume,
    as_source,
    content_identity,
    open_output,
    tile_shape_for,
)

__all__ = [
    "Tile",
    "TiledResult",
    "UnitDone",
    "joint_warm_up",
    "segment_tiled",
    "segment_tiled_group",
    "tile_grid",
    "tile_histogram",
]

DEFAULT_TILE = (1024, 2048)  # 2 Mpx: fast, and small enough for 2 threads in ~50 MB


@dataclass(frozen=True)
class Tile:
    """One tile: ``core`` (the pixels it produces) inside ``outer`` (core + halo).

    Both are ``(rows, columns)`` slices in image coordinates; ``outer`` is
    cut at the image's edges.
    """

    index: int
    core: tuple[slice, slice]
    outer: tuple[slice, slice]

    @property
    def inner(self) -> tuple[slice, slice]:
        """The core's place within the outer region."""
        return tuple(  # type: ignore[return-value]
            slice(c.start - o.start, c.stop - o.start)
            for c, o in zip(self.core, self.outer, strict=True)
        )


def _pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in pair
    ):
        msg = f"{name} must be a positive integer or a pair of them (rows, columns); got {value!r}."
        raise ValueError(msg)
    return int(pair[0]), int(pair[1])


def tile_grid(
    shape: Sequence[int], tile_shape: int | Sequence[int] = DEFAULT_TILE, halo: int = 0
) -> list[Tile]:
    """Tiles covering a ``(rows, columns)`` image, row by row; the last ones may be smaller.

    Examples
    --------
    >>> [t.core for t in tile_grid((5, 3), (2, 3), halo=1)][-1]
    (slice(4, 5, None), slice(0, 3, None))
    >>> tile_grid((5, 3), (2, 3), halo=1)[-1].outer
    (slice(3, 5, None), slice(0, 3, None))
    """
    rows, cols = _pair(tuple(shape), "image shape")
    step_r, step_c = _pair(tile_shape, "tile_shape")
    if isinstance(halo, bool) or not isinstance(halo, (int, np.integer)) or halo < 0:
        msg = f"halo must be a non-negative integer; got {halo!r}."
        raise ValueError(msg)
    tiles = []
    for r0 in range(0, rows, step_r):
        r1 = min(r0 + step_r, rows)
        for c0 in range(0, cols, step_c):
            c1 = min(c0 + step_c, cols)
            core = (slice(r0, r1), slice(c0, c1))
            outer = (slice(max(r0 - halo, 0), min(r1 + halo, rows)),
                     slice(max(c0 - halo, 0), min(c1 + halo, cols)))  # fmt: skip
            tiles.append(Tile(len(tiles), core, outer))
    return tiles


def tile_histogram(
    tile: np.ndarray, fov: np.ndarray | None = None, bounds: tuple[float, float] | None = None
) -> Histogram | None:
    """Histogram of a tile on the bins of the whole image, whose range is ``bounds``.

    :func:`algorithms.histogram` fixes 256 bins for 8-bit images and
    otherwise spans the image's minimum to maximum. So the tile's values are
    histogrammed together with one pixel at each end of the whole image's
    range, which are then taken back out (the histogram of the two ends
    alone has the same bins): the same bins, by the same code.
    Tiles built this way add up to the whole image's histogram. None when
    no pixel of the tile is in the field of view (non-8-bit images).
    """
    if tile.dtype == np.uint8:
        return histogram(tile, fov)
    if bounds is None:
        msg = "A tile of a non-8-bit image needs the whole image's (min, max) as bounds."
        raise ValueError(msg)
    values = tile.ravel() if fov is None else tile[fov]
    if values.size == 0:
        return None
    ends = np.array([bounds], dtype=tile.dtype)
    whole = histogram(np.concatenate([ends[0], values])[np.newaxis, :])
    counts = whole.counts - histogram(ends).counts  # the ends alone: the same bins
    return dataclasses.replace(whole, counts=counts)


def _bins(bounds: tuple[float, float], dtype: np.dtype) -> Histogram:
    """The bins of the whole image whose range is ``bounds`` (the counts are not used)."""
    return histogram(np.array([bounds], dtype=dtype))


def _joint_tile(
    core: np.ndarray,
    truth: np.ndarray,
    fov: np.ndarray | None,
    estimate_in: np.ndarray | None,
    bounds: tuple[float, float] | None,
) -> tuple[Histogram | None, dict[str, Any]]:
    """A tile's histogram (for thresholds) and joint histogram (for counts), on the image's bins.

    The histogram is :func:`tile_histogram`'s (within ``estimate_in``); the
    joint histogram counts the truth-foreground and background pixels
    within ``fov`` between consecutive thresholds
    (:func:`bench.run.curves.joint_histogram`). An 8-bit tile gets both from
    one compiled pass over its pixels.
    """
    if core.dtype == np.uint8:
        table = _counting.count_uint8_joint(core, truth, fov)
        counts = table[0] + table[1]
        if fov is not None and estimate_in is None:  # thresholds from the whole tile
            counts = counts + table[2]
        pos, neg = level_intervals(table[1], 0, 255), level_intervals(table[0], 0, 255)
        return Histogram(counts), _pack(pos, neg)
    hist = tile_histogram(core, estimate_in, bounds)  # bounds: found by the range pass
    return hist, _pack(*joint_histogram(core, truth, fov, _bins(bounds, core.dtype)))


def joint_warm_up(crop: np.ndarray) -> None:
    """Load the per-tile counting kernels once, untimed (:func:`bench.run.stages.warm_up`)."""
    truth = np.zeros(crop.shape, bool)
    if _level_type(crop.dtype):
        _level_counts(crop, truth, truth)
    elif crop.dtype == np.uint8:
        _joint_tile(crop, truth, truth, truth, None)
        _joint_tile(crop, truth, None, None, None)


def _level_type(dtype: np.dtype) -> bool:
    """Integer types of 16 bits or less but 8-bit: histogrammed per level, with no range pass."""
    return dtype.kind in "iu" and dtype.itemsize <= 2 and dtype != np.uint8


def _level_counts(
    core: np.ndarray, truth: np.ndarray | None, fov: np.ndarray | None
) -> dict[str, Any]:
    """A 16-bit tile's pixels per level and class: truth background, foreground, outside ``fov``.

    Levels are counted from the type's minimum: every tile counts on the same
    levels, so the tables add up before the image's range is known, and the
    whole image's histogram (one bin per level from its minimum to its
    maximum: :mod:`algorithms.histogram`) is cut from their sum. Without
    truth every pixel inside ``fov`` is in the first class.
    """
    lowest = np.iinfo(core.dtype).min
    index = core.astype(np.int32)
    if lowest:
        index -= lowest
    if truth is not None:
        index += truth.astype(np.int32) << 16
    if fov is not None:
        index[~fov] = 2 << 16 | index[~fov] & 0xFFFF
    counts = np.bincount(index.ravel(), minlength=3 << 16).reshape(3, 1 << 16)
    occupied = np.flatnonzero(counts.any(axis=0))
    start, stop = (int(occupied[0]), int(occupied[-1]) + 1) if occupied.size else (0, 0)
    return {"start": start, "counts": counts[:, start:stop].tolist()}


def _sum_levels(records: list[dict[str, Any]]) -> np.ndarray:
    total = np.zeros((3, 1 << 16), np.int64)
    for record in records:
        start = record["start"]
        total[:, start : start + len(record["counts"][0])] += np.array(record["counts"], np.int64)
    return total


def _pack(pos: np.ndarray, neg: np.ndarray) -> dict[str, Any]:
    """A joint histogram as a record: the occupied range of intervals only."""
    occupied = np.flatnonzero(pos | neg)
    start, stop = (int(occupied[0]), int(occupied[-1]) + 1) if occupied.size else (0, 0)
    return {"size": int(pos.size), "start": start,
            "pos": pos[start:stop].tolist(), "neg": neg[start:stop].tolist()}  # fmt: skip


def _above(record: dict[str, Any], size: int) -> tuple[np.ndarray, np.ndarray]:
    """A packed joint histogram as suffix sums: pixels in interval ``k`` and above, per class."""
    pos, neg = np.zeros(size, np.int64), np.zeros(size, np.int64)
    start, stop = record["start"], record["start"] + len(record["pos"])
    pos[start:stop], neg[start:stop] = record["pos"], record["neg"]
    return np.cumsum(pos[::-1])[::-1], np.cumsum(neg[::-1])[::-1]


def _joint_counts(
    above: tuple[np.ndarray, np.ndarray], bin_: int, polarity: str
) -> ConfusionCounts:
    """A tile's confusion counts at threshold bin ``bin_``, from its suffix sums (:func:`_above`).

    Foreground is every interval above the threshold's (interval ``bin_ + 1``
    holds the pixels of bin ``bin_``): ``image > value``, exactly; dark
    objects are the other side, ``image <= value``.
    """
    pos, neg = above
    tp, fp = int(pos[bin_ + 2]), int(neg[bin_ + 2])
    fn, tn = int(pos[0]) - tp, int(neg[0]) - fp
    if polarity == "dark":
        tp, fp, fn, tn = fn, tn, tp, fp
    return ConfusionCounts(tp, fp, fn, tn)


@dataclass(frozen=True)
class _Unit:
    z: int | None
    tile: Tile

    @property
    def key(self) -> str:
        return f"{'' if self.z is None else self.z}/{self.tile.index}"


@dataclass(frozen=True)
class _Job:
    """What every unit of one pass shares (sent once to each Dask worker).

    ``segmenters`` is a group that shares the filter: each tile is read and
    prepared once per pass, then every segmenter of the group runs on it.
    """

    stage: str  # "range", "histogram" or "segment"
    image: Any
    truth: Any
    fov: Any
    filter: Filter
    segmenters: tuple[Segmenter, ...]
    polarity: str
    fov_for_threshold: bool = True
    bounds: dict[Any, tuple[float, float]] = field(default_factory=dict)
    values: dict[int, dict[Any, float | None]] = field(default_factory=dict)  # per segmenter
    keep_masks: tuple[bool, ...] = ()  # per segmenter
    keep_image: bool = False
    joint: bool = False  # histogram pass: also the joint histogram of (intensity, truth)
    levels: bool = False  # histogram pass: counts per level of a 16-bit type, no range pass
    apply: tuple[bool, ...] = ()  # segment pass: which segmenters run (per segmenter)


def _read(source: Any, z: int | None, region: tuple[slice, slice]) -> np.ndarray | None:
    if source is None:
        return None
    return np.asarray(source[region if z is None else (z, *region)])


def _run_unit(unit: _Unit, job: _Job) -> dict[str, Any]:
    """One pass over one tile: prepare it once, then histogram it, or run each segmenter."""
    tile, z = unit.tile, unit.z
    start = time.perf_counter()
    filtered = prepare(_read(job.image, z, tile.outer), job.filter)
    core = filtered[tile.inner]
    fov = _read(job.fov, z, tile.core)
    estimate_in = fov if job.fov_for_threshold else None
    record: dict[str, Any] = {"t_filter": time.perf_counter() - start}
    start = time.perf_counter()
    if job.stage == "range":
        values = core if estimate_in is None else core[estimate_in]
        if values.size:
            record.update(lo=values.min().item(), hi=values.max().item())
        return record
    if job.stage == "histogram":
        if job.levels:
            truth = _read(job.truth, z, tile.core) if job.joint else None
            record["levels"] = _level_counts(core, truth, fov)
            record["t_segment"] = time.perf_counter() - start
            return record
        if job.joint:
            truth = _read(job.truth, z, tile.core)
            hist, joint = _joint_tile(core, truth, fov, estimate_in, job.bounds.get(z))
            record["joint"] = joint
        else:
            hist = tile_histogram(core, estimate_in, job.bounds.get(z))
        if hist is not None:
            record.update(counts=hist.counts.tolist(), offset=hist.offset, width=hist.width,
                          integer=hist.integer, span=hist.span)  # fmt: skip
        record["t_segment"] = time.perf_counter() - start
        return record
    truth = _read(job.truth, z, tile.core)
    t_truth = time.perf_counter() - start
    outer_fov = None
    applied = [seg for seg, on in zip(job.segmenters, job.apply, strict=True) if on]
    if job.fov is not None and not all(isinstance(seg, GlobalThreshold) for seg in applied):
        outer_fov = _read(job.fov, z, tile.outer)
    per, arrays = [], {}
    for s, seg in enumerate(job.segmenters):
        if not job.apply[s]:  # its counts came from the joint histograms
            per.append(None)
            continue
        start = time.perf_counter()
        if isinstance(seg, GlobalThreshold):
            value = job.values[s][z]
            mask = core > value if job.polarity == "bright" else core <= value
        else:
            mask = segment(seg, filtered, job.polarity, fov=outer_fov).mask[tile.inner]
        item: dict[str, Any] = {"t_segment": time.perf_counter() - start}
        start = time.perf_counter()
        if truth is not None:
            item["counts"] = confusion_counts(truth, mask, fov).as_dict()
        item["t_metrics"] = time.perf_counter() - start + t_truth  # the truth is read once
        per.append(item)
        if job.keep_masks[s]:
            arrays[f"mask:{s}"] = mask
    record["per"] = per
    if job.keep_image:
        arrays["image"] = core
    if arrays:
        record["arrays"] = arrays
    return record


@dataclass(frozen=True)
class UnitDone:
    """Handed to ``on_unit`` after each computed unit (not for resumed ones)."""

    stage: str
    z: int | None
    tile: Tile


@dataclass(frozen=True)
class TiledResult:
    """What a tiled run found.

    Attributes
    ----------
    thresholds : list of float or None
        One per slice (a 2-D image has one slice); None for local methods.
    found, reasons : list
        Per slice, as in :class:`algorithms.Segmentation`.
    counts : ConfusionCounts or None
        Summed over every tile and slice; None without ground truth.
    tiles : pandas.DataFrame
        One row per tile and slice: position, counts and scores of the tile.
    timings : dict
        ``t_preprocess_s``, ``t_segment_s``, ``t_metrics_s``: seconds summed
        over tiles and passes; ``t_wall_s``: the run's wall time.
    computed, resumed : int
        Units of work done by this call, and taken from ``run_dir``.
    """

    thresholds: list[float | None]
    found: list[bool]
    reasons: list[str]
    counts: ConfusionCounts | None
    tiles: pd.DataFrame
    timings: dict[str, float]
    computed: int = 0
    resumed: int = 0

    @property
    def threshold(self) -> float | None:
        """The threshold when one applies to every slice, else None."""
        return self.thresholds[0] if len(set(self.thresholds)) == 1 else None

    @property
    def scores(self) -> dict[str, float]:
        """Every metric of the summed counts (micro scores: the image's own)."""
        if self.counts is None:
            msg = "This run had no ground truth: pass truth=... to get scores."
            raise ValueError(msg)
        return scores(self.counts)


def _check_inputs(image: Any, truth: Any, fov: Any, polarity: str) -> None:
    if image.ndim not in (2, 3):
        msg = (
            f"image must be 2-D (rows, columns) or a 3-D stack (slices, rows, columns); "
            f"got shape {image.shape}."
        )
        raise ValueError(msg)
    for label, array in (("truth", truth), ("fov", fov)):
        if array is None:
            continue
        if tuple(array.shape) != tuple(image.shape):
            msg = f"{label} has shape {array.shape}, the image {image.shape}; they must match."
            raise ValueError(msg)
        if np.dtype(array.dtype) != bool:
            msg = (
                f"{label} must be boolean; got dtype {array.dtype}. Read a labelled ground "
                "truth with bench.scale.volumes.BinaryVolume(volume, truth_value)."
            )
            raise ValueError(msg)
    if polarity not in ("bright", "dark"):
        msg = f"polarity must be 'bright' or 'dark'; got {polarity!r}."
        raise ValueError(msg)


def _check_image_wide_values(seg: Segmenter, dtype: np.dtype) -> None:
    """Refuse a local method that would take image-wide values from each tile.

    A method may use values of the whole image besides each pixel's window
    (Wolf–Jolion's minimum grey level and largest local deviation); it names
    them by ``image_statistics(image)``, and they are parameters left None
    to mean "from the image". Computed tile by tile they would differ from
    tile to tile, so they must be set.
    """
    statistics = getattr(seg, "image_statistics", None)
    if statistics is None:
        return
    names = statistics(np.zeros((3, 3), dtype=dtype))  # a tiny image: only the names matter
    unset = [name for name in names if seg.get_params().get(name) is None]
    if unset:
        msg = (
            f"{seg.name} uses image-wide values ({', '.join(unset)}) that tiles cannot see; "
            f"set them to tile it exactly: {seg.name}.image_statistics(filtered image) "
            "computes them, e.g. on the whole image or a representative part of it."
        )
        raise ValueError(msg)


def _stage(
    job: _Job,
    units: list[_Unit],
    engine: Engine,
    store: RunStore,
    progress: Progress,
    on_unit: Callable[[UnitDone], None] | None,
    outputs: dict[str, Any],
) -> tuple[dict[str, dict[str, Any]], int]:
    """Run one pass over ``units``, skipping those ``store`` already holds.

    A unit recorded without writing an output this run asks for is redone.
    """
    wanted = {name: str(getattr(target, "path", "memory"))
              for name, target in outputs.items() if target is not None}  # fmt: skip
    if job.stage != "segment":
        wanted = {}
    records: dict[str, dict[str, Any]] = {}
    todo = []
    for unit in units:
        key = f"{job.stage}/{unit.key}"
        stored = store.get(key) if key in store else None
        if stored is not None and job.stage == "histogram":
            needs = "levels" if job.levels else "joint" if job.joint else None
            if needs is not None and needs not in stored:
                stored = None  # recorded in another form than this run needs
        if stored is not None and wanted.items() <= stored.get("outputs", {}).items():
            records[unit.key] = store.get(key)
        else:
            todo.append(unit)
    progress.update(len(records), resumed=True)
    try:
        for unit, record in engine.map_unordered(_run_unit, todo, job):
            where = unit.tile.core if unit.z is None else (unit.z, *unit.tile.core)
            for name, array in record.pop("arrays", {}).items():
                outputs[name][where] = array
            if wanted:
                record["outputs"] = wanted
            store.put(f"{job.stage}/{unit.key}", record)  # after its outputs are written
            records[unit.key] = record
            progress.update()
            if on_unit is not None:
                on_unit(UnitDone(job.stage, unit.z, unit.tile))
    finally:
        store.flush()
        progress.close()
    return records, len(todo)


def segment_tiled(
    image: Any,
    segmenter: MethodSpec,
    filter: FilterSpec = None,
    *,
    truth: Any = None,
    fov: Any = None,
    fov_for_threshold: bool = True,
    polarity: str = "bright",
    tile_shape: int | Sequence[int] | None = DEFAULT_TILE,
    stack_histogram: bool = False,
    truth_value: int | str = 255,
    fov_value: int | str = 255,
    out: Any = None,
    filtered_out: Any = None,
    engine: Engine | None = None,
    run_dir: str | Path | None = None,
    progress: bool = False,
    label: str = "image",
    on_unit: Callable[[UnitDone], None] | None = None,
) -> TiledResult:
    """Filter, segment and score an image or stack tile by tile; exact, resumable.

    Parameters
    ----------
    image : ndarray, Volume, Zarr array or path
        2-D ``(rows, columns)`` or 3-D ``(slices, rows, columns)``; read one
        tile at a time (see :mod:`bench.scale.volumes` for files).
    segmenter, filter
        As in :func:`bench.evaluate`: a name, ``{"name": ..., **params}`` or
        an instance; ``filter=None`` for no filter.
    truth, fov : arrays, volumes or paths of the image's shape, optional
        Ground truth (for counts and scores) and field of view: boolean, or
        labels read by ``truth_value`` / ``fov_value``.
    fov_for_threshold : bool
        Whether global methods estimate their threshold inside ``fov`` (True)
        or from the whole image (False); counts are always inside ``fov``.
    polarity : {"bright", "dark"}
        "dark": objects are darker: ``p <= t`` on the original intensities (Fiji's rule).
    tile_shape : int or (int, int) or None
        Rows and columns of a tile (a few Mpx is fast); the last tiles of a
        row or column may be smaller. None: about 4 Mpx aligned to the
        input's chunks (:func:`bench.scale.volumes.tile_shape_for`), so a
        compressed Zarr decodes each chunk once per pass.
    stack_histogram : bool
        For 3-D stacks and global methods: one threshold from the whole
        stack's histogram instead of one per slice.
    truth_value, fov_value : int or "nonzero"
        The rule that reads a non-boolean truth or field of view, as datasets
        do (``bench.data.value_mask``): the foreground value (255: a uint8
        {0, 255} mask), or "nonzero". Boolean inputs are used as they are.
    out, filtered_out : array, Volume or path (.npy, .zarr), optional
        Where to write the mask (bool) and the filtered image; a path is
        created (or, when resuming, reopened).
    engine : Engine, optional
        Where the tiles run; default one :class:`~bench.scale.engines.ThreadEngine` (serial).
    run_dir : str or Path, optional
        Folder of per-unit partial results: an interrupted run resumes from it.
        Outputs must then be files (paths or Volumes).
    progress : bool
        Print a progress line to stderr as tiles finish.
    label : str
        Name in progress lines.
    on_unit : callable, optional
        Called with a :class:`UnitDone` after each computed unit.

    Returns
    -------
    TiledResult

    Examples
    --------
    >>> import numpy as np
    >>> image = np.tile(np.array([[10, 200]], dtype=np.uint8), (5, 3))
    >>> result = segment_tiled(image, "otsu", truth=image > 100, tile_shape=(2, 4))
    >>> result.threshold, result.counts
    (199.0, ConfusionCounts(tp=15, fp=0, fn=0, tn=15))
    """
    return segment_tiled_group(
        image, [segmenter], filter, truth=truth, fov=fov, fov_for_threshold=fov_for_threshold,
        polarity=polarity, tile_shape=tile_shape, stack_histogram=stack_histogram, outs=[out],
        truth_value=truth_value, fov_value=fov_value,
        filtered_out=filtered_out, engine=engine, run_dir=run_dir, progress=progress,
        label=label, on_unit=on_unit,
    )[0]  # fmt: skip


def segment_tiled_group(
    image: Any,
    segmenters: Sequence[MethodSpec],
    filter: FilterSpec = None,
    *,
    truth: Any = None,
    fov: Any = None,
    fov_for_threshold: bool = True,
    polarity: str = "bright",
    tile_shape: int | Sequence[int] | None = DEFAULT_TILE,
    stack_histogram: bool = False,
    truth_value: int | str = 255,
    fov_value: int | str = 255,
    outs: Sequence[Any] | None = None,
    filtered_out: Any = None,
    engine: Engine | None = None,
    run_dir: str | Path | None = None,
    progress: bool = False,
    label: str = "image",
    on_unit: Callable[[UnitDone], None] | None = None,
) -> list[TiledResult]:
    """:func:`segment_tiled` for segmenters sharing a filter: each tile prepared once per pass.

    Every pass reads each tile once and filters it once
    (:func:`bench.run.stages.prepare`); the histogram pass builds one
    histogram per tile, shared by every global method of the group (and,
    with truth, one joint histogram of intensity and truth, which gives
    every global method its counts); the segment pass runs, on the same
    prepared tile, the local methods and the global methods whose mask is
    asked for (``outs``). A sweep of N global methods after one filter thus
    reads and filters the image once, not 2N times, and each result is bit
    for bit the result of :func:`segment_tiled` with that segmenter alone.

    Parameters are those of :func:`segment_tiled`, except ``segmenters`` (a
    sequence) and ``outs``: one mask output per segmenter (or None).

    Returns
    -------
    list of TiledResult
        One per segmenter, in order. ``timings["t_wall_s"]`` is the group's
        wall time; ``t_preprocess_s`` counts the shared preparation of every
        pass the method needed, ``t_segment_s`` its own segmentation (and the
        shared histograms, for a global method), as :func:`bench.evaluate`
        counts shared work in each row. ``computed`` and ``resumed`` count the
        group's units.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.tile(np.array([[10, 200]], dtype=np.uint8), (5, 3))
    >>> results = segment_tiled_group(image, ["otsu", "mean"], truth=image > 100, tile_shape=(2, 4))
    >>> [(r.threshold, r.counts.tp) for r in results]
    [(199.0, 15), (105.0, 15)]
    """
    segs = tuple(as_segmenter(s) for s in segmenters)
    filt = as_filter(filter)
    if not segs:
        msg = "segment_tiled_group needs at least one segmenter; got none."
        raise ValueError(msg)
    outs = [None] * len(segs) if outs is None else list(outs)
    if len(outs) != len(segs):
        msg = f"outs must have one entry per segmenter ({len(segs)}); got {len(outs)}."
        raise ValueError(msg)
    globals_ = [(s, seg) for s, seg in enumerate(segs) if isinstance(seg, GlobalThreshold)]
    local_halo = max((seg.halo() for seg in segs if not isinstance(seg, GlobalThreshold)),
                     default=0)  # fmt: skip
    image, truth, fov = as_source(image, "image"), as_source(truth, "truth"), as_source(fov, "fov")
    if truth is not None and np.dtype(truth.dtype) != bool:
        truth = BinaryVolume(truth, truth_value)
    if fov is not None and np.dtype(fov.dtype) != bool:
        fov = BinaryVolume(fov, fov_value)
    _check_inputs(image, truth, fov, polarity)
    for seg in segs:
        if not seg.tileable:
            msg = (
                f"{seg.name} declares tileable = False (e.g. it keeps whole connected "
                "components): no halo lets a tile reproduce its whole-image mask; run it "
                "on whole images (runner=local)."
            )
            raise ValueError(msg)
        if not isinstance(seg, GlobalThreshold):
            _check_image_wide_values(seg, image.dtype)
    if run_dir is not None:
        for name, target in (*(("out", o) for o in outs), ("filtered_out", filtered_out)):
            if target is not None and not isinstance(target, (str, Path, Volume)):
                msg = f"A resumable run (run_dir) writes {name} to a file: pass a path or a Volume."
                raise ValueError(msg)
    shape = tuple(image.shape)
    tiles = tile_shape_for(image) if tile_shape is None else _pair(tile_shape, "tile_shape")
    zs: list[int | None] = [None] if len(shape) == 2 else list(range(shape[0]))

    def units_with(halo: int) -> list[_Unit]:
        return [_Unit(z, tile) for z in zs for tile in tile_grid(shape[-2:], tiles, halo)]

    # The histogram passes need the filter's context; the segment pass also the largest
    # local method's. More context than a method needs changes none of its pixels.
    hist_units, units = units_with(filt.halo()), units_with(filt.halo() + local_halo)
    manifest = {
        "inputs": {
            n: content_identity(s) for n, s in (("image", image), ("truth", truth), ("fov", fov))
        },
        "segmenters": [[seg.name, seg.get_params()] for seg in segs],
        "filter": [filt.name, filt.get_params()],
        "tile_shape": tiles,
        "stack_histogram": bool(stack_histogram),
        "fov_for_threshold": bool(fov_for_threshold),
        "polarity": polarity,
    }
    store = RunStore(run_dir, manifest)
    resuming = len(store) > 0
    chunks = ((1,) * (len(shape) - 2)) + tiles  # one Zarr chunk per tile of a slice
    outputs = {f"mask:{s}": open_output(out, shape, bool, chunks, resuming)
               for s, out in enumerate(outs)}  # fmt: skip
    outputs["image"] = open_output(filtered_out, shape, image.dtype, chunks, resuming)
    engine = engine or ThreadEngine()
    inputs = {"image": image, "truth": truth, "fov": fov, "filter": filt, "segmenters": segs,
              "polarity": polarity, "fov_for_threshold": bool(fov_for_threshold)}  # fmt: skip
    done = {"computed": 0, "resumed": 0}
    shared = {"t_filter": 0.0, "t_histogram": 0.0}  # the passes before the segment pass
    wall = time.perf_counter()

    def run(stage: str, **extra: Any) -> dict[str, dict[str, Any]]:
        todo = hist_units if stage != "segment" else units
        bar = Progress(f"{label} {stage}", len(todo), enabled=progress)
        job = _Job(stage, **inputs, **extra)
        records, computed = _stage(job, todo, engine, store, bar, on_unit, outputs)
        done["computed"] += computed
        done["resumed"] += len(todo) - computed
        if stage != "segment":
            for record in records.values():
                shared["t_filter"] += record["t_filter"]
                shared["t_histogram"] += record.get("t_segment", 0.0)
        return records

    unset: tuple[float | None, bool, str, int] = (None, True, "", -1)
    thresholds = {s: dict.fromkeys(zs, unset) for s in range(len(segs))}
    # A global method needs the apply pass only for its mask: its counts come from the
    # joint histograms of the histogram pass (one read-filter pass for the whole group).
    keep_masks = tuple(outputs[f"mask:{s}"] is not None for s in range(len(segs)))
    apply = tuple(keep_masks[s] or not isinstance(seg, GlobalThreshold)
                  for s, seg in enumerate(segs))  # fmt: skip
    joint = truth is not None and not all(apply[s] for s, _ in globals_)
    above: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # per tile, with truth
    if globals_:
        found, parts, sizes = _global_thresholds(
            globals_, image.dtype, hist_units, zs, stack_histogram, joint,
            fov is not None and not fov_for_threshold, run,
        )  # fmt: skip
        thresholds.update(found)
        if joint:  # each tile's suffix sums, once: every method's counts are then lookups
            above = {u.key: _above(parts[u.key]["joint"], sizes[u.z]) for u in hist_units}
    values = {s: {z: t[0] for z, t in per_z.items()} for s, per_z in thresholds.items()}
    records: dict[str, dict[str, Any]] = {}
    if any(apply) or outputs["image"] is not None:
        records = run("segment", values=values, keep_masks=keep_masks, apply=apply,
                      keep_image=outputs["image"] is not None)  # fmt: skip
    t_wall = time.perf_counter() - wall
    t_prepare = sum(record["t_filter"] for record in records.values())
    results = []
    for s, seg in enumerate(segs):
        is_global = isinstance(seg, GlobalThreshold)
        if apply[s]:
            own = {key: record["per"][s] for key, record in records.items()}
        else:
            own = _counts_from_joint(hist_units, above, thresholds[s], polarity)
        timings = {
            "t_preprocess_s": (t_prepare if apply[s] else 0.0)
            + (shared["t_filter"] if is_global else 0.0),
            "t_segment_s": sum(r["t_segment"] for r in own.values())
            + (shared["t_histogram"] if is_global else 0.0),
            "t_metrics_s": sum(r["t_metrics"] for r in own.values()),
            "t_wall_s": t_wall,
        }
        results.append(TiledResult(
            thresholds=[_reported(thresholds[s][z][0]) for z in zs],
            found=[thresholds[s][z][1] for z in zs],
            reasons=[thresholds[s][z][2] for z in zs],
            counts=_total(own) if truth is not None else None,
            tiles=_tile_table(units, own, values[s]),
            timings=timings,
            computed=done["computed"],
            resumed=done["resumed"],
        ))  # fmt: skip
    return results


def _global_thresholds(
    segmenters: list[tuple[int, GlobalThreshold]],
    dtype: np.dtype,
    units: list[_Unit],
    zs: list[int | None],
    stack_histogram: bool,
    joint: bool,
    whole_tiles: bool,
    run: Callable[..., dict[str, dict[str, Any]]],
) -> tuple[
    dict[int, dict[Any, tuple[int | float, bool, str, int]]],
    dict[str, dict[str, Any]],
    dict[Any, int],
]:
    """Passes 0 (range) and 1 (histograms), shared; then each method's threshold per slice.

    Returns the thresholds (exact value, found, reason, bin) per segmenter
    and slice, the histogram pass's records (with ``joint``: each tile's
    joint histogram of intensity and truth), and the joint histograms' size
    per slice (intervals of the slice's bins). ``whole_tiles``: thresholds
    from every pixel while counts are within the field of view.
    """

    def group(z: int | None) -> Any:
        return "stack" if stack_histogram else z

    if _level_type(dtype):
        totals, parts = _level_histograms(dtype, units, group, joint, whole_tiles, run)
    else:
        totals, parts = _binned_histograms(dtype, units, zs, group, joint, run)
    thresholds: dict[int, dict[Any, tuple[int | float, bool, str, int]]] = {}
    for s, seg in segmenters:
        thresholds[s] = {}
        for z in zs:
            total = totals[group(z)]
            found = seg.find_threshold(total)
            thresholds[s][z] = (total.exact_value(found.bin), found.found, found.reason,
                                int(found.bin))  # fmt: skip
    sizes = {z: totals[group(z)].counts.size + 2 for z in zs}
    return thresholds, parts, sizes


def _binned_histograms(
    dtype: np.dtype,
    units: list[_Unit],
    zs: list[int | None],
    group: Callable[[int | None], Any],
    joint: bool,
    run: Callable[..., dict[str, dict[str, Any]]],
) -> tuple[dict[Any, Histogram], dict[str, dict[str, Any]]]:
    """The range pass (not for 8-bit images) and the histogram pass: the summed histograms."""
    bounds: dict[Any, tuple[float, float]] = {}
    if dtype != np.uint8:  # bins span the whole image's range: find it first
        ranges = run("range")
        per_group: dict[Any, tuple[float, float]] = {}
        for unit in units:
            record = ranges[unit.key]
            if "lo" in record:
                lo, hi = per_group.get(group(unit.z), (record["lo"], record["hi"]))
                per_group[group(unit.z)] = (min(lo, record["lo"]), max(hi, record["hi"]))
        if len(per_group) < len({group(z) for z in zs}):
            msg = "The field of view holds no pixel; nothing to build a histogram from."
            raise ValueError(msg)
        bounds = {z: per_group[group(z)] for z in zs}
    parts = run("histogram", bounds=bounds, joint=joint)
    totals: dict[Any, Histogram] = {}
    for unit in units:
        record = parts[unit.key]
        if "counts" not in record:
            continue
        part = Histogram(np.asarray(record["counts"], dtype=np.int64), record["offset"],
                         record["width"], record["integer"], record.get("span", 0))  # fmt: skip
        key = group(unit.z)
        totals[key] = totals[key] + part if key in totals else part
    return totals, parts


def _level_histograms(
    dtype: np.dtype,
    units: list[_Unit],
    group: Callable[[int | None], Any],
    joint: bool,
    whole_tiles: bool,
    run: Callable[..., dict[str, dict[str, Any]]],
) -> tuple[dict[Any, Histogram], dict[str, dict[str, Any]]]:
    """The summed histograms of a 16-bit image: one pass of per-level tables, no range pass.

    The tables of a slice (or stack) add up; the levels holding pixels of
    the threshold's domain give its range, and the histogram the global
    methods see is the sum cut to that range — the histogram of
    :func:`algorithms.histogram`, bin for bin. Each tile's joint histogram
    follows from its own table on those bins (levels outside the range
    fall in the intervals below or above every threshold).
    """
    parts = run("histogram", levels=True, joint=joint)
    lowest = int(np.iinfo(dtype).min)
    by_group: dict[Any, list[dict[str, Any]]] = {}
    for unit in units:
        by_group.setdefault(group(unit.z), []).append(parts[unit.key]["levels"])
    totals: dict[Any, Histogram] = {}
    ranges: dict[Any, tuple[int, int]] = {}
    for key, records in by_group.items():
        table = _sum_levels(records)
        counts = table[0] + table[1]
        if whole_tiles:  # thresholds from every pixel, counts within the field of view
            counts = counts + table[2]
        occupied = np.flatnonzero(counts)
        if not occupied.size:
            msg = "The field of view holds no pixel; nothing to build a histogram from."
            raise ValueError(msg)
        lo, hi = int(occupied[0]), int(occupied[-1])
        ranges[key] = (lo, hi)
        totals[key] = Histogram(counts[lo : hi + 1].copy(), offset=lo + lowest)
    if joint:
        for unit in units:
            lo, hi = ranges[group(unit.z)]
            table = _sum_levels([parts[unit.key]["levels"]])
            pos, neg = (level_intervals(table[c], lo, hi) for c in (1, 0))
            parts[unit.key] = {**parts[unit.key], "joint": _pack(pos, neg)}
    return totals, parts


def _counts_from_joint(
    units: list[_Unit],
    above: dict[str, tuple[np.ndarray, np.ndarray]],
    thresholds: dict[Any, tuple[int | float, bool, str, int]],
    polarity: str,
) -> dict[str, dict[str, Any]]:
    """Each tile's counts at a global method's threshold, from the histogram pass alone.

    ``above``: each tile's suffix sums (:func:`_above`), shared by every method;
    empty without truth (no counts).
    """
    own: dict[str, dict[str, Any]] = {}
    for unit in units:
        start = time.perf_counter()
        item: dict[str, Any] = {"t_segment": 0.0}
        if above:
            counts = _joint_counts(above[unit.key], thresholds[unit.z][3], polarity)
            item["counts"] = counts.as_dict()
        item["t_metrics"] = time.perf_counter() - start
        own[unit.key] = item
    return own


def _reported(threshold: int | float | None) -> float | None:
    """A threshold as results report it (a float); tiles compare with the exact value."""
    return None if threshold is None else float(threshold)


def _total(records: dict[str, dict[str, Any]]) -> ConfusionCounts:
    total = ConfusionCounts(0, 0, 0, 0)
    for record in records.values():
        total = total + ConfusionCounts(**record["counts"])
    return total


def _tile_table(
    units: list[_Unit], records: dict[str, dict[str, Any]], values: dict[Any, float | None]
) -> pd.DataFrame:
    rows = []
    for unit in units:
        (rows_slice, cols_slice), record = unit.tile.core, records[unit.key]
        row: dict[str, Any] = {
            "z": unit.z, "tile": unit.tile.index, "threshold": values[unit.z],
            "row0": rows_slice.start, "row1": rows_slice.stop,
            "col0": cols_slice.start, "col1": cols_slice.stop,
        }  # fmt: skip
        if "counts" in record:
            counts = ConfusionCounts(**record["counts"])
            row.update(counts.as_dict(), **scores(counts))
        rows.append(row)
    columns = ["z", "tile", "threshold", "row0", "row1", "col0", "col1"]
    if rows and "tp" in rows[0]:
        columns += ["tp", "fp", "fn", "tn", *METRICS]
    return pd.DataFrame(rows, columns=columns)
