"""Benchmark harness for binary segmentation: datasets, metrics, runs, reports.

From Python, without Hydra::

    import bench
    table = bench.evaluate(bench.builtin_sample(), ["otsu", "li"], [{"name": "median", "size": 3}])
"""

from __future__ import annotations

from .datasets import FolderDataset, Sample, builtin_sample, read_image, read_truth
from .metrics import METRICS, ConfusionCounts, confusion_counts, scores
from .runner import COLUMNS, evaluate
from .splits import Split, split_of

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
    "read_image",
    "read_truth",
    "scores",
    "split_of",
]
