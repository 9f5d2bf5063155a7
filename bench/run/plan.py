"""The plan of a run: what to compute, and what is computed once and shared.

A :class:`Plan` is the resolved list of configurations — each a (filter,
segmenter) pair, with the columns that identify it in the results table —
together with the dataset's name, the split policy and which images are
scored. Building it checks every parameter before any image is read, so an
even window or a missing optional dependency fails at once; the command line
builds it once and hands it to an executor.

What the executors share, per sample (see :meth:`Plan.groups`):

* the **preprocessed image** of each filter: the image is oriented and
  filtered once per filter (:func:`bench.run.stages.prepare`), and every
  segmenter of that filter sees the same array;
* the **histogram** of each filter × field of view: computed once when a
  global method is in the group, and handed to all of them;
* the **fitted model** of each learned method, once per filter, trained on
  the train side of the split before the first sample is scored.

A new executor (see :mod:`bench.run.whole_image` and :mod:`bench.run.tiled`)
receives a plan and one sample at a time, and returns the rows of that
sample (:func:`bench.run.stages.result_row`); the sample loop and the table
tail are :func:`bench.run.loop.run_plan`, the same for every executor.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

import algorithms
from algorithms import FILTERS, SEGMENTERS, Filter, GlobalThreshold, LearnedSegmenter, Segmenter
from bench.data import Sample, Split, resolve_polarity
from bench.data.predictions import PREDICTIONS, PredictionFolder, PredictionsConfig
from bench.metrics import METRICS
from bench.metrics import select as select_metrics

__all__ = [
    "SCORE_SPLITS",
    "Config",
    "FilterSpec",
    "Group",
    "MethodSpec",
    "Plan",
    "as_filter",
    "as_segmenter",
    "build_configs",
    "config_id",
    "config_label",
    "make_plan",
    "schema_for",
    "step_label",
]

MethodSpec = str | Mapping[str, Any] | Segmenter | PredictionFolder
Method = Segmenter | PredictionFolder
"""What a plan scores: a registered segmenter, or another tool's predictions."""
FilterSpec = str | Mapping[str, Any] | Filter | None

SCORE_SPLITS = ("auto", "test", "train", "all")


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


def as_segmenter(spec: MethodSpec) -> Method:
    """A segmenter from a name, a ``{"name": ..., **params}`` mapping or an instance.

    The name ``"predictions"`` gives a :class:`~bench.data.predictions.PredictionFolder`
    (another tool's masks, read instead of segmented).
    """
    if isinstance(spec, PredictionFolder):
        return spec
    if isinstance(spec, Mapping) and spec.get("name") == PREDICTIONS:
        return PredictionFolder(**{k: v for k, v in spec.items() if k != "name"})
    return _build(spec, Segmenter, algorithms.get, "method")


def as_filter(spec: FilterSpec) -> Filter:
    """A filter from a name, a ``{"name": ..., **params}`` mapping, an instance or None."""
    return _build("none" if spec is None else spec, Filter, algorithms.get_filter, "filter")


def build_configs(
    methods: Iterable[MethodSpec], filters: Iterable[FilterSpec]
) -> tuple[list[Segmenter], list[Filter]]:
    """Segmenters and filters from their specs, every parameter checked before any image."""
    segmenters = [as_segmenter(m) for m in methods]
    filter_list = [as_filter(f) for f in filters]
    if not segmenters or not filter_list:
        msg = "evaluate needs at least one method and one filter (use None for no filter)."
        raise ValueError(msg)
    predictions = [s for s in segmenters if isinstance(s, PredictionFolder)]
    filtered = [f.name for f in filter_list if f.name != "none"]
    if predictions and filtered:
        msg = (
            f"Predictions ({predictions[0].method}) are read, not computed from the image: a "
            f"preprocessing filter ({filtered[0]}) does not apply to them. Use filter=none "
            "(Python: filters=[None]), or score the predictions in a run of their own."
        )
        raise ValueError(msg)
    for item in (*segmenters, *filter_list):
        if not isinstance(item, PredictionFolder):
            item.halo()
    for seg in segmenters:  # an optional dependency missing: say so before any work
        if isinstance(seg, LearnedSegmenter):
            seg.check_dependencies()
    return segmenters, filter_list


def _plain(value: Any) -> Any:
    """A parameter value as JSON writes it (numpy scalars as Python ones)."""
    return value.item() if isinstance(value, np.generic) else value


def changed_params(step: Method | Filter) -> dict[str, Any]:
    """Parameters that differ from the constructor's defaults, in the constructor's order.

    Every global method has ``ignore_black``/``ignore_white``: naming them on
    every row would drown what distinguishes one config from another.
    """
    signature = inspect.signature(type(step).__init__)
    return {
        key: _plain(value)
        for key, value in step.get_params().items()
        if key not in signature.parameters or signature.parameters[key].default != value
    }


