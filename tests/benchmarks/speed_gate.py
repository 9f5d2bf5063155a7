"""Speed gate: fail when an operation got slower than the stored baseline.

    python tests/benchmarks/speed_gate.py            # compare; exit 1 on a regression
    python tests/benchmarks/speed_gate.py --quick    # 512x512 inputs only, fewer rounds (CI)
    python tests/benchmarks/speed_gate.py --update   # measure and rewrite the baseline
    python tests/benchmarks/speed_gate.py --quick --slow-down segment/otsu/512
                                                     # check that the gate bites: that case
                                                     # does its work twice, and must fail

How it decides
--------------
Shared machines are noisy: a case can take 0.5-3x its usual wall time from
one minute to the next when other processes compete for the cores. The gate
therefore measures what the code costs, not how long it waited:

* **CPU time, on one core.** The process pins itself to one core (its CPU
  affinity, which the package's thread splitting follows) and OpenCV to one
  thread, and times each sample with ``time.process_time``: CPU seconds
  spent, which other processes do not add to — waiting for a core costs
  nothing.
* **Relative to a reference, minimum over rounds.** Each case is timed
  *interleaved* with a fixed reference workload (a sort and a memory pass in
  NumPy): ``reference, case, reference, case, …, reference``. Noise only
  ever adds time, so the cheapest round of each side is the best estimate of
  its cost, and the case's cost is ``min(case) / min(reference)``: unitless,
  which cancels what slows every instruction alike (a sibling hyperthread at
  work, a lower clock).
* **A relative verdict, confirmed.** ``slowdown = (cost / baseline) / drift``,
  where ``drift`` is the lower quartile of ``cost / baseline`` over all
  measured cases when above 1 (a machine slower across the board is not a
  regression of one case; with fewer than 8 cases, e.g. ``--only``, there
  is no correction). A case fails when its slowdown exceeds
  ``tolerance`` (default 1.6) *and still does* when re-measured, twice, with
  two and three times the rounds, together with the 8 cases of the nearest
  baseline costs as controls (their drift is that moment's) — a real 2x
  slowdown fails every time, a passing hiccup does not.
  Faster cases are reported, never failed; update the baseline to lock the
  gain in.

The baseline (``results/baseline_speed.json``) is specific to a kind of
machine; regenerate it on the CI machine class with ``--update`` and commit
it with the change that explains the new numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from cases import SIZES, Case, all_cases

BASELINE = Path(__file__).resolve().parents[2] / "results" / "baseline_speed.json"
TARGET_SECONDS = 0.002  # each timed sample costs at least this much CPU time (inner loop)
CONFIRMATIONS = 2  # re-measurements (with more rounds) a slow case must fail too
MIN_CASES_FOR_DRIFT = 8  # fewer measured cases (--only): no drift correction


def pin_to_one_core() -> None:
    """Run on one core, OpenCV and numba on one thread: CPU time then measures the work."""
    import os

    import cv2
    import numba

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:1])
    cv2.setNumThreads(1)
    numba.set_num_threads(1)


def _reference() -> Callable[[], object]:
    rng = np.random.default_rng(0)
    values = rng.random(1 << 16)
    block = rng.integers(0, 255, 1 << 22, dtype=np.uint8)

    def work() -> object:
        return np.sort(values), int(block.sum(dtype=np.uint64))

    return work


def _calibrate(call: Callable[[], object]) -> int:
    """Inner-loop count so that one sample costs at least TARGET_SECONDS of CPU time."""
    call()  # warm-up: imports, compilation, caches, first-call allocation
    start = time.process_time()
    call()
    once = max(time.process_time() - start, 1e-7)
    return max(1, int(np.ceil(TARGET_SECONDS / once)))


def _sample(call: Callable[[], object], loops: int) -> float:
    start = time.process_time()
    for _ in range(loops):
        call()
    return (time.process_time() - start) / loops


def measure(case: Case, rounds: int, reference: Callable[[], object], ref_loops: int,
            factor: int = 1) -> float:  # fmt: skip
    """Cheapest round's CPU time of the case relative to the reference's cheapest round.

    The reference runs before the first round and after every round, so
    both sides are sampled across the same stretch of time.

    ``factor`` > 1 runs the case's call that many times per call: an injected
    slowdown, to check that the gate bites.
    """
    call = case.make()
    if factor > 1:
        inner = call

        def call() -> object:
            for _ in range(factor - 1):
                inner()
            return inner()

    loops = _calibrate(call)
    spent, references = [], [_sample(reference, ref_loops)]
    for _ in range(rounds):
        spent.append(_sample(call, loops))
        references.append(_sample(reference, ref_loops))
    return min(spent) / min(references)


def run(cases: list[Case], rounds: int, slow_down: str = "") -> dict[str, float]:
    reference = _reference()
    ref_loops = _calibrate(reference)
    costs = {}
    for case in cases:
        factor = 2 if case.id == slow_down else 1
        costs[case.id] = measure(case, rounds, reference, ref_loops, factor)
        print(f"  {case.id:45s} {costs[case.id]:10.4f}", file=sys.stderr)
    return costs


def drift(baseline: dict[str, float], costs: dict[str, float]) -> float:
    """Lower quartile of ``cost / baseline`` over the cases that have both, at least 1.

    A machine slower across the board moves every case; a regression moves a
    few. The lower quartile follows the first and ignores the second, even
    when most cases regress at once.
    """
    ratios = [costs[k] / baseline[k] for k in costs if k in baseline and baseline[k] > 0]
    if len(ratios) < MIN_CASES_FOR_DRIFT:  # too few to tell the machine from the code
        return 1.0
    return max(1.0, float(np.quantile(ratios, 0.25, method="lower")))


def control_cases(baseline: dict[str, float], slower: list[str], measured) -> list[str]:
    """Measured cases to re-measure with the slow ones: those of the nearest baseline costs.

    Cases of similar cost do similar work (sizes, memory traffic), so a
    moment when the machine slows such work shows in them as well.
    """
    others = [k for k in baseline if k not in slower and k in measured]
    target = statistics.median(baseline[k] for k in slower)
    return sorted(others, key=lambda k: abs(np.log(baseline[k] / target)))[:MIN_CASES_FOR_DRIFT]


def _cleared(line: str, slower: list[str]) -> str:
    """The line's verdict after the re-measurements: ``SLOW`` only for confirmed cases."""
    case_id = line.split()[1].rstrip(":") if line.startswith(("SLOW ", "ok   ")) else ""
    if line.startswith("SLOW ") and case_id not in slower:
        return "noisy" + line[5:] + " (not confirmed)"
    if line.startswith("ok   ") and case_id in slower:
        return "SLOW " + line[5:] + " (confirmed)"
    return line


