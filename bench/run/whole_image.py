"""The evaluation loop: samples × preprocessing × segmenters → tidy rows.

Work shared between configurations is done once: each sample is loaded and
inverted once, each filter runs once per sample, and the histogram of each
filtered image feeds every global method.

Learned methods (``requires_fit``) are first fitted on the train side of the
split (:mod:`bench.data.splits`), through the cache of :mod:`bench.run.learned`, and
then scored on the test side only, unless told otherwise explicitly.
"""

from __future__ import annotations

import inspect
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import algorithms
from algorithms import Filter, GlobalThreshold, LearnedSegmenter, Segmentation, Segmenter, histogram
from algorithms.learned import image_digest
from bench.data import Sample, Split, invert, resolve_polarity
from bench.metrics import METRICS, ConfusionCounts, confusion_counts, scores
from bench.progress import Progress
from bench.run.learned import Fitted, fit_learned

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
    "algo", "filter", "config", "threshold", "found", "polarity", "n_train",
    "height", "width", "tp", "fp", "fn", "tn", *METRICS,
    "t_train_s", "train_cached", "t_preprocess_s", "t_segment_s", "t_metrics_s", "repeat",
]  # fmt: skip
"""Columns every result table has, in order; parameter columns follow
(``algo_<name>``, ``filter_<name>``). ``split`` is the image's side: for a
learned method "train" means the model was trained on it; ``n_train`` is
the number of training images (0 for methods that learn nothing);
``t_train_s`` the fit's wall time and ``t_segment_s`` the inference time."""

SCORE_SPLITS = ("auto", "test", "train", "all")


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


def _as_split(split: Split | Mapping[str, Any] | None) -> Split:
    if split is None:
        return Split()
    if isinstance(split, Split):
        return split
    if isinstance(split, Mapping):
        return Split(**{k: v for k, v in split.items() if k in ("seed", "test_fraction")})
    msg = f"split must be a Split, a mapping with seed/test_fraction, or None; got {split!r}."
    raise TypeError(msg)


def _check_scoring(segmenters: list[Segmenter], score_split: str, allow_train_eval: bool) -> None:
    if score_split not in SCORE_SPLITS:
        msg = f"score_split must be one of {', '.join(SCORE_SPLITS)}; got {score_split!r}."
        raise ValueError(msg)
    learned = [s.name for s in segmenters if s.requires_fit]
    if learned and score_split in ("train", "all") and not allow_train_eval:
        msg = (
            f"Refusing to score learned method(s) {', '.join(learned)} on their own training "
            f"images (score_split={score_split!r}): such scores are optimistic and say nothing "
            "about new images. Score the test split (the default), or pass "
            "allow_train_eval=True (CLI: allow_train_eval=true) to get them anyway; those rows "
            "say split=train."
        )
        raise ValueError(msg)


def _oriented(sample: Sample) -> np.ndarray:
    """The sample's image with its objects bright (dark-object images inverted)."""
    return invert(sample.image) if sample.polarity == "dark" else sample.image


def _fit_all(
    segmenters: list[Segmenter],
    filters: list[Filter],
    train: list[Sample],
    cache_dir: str | Path | None,
    label: str,
    progress: bool = False,
) -> dict[tuple[int, int], Fitted]:
    """Fit every learned method once per filter, on the train samples as they will be seen."""
    fits: dict[tuple[int, int], Fitted] = {}
    learned = [(i, s) for i, s in enumerate(segmenters) if isinstance(s, LearnedSegmenter)]
    if not learned:
        return fits
    for f, filt in enumerate(filters):
        if all(s.is_fitted() for _, s in learned):
            images = []
        else:
            images = [filt(_oriented(sample)) for sample in train]
        truths = [sample.truth for sample in train]
        fovs = [sample.fov for sample in train]
        for i, seg in learned:
            if seg.is_fitted():  # fitted by the caller: use as given, training unknown
                fits[f, i] = Fitted(seg, float("nan"), False, seg.n_train_images_, "")
            else:
                fits[f, i] = fit_learned(
                    seg, images, truths, fovs, cache_dir=cache_dir, label=label,
                    progress=progress,
                )  # fmt: skip
    return fits


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
    if isinstance(step, Segmenter):
        step.segment(crop)
    else:
        step(crop)


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
    for seg in segmenters:  # an optional dependency missing: say so before any work
        if isinstance(seg, LearnedSegmenter):
            seg.check_dependencies()
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
    side: str | None = None,
    fitted: Fitted | None = None,
) -> dict[str, Any]:
    """One row of the results table (:data:`COLUMNS`, then the parameters).

    ``side`` overrides the sample's split (a learned model's own train side);
    ``fitted`` carries a learned method's training record.
    """
    algo_params = seg.get_params()
    filter_params = filt.get_params()
    # The method with the parameters it changes, the filter with all of them (its size
    # is what a grid varies): "adaptive(offset=-20.0) | median(size=3)".
    config = f"{_label(seg.name, _changed_params(seg))} | {_label(filt.name, filter_params)}"
    return {
        "dataset": dataset_name,
        "dataset_hash": dataset_hash,
        "image": sample.id,
        "split": sample.split if side is None else side,
        "algo": seg.name,
        "filter": filt.name,
        "config": config,
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
        **{f"algo_{k}": v for k, v in algo_params.items()},
        **{f"filter_{k}": v for k, v in filter_params.items()},
    }


