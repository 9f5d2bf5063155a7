"""The CI gates decide correctly (their measurements are exercised in .ci/run)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd
import pytest

import algorithms

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def gates(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("speed_gate"), importlib.import_module("quality_gate")


def test_speed_gate_flags_a_2x_slowdown_but_not_noise(gates) -> None:
    speed, _ = gates
    baseline = {"segment/otsu/512": 0.10, "segment/li/512": 0.20, "filter/median/512": 0.05}
    now = {"segment/otsu/512": 0.20, "segment/li/512": 0.28, "filter/median/512": 0.03,
           "segment/new/512": 1.0}  # fmt: skip
    slower, lines = speed.compare(baseline, now, tolerance=1.6)
    assert slower == ["segment/otsu/512"]
    text = "\n".join(lines)
    assert "NEW   segment/new/512" in text
    assert "FAST  filter/median/512" in text


def test_speed_gate_discounts_a_machine_slower_across_the_board(gates) -> None:
    """Every case 1.5x dearer (a busy or slower machine) passes; one case 3x dearer fails."""
    speed, _ = gates
    baseline = {f"segment/m{i}/512": 0.1 * (i + 1) for i in range(12)}
    now = {case: 1.5 * cost for case, cost in baseline.items()}
    assert speed.compare(baseline, now, tolerance=1.6)[0] == []
    now["segment/m3/512"] = 3.0 * baseline["segment/m3/512"]
    slower, lines = speed.compare(baseline, now, tolerance=1.6)
    assert slower == ["segment/m3/512"]
    assert any("drift" in line and "1.50" in line for line in lines)
    few = {"segment/m3/512": baseline["segment/m3/512"]}  # --only: nothing to compare with
    assert speed.compare(few, {"segment/m3/512": 2 * few["segment/m3/512"]}, 1.6)[0] == [
        "segment/m3/512"
    ]


def test_every_case_is_built_from_the_registries(gates) -> None:
    cases = importlib.import_module("cases")
    ids = {c.id for c in cases.all_cases((64,))}
    for name in algorithms.available():
        if not algorithms.get_class(name).requires_fit:
            assert f"segment/{name}/64" in ids
    for name in algorithms.available_filters():
        assert f"filter/{name}/64" in ids


def _golden() -> pd.DataFrame:
    return pd.DataFrame({
        "dataset": ["kesm", "kesm"], "image": ["a", "a"], "algo": ["li", "otsu"],
        "threshold": [44.0, 79.0], "tp": [1, 5], "fp": [2, 6], "fn": [3, 7], "tn": [4, 8],
        "accuracy": [0.5, 0.5], "f1": [0.1, 0.2], "mcc": [0.3, 0.4], "iou": [0.05, 0.1],
    })  # fmt: skip


def test_quality_gate_passes_identical_and_fails_off_by_one(gates) -> None:
    _, quality = gates
    golden = _golden()
    assert quality.check(golden, golden.copy(), quick=False) == []
    shifted = golden.copy()
    shifted.loc[1, "threshold"] = 80.0
    shifted.loc[1, "tp"] = 4
    problems = quality.check(golden, shifted, quick=False)
    assert any("threshold 79.0 -> 80.0" in p for p in problems)
    assert any("tp 5 -> 4" in p for p in problems)


def test_quality_gate_tolerates_only_float_noise(gates) -> None:
    _, quality = gates
    golden = _golden()
    noisy = golden.copy()
    noisy["mcc"] = noisy["mcc"] * (1 + 1e-13)
    assert quality.check(golden, noisy, quick=False) == []
    noisy["mcc"] = noisy["mcc"] * (1 + 1e-6)
    assert len(quality.check(golden, noisy, quick=False)) == 2


def test_quality_gate_fails_on_new_or_vanished_rows(gates) -> None:
    _, quality = gates
    golden = _golden()
    extra = pd.concat([golden, golden.iloc[[0]].assign(algo="yen")], ignore_index=True)
    assert any("not in golden table" in p for p in quality.check(golden, extra, quick=False))
    assert any("golden table only" in p for p in quality.check(golden, golden.iloc[:1],
                                                              quick=False))  # fmt: skip
    assert any("'yen' has no golden rows" in p for p in quality.check(golden, extra, quick=True))


def test_speed_gate_controls_are_the_cases_of_nearest_cost(gates) -> None:
    speed, _ = gates
    baseline = {f"segment/m{i}/512": 2.0**i for i in range(12)}
    measured = set(baseline) - {"segment/m6/512"}  # e.g. left out by --only
    controls = speed.control_cases(baseline, ["segment/m5/512"], measured)
    assert len(controls) == speed.MIN_CASES_FOR_DRIFT
    assert "segment/m5/512" not in controls
    assert "segment/m6/512" not in controls
    assert controls[0] == "segment/m4/512"  # cost 2⁴ next to 2⁵; 2⁶ was not measured
    assert set(controls[1:3]) == {"segment/m3/512", "segment/m7/512"}
    assert "segment/m11/512" not in controls
