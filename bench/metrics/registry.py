"""Every metric as a declared record, and the table of their edge cases.

A :class:`Metric` says what the metric needs, its range, which direction is
better, its value in every edge case, how it aggregates over images, and
whether a tiled run can compute it exactly. The tests parametrize over
:data:`REGISTRY`, so a metric registered without a value for each edge case
in :data:`EDGE_CASES` fails them; :func:`edge_case_table` writes the table
of the docs from the records.

Add a metric: write its function of a :class:`bench.metrics.pair.MaskPair`
next to its kin (``document.py``, ``topology.py``, ``surface.py``,
``instances.py``, ``segments.py``) and call :func:`register` in
:mod:`bench.metrics.catalogue`.
"""

from __future__ import annotations

import difflib
import fnmatch
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .counts import ConfusionCounts
from .pair import MaskPair

__all__ = [
    "AGGREGATIONS",
    "EDGE_CASES",
    "GROUPS",
    "NEEDS",
    "REGISTRY",
    "TILINGS",
    "Edge",
    "Metric",
    "available",
    "check_tileable",
    "edge_case_inputs",
    "edge_case_table",
    "evaluate",
    "get",
    "register",
    "select",
]

NEEDS = ("counts", "masks", "skeleton", "instances", "segments", "spacing", "scores")
"""What a metric can need: confusion counts only, the two masks, the truth's
skeleton, instances (connected components or labels), the segments that a
membrane mask separates, the pixel spacing, per-pixel scores."""

AGGREGATIONS = {
    "micro": "from the counts summed over images (and tiles)",
    "macro": "mean of the per-image values",
}
TILINGS = {
    "additive": "exact from per-tile counts: any tiling",
    "halo": "exact per tile given a halo of context pixels",
    "whole": "needs the whole image: a tiled run refuses it",
}

EDGE_CASES = {
    "both empty": "no object in the truth nor in the prediction (no instance, no boundary)",
    "empty truth": "the prediction has an object, the truth none (a distance to nothing is ∞)",
    "empty prediction": "the truth has an object, the prediction none",
    "full": "truth and prediction cover every pixel",
    "no pixel": "an image of size 0",
}
"""The edge cases every metric declares a value for, with what each means."""

# The canonical inputs of each edge case: a 16×16 canvas, the object a 6×6 square.
_SHAPE = (16, 16)


def edge_case_inputs(case: str) -> tuple[np.ndarray, np.ndarray]:
    """The (truth, prediction) pair that stands for ``case`` in the tests and the table."""
    empty = np.zeros(_SHAPE, bool)
    square = empty.copy()
    square[4:10, 4:10] = True
    inputs = {
        "both empty": (empty, empty),
        "empty truth": (empty, square),
        "empty prediction": (square, empty),
        "full": (np.ones(_SHAPE, bool), np.ones(_SHAPE, bool)),
        "no pixel": (np.zeros((0, 0), bool), np.zeros((0, 0), bool)),
    }
    if case not in inputs:
        msg = f"Unknown edge case {case!r}. Available: {', '.join(EDGE_CASES)}."
        raise ValueError(msg)
    return inputs[case]


@dataclass(frozen=True)
class Edge:
    """A metric's value in one edge case.

    ``value`` is what the metric returns on :func:`edge_case_inputs`; ``None``
    means the case is not special for this metric (its ordinary formula is
    defined and gives a finite value in range, which the tests check).
    ``note`` says it in words where the value depends on the input.
    """

    value: float | None
    note: str = ""

    def text(self) -> str:
        if self.note:
            return self.note
        if self.value is None:
            return "ordinary value"
        if math.isnan(self.value):
            return "NaN"
        if math.isinf(self.value):
            return "∞" if self.value > 0 else "−∞"
        return f"{self.value:g}"


