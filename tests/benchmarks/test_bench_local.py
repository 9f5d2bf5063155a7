"""Benchmarks of the local methods (pytest-benchmark), ours and the reference per group.

    pytest tests/benchmarks/test_bench_local.py -m slow --benchmark-enable

Groups: ``sauvola``, ``niblack`` (square window 35, scikit-image's
definition) and ``median-filter`` (size 5, scipy); ``local-defaults`` times
each local method at its defaults. Each benchmark also checks its output
against the reference, so a fast wrong answer fails.
"""

from __future__ import annotations

import numpy as np
import pytest
from speed_local import (
    WINDOW,
    interior_differences,
    median_pair,
    niblack_pair,
    sauvola_pair,
    slide,
)

import algorithms

pytestmark = pytest.mark.slow
SIZE = 4096


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return slide(SIZE)


def _run(benchmark, function, group: str, who: str):
    benchmark.group = group
    benchmark.extra_info.update({"size": f"{SIZE}x{SIZE}", "dtype": "uint8", "who": who})
    return benchmark.pedantic(function, rounds=3, iterations=1, warmup_rounds=0)


@pytest.mark.parametrize("who", ["ours", "reference"])
@pytest.mark.parametrize(
    ("group", "make", "margin"),
    [("sauvola", sauvola_pair, WINDOW // 2), ("niblack", niblack_pair, WINDOW // 2),
     ("median-filter", median_pair, 0)],
)  # fmt: skip
def test_bench_against_reference(benchmark, image, group, make, margin, who) -> None:
    ours, reference = make(image)
    result = _run(benchmark, ours if who == "ours" else reference, group, who)
    other = (reference if who == "ours" else ours)()
    if margin:
        assert interior_differences(result, other, margin) <= 10
    else:
        np.testing.assert_array_equal(result, other)


@pytest.mark.parametrize(
    "name", [n for n in algorithms.available(kind="local") if n != "local_otsu"]
)
def test_bench_local_defaults(benchmark, image, name: str) -> None:
    method = algorithms.get(name)
    benchmark.extra_info["params"] = repr(method.get_params())
    mask = _run(benchmark, lambda: method(image), "local-defaults", name)
    assert mask.shape == image.shape
