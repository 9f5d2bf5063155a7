"""The evaluation loop: samples × preprocessing × segmenters → tidy rows.

Work shared between configurations is done once: each sample is loaded and
inverted once, each filter runs once per sample, and the histogram of each
filtered image feeds every global method.
"""

from __future__ import annotations

import inspect
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import algorithms
from algorithms import Filter, GlobalThreshold, Segmentation, Segmenter, histogram

from .datasets import Sample, invert, resolve_polarity
from .metrics import METRICS, ConfusionCounts, confusion_counts, scores

__all__ = [
    "COLUMNS",
    "Result",
    "as_filter",
    "as_segmenter",
    "build_configs",
    "dataset_identity",
    "evaluate",
    "result_row",
]

MethodSpec = str | Mapping[str, Any] | Segmenter
FilterSpec = str | Mapping[str, Any] | Filter | None

COLUMNS = [
    "dataset", "dataset_hash", "image", "split",
    "algo", "filter", "config", "threshold", "found", "polarity",
    "height", "width", "tp", "fp", "fn", "tn", *METRICS,
    "t_preprocess_s", "t_segment_s", "t_metrics_s", "repeat",
]  # fmt: skip
"""Columns every result table has, in order; parameter columns follow
(``algo_<name>``, ``filter_<name>``)."""


@dataclass(frozen=True)
class Result:
    """What the runner hands to an ``on_result`` hook for each row."""

    sample: Sample
    image: np.ndarray
    segmentation: Segmentation
    row: dict[str, Any]


def _build(spec: Any, base: type, factory: Callable[..., Any], kind: str) -> Any:
    """An instance of ``base`` from an instance, a name, or ``{"name": ..., **params}``."""
    if isinstance(spec, base):
        return spec
    if isinstance(spec, str):
        return factory(spec)
    if isinstance(spec, Mapping):
        params = dict(spec)
        name = params.pop("name", None)
        if not isinstance(name, str):
            msg = f"A {kind} config needs a 'name' key; got {dict(spec)!r}."
            raise ValueError(msg)
        return factory(name, **params)
    msg = f"A {kind} must be a name, a mapping with 'name', or a {base.__name__}; got {spec!r}."
    raise TypeError(msg)


def as_segmenter(spec: MethodSpec) -> Segmenter:
    """A segmenter from a name, a ``{"name": ..., **params}`` mapping or an instance."""
    return _build(spec, Segmenter, algorithms.get, "method")


def as_filter(spec: FilterSpec) -> Filter:
    """A filter from a name, a ``{"name": ..., **params}`` mapping, an instance or None."""
    return _build("none" if spec is None else spec, Filter, algorithms.get_filter, "filter")


def _label(name: str, params: Mapping[str, Any]) -> str:
    if not params:
        return name
    return f"{name}(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"


def _changed_params(segmenter: Segmenter) -> dict[str, Any]:
    """Parameters that differ from the class defaults (the label's part of a method).

    Every global method has ``ignore_black``/``ignore_white``: naming them on
    every row would drown what distinguishes one config from another.
    """
    signature = inspect.signature(type(segmenter).__init__)
    return {
        key: value
        for key, value in segmenter.get_params().items()
        if key not in signature.parameters or signature.parameters[key].default != value
    }


def _as_samples(
    data: Any, truth: np.ndarray | None, fov: np.ndarray | None, polarity: str
) -> Iterable[Sample]:
    if isinstance(data, Sample):
        return [data]
    if isinstance(data, np.ndarray):
        if truth is None:
            msg = "evaluate(image, ...) needs the ground truth: pass truth=<boolean array>."
            raise ValueError(msg)
        truth = np.asarray(truth)
        if truth.dtype != bool:
            msg = (
                f"truth must be a boolean array; got dtype {truth.dtype}. Compare it with a value."
            )
            raise ValueError(msg)
        return [Sample("image", data, truth, fov, resolve_polarity(polarity, data, fov))]
    return data