@dataclass(frozen=True)
class Metric:
    """One metric, declared.

    Parameters
    ----------
    name : str
        Column name and command-line name (``metrics=[f1,pfm]``).
    label : str
        How boards print it ("DRD", "AP@[.5:.95]").
    compute : callable
        ``compute(pair: MaskPair) -> float``.
    needs : frozenset of str
        Subset of :data:`NEEDS`.
    low, high : float
        The range of values (``math.inf`` for unbounded).
    higher_is_better : bool
        Direction for ranking (DRD, distances, Betti errors: lower is better).
    edge_cases : mapping of str to Edge
        One :class:`Edge` for every key of :data:`EDGE_CASES`.
    aggregation : {"micro", "macro"}
        See :data:`AGGREGATIONS`.
    tiling : {"additive", "halo", "whole"}
        See :data:`TILINGS`.
    reference : str
        Where its definition comes from.
    from_counts : callable, optional
        For count-based metrics: ``from_counts(ConfusionCounts) -> float``, the
        exact additive path.
    """

    name: str
    label: str
    compute: Callable[[MaskPair], float] = field(repr=False)
    needs: frozenset[str]
    low: float
    high: float
    higher_is_better: bool
    edge_cases: Mapping[str, Edge] = field(repr=False)
    aggregation: str
    tiling: str
    reference: str
    from_counts: Callable[[ConfusionCounts], float] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.needs) - set(NEEDS)
        if unknown:
            msg = f"Metric {self.name!r} needs {sorted(unknown)}, not among {NEEDS}."
            raise ValueError(msg)
        if self.aggregation not in AGGREGATIONS:
            msg = (
                f"Metric {self.name!r}: aggregation {self.aggregation!r} "
                f"not in {list(AGGREGATIONS)}."
            )
            raise ValueError(msg)
        if self.tiling not in TILINGS:
            msg = f"Metric {self.name!r}: tiling {self.tiling!r} not in {list(TILINGS)}."
            raise ValueError(msg)
        missing = [case for case in EDGE_CASES if case not in self.edge_cases]
        if missing:
            msg = (
                f"Metric {self.name!r} declares no value for the edge case {missing[0]!r}; "
                f"every metric declares one for each of {list(EDGE_CASES)}."
            )
            raise ValueError(msg)
        extra = sorted(set(self.edge_cases) - set(EDGE_CASES))
        if extra:
            msg = f"Metric {self.name!r} declares unknown edge cases {extra}."
            raise ValueError(msg)
        if not self.low < self.high:
            msg = f"Metric {self.name!r}: range ({self.low}, {self.high}) is empty."
            raise ValueError(msg)
        if self.tiling == "additive" and self.from_counts is None:
            msg = f"Metric {self.name!r} is declared additive but has no from_counts path."
            raise ValueError(msg)

    @property
    def count_based(self) -> bool:
        return self.from_counts is not None

    def __call__(self, truth: np.ndarray, prediction: np.ndarray, **options) -> float:
        """The metric of one boolean truth/prediction pair (object = ``True``)."""
        return self.compute(MaskPair(truth, prediction, **options))


REGISTRY: dict[str, Metric] = {}
"""Every metric by name, in registration order."""


def register(metric: Metric) -> Metric:
    """Add ``metric`` to :data:`REGISTRY`; a name taken twice is an error."""
    if metric.name in REGISTRY:
        msg = f"A metric named {metric.name!r} is already registered."
        raise ValueError(msg)
    REGISTRY[metric.name] = metric
    return metric


def get(name: str) -> Metric:
    """The metric called ``name``; an unknown name lists the choices and the closest."""
    try:
        return REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, REGISTRY, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        msg = f"Unknown metric {name!r}.{hint} Available: {', '.join(REGISTRY)}."
        raise ValueError(msg) from None


