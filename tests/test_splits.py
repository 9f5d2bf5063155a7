"""The train/test split: a seeded hash of each sample id."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.splits import Split, split_of

IDS = [str(i) for i in range(2000)]


def test_split_is_a_fixed_function_of_id_seed_and_fraction() -> None:
    first = [split_of(i, seed=3, test_fraction=0.3) for i in IDS]
    assert first == [split_of(i, seed=3, test_fraction=0.3) for i in IDS]
    assert set(first) == {"train", "test"}
    # Another seed gives another split.
    assert first != [split_of(i, seed=4, test_fraction=0.3) for i in IDS]


def test_test_fraction_is_met_on_average() -> None:
    for fraction in (0.1, 0.3, 0.5):
        share = sum(split_of(i, 0, fraction) == "test" for i in IDS) / len(IDS)
        assert abs(share - fraction) < 0.03


@given(st.text(min_size=1, max_size=20), st.integers(0, 10**6))
def test_fraction_edges_and_monotonicity(sample_id: str, seed: int) -> None:
    assert split_of(sample_id, seed, 0.0) == "train"
    assert split_of(sample_id, seed, 1.0) == "test"
    # A larger test fraction never moves a test sample back to train.
    if split_of(sample_id, seed, 0.2) == "test":
        assert split_of(sample_id, seed, 0.6) == "test"


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
        ({"test_fraction": 1.5}, r"in \[0, 1\]; got 1.5"),
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
