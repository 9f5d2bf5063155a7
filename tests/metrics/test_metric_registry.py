"""The metric records: declared edge cases, ranges, the generated table, MCC's bound."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import bench.metrics as bm
from bench.metrics import EDGE_CASES, REGISTRY, ConfusionCounts, Edge, Metric
from bench.metrics.registry import edge_case_inputs

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
BEGIN, END = "<!-- edge-case table: begin -->", "<!-- edge-case table: end -->"


@pytest.mark.parametrize("name", REGISTRY)
def test_every_metric_declares_every_edge_case(name: str) -> None:
    assert set(REGISTRY[name].edge_cases) == set(EDGE_CASES), name


@pytest.mark.parametrize("case", EDGE_CASES)
@pytest.mark.parametrize("name", REGISTRY)
def test_edge_case_values_are_the_declared_ones(name: str, case: str) -> None:
    metric = REGISTRY[name]
    declared = metric.edge_cases[case]
    truth, prediction = edge_case_inputs(case)
    value = metric(truth, prediction)
    if declared.value is None:  # not special for this metric: its ordinary value
        assert math.isfinite(value)
        assert metric.low <= value <= metric.high
    elif math.isnan(declared.value):
        assert math.isnan(value)
    else:
        assert value == pytest.approx(declared.value), (name, case)


@pytest.mark.parametrize("name", [n for n, m in REGISTRY.items() if m.count_based])
def test_count_based_records_keep_the_exact_additive_path(name: str) -> None:
    metric = REGISTRY[name]
    assert metric.tiling == "additive"
    assert metric.aggregation == "micro"
    rng = np.random.default_rng(1)
    truth, pred = rng.random((2, 40, 30)) < 0.3
    counts = bm.confusion_counts(truth, pred)
    assert metric(truth, pred) == metric.from_counts(counts)
    if name in bm.METRICS:
        assert metric.from_counts is bm.METRICS[name]


def _nontrivial_masks():
    shape = st.tuples(st.integers(3, 20), st.integers(3, 20))
    return shape.flatmap(lambda s: st.tuples(arrays(bool, s), arrays(bool, s))).filter(
        lambda tp: tp[0].any() and not tp[0].all() and tp[1].any()
    )


@settings(max_examples=60, deadline=None)
@given(_nontrivial_masks())
def test_every_metric_stays_in_its_declared_range(masks) -> None:
    truth, prediction = masks
    values = bm.evaluate(REGISTRY, truth, prediction)
    for name, value in values.items():
        metric = REGISTRY[name]
        assert not math.isnan(value), name
        assert metric.low <= value <= metric.high, (name, value)


@pytest.mark.parametrize("name", REGISTRY)
def test_a_perfect_prediction_scores_the_best_value(name: str) -> None:
    metric = REGISTRY[name]
    rng = np.random.default_rng(2)
    truth = rng.random((24, 24)) < 0.4
    best = metric.high if metric.higher_is_better else metric.low
    if name == "psnr":
        best = math.inf
    assert metric(truth, truth.copy()) == pytest.approx(best), name


def test_evaluate_shares_one_pair_and_matches_each_function() -> None:
    rng = np.random.default_rng(3)
    truth = rng.random((30, 30)) < 0.3
    pred = truth ^ (rng.random(truth.shape) < 0.05)
    together = bm.evaluate(REGISTRY, truth, pred)
    assert together == {name: m(truth, pred) for name, m in REGISTRY.items()}
    assert together["drd"] == bm.drd(truth, pred)
    assert together["cldice"] == bm.cldice(truth, pred)


def test_the_committed_edge_case_table_is_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    committed = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert committed == bm.edge_case_table().strip(), (
        "docs/metrics.md is stale: regenerate it with `python -m bench.metrics docs/metrics.md`"
    )


def test_registry_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"Unknown metric 'drdd'\. Did you mean 'drd'\?"):
        bm.get("drdd")
    with pytest.raises(ValueError, match="already registered"):
        bm.register(REGISTRY["f1"])
    assert bm.available("betti*") == ["betti0_error", "betti1_error"]
    base = REGISTRY["f1"]
    fields = {f: getattr(base, f) for f in Metric.__dataclass_fields__}
    with pytest.raises(ValueError, match="aggregation 'mean'"):
        Metric(**{**fields, "aggregation": "mean"})
    with pytest.raises(ValueError, match="needs \\['pixels'\\]"):
        Metric(**{**fields, "needs": frozenset({"pixels"})})
    with pytest.raises(ValueError, match="additive but has no from_counts"):
        Metric(**{**fields, "from_counts": None})


def test_a_record_without_every_edge_case_cannot_be_declared() -> None:
    base = REGISTRY["f1"]
    fields = {f: getattr(base, f) for f in Metric.__dataclass_fields__}
    incomplete = {k: v for k, v in base.edge_cases.items() if k != "full"}
    with pytest.raises(ValueError, match="no value for the edge case 'full'"):
        Metric(**{**fields, "edge_cases": incomplete})
    assert Edge(math.inf).text() == "∞"
    assert Edge(None).text() == "ordinary value"


def test_masks_are_checked() -> None:
    with pytest.raises(ValueError, match=r"shape \(2, 2\).*\(3, 3\)"):
        bm.drd(np.zeros((2, 2), bool), np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="boolean masks"):
        bm.cldice(np.zeros((2, 2), np.uint8), np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="spacing must be two positive"):
        bm.hd95(np.zeros((2, 2), bool), np.zeros((2, 2), bool), spacing=(1.0, 0.0))
    with pytest.raises(ValueError, match="tolerance must be a finite distance"):
        bm.nsd(np.zeros((2, 2), bool), np.zeros((2, 2), bool), tolerance=-1)


# --------------------------------------------------------------------------- MCC bound
def test_mcc_of_the_reported_case_is_exactly_minus_one() -> None:
    assert bm.mcc(ConfusionCounts(0, 1, 812041, 0)) == -1.0


@settings(max_examples=300, deadline=None)
@given(st.builds(ConfusionCounts, *[st.integers(0, 10**30)] * 4))
def test_mcc_is_one_correctly_rounded_root_within_bounds(c: ConfusionCounts) -> None:
    value = bm.mcc(c)
    assert -1.0 <= value <= 1.0
    marginals = (c.tp + c.fp) * (c.tp + c.fn) * (c.tn + c.fp) * (c.tn + c.fn)
    if marginals:
        numerator = c.tp * c.tn - c.fp * c.fn
        exact_square = Fraction(numerator * numerator, marginals)
        # The value squared is within two roundings of the exact square.
        bound = 4 * 2.0**-52 * max(exact_square, 2**-1074)
        assert abs(Fraction(value) ** 2 - exact_square) <= bound


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=4, max_size=4))
def test_mcc_stays_within_bounds_where_two_roots_did_not(counts: list[int]) -> None:
    assert -1.0 <= bm.mcc(ConfusionCounts(*counts)) <= 1.0


def test_the_table_regenerator_fills_the_marked_block(tmp_path: Path) -> None:
    from bench.metrics.__main__ import main, update

    doc = tmp_path / "doc.md"
    doc.write_text(f"# x\n{BEGIN}\nstale\n{END}\nafter\n", encoding="utf-8")
    assert main([str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert bm.edge_case_table() in text
    assert text.endswith(f"{END}\nafter\n")
    assert update(doc) is False  # already up to date
    doc.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no <!-- edge-case table: begin -->"):
        update(doc)


@pytest.mark.parametrize("group", bm.GROUPS)
def test_every_group_names_registered_metrics(group: str) -> None:
    assert bm.select(group) == list(bm.GROUPS[group])
    assert all(name in REGISTRY for name in bm.GROUPS[group])


def test_select_expands_groups_and_names_unknown_ones() -> None:
    assert bm.select(["dibco", "hd95", "f1"]) == ["f1", "pfm", "psnr", "drd", "hd95"]
    assert bm.select("counts") == list(bm.METRICS)
    with pytest.raises(ValueError, match=r"Unknown metric or metric group 'dibc'\. Did you mean"):
        bm.select(["dibc"])


def test_a_tiled_run_refuses_what_it_cannot_compute_exactly() -> None:
    bm.check_tileable(["f1", "mcc", "psnr", "nrm"])  # additive: fine
    with pytest.raises(ValueError, match=r"drd \(needs the whole image.*runner=local"):
        bm.check_tileable(["f1", "drd"])


def test_instance_labels_when_a_dataset_gives_them() -> None:
    # Two touching nuclei: one component of the union mask, two given instances.
    labels = np.zeros((6, 10), np.int32)
    labels[1:5, 1:5] = 7
    labels[1:5, 5:9] = 3
    truth = labels > 0
    ap = REGISTRY["ap_dsb"]
    assert ap(truth, truth) == 1.0  # components: one object each side
    # The prediction found the union as one object: it matches neither nucleus.
    assert ap(truth, truth, truth_labels=labels) == 0.0
    assert ap(truth, truth, truth_labels=labels, prediction_labels=labels) == 1.0
    with pytest.raises(ValueError, match="truth_labels has shape"):
        ap(truth, truth, truth_labels=labels[:3])


def test_a_shared_truth_cache_gives_the_same_values_and_computes_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench.metrics import pair as pair_module

    rng = np.random.default_rng(5)
    truth = rng.random((30, 30)) < 0.3
    preds = [truth ^ (rng.random(truth.shape) < p) for p in (0.02, 0.1, 0.3)]
    alone = [bm.evaluate(REGISTRY, truth, p) for p in preds]
    calls = []
    original = pair_module.skeleton
    monkeypatch.setattr(pair_module, "skeleton", lambda m: calls.append(m) or original(m))
    shared: dict = {}
    together = [bm.evaluate(REGISTRY, truth, p, shared=shared) for p in preds]
    assert together == alone
    assert len(calls) == 1 + len(preds)  # the truth's skeleton once, each prediction's once
