"""Metrics: exact confusion counts, the scores built on them, and each field's own.

- :mod:`bench.metrics.counts` — exact, additive confusion counts and the
  eight count-based scores (:data:`METRICS`, :func:`scores`);
- :mod:`bench.metrics.registry` — every metric as a declared record
  (:data:`REGISTRY`, :func:`get`, :func:`evaluate`, :func:`edge_case_table`);
- :mod:`bench.metrics.document` (DIBCO), :mod:`~bench.metrics.topology`
  (clDice, Betti), :mod:`~bench.metrics.surface` (HD95, ASSD, NSD),
  :mod:`~bench.metrics.instances` (DSB 2018), :mod:`~bench.metrics.segments`
  (ISBI 2012) — the image-level metrics;
- :mod:`bench.metrics.catalogue` — their registration.
"""

from . import catalogue as _catalogue  # noqa: F401  (registers every metric)
from .counts import (
    METRICS,
    ConfusionCounts,
    accuracy,
    balanced_accuracy,
    confusion_counts,
    f1,
    iou,
    mcc,
    precision,
    recall,
    scores,
    specificity,
)
from .document import drd, mpm, nrm, pseudo_f_measure, psnr
from .instances import average_precision_dsb, f1_at_50, panoptic_quality
from .pair import MaskPair
from .registry import (
    EDGE_CASES,
    GROUPS,
    REGISTRY,
    Edge,
    Metric,
    available,
    check_tileable,
    edge_case_table,
    evaluate,
    get,
    register,
    select,
)
from .segments import v_info, v_rand
from .surface import assd, hd95, nsd
from .topology import betti_numbers, cldice

__all__ = [
    "EDGE_CASES",
    "GROUPS",
    "METRICS",
    "REGISTRY",
    "ConfusionCounts",
    "Edge",
    "MaskPair",
    "Metric",
    "accuracy",
    "assd",
    "available",
    "average_precision_dsb",
    "balanced_accuracy",
    "betti_numbers",
    "check_tileable",
    "cldice",
    "confusion_counts",
    "drd",
    "edge_case_table",
    "evaluate",
    "f1",
    "f1_at_50",
    "get",
    "hd95",
    "iou",
    "mcc",
    "mpm",
    "nrm",
    "nsd",
    "panoptic_quality",
    "precision",
    "pseudo_f_measure",
    "psnr",
    "recall",
    "register",
    "scores",
    "select",
    "specificity",
    "v_info",
    "v_rand",
]
