"""Benchmark harness for binary segmentation: datasets, metrics, runs, reports.

From Python, without Hydra::

    import bench
    table = bench.evaluate(bench.builtin_sample(), ["otsu", "li"], [{"name": "median", "size": 3}])
"""

from __future__ import annotations

from .datasets import FolderDataset, Sample, Split, builtin_sample, read_image, read_truth, split_of
from .metrics import METRICS, ConfusionCounts, confusion_counts, scores
from .runner import COLUMNS, evaluate
from .tiled_runner import evaluate_tiled
from .tiling import segment_tiled
from .volumes import open_volume

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
    "scores",
    "segment_tiled",
    "split_of",
]
