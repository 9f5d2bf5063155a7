"""The operations the benchmark suite and the speed gate time, on fixed inputs.

One list, two users: ``test_bench_suite.py`` (pytest-benchmark, for people)
and ``speed_gate.py`` (the CI gate). Every registered filter and segmenter is
a case, so a new method is benchmarked the moment it is registered. Learned
methods (``requires_fit``) are left to their own benchmarks: their cost is
dominated by training.

Inputs are the inverted KESM tile, tiled to the requested size: real texture,
deterministic, no download.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

import algorithms
import bench
from bench.metrics import confusion_counts, scores

SIZES = (512, 2048)


@dataclass(frozen=True)
class Case:
    """One timed operation: ``group`` (what), ``name`` (which), ``size`` (input side)."""

    group: str
    name: str
    size: int
    make: Callable[[], Callable[[], object]]  # builds inputs, returns the timed call

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}/{self.size}"


@cache
def image(size: int) -> np.ndarray:
    """The inverted KESM tile, tiled (and cropped) to ``size`` × ``size``.

    The built-in sample declares the article's inversion (``invert=True``):
    its image already has bright vessels.
    """
    sample = next(iter(bench.builtin_sample()))
    tile = sample.image
    reps = -(-size // tile.shape[0])
    return np.ascontiguousarray(np.tile(tile, (reps, reps))[:size, :size])


@cache
def truth(size: int) -> np.ndarray:
    sample = next(iter(bench.builtin_sample()))
    reps = -(-size // sample.truth.shape[0])
    return np.ascontiguousarray(np.tile(sample.truth, (reps, reps))[:size, :size])


def _segmenter_case(name: str, size: int) -> Case:
    def make() -> Callable[[], object]:
        method, data = algorithms.get(name), image(size)
        return lambda: method(data)

    return Case("segment", name, size, make)


def _filter_case(name: str, size: int) -> Case:
    def make() -> Callable[[], object]:
        filt, data = algorithms.get_filter(name), image(size)
        return lambda: filt(data)

    return Case("filter", name, size, make)


def _histogram_case(size: int) -> Case:
    def make() -> Callable[[], object]:
        data = image(size)
        return lambda: algorithms.histogram(data)

    return Case("histogram", "uint8", size, make)


def _metrics_case(size: int) -> Case:
    def make() -> Callable[[], object]:
        data, gt = image(size), truth(size)
        mask = data > 79
        return lambda: scores(confusion_counts(gt, mask))

    return Case("metrics", "counts+scores", size, make)


def all_cases(sizes: tuple[int, ...] = SIZES) -> list[Case]:
    """Every case at every size, in a stable order."""
    found: list[Case] = []
    for size in sizes:
        found.append(_histogram_case(size))
        found.append(_metrics_case(size))
        found += [_filter_case(name, size) for name in algorithms.available_filters()]
        found += [
            _segmenter_case(name, size)
            for name in algorithms.available()
            if not algorithms.get_class(name).requires_fit
        ]
    return found
