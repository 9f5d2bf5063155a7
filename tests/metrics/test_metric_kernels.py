"""The compiled metric kernels give the integers of their numpy versions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bench.metrics import _kernels

pairs = st.tuples(st.integers(1, 21), st.integers(1, 21)).flatmap(
    lambda s: st.tuples(arrays(bool, s), arrays(bool, s))
)


@settings(max_examples=150, deadline=None)
@given(pairs, st.sampled_from([1, 2, 8]))
def test_compiled_kernels_match_numpy(masks, block: int) -> None:
    truth, prediction = masks
    assert _kernels.non_uniform_blocks(truth, block) == _kernels._non_uniform_blocks_numpy(
        truth, block
    )
    compiled = _kernels.drd_disagreements(truth, prediction)
    assert (compiled == _kernels._drd_disagreements_numpy(truth, prediction, 2)).all()
    assert compiled[2, 2] == (truth != prediction).sum()  # the centre counts the flips
