"""pytest-benchmark suite: every filter, segmenter, the histogram and the metrics.

    python -m pytest tests/benchmarks/test_bench_suite.py -m benchmark --benchmark-enable

Grouped by operation and input size; ``extra_info`` records the size. Data
preparation stays outside the timing (``pedantic`` with a setup).
"""

from __future__ import annotations

import pytest
from cases import all_cases

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_speed(benchmark, case) -> None:
    call = case.make()
    benchmark.group = f"{case.group} {case.size}x{case.size}"
    benchmark.extra_info.update(size=f"{case.size}x{case.size}", megapixels=case.size**2 / 1e6)
    benchmark.pedantic(call, rounds=5, warmup_rounds=1, iterations=1)
