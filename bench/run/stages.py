"""The stages of a run, each written once: prepare → histogram → segment → count → row.

Every way of running — a whole image in memory, tiles on threads or Dask,
``try_all``, the report re-deriving a row's pixels — calls these functions,
so a change to a stage is made here and reaches all of them.

:func:`prepare` applies the preprocessing filter. Nothing inverts the
pixels: the sample's polarity reaches every segmenter as ``objects=``
(:func:`segment`), Fiji's rule — dark objects are ``p <= t`` with ``t``
computed on the original intensities (:data:`algorithms.OBJECTS`). A dataset
that wants the literal "invert first" pipeline declares it
(``invert: true``, as the built-in sample does for the founding article).
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from algorithms import Filter, Segmentation, Segmenter
from bench.data import Sample
from bench.metrics import METRICS, ConfusionCounts, MaskPair, scores
from bench.metrics import get as get_metric
from bench.run.curves import score_curve
from bench.run.learned import Fitted
from bench.run.plan import Config

__all__ = [
    "COLUMNS",
    "RANKING_COLUMNS",
    "WARM_UP_SIDE",
    "Result",
    "extra_scores",
    "prepare",
    "ranking_columns",
    "result_row",
    "segment",
    "timed",
    "warm_up",
]

COLUMNS = [
    "dataset", "dataset_hash", "image", "split",
    "algo", "filter", "config", "threshold", "found", "polarity", "n_train",
    "height", "width", "tp", "fp", "fn", "tn", *METRICS,
    "t_train_s", "train_cached", "t_preprocess_s", "t_segment_s", "t_metrics_s", "repeat",
    "method", "method_params", "filter_params", "config_id",
]  # fmt: skip
"""Columns every result table has, in order; parameter columns follow
(``algo_<name>``, ``filter_<name>``). ``split`` is the image's side: for a
learned method "train" means the model was trained on it; ``n_train`` is
the number of training images (0 for methods that learn nothing);
``t_train_s`` the fit's wall time and ``t_segment_s`` the inference time.

