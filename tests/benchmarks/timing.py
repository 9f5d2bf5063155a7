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


def load_now() -> str:
    """The one-minute load average, short, to print beside a row of absolute times."""
    return f"[load {os.getloadavg()[0]:.2f}]"


class Targets:
    """The ratios a speed script promises, collected as measured and printed together at the end.

    ``check(label, slow, fast, at_least=…)`` or ``at_most=…``: the ratio of the
    medians ``slow / fast`` and whether it meets its target; :meth:`report`
    prints one line per ratio (median, fastest rounds in brackets, target,
    met or MISSED) and the load at the end of the run.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, str, float]] = []

    def check(
        self,
        label: str,
        slow: list[float],
        fast: list[float],
        *,
        at_least: float | None = None,
        at_most: float | None = None,
    ) -> None:
        value = statistics.median(slow) / statistics.median(fast)
        best = min(slow) / min(fast)
        sign, target = (">=", at_least) if at_least is not None else ("<=", at_most)
        self.rows.append((label, value, best, sign, float(target)))

    def report(self) -> None:
        print(f"\nTargets (median ratio, fastest rounds in brackets; {load()}):")
        width = max((len(row[0]) for row in self.rows), default=0)
        for label, value, best, sign, target in self.rows:
            met = value >= target if sign == ">=" else value <= target
            print(f"   {label:{width}s}  {value:6.2f} ({best:5.2f})  target {sign} {target:g}  "
                  f"{'met' if met else 'MISSED'}")  # fmt: skip
