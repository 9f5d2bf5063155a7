"""Speed gate: fail when an operation got slower than the stored baseline.

    python tests/benchmarks/speed_gate.py            # compare; exit 1 on a regression
    python tests/benchmarks/speed_gate.py --quick    # 512x512 inputs only, fewer rounds (CI)
    python tests/benchmarks/speed_gate.py --update   # measure and rewrite the baseline

How it decides
--------------
Shared machines are noisy: the same code can run 0.7-1.5x as fast from one
minute to the next. Raw seconds are therefore never compared. Instead each
case is timed *interleaved* with a fixed reference workload (a sort and a
memory pass in numpy), ``reference, case, reference`` in every round, and
scored by the median over rounds of ``t_case / mean(t_reference around it)``:
a unitless cost that moves with the machine's current speed. A case fails
when its cost exceeds ``tolerance`` (default 1.6) times its baseline cost,
*and still does* when re-measured with twice the rounds — a real 2x slowdown
fails, a passing hiccup does not. Faster cases are reported, never failed;
update the baseline to lock the gain in.

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
TARGET_SECONDS = 0.004  # each timed sample lasts at least this long (inner loop)


def _reference() -> Callable[[], object]:
    rng = np.random.default_rng(0)
    values = rng.random(1 << 16)
    block = rng.integers(0, 255, 1 << 22, dtype=np.uint8)

    def work() -> object:
        return np.sort(values), int(block.sum(dtype=np.uint64))

    return work


def _calibrate(call: Callable[[], object]) -> int:
    """Inner-loop count so that one sample lasts at least TARGET_SECONDS."""
    call()  # warm-up: imports, caches, first-call allocation
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(np.ceil(TARGET_SECONDS / once)))


def _sample(call: Callable[[], object], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        call()
    return (time.perf_counter() - start) / loops


def measure(case: Case, rounds: int, reference: Callable[[], object], ref_loops: int) -> float:
    """Median over rounds of the case's time relative to the reference around it."""
    call = case.make()
    loops = _calibrate(call)
    ratios = []
    for _ in range(rounds):
        before = _sample(reference, ref_loops)
        spent = _sample(call, loops)
        after = _sample(reference, ref_loops)
        ratios.append(spent / ((before + after) / 2))
    return statistics.median(ratios)


def run(cases: list[Case], rounds: int) -> dict[str, float]:
    reference = _reference()
    ref_loops = _calibrate(reference)
    costs = {}
    for case in cases:
        costs[case.id] = measure(case, rounds, reference, ref_loops)
        print(f"  {case.id:45s} {costs[case.id]:10.4f}", file=sys.stderr)
    return costs


def compare(
    baseline: dict[str, float], costs: dict[str, float], tolerance: float
) -> tuple[list[str], list[str]]:
    """Ids slower than tolerance × baseline, and lines describing every case."""
    slower, lines = [], []
    for case_id, cost in costs.items():
        if case_id not in baseline:
            lines.append(f"NEW   {case_id}: cost {cost:.4f} (no baseline; run --update)")
            continue
        ratio = cost / baseline[case_id]
        verdict = "SLOW " if ratio > tolerance else ("FAST " if ratio < 1 / tolerance else "ok   ")
        lines.append(f"{verdict} {case_id}: {ratio:5.2f}x baseline")
        if ratio > tolerance:
            slower.append(case_id)
    for case_id in sorted(baseline.keys() - costs.keys()):
        lines.append(f"GONE  {case_id}: in the baseline, not measured now")
    return slower, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Speed gate against a stored baseline.")
    parser.add_argument("--quick", action="store_true", help="512x512 only, 5 rounds")
    parser.add_argument("--update", action="store_true", help="rewrite the baseline")
    parser.add_argument("--tolerance", type=float, default=1.6)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--only", default="", help="substring filter on case ids")
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    args = parser.parse_args(argv)
    if args.tolerance <= 1:
        parser.error(f"--tolerance must be > 1; got {args.tolerance}")
    sizes = SIZES[:1] if args.quick else SIZES
    rounds = args.rounds or (5 if args.quick else 9)
    cases = [c for c in all_cases(sizes) if args.only in c.id]
    if not cases:
        parser.error(f"no case matches --only {args.only!r}")

    costs = run(cases, rounds)
    if args.update:
        stored = json.loads(args.baseline.read_text())["costs"] if args.baseline.exists() else {}
        stored.update(costs)
        record = {
            "about": "unitless costs: case time / interleaved reference time (speed_gate.py)",
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
    slower, _ = compare(baseline, costs, args.tolerance)
    if slower:  # confirm: a real regression survives a second, longer look
        by_id = {c.id: c for c in cases}
        print(f"re-measuring {len(slower)} slow case(s) with {2 * rounds} rounds", file=sys.stderr)
        costs.update(run([by_id[i] for i in slower], 2 * rounds))
    slower, lines = compare(baseline, costs, args.tolerance)
    print("\n".join(lines))
    if slower:
        print(f"\nFAILED: {len(slower)} case(s) slower than {args.tolerance}x baseline: "
              + ", ".join(slower))  # fmt: skip
        return 1
    print(f"\npassed: {len(costs)} cases within {args.tolerance}x of the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
