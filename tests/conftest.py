"""Shared fixtures: the built-in KESM sample and small synthetic images."""

from __future__ import annotations

import importlib.abc
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import algorithms
import bench
from algorithms import MissingDependencyError, Segmenter

# ../shared/data from the repository, or $SEGBENCH_DATA (as the dataset configs read it).
SHARED_DATA = Path(
    os.environ.get("SEGBENCH_DATA")
    or os.environ.get("SEGBENCH_SHARED_DATA")
    or Path(__file__).resolve().parents[2] / "shared" / "data"
)
BENCHMARKS = Path(__file__).resolve().parent / "benchmarks"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/benchmarks is a benchmark, deselected by default.

    Run them on purpose: ``pytest tests/benchmarks -m benchmark --benchmark-enable``.
    """
    for item in items:
        if BENCHMARKS in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.benchmark)


FAST_PARAMS: dict[str, dict[str, object]] = {
    "unet": {
        "depth": 2,
        "base_channels": 4,
        "crop_size": 16,
        "batch_size": 2,
        "steps": 3,
        "n_threads": 1,
    },
    "pixel_classifier": {"sigmas": [1.0, 2.0], "n_samples": 800, "n_estimators": 5},
}
"""Seconds-long configurations of the learned methods, for tests (every one needs one)."""


def _ready_segmenter(name: str, image: np.ndarray, truth: np.ndarray) -> Segmenter:
    """A segmenter by name; learned ones in their fast configuration, fitted on ``image``.

    Skips the test when a learned method's optional dependency is missing.
    """
    segmenter = algorithms.get(name, **FAST_PARAMS.get(name, {}))
    if segmenter.requires_fit:
        try:
            segmenter.check_dependencies()
        except MissingDependencyError as error:
            pytest.skip(str(error))
        segmenter.fit([image], [truth])
    return segmenter


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


@pytest.fixture
def fast_params() -> dict[str, dict[str, object]]:
    """:data:`FAST_PARAMS`: seconds-long configurations of the learned methods."""
    return FAST_PARAMS


@pytest.fixture
def ready_segmenter():
    """``ready_segmenter(name, image, truth)``: learned methods fast and fitted on the image."""
    return _ready_segmenter


class _BlockTorch(importlib.abc.MetaPathFinder):
    """An import hook that makes ``import torch`` fail as if it were not installed."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "torch" or name.startswith("torch."):
            msg = f"No module named {name!r} (hidden by the test)"
            raise ModuleNotFoundError(msg, name=name)


@pytest.fixture
def without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the test, PyTorch is not installed (restored afterwards)."""
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_BlockTorch(), *sys.meta_path])


def run_bench(folder: Path, *overrides: str):
    """``python -m bench <overrides>`` in-process (no figures), writing into ``folder``."""
    from hydra import compose, initialize_config_dir

    from bench.cli.config import register_configs
    from bench.cli.job import run
    from bench.cli.overrides import CONF_DIR

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=["output.overlays=false", "output.histograms=false", *overrides],
        )
    return run(cfg, folder)
