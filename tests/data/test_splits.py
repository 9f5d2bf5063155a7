"""The seeded train/test split: deterministic, per id, close to the asked fraction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.data import Split, split_counts, split_of

IDS = [str(i) for i in range(2000)]


def test_known_values_never_change() -> None:
    # SHA-256 of "<seed>:<id>": the same on every machine and Python version, so
    # a model trained on one machine is tested on the same images on another.
    def sides(seed: int) -> str:
        return "".join(split_of(str(k), seed, 0.5)[1] for k in range(16))  # "r"ain / "e"st

    assert sides(0) == "rrreerrereerrree"
    assert sides(42) == "eerreeeeeereeeer"


def test_fraction_is_met_on_many_ids() -> None:
    counts = split_counts((f"img{k}" for k in range(20000)), seed=1, test_fraction=0.2)
    assert abs(counts["test"] / 20000 - 0.2) < 0.01  # 3.5 binomial standard deviations


def test_seed_changes_the_split() -> None:
    ids = [f"img{k}" for k in range(200)]
    assert [split_of(i, 0) for i in ids] != [split_of(i, 1) for i in ids]


@given(st.text(max_size=30), st.integers(0, 2**31), st.floats(0, 1), st.floats(0, 1))
def test_a_larger_fraction_only_adds_test_samples(key: str, seed: int, a: float, b: float) -> None:
    low, high = sorted((a, b))
    if split_of(key, seed, low) == "test":
        assert split_of(key, seed, high) == "test"
    assert split_of(key, seed, 0.0) == "train"
    assert split_of(key, seed, 1.0) == "test"


@pytest.mark.parametrize(("seed", "fraction"), [(1.5, 0.2), ("0", 0.2), (0, -0.1), (0, 2)])
def test_bad_seed_or_fraction(seed, fraction) -> None:
    with pytest.raises(ValueError, match=r"seed must be an integer|test_fraction must be"):
        split_of("a", seed, fraction)


def test_partition_keeps_order_and_is_independent_of_other_samples() -> None:
    rule = Split(seed=0, test_fraction=0.3)
    sides = rule.partition(IDS[:50], key=str)
    assert sorted(sides["train"] + sides["test"], key=int) == IDS[:50]
    assert sides["test"] == sorted(sides["test"], key=int)
    # Adding samples never moves an existing one.
    more = rule.partition(IDS[:500], key=str)
    assert set(sides["test"]) <= set(more["test"])
    assert set(sides["train"]) <= set(more["train"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test_fraction": 1.5}, "from 0 to 1; got 1.5"),
        ({"test_fraction": "half"}, "must be a number"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"seed": True}, "seed must be an integer"),
    ],
)
def test_bad_split_parameters_are_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Split(**kwargs)
    with pytest.raises(ValueError, match=message):
        split_of("a", **kwargs)


def test_sample_id_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="must be a string; got 3"):
        split_of(3)  # type: ignore[arg-type]