def _timed(
    repeat: int, function: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[Any, float]:
    """Result of ``function(*args, **kwargs)`` and the median of ``repeat`` wall times."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def build_configs(
    methods: Iterable[MethodSpec], filters: Iterable[FilterSpec]
) -> tuple[list[Segmenter], list[Filter]]:
    """Segmenters and filters from their specs, every parameter checked before any image."""
    segmenters = [as_segmenter(m) for m in methods]
    filter_list = [as_filter(f) for f in filters]
    if not segmenters or not filter_list:
        msg = "evaluate needs at least one method and one filter (use None for no filter)."
        raise ValueError(msg)
    for item in (*segmenters, *filter_list):
        item.halo()
    return segmenters, filter_list


def dataset_identity(data: Any, name: str | None = None) -> tuple[str, str | None]:
    """The dataset's name (``name`` wins) and the content hash of its files, if it has one."""
    hash_files = getattr(data, "content_hash", None)
    return (
        name or getattr(data, "name", None) or "arrays",
        hash_files() if callable(hash_files) else None,
    )


def result_row(
    dataset_name: str,
    dataset_hash: str | None,
    sample: Sample,
    seg: Segmenter,
    filt: Filter,
    threshold: float | None,
    found: bool,
    counts: ConfusionCounts,
    shape: tuple[int, ...],
    timings: Mapping[str, float],
    repeat: int,
) -> dict[str, Any]:
    """One row of the results table (:data:`COLUMNS`, then the parameters)."""
    algo_params = seg.get_params()
    filter_params = filt.get_params()
    # The method with the parameters it changes, the filter with all of them (its size
    # is what a grid varies): "adaptive(offset=-20.0) | median(size=3)".
    config = f"{_label(seg.name, _changed_params(seg))} | {_label(filt.name, filter_params)}"
    return {
        "dataset": dataset_name,
        "dataset_hash": dataset_hash,
        "image": sample.id,
        "split": sample.split,
        "algo": seg.name,
        "filter": filt.name,
        "config": config,
        "threshold": np.nan if threshold is None else float(threshold),
        "found": found,
        "polarity": sample.polarity,
        "height": shape[-2],
        "width": shape[-1],
        **counts.as_dict(),
        **scores(counts),
        **timings,
        "repeat": repeat,
        **{f"algo_{k}": v for k, v in algo_params.items()},
        **{f"filter_{k}": v for k, v in filter_params.items()},
    }


def evaluate(
    data: Any,
    methods: Iterable[MethodSpec] = ("otsu",),
    filters: Iterable[FilterSpec] = ({"name": "median", "size": 3},),
    *,
    truth: np.ndarray | None = None,
    fov: np.ndarray | None = None,
    polarity: str = "bright",
    dataset: str | None = None,
    repeat: int = 1,
    on_result: Callable[[Result], None] | None = None,
) -> pd.DataFrame:
    """Score every method × filter on every sample; one row per combination.

    Parameters
    ----------
    data : ndarray, Sample or iterable of Sample (e.g. a dataset)
        An image array needs ``truth`` (and optionally ``fov``, ``polarity``).
    methods : iterable
        Segmenter names, ``{"name": ..., **params}`` mappings or instances.
    filters : iterable
        Preprocessing filters, likewise; ``None`` or ``"none"`` for no filter.
    polarity : {"bright", "dark", "auto"}
        For an image array: "dark" objects are inverted before segmenting;
        "auto" decides from the image (``bench.datasets.decide_polarity``).
    dataset : str, optional
        Name written in the ``dataset`` column; by default the dataset's
        ``name`` attribute, or "arrays".
    repeat : int
        Run each segmenter this many times and report the median time.
    on_result : callable, optional
        Called with a :class:`Result` for each row (e.g. to draw overlays).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` then ``algo_*`` and ``filter_*`` parameters.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[10, 200], [12, 220]], dtype=np.uint8)
    >>> table = evaluate(image, ["otsu"], [None], truth=image > 100)
    >>> table[["algo", "threshold", "f1"]].to_dict("records")
    [{'algo': 'otsu', 'threshold': 199.0, 'f1': 1.0}]
    """
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        msg = f"repeat must be a positive integer; got {repeat!r}."
        raise ValueError(msg)
    segmenters, filter_list = build_configs(methods, filters)

    dataset_name, dataset_hash = dataset_identity(data, dataset)
    rows: list[dict[str, Any]] = []
    for sample in _as_samples(data, truth, fov, polarity):
        image, t_invert = sample.image, 0.0
        if sample.polarity == "dark":
            image, t_invert = _timed(1, invert, sample.image)
        for filt in filter_list:
            filtered, t_pre = _timed(1, filt, image)
            t_pre += t_invert  # polarity + filter: everything before the segmenter
            hist, t_hist = None, 0.0
            if any(isinstance(s, GlobalThreshold) for s in segmenters):
                hist, t_hist = _timed(repeat, histogram, filtered, sample.threshold_fov)
            for seg in segmenters:
                result, t_seg = _timed(
                    repeat, seg.segment, filtered, fov=sample.threshold_fov, hist=hist
                )
                if isinstance(seg, GlobalThreshold):
                    t_seg += t_hist  # the histogram is shared, but part of each method's cost
                counts, t_metrics = _timed(
                    1, confusion_counts, sample.truth, result.mask, sample.fov
                )
                row = result_row(
                    dataset_name, dataset_hash, sample, seg, filt, result.threshold, result.found,
                    counts, filtered.shape,
                    {"t_preprocess_s": t_pre, "t_segment_s": t_seg, "t_metrics_s": t_metrics},
                    repeat,
                )  # fmt: skip
                rows.append(row)
                if on_result is not None:
                    on_result(Result(sample, filtered, result, row))
    table = pd.DataFrame(rows)
    extra = [c for c in table.columns if c not in COLUMNS]
    return table.reindex(columns=[*COLUMNS, *extra])