def _label(name: str, params: Mapping[str, Any]) -> str:
    if not params:
        return name
    return f"{name}(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"


@dataclass(frozen=True, eq=False)
class Config:
    """One configuration: a filter, then a segmenter; the columns that name it.

    ``method_params`` are the segmenter's parameters that differ from its
    constructor's defaults; ``filter_params`` all of the filter's (its size
    is what a grid varies). Both are JSON objects in the constructor's
    order, so equal configs have equal strings. ``config_id`` is a short hash of the four
    and ``label`` the display text (``"adaptive(offset=-20.0) | median(size=3)"``):
    derived from the structured columns, never parsed back.
    """

    filter: Filter
    segmenter: Method
    f: int  # index of the filter in the plan
    s: int  # index of the segmenter in the plan

    @property
    def method(self) -> str:
        """The segmenter's name; for predictions, their label (the ``algo`` column says
        ``predictions``)."""
        if isinstance(self.segmenter, PredictionFolder):
            return self.segmenter.method
        return self.segmenter.name

    @property
    def method_params(self) -> str:
        params = changed_params(self.segmenter)
        if isinstance(self.segmenter, PredictionFolder):
            params.pop("label", None)  # it is the method's name
        return json.dumps(params)

    @property
    def filter_params(self) -> str:
        params = {k: _plain(v) for k, v in self.filter.get_params().items()}
        return json.dumps(params)

    @property
    def config_id(self) -> str:
        return config_id(self.method, self.method_params, self.filter.name, self.filter_params)

    @property
    def label(self) -> str:
        return config_label(self.method, self.method_params, self.filter.name, self.filter_params)


def config_id(method: str, method_params: str, filter_name: str, filter_params: str) -> str:
    """A short stable hash of a configuration's four columns (12 hex digits).

    Examples
    --------
    >>> config_id("otsu", "{}", "median", '{"size": 3}')
    '6e001e92ad4a'
    """
    text = json.dumps([method, method_params, filter_name, filter_params])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def config_label(method: str, method_params: str, filter_name: str, filter_params: str) -> str:
    """The display label of a configuration, from its structured columns.

    Examples
    --------
    >>> config_label("adaptive", '{"offset": -20.0}', "median", '{"size": 3}')
    'adaptive(offset=-20.0) | median(size=3)'
    """
    return f"{step_label(method, method_params)} | {step_label(filter_name, filter_params)}"


def step_label(name: str, params: str) -> str:
    """``"median(size=3)"`` from a name and its parameters as JSON; the name alone without any.

    Examples
    --------
    >>> step_label("otsu", "{}"), step_label("median", '{"size": 3}')
    ('otsu', 'median(size=3)')
    """
    return _label(name, json.loads(params))


@dataclass(frozen=True)
class Group:
    """The configurations of one filter: they share its preprocessed image and histogram."""

    filter: Filter
    f: int
    configs: list[Config]

    @property
    def needs_histogram(self) -> bool:
        """Whether a global method is in the group (one histogram per field of view)."""
        return any(isinstance(c.segmenter, GlobalThreshold) for c in self.configs)


@dataclass(frozen=True)
class Plan:
    """What a run computes: the configurations, the dataset, the split and its scoring.

    Build it with :func:`make_plan`.
    """

    segmenters: list[Method]
    filters: list[Filter]
    dataset: str = "arrays"
    dataset_hash: str | None = None
    split: Split | None = None  # None: each sample's own side, else Split()'s
    score_split: str = "auto"
    allow_train_eval: bool = False
    best_metric: str = "mcc"  # the score of a score map's best threshold (its regret)
    # Metrics chosen for this run (bench.metrics names, in order); the eight count-based
    # scores of bench.metrics.METRICS are in every row whatever this says.
    metrics: tuple[str, ...] = ()
    configs: list[Config] = field(init=False)

    def __post_init__(self) -> None:
        configs = [
            Config(filt, seg, f, s)
            for f, filt in enumerate(self.filters)
            for s, seg in enumerate(self.segmenters)
        ]
        object.__setattr__(self, "configs", configs)

    def on(self, data: Any, name: str | None = None) -> Plan:
        """This plan for ``data``: its name (``name`` wins) and content hash in every row."""
        dataset, content_hash = dataset_identity(data, name)
        return dataclasses.replace(self, dataset=dataset, dataset_hash=content_hash)

    def groups(self) -> list[Group]:
        """The configurations grouped by filter, in the plan's order."""
        return [
            Group(filt, f, [c for c in self.configs if c.f == f])
            for f, filt in enumerate(self.filters)
        ]

    @property
    def extra_metrics(self) -> tuple[str, ...]:
        """The chosen metrics beyond the eight of every row: extra columns of the table."""
        return tuple(m for m in self.metrics if m not in METRICS)

    @property
    def predictions(self) -> list[PredictionFolder]:
        """The folders of another tool's predictions among the plan's methods."""
        return [s for s in self.segmenters if isinstance(s, PredictionFolder)]

    @property
    def learned(self) -> list[Method]:
        """The segmenters that must be fitted before they segment."""
        return [s for s in self.segmenters if s.requires_fit]

    def side_of(self, sample: Sample) -> str:
        """The sample's side of the split: its dataset's own, unless the plan gives a rule."""
        if self.split is None and sample.split in ("train", "test"):
            return sample.split
        return (self.split or Split()).of(sample.id)

    def scored(self, side: str, learned: bool) -> bool:
        """Whether an image on ``side`` is scored for a (learned or not) method."""
        if self.score_split == "all" or (self.score_split == "auto" and not learned):
            return True
        if self.score_split == "auto":
            return side == "test"
        return side == self.score_split


