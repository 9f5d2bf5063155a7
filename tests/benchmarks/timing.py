"""Interleaved timing shared by the speed scripts: ours and the reference see the same load.

On a shared machine the speed changes from one second to the next, so two
operations timed one after the other are not comparable. Here every round
runs each call once, in turn; the median over rounds and the fastest round
are reported, and ratios are taken between calls of the same run.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def timed(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds of each call in each round, the calls interleaved round after round."""
    times: dict[str, list[float]] = {k: [] for k in calls}
    for call in calls.values():  # warm-up (imports, compilation, first touch of memory)
        call()
    for _ in range(rounds):
        for key, call in calls.items():
            start = time.perf_counter()
            call()
            times[key].append(time.perf_counter() - start)
    return times


def ms(seconds: list[float]) -> str:
    """``median (fastest)`` in milliseconds."""
    return f"{statistics.median(seconds) * 1e3:8.2f} ({min(seconds) * 1e3:7.2f})"


def ratio(slow: list[float], fast: list[float]) -> str:
    """``slow / fast`` of the medians, and of the fastest rounds in brackets."""
    median = statistics.median(slow) / statistics.median(fast)
    return f"{median:.2f} ({min(slow) / min(fast):.2f})"


def load() -> str:
    """The machine's load averages and core count, to print next to the figures."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