GROUPS: dict[str, tuple[str, ...]] = {
    "counts": (
        "accuracy",
        "precision",
        "recall",
        "f1",
        "iou",
        "mcc",
        "balanced_accuracy",
        "specificity",
    ),
    "dibco": ("f1", "pfm", "psnr", "drd"),
    "vessels": ("f1", "mcc", "cldice", "betti0_error", "betti1_error"),
    "boundary": ("hd95", "assd", "nsd"),
    "nuclei": ("ap_dsb", "f1_50"),
    "isbi": ("v_rand", "v_info"),
}
"""Named metric sets, as the boards of each field show them (``metrics=dibco``)."""


def select(spec: str | Iterable[str]) -> list[str]:
    """Metric names from a name, a group of :data:`GROUPS`, or a list of either.

    Order is kept and repeats dropped; an unknown name is an error that lists
    the metrics and the groups and suggests the closest.

    Examples
    --------
    >>> select("dibco")
    ['f1', 'pfm', 'psnr', 'drd']
    >>> select(["f1", "nuclei", "f1"])
    ['f1', 'ap_dsb', 'f1_50']
    """
    items = [spec] if isinstance(spec, str) else list(spec)
    names: list[str] = []
    for item in items:
        if item in GROUPS:
            expanded = GROUPS[item]
        elif item in REGISTRY:
            expanded = (item,)
        else:
            close = difflib.get_close_matches(str(item), [*REGISTRY, *GROUPS], n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            msg = (
                f"Unknown metric or metric group {item!r}.{hint} Metrics: {', '.join(REGISTRY)}. "
                f"Groups: {', '.join(GROUPS)}."
            )
            raise ValueError(msg)
        names.extend(n for n in expanded if n not in names)
    return names


def check_tileable(names: Iterable[str]) -> None:
    """Refuse, with the reason, metrics that a tiled run cannot compute exactly.

    Only *additive* metrics (exact from per-tile confusion counts) survive
    tiling; skeletons, components, distances and percentiles need the whole
    image.
    """
    whole = [name for name in names if get(name).tiling != "additive"]
    if whole:
        listed = ", ".join(f"{n} ({TILINGS[get(n).tiling]})" for n in whole)
        msg = (
            f"A tiled run computes only metrics that add up exactly over tiles; "
            f"{listed}. Drop them from metrics=[...] or evaluate whole images "
            f"(runner=local)."
        )
        raise ValueError(msg)


def available(pattern: str = "*") -> list[str]:
    """Registered metric names matching a shell-style ``pattern`` (``"betti*"``)."""
    return [name for name in REGISTRY if fnmatch.fnmatchcase(name, pattern)]


def evaluate(
    names: Iterable[str],
    truth: np.ndarray,
    prediction: np.ndarray,
    **options,
) -> dict[str, float]:
    """The metrics ``names`` of one image, sharing skeletons, distances and labels.

    ``options`` go to :class:`MaskPair` (``spacing``, ``truth_labels``,
    ``prediction_labels``, ``connectivity``, ``shared``).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((8, 8), bool); t[2:6, 2:6] = True
    >>> evaluate(["f1", "drd", "hd95"], t, t)
    {'f1': 1.0, 'drd': 0.0, 'hd95': 0.0}
    """
    metrics = [get(name) for name in names]
    pair = MaskPair(truth, prediction, **options)
    return {m.name: m.compute(pair) for m in metrics}


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:g}"


def edge_case_table(metrics: Iterable[Metric] | None = None) -> str:
    """The Markdown table of every metric's declared edge-case values and conventions."""
    metrics = list(REGISTRY.values()) if metrics is None else list(metrics)
    head = [
        "metric",
        "range",
        "better",
        *EDGE_CASES,
        "aggregation",
        "tiled run",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in metrics:
        row = [
            f"`{m.name}` ({m.label})",
            f"[{_fmt(m.low)}, {_fmt(m.high)}]",
            "higher" if m.higher_is_better else "lower",
            *(m.edge_cases[case].text() for case in EDGE_CASES),
            m.aggregation,
            m.tiling,
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