A configuration is named by ``method`` (the segmenter, also in ``algo``),
``method_params`` (JSON: its parameters that differ from the constructor's
defaults), ``filter`` and ``filter_params`` (JSON: all of them), and
``config_id``, a short hash of those four. ``config`` is the display label
derived from them (:func:`bench.run.plan.config_label`); nothing parses it."""


RANKING_COLUMNS = ["auc", "ap", "best_threshold", "best_score", "best_metric"]
"""Columns of rows whose method has a score map (learned methods' probabilities,
predicted score maps), after :data:`COLUMNS`: ``auc`` (ROC AUC) and ``ap``
(average precision) rank the map without a threshold; ``best_threshold`` is the
threshold of the map with the best ``best_metric`` score, ``best_score``, so
``best_score - <best_metric>`` is the regret of the threshold used."""


def ranking_columns(
    scores: np.ndarray,
    truth: np.ndarray,
    fov: np.ndarray | None,
    metric: str,
    reversed_from: np.dtype | None = None,
) -> dict[str, Any]:
    """The :data:`RANKING_COLUMNS` of a score map, from its exact curve (:mod:`bench.run.curves`).

    Parameters
    ----------
    scores : ndarray
        Higher is more object-like; for dark objects, the map reversed
        (:func:`bench.data.predictions.reverse_scores`).
    reversed_from : dtype, optional
        The original map's type when ``scores`` are reversed: the best
        threshold is then given on the original scale, the object being
        ``original <= best_threshold``.
    """
    curve = score_curve(scores, truth, fov)
    position, best = curve.best_candidate(metric)
    threshold = float(curve.values[position])
    if reversed_from is not None:  # r > v_p  <=>  r >= v_(p+1)  <=>  original <= -v_(p+1)
        following = float(curve.values[position + 1]) if position + 1 < curve.values.size else None
        if following is None:
            threshold = -np.inf
        elif np.issubdtype(reversed_from, np.unsignedinteger):
            threshold = float(np.iinfo(reversed_from).max) - following
        else:
            threshold = -following
    return {
        "auc": curve.roc_auc(),
        "ap": curve.average_precision(),
        "best_threshold": threshold,
        "best_score": best,
        "best_metric": metric,
    }


@dataclass(frozen=True)
class Result:
    """What an executor hands to an ``on_result`` hook for each row."""

    sample: Sample
    image: np.ndarray
    segmentation: Segmentation
    row: dict[str, Any]


def prepare(image: np.ndarray, filt: Filter) -> np.ndarray:
    """The image a segmenter sees: the sample's image, filtered (never inverted).

    Parameters
    ----------
    image : ndarray
        The sample's image, or a region of it (a tile with its halo).
    filt : algorithms.Filter
        The preprocessing filter.

    Examples
    --------
    >>> import algorithms
    >>> prepare(np.array([[0, 250]], np.uint8), algorithms.get_filter("none")).tolist()
    [[0, 250]]
    """
    return filt(image)


def segment(
    segmenter: Segmenter,
    image: np.ndarray,
    polarity: str,
    *,
    fov: np.ndarray | None = None,
    hist: Any = None,
) -> Segmentation:
    """``segmenter`` on ``image`` with the sample's polarity as its object rule.

    >>> import algorithms
    >>> segment(algorithms.get("otsu"), np.array([[10, 200]], np.uint8), "dark").mask.tolist()
    [[True, False]]
    """
    return segmenter.segment(image, fov=fov, hist=hist, objects=polarity)


WARM_UP_SIDE = 64


def warm_up(step: Callable[..., Any], image: np.ndarray, done: set[tuple[int, str]]) -> None:
    """Run ``step`` once, untimed, on a small crop the first time it meets this dtype.

    Timings should measure the method, not one-time costs of its first call in
    a process (numba loading its compiled kernels, OpenCV and torch setting up
    thread pools), which would otherwise all land on the first image.
    """
    key = (id(step), image.dtype.str)
    if key in done:
        return
    done.add(key)
    crop = image[:WARM_UP_SIDE, :WARM_UP_SIDE]
    # A refusal on the crop is left to the real call, whose message gives the image's own
    # size (a window too large for memory is judged on the image, not on a 64×64 crop).
    with contextlib.suppress(ValueError):
        if isinstance(step, Segmenter):
            step.segment(crop)
        else:
            step(crop)


def timed(
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


def extra_scores(
    names: Sequence[str],
    counts: ConfusionCounts,
    truth: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    fov: np.ndarray | None = None,
    shared: dict | None = None,
) -> dict[str, float]:
    """The chosen metrics beyond the eight of every row, for one image.

    Count-based ones come from ``counts`` (exact, so also from a tiled run's
    summed counts); image-level ones from the boolean ``truth`` and ``mask``,
    sharing their skeletons, distances and components
    (:class:`bench.metrics.MaskPair`). With a field of view, the image-level
    metrics see both masks cleared outside it. ``shared``: one dict per
    sample, so that what depends on its truth alone is computed once for
    all its configurations.
    """
    values: dict[str, float] = {}
    pair = None
    for name in names:
        metric = get_metric(name)
        if metric.count_based:
            values[name] = math.nan if counts.n == 0 else metric.from_counts(counts)
            continue
        if pair is None:
            if truth is None or mask is None:
                msg = f"Metric {name!r} needs the whole truth and mask of the image."
                raise ValueError(msg)
            if fov is not None:
                truth, mask = truth & fov, mask & fov
            pair = MaskPair(np.asarray(truth, bool), np.asarray(mask, bool), shared=shared)
        values[name] = metric.compute(pair)
    return values


def result_row(
    dataset_name: str,
    dataset_hash: str | None,
    sample: Sample,
    config: Config,
    threshold: float | None,
    found: bool,
    counts: ConfusionCounts,
    shape: tuple[int, ...],
    timings: Mapping[str, float],
    repeat: int,
    side: str | None = None,
    fitted: Fitted | None = None,
    extra: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """One row of the results table (:data:`COLUMNS`, then the parameters).

    ``side`` overrides the sample's split (a learned model's own train side);
    ``fitted`` carries a learned method's training record; ``extra`` holds
    the chosen metrics beyond the eight (:func:`extra_scores`), columns
    placed after the parameters.
    """
    seg, filt = config.segmenter, config.filter
    return {
        "dataset": dataset_name,
        "dataset_hash": dataset_hash,
        "image": sample.id,
        "split": sample.split if side is None else side,
        "algo": seg.name,
        "filter": filt.name,
        "config": config.label,
        "threshold": np.nan if threshold is None else float(threshold),
        "found": found,
        "polarity": sample.polarity,
        "n_train": 0 if fitted is None else fitted.n_train,
        "height": shape[-2],
        "width": shape[-1],
        **counts.as_dict(),
        **scores(counts),
        "t_train_s": 0.0 if fitted is None else fitted.t_train_s,
        "train_cached": fitted is not None and fitted.cached,
        **timings,
        "repeat": repeat,
        "method": config.method,
        "method_params": config.method_params,
        "filter_params": config.filter_params,
        "config_id": config.config_id,
        **{f"algo_{k}": v for k, v in seg.get_params().items()},
        **{f"filter_{k}": v for k, v in filt.get_params().items()},
        **(extra or {}),
    }
