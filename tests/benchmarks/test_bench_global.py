"""Benchmarks of the global thresholds (pytest-benchmark); ours and the reference per group.

    python -m pytest tests/benchmarks/test_bench_global.py -m benchmark --benchmark-enable

Groups (4096×4096 uint8, the KESM tile tiled; ``extra_info`` has the size):

* ``histogram-8bit``: ours, ``cv2.calcHist``, ``np.bincount``;
* ``all-global``: the 18 methods from one histogram (``try_all`` without
  masks) and the histogram alone;
* ``<method>`` for the methods scikit-image has: ours from the image
  (histogram + threshold) and ``skimage.filters.threshold_<method>``.

Each benchmark also checks its answer, so a fast wrong result fails. For
the ratios measured in one run, use ``speed_global.py`` beside this file.
"""

from __future__ import annotations

import numpy as np
import pytest
from speed_global import SKIMAGE, all_methods_pair, histogram_pair, kesm_image, method_pair

pytestmark = pytest.mark.benchmark
SIZE = 4096
EXTRA = {"size": f"{SIZE}x{SIZE}", "dtype": "uint8", "image": "KESM tile, inverted, median 3x3"}
SAME_MASK = ("otsu", "yen", "mean")  # scikit-image's definition is ImageJ's


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return kesm_image(SIZE)


def _run(benchmark, call, group: str, who: str):
    benchmark.group = group
    benchmark.extra_info.update(EXTRA, who=who)
    return benchmark.pedantic(call, rounds=5, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("who", ["ours", "cv2.calcHist", "np.bincount"])
def test_histogram(benchmark, image, who: str) -> None:
    counts = _run(benchmark, histogram_pair(image)[who], "histogram-8bit", who)
    counts = getattr(counts, "counts", counts)
    np.testing.assert_array_equal(np.ravel(counts), np.bincount(image.ravel(), minlength=256))


@pytest.mark.parametrize("who", ["histogram + 18 methods", "histogram once"])
def test_all_global_methods(benchmark, image, who: str) -> None:
    result = _run(benchmark, all_methods_pair(image)[who], "all-global", who)
    if who.startswith("histogram +"):
        assert len(result) == 18
        assert all(trial.threshold is not None for trial in result)


@pytest.mark.parametrize("who", ["ours", "skimage"])
@pytest.mark.parametrize("name", list(SKIMAGE))
def test_against_scikit_image(benchmark, image, name: str, who: str) -> None:
    calls = method_pair(image, name)
    threshold = _run(benchmark, calls[who], name, who)
    other = calls["skimage" if who == "ours" else "ours"]()
    if name in SAME_MASK:
        np.testing.assert_array_equal(image > threshold, image > other)