def _learned_side(
    fitted: Fitted, image: np.ndarray, side: str, sample_id: str, allow_train_eval: bool
) -> str:
    """The image's side for a learned model: "train" when the model was trained on it."""
    seen = image_digest(image) in fitted.segmenter.train_digests_
    if not fitted.key:  # fitted by the caller: its own training images are its train side
        return "train" if seen else "test"
    if seen and side == "test":
        if not allow_train_eval:
            msg = (
                f"Refusing to score {fitted.segmenter.name!r} on test image {sample_id!r}: "
                "the model was trained on an identical image (a duplicate across the split), "
                "so its score would be optimistic. Remove the duplicate, or pass "
                "allow_train_eval=True to score it anyway (the row says split=train)."
            )
            raise ValueError(msg)
        return "train"
    return side


def _scored(side: str, learned: bool, score_split: str) -> bool:
    if score_split == "all" or (score_split == "auto" and not learned):
        return True
    if score_split == "auto":
        return side == "test"
    return side == score_split


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
    split: Split | Mapping[str, Any] | None = None,
    score_split: str = "auto",
    allow_train_eval: bool = False,
    cache_dir: str | Path | None = None,
    progress: bool = False,
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
        "auto" decides from the image (``bench.data.decide_polarity``).
    dataset : str, optional
        Name written in the ``dataset`` column; by default the dataset's
        ``name`` attribute, or "arrays".
    repeat : int
        Run each segmenter this many times and report the median time.
    on_result : callable, optional
        Called with a :class:`Result` for each row (e.g. to draw overlays).
    split : Split or mapping, optional
        The train/test rule. By default each sample's own side (a dataset's
        samples carry the dataset's split), else ``Split(seed=0,
        test_fraction=0.3)``. Learned methods are fitted on the train side;
        every row states its image's side in the ``split`` column.
    score_split : {"auto", "test", "train", "all"}
        Which images are scored: "auto" scores learned methods on the test
        side and the others on every image; "test" scores every method on
        the test side only (the fair comparison); "train" and "all" score
        learned methods on their training images, which needs
        ``allow_train_eval``.
    allow_train_eval : bool
        Allow scoring learned methods on their training images. Without it
        such a request, or a test image identical to a training image, is an
        error.
    cache_dir : path, optional
        Where fitted learned models are cached (e.g. ``"results/cache"``);
        None fits them anew.
    progress : bool
        Report progress on stderr (:mod:`bench.progress`: a bar on a
        terminal, a few lines in a log).

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
    rule = _as_split(split)
    _check_scoring(segmenters, score_split, allow_train_eval)

    def side_of(sample: Sample) -> str:
        # The dataset's own split unless the caller gave a rule.
        if split is None and sample.split in ("train", "test"):
            return sample.split
        return rule.of(sample.id)

    dataset_name, dataset_hash = dataset_identity(data, dataset)
    samples = _as_samples(data, truth, fov, polarity)
    fits: dict[tuple[int, int], Fitted] = {}
    if any(s.requires_fit for s in segmenters):
        samples = list(samples)
        train = [s for s in samples if side_of(s) == "train"]
        fits = _fit_all(segmenters, filter_list, train, cache_dir, dataset_name, progress)
    rows: list[dict[str, Any]] = []
    scored_learned: set[str] = set()
    warmed: set[tuple[int, str]] = set()
    total = len(samples) if hasattr(samples, "__len__") else None  # type: ignore[arg-type]
    bar = Progress(f"run {dataset_name}", total, unit="images", enabled=progress)
    for sample in samples:
        image, t_invert = sample.image, 0.0
        if sample.polarity == "dark":
            image, t_invert = _timed(1, invert, sample.image)
        side = side_of(sample)
        for f, filt in enumerate(filter_list):
            warm_up(filt, image, warmed)
            filtered, t_pre = _timed(1, filt, image)
            t_pre += t_invert  # polarity + filter: everything before the segmenter
            hist, t_hist = None, 0.0
            if any(isinstance(s, GlobalThreshold) for s in segmenters):
                warm_up(histogram, filtered, warmed)
                hist, t_hist = _timed(repeat, histogram, filtered, sample.threshold_fov)
            for i, seg in enumerate(segmenters):
                fitted = fits.get((f, i))
                row_side = side
                if fitted is not None:
                    row_side = _learned_side(fitted, filtered, side, sample.id, allow_train_eval)
                # The split decides what is scored; a caller's model has its own train side.
                chosen_by = row_side if fitted is not None and not fitted.key else side
                if not _scored(chosen_by, fitted is not None, score_split):
                    continue
                model = seg if fitted is None else fitted.segmenter
                if fitted is not None:
                    scored_learned.add(model.name)
                warm_up(model, filtered, warmed)
                result, t_seg = _timed(
                    repeat, model.segment, filtered, fov=sample.threshold_fov, hist=hist
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
                    repeat, side=row_side, fitted=fitted,
                )  # fmt: skip
                rows.append(row)
                if on_result is not None:
                    on_result(Result(sample, filtered, result, row))
        bar.update()
    bar.close()
    unscored = sorted({fitted.segmenter.name for fitted in fits.values()} - scored_learned)
    if unscored:
        msg = (
            f"No image to score {', '.join(unscored)} on (score_split={score_split!r}): the "
            "test side of the split is empty. Raise dataset.test_fraction (or the split's "
            "test_fraction), or use a dataset with more images."
        )
        raise ValueError(msg)
    table = pd.DataFrame(rows)
    extra = [c for c in table.columns if c not in COLUMNS]
    return table.reindex(columns=[*COLUMNS, *extra])
