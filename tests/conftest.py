"""Shared fixtures: the built-in KESM sample and small synthetic images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import bench

# ../shared/data from the repository, or $SEGBENCH_DATA (as the dataset configs read it).
SHARED_DATA = Path(
    os.environ.get("SEGBENCH_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)
BENCHMARKS = Path(__file__).resolve().parent / "benchmarks"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/benchmarks is a benchmark, deselected by default.

    Run them on purpose: ``pytest tests/benchmarks -m benchmark --benchmark-enable``.
    """
    for item in items:
        if BENCHMARKS in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.benchmark)


@pytest.fixture(scope="session")
def kesm() -> bench.Sample:
    return next(iter(bench.builtin_sample()))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def blobs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A 64×80 uint8 image of bright squares on noise, and its truth."""
    truth = np.zeros((64, 80), dtype=bool)
    truth[10:25, 12:30] = True
    truth[40:58, 50:75] = True
    image = np.where(truth, 170, 60).astype(np.int16) + rng.integers(-25, 26, truth.shape)
    return image.clip(0, 255).astype(np.uint8), truth
