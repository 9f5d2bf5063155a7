"""The registered metrics: the eight count-based scores and each field's own.

Each record's edge-case values are those of its function on
:func:`bench.metrics.registry.edge_case_inputs` (a 16×16 image, the object
a 6×6 square); ``tests/metrics/test_metric_registry.py`` checks every one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from . import counts, document, instances, segments, surface, topology
from .counts import ConfusionCounts
from .pair import MaskPair
from .registry import Edge, Metric, register

NAN = math.nan
INF = math.inf
ORDINARY = Edge(None)


def _edges(both, empty_truth, empty_prediction, full, no_pixel=NAN) -> dict[str, Edge]:
    values = {
        "both empty": both,
        "empty truth": empty_truth,
        "empty prediction": empty_prediction,
        "full": full,
        "no pixel": no_pixel,
    }
    return {k: v if isinstance(v, Edge) else Edge(v) for k, v in values.items()}


def _from_counts(fn: Callable[[ConfusionCounts], float]) -> Callable[[MaskPair], float]:
    def compute(pair: MaskPair) -> float:
        c = pair.counts
        return NAN if c.n == 0 else fn(c)

    compute.__name__ = fn.__name__
    compute.__doc__ = fn.__doc__
    return compute


def _count_metric(name, label, fn, edges, *, low=0.0, high=1.0, higher=True, reference=""):
    return register(
        Metric(
            name=name,
            label=label,
            compute=_from_counts(fn),
            needs=frozenset({"counts"}),
            low=low,
            high=high,
            higher_is_better=higher,
            edge_cases=edges,
            aggregation="micro",
            tiling="additive",
            reference=reference or "confusion counts (bench.metrics.counts)",
            from_counts=fn,
        )
    )


# -- the eight count-based scores, with today's documented edge values -----------------
_count_metric("accuracy", "Acc", counts.accuracy, _edges(1.0, ORDINARY, ORDINARY, 1.0))
_count_metric("precision", "P", counts.precision, _edges(1.0, 0.0, 0.0, 1.0))
_count_metric("recall", "Se", counts.recall, _edges(1.0, 0.0, 0.0, 1.0))
_count_metric("f1", "F1 (Dice, DIBCO FM)", counts.f1, _edges(1.0, 0.0, 0.0, 1.0))
_count_metric("iou", "IoU", counts.iou, _edges(1.0, 0.0, 0.0, 1.0))
_count_metric("mcc", "MCC", counts.mcc, _edges(1.0, 0.0, 0.0, 1.0), low=-1.0)
_count_metric(
    "balanced_accuracy", "BAcc", counts.balanced_accuracy, _edges(1.0, ORDINARY, 0.5, 1.0)
)
_count_metric("specificity", "Sp", counts.specificity, _edges(1.0, ORDINARY, 1.0, 1.0))

# -- DIBCO ----------------------------------------------------------------------------------
_count_metric(
    "psnr",
    "PSNR",
    document.psnr_from_counts,
    _edges(INF, ORDINARY, ORDINARY, INF),
    high=INF,
    reference="DIBCO 2009 (Gatos et al., ICDAR 2009): 10·log10(1/MSE)",
)
_count_metric(
    "nrm",
    "NRM",
    document.nrm_from_counts,
    _edges(0.0, ORDINARY, 0.5, 0.0),
    higher=False,
    reference="DIBCO 2011 (Pratikakis et al., ICDAR 2011)",
)


def _image_metric(name, label, compute, edges, *, needs, low=0.0, high=1.0, higher=True, reference):
    return register(
        Metric(
            name=name,
            label=label,
            compute=compute,
            needs=frozenset(needs),
            low=low,
            high=high,
            higher_is_better=higher,
            edge_cases=edges,
            aggregation="macro",
            tiling="whole",
            reference=reference,
        )
    )


_image_metric(
    "pfm",
    "pFM",
    document._pseudo_f_measure,
    _edges(1.0, 0.0, 0.0, 1.0),
    needs={"masks", "skeleton"},
    reference="Ntirogiannis, Gatos & Pratikakis, DAS 2008 (DIBCO 2009/2010 pseudo-recall)",
)
_image_metric(
    "drd",
    "DRD",
    document._drd,
    _edges(0.0, Edge(INF, "∞ (no non-uniform block)"), ORDINARY, 0.0),
    needs={"masks"},
    high=INF,
    higher=False,
    reference="Lu, Kot & Shi, IEEE SPL 11(2), 2004",
)
_image_metric(
    "mpm",
    "MPM",
    document._mpm,
    _edges(0.0, Edge(INF, "∞ (no truth contour)"), ORDINARY, 0.0),
    needs={"masks"},
    high=0.5,
    higher=False,
    reference="DIBCO 2011 (Pratikakis et al., ICDAR 2011)",
)

# -- thin structures ----------------------------------------------------------------------
_image_metric(
    "cldice",
    "clDice",
    topology._cldice,
    _edges(1.0, 0.0, 0.0, 1.0),
    needs={"masks", "skeleton"},
    reference="Shit et al., CVPR 2021",
)
_image_metric(
    "betti0_error",
    "β0 error",
    topology.betti0_error,
    _edges(0.0, Edge(1.0, "β0 of the prediction"), Edge(1.0, "β0 of the truth"), 0.0),
    needs={"masks"},
    high=INF,
    higher=False,
    reference="Betti number β0: 8-connected components of the object",
)
_image_metric(
    "betti1_error",
    "β1 error",
    topology.betti1_error,
    _edges(0.0, Edge(0.0, "β1 of the prediction"), Edge(0.0, "β1 of the truth"), 0.0),
    needs={"masks"},
    high=INF,
    higher=False,
    reference="Betti number β1: holes, 4-connected background regions off the border",
)

# -- boundaries ---------------------------------------------------------------------------------
_image_metric(
    "hd95",
    "HD95",
    surface._hd95,
    _edges(0.0, INF, INF, 0.0),
    needs={"masks", "spacing"},
    high=INF,
    higher=False,
    reference="MONAI compute_hausdorff_distance(percentile=95); MetricsReloaded",
)
_image_metric(
    "assd",
    "ASSD",
    surface._assd,
    _edges(0.0, INF, INF, 0.0),
    needs={"masks", "spacing"},
    high=INF,
    higher=False,
    reference="MONAI compute_average_surface_distance(symmetric=True); MetricsReloaded",
)
_image_metric(
    "nsd",
    "NSD",
    surface._nsd,
    _edges(1.0, 0.0, 0.0, 1.0),
    needs={"masks", "spacing"},
    reference="Nikolov et al. 2021; MONAI compute_surface_dice (τ = 1 spacing unit)",
)

# -- instances (DSB 2018) -----------------------------------------------------------------
_image_metric(
    "ap_dsb",
    "AP@[.5:.95]",
    instances._average_precision,
    _edges(1.0, 0.0, 0.0, 1.0),
    needs={"instances"},
    reference="DSB 2018 leaderboard (Caicedo et al., Nature Methods 2019)",
)
_image_metric(
    "f1_50",
    "F1@0.5",
    instances._f1_at_50,
    _edges(1.0, 0.0, 0.0, 1.0),
    needs={"instances"},
    reference="instance F1 at IoU > 0.5",
)
_image_metric(
    "pq",
    "PQ",
    instances._panoptic_quality,
    _edges(1.0, 0.0, 0.0, 1.0),
    needs={"instances"},
    reference="Kirillov et al., CVPR 2019",
)

# -- ISBI 2012 ------------------------------------------------------------------------------
_SEGMENT_EDGES = _edges(
    Edge(1.0, "1 (one cell each)"),
    ORDINARY,
    Edge(1.0, "1 (the truth's cells, kept whole)"),
    Edge(NAN, "NaN (the truth has no cell)"),
)
_image_metric(
    "v_rand",
    "V_rand",
    segments._v_rand,
    _SEGMENT_EDGES,
    needs={"segments"},
    reference="ISBI 2012 (Arganda-Carreras et al. 2015), foreground-restricted, N²",
)
_image_metric(
    "v_info",
    "V_info",
    segments._v_info,
    _SEGMENT_EDGES,
    needs={"segments"},
    reference="ISBI 2012 (Arganda-Carreras et al. 2015), foreground-restricted",
)