def _annotation(default: Any) -> Any:
    if isinstance(default, bool):
        return bool
    if isinstance(default, int):
        return int
    if isinstance(default, float):
        return float
    if isinstance(default, str):
        return str
    return Any


@cache
def schema_for(group: str, name: str) -> type:
    """A dataclass typing the config of one registered segmenter or filter.

    ``("algo", "predictions")`` is :class:`~bench.data.predictions.PredictionsConfig`.
    """
    if (group, name) == ("algo", PREDICTIONS):
        return PredictionsConfig
    registry = {"algo": SEGMENTERS, "filter": FILTERS}[group]
    cls = registry.get_class(name)
    fields: list[tuple[str, Any, Any]] = [("name", str, field(default=cls.name))]
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        default = None if param.default is inspect.Parameter.empty else param.default
        fields.append((param.name, _annotation(default), field(default=default)))
    return dataclasses.make_dataclass(f"{cls.__name__}{group.title()}Config", fields)


def _as_split(split: Split | Mapping[str, Any] | None) -> Split | None:
    if split is None or isinstance(split, Split):
        return split
    if isinstance(split, Mapping):
        return Split(**{k: v for k, v in split.items() if k in ("seed", "test_fraction")})
    msg = f"split must be a Split, a mapping with seed/test_fraction, or None; got {split!r}."
    raise TypeError(msg)


def _check_scoring(segmenters: list[Method], score_split: str, allow_train_eval: bool) -> None:
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


def dataset_identity(data: Any, name: str | None = None) -> tuple[str, str | None]:
    """The dataset's name (``name`` wins) and the content hash of its files, if it has one."""
    hash_files = getattr(data, "content_hash", None)
    return (
        name or getattr(data, "name", None) or "arrays",
        hash_files() if callable(hash_files) else None,
    )


def make_plan(
    data: Any,
    methods: Iterable[MethodSpec],
    filters: Iterable[FilterSpec],
    *,
    dataset: str | None = None,
    split: Split | Mapping[str, Any] | None = None,
    score_split: str = "auto",
    allow_train_eval: bool = False,
    metrics: str | Iterable[str] = (),
    best_metric: str = "mcc",
) -> Plan:
    """Resolve and check the configurations of a run over ``data`` (nothing is read yet).

    ``data`` may be None: the plan is then bound to a dataset later
    (:meth:`Plan.on`), as the command line does after checking its config.
    ``metrics`` are names or groups of :mod:`bench.metrics` (``"dibco"``,
    ``["f1", "pfm", "drd"]``): each becomes a column of the table besides
    the eight count-based scores.
    ``best_metric`` scores the thresholds of score maps (learned methods'
    probabilities, predicted score maps): the best one and its regret.
    """
    segmenters, filter_list = build_configs(methods, filters)
    _check_scoring(segmenters, score_split, allow_train_eval)
    if best_metric not in METRICS:
        msg = f"Unknown best_metric {best_metric!r}; choose one of {', '.join(METRICS)}."
        raise ValueError(msg)
    plan = Plan(segmenters, filter_list, split=_as_split(split), score_split=score_split,
                allow_train_eval=allow_train_eval, best_metric=best_metric,
                metrics=tuple(select_metrics(metrics)))  # fmt: skip
    return plan if data is None else plan.on(data, dataset)


def as_samples(
    data: Any, truth: np.ndarray | None, fov: np.ndarray | None, polarity: str
) -> Iterable[Sample]:
    """The samples of ``data``: a dataset, one Sample, or an image array with its truth."""
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