def compare(
    baseline: dict[str, float], costs: dict[str, float], tolerance: float
) -> tuple[list[str], list[str]]:
    """Ids slower than tolerance × baseline (after the drift), and lines describing every case."""
    slower, lines = [], []
    common = drift(baseline, costs)
    for case_id, cost in costs.items():
        if case_id not in baseline:
            lines.append(f"NEW   {case_id}: cost {cost:.4f} (no baseline; run --update)")
            continue
        ratio = cost / baseline[case_id] / common
        verdict = "SLOW " if ratio > tolerance else ("FAST " if ratio < 1 / tolerance else "ok   ")
        lines.append(f"{verdict} {case_id}: {ratio:5.2f}x baseline")
        if ratio > tolerance:
            slower.append(case_id)
    for case_id in sorted(baseline.keys() - costs.keys()):
        lines.append(f"GONE  {case_id}: in the baseline, not measured now")
    lines.append(f"drift (lower quartile of cost / baseline, at least 1): {common:.2f}")
    return slower, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Speed gate against a stored baseline.")
    parser.add_argument("--quick", action="store_true", help="512x512 only, 9 rounds")
    parser.add_argument("--update", action="store_true", help="rewrite the baseline")
    parser.add_argument("--tolerance", type=float, default=1.6)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--only", default="", help="substring filter on case ids")
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument(
        "--slow-down", default="", metavar="ID", help="run this case's work twice (a bite test)"
    )
    args = parser.parse_args(argv)
    if args.tolerance <= 1:
        parser.error(f"--tolerance must be > 1; got {args.tolerance}")
    sizes = SIZES[:1] if args.quick else SIZES
    rounds = args.rounds or (9 if args.quick else 11)
    if args.update:  # the baseline is the yardstick: measure it three times as long
        rounds *= 3
    cases = [c for c in all_cases(sizes) if args.only in c.id]
    if not cases:
        parser.error(f"no case matches --only {args.only!r}")

    if args.update and args.slow_down:
        parser.error("--slow-down is a test of the gate; it cannot write a baseline")
    if args.slow_down and args.slow_down not in {c.id for c in cases}:
        parser.error(f"--slow-down {args.slow_down!r} is not a measured case id")
    pin_to_one_core()
    costs = run(cases, rounds, args.slow_down)
    if args.update:
        stored = json.loads(args.baseline.read_text())["costs"] if args.baseline.exists() else {}
        stored.update(costs)
        record = {
            "about": (
                "unitless costs: the cheapest round's CPU time of the case on one core / that of "
                "the interleaved reference (speed_gate.py)"
            ),
            "machine": platform.platform(),
            "costs": dict(sorted(stored.items())),
        }
        args.baseline.write_text(json.dumps(record, indent=1) + "\n")
        print(f"baseline written: {args.baseline} ({len(costs)} cases measured)")
        return 0
    if not args.baseline.exists():
        print(f"no baseline at {args.baseline}; create it with --update", file=sys.stderr)
        return 2
    baseline = {  # only what this invocation measures (--quick, --only)
        case_id: cost
        for case_id, cost in json.loads(args.baseline.read_text())["costs"].items()
        if int(case_id.rsplit("/", 1)[1]) in sizes and args.only in case_id
    }
    by_id = {c.id: c for c in cases}
    slower, _ = compare(baseline, costs, args.tolerance)
    for attempt in range(CONFIRMATIONS):  # a real regression survives longer looks
        if not slower:
            break
        more = (attempt + 2) * rounds
        controls = control_cases(baseline, slower, by_id)
        print(f"re-measuring {len(slower)} slow case(s) and {len(controls)} controls with "
              f"{more} rounds", file=sys.stderr)  # fmt: skip
        again = run([by_id[i] for i in slower + controls], more, args.slow_down)
        # The controls measure the machine now: the drift of this look is theirs too.
        confirmed = set(compare(baseline, again, args.tolerance)[0])
        slower = [i for i in slower if i in confirmed]
        # Noise only ever adds time: the cheaper measurement is the better one.
        costs.update({i: min(costs[i], cost) for i, cost in again.items()})
    _, lines = compare(baseline, costs, args.tolerance)
    lines = [_cleared(line, slower) for line in lines]
    print("\n".join(lines))
    if slower:
        print(f"\nFAILED: {len(slower)} case(s) slower than {args.tolerance}x baseline: "
              + ", ".join(slower))  # fmt: skip
        return 1
    print(f"\npassed: {len(costs)} cases within {args.tolerance}x of the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
