"""Benchmark harness for binary segmentation: datasets, metrics, runs, reports.

From Python, without Hydra::

    import bench
    table = bench.evaluate(bench.builtin_sample(), ["otsu", "li"], [{"name": "median", "size": 3}])
    table = bench.score("runs/mynet", "data/masks")   # another tool's masks, the same table
"""

from __future__ import annotations

from bench.data import (
    FolderDataset,
    Sample,
    Split,
    builtin_sample,
    read_image,
    read_truth,
    split_of,
)
from bench.metrics import METRICS, ConfusionCounts, confusion_counts, scores
from bench.run.scoring import score
from bench.run.tiled import evaluate_tiled
from bench.run.whole_image import COLUMNS, evaluate
from bench.scale.tiling import segment_tiled
from bench.scale.volumes import open_volume

__all__ = [
    "COLUMNS",
    "METRICS",
    "ConfusionCounts",
    "FolderDataset",
    "Sample",
    "Split",
    "builtin_sample",
    "confusion_counts",
    "evaluate",
    "evaluate_tiled",
    "open_volume",
    "read_image",
    "read_truth",
    "score",
    "scores",
    "segment_tiled",
    "split_of",
]
