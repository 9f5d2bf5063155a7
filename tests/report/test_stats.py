"""Bootstrap intervals, paired tests and rank stability: seeded, paired, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats as sps

from bench.report.stats import (
    bootstrap_means,
    holm,
    paired_test,
    percentile_interval,
    rank_stability,
)


def test_bootstrap_equals_explicit_resampling_and_is_seeded() -> None:
    scores = np.array([[0.1, 0.5], [0.4, 0.2], [0.9, 0.7], [0.3, np.nan]])
    draws = bootstrap_means(scores, resamples=50, seed=7)
    picks = np.random.default_rng(7).integers(0, 4, size=(50, 4))
    explicit = np.array([np.nanmean(scores[p], axis=0) for p in picks])
    assert np.allclose(draws, explicit, equal_nan=True)
    assert np.array_equal(draws, bootstrap_means(scores, resamples=50, seed=7), equal_nan=True)
    assert not np.array_equal(draws, bootstrap_means(scores, resamples=50, seed=8))


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 15), st.integers(1, 4)), elements=st.floats(-1, 1))
)
def test_interval_brackets_the_mean_of_each_config(scores: np.ndarray) -> None:
    low, high = percentile_interval(bootstrap_means(scores, resamples=300, seed=0))
    means = scores.mean(axis=0)
    assert np.all(low <= high + 1e-12)
    assert np.all((low <= means.max() + 1e-12) & (high >= means.min() - 1e-12))
    assert np.all(low >= scores.min(axis=0) - 1e-12)
    assert np.all(high <= scores.max(axis=0) + 1e-12)


def test_one_image_gives_a_point_interval() -> None:
    low, high = percentile_interval(bootstrap_means(np.array([[0.8, 0.5]]), resamples=20))
    assert low.tolist() == high.tolist() == [0.8, 0.5]


def test_rank_stability_of_a_dominant_config_and_of_a_tie() -> None:
    rng = np.random.default_rng(0)
    base = rng.uniform(0.2, 0.6, size=(20, 1))
    scores = np.hstack([base + 0.3, base, base])  # config 0 wins on every image; 1 ties 2
    stability = rank_stability(bootstrap_means(scores, resamples=200, seed=1))
    assert stability["p_first"].tolist() == [1.0, 0.0, 0.0]
    assert stability["median_rank"].tolist() == [1.0, 2.0, 2.0]  # tied configs share rank 2
    assert (stability["rank_low"] <= stability["median_rank"]).all()
    assert (stability["median_rank"] <= stability["rank_high"]).all()


def test_paired_test_agrees_with_scipy_and_with_the_sign_of_the_difference() -> None:
    rng = np.random.default_rng(3)
    b = rng.uniform(0.3, 0.7, 25)
    a = b + rng.normal(0.05, 0.03, 25)
    test = paired_test(a, b, resamples=500, seed=0)
    assert test.n == 25
    assert test.mean_difference == pytest.approx(np.mean(a - b))
    assert test.ci_low < test.mean_difference < test.ci_high
    assert test.ci_low > 0
    assert test.p_better == 1.0
    assert test.wilcoxon_p == pytest.approx(sps.wilcoxon(a - b).pvalue)
    flipped = paired_test(b, a, resamples=500, seed=0)
    assert flipped.p_better == 0.0
    assert flipped.mean_difference < 0


def test_paired_test_skips_missing_and_identical_scores() -> None:
    a = np.array([0.5, np.nan, 0.7])
    test = paired_test(a, np.array([0.5, 0.2, 0.7]))
    assert test.n == 2
    assert test.mean_difference == 0
    assert np.isnan(test.wilcoxon_p)  # no nonzero difference: nothing to test
    empty = paired_test(np.array([np.nan]), np.array([0.3]))
    assert empty.n == 0
    assert np.isnan(empty.mean_difference)
    with pytest.raises(ValueError, match="1-D arrays of paired scores"):
        paired_test(np.ones(3), np.ones(4))


def test_holm_matches_the_textbook_procedure() -> None:
    # Sorted p: 0.01·3 = 0.03, 0.03·2 = 0.06, then max(0.06, 0.04·1) = 0.06.
    assert holm(np.array([0.01, 0.04, 0.03])).round(6).tolist() == [0.03, 0.06, 0.06]
    adjusted = holm(np.array([0.2, np.nan, 0.9]))
    assert np.isnan(adjusted[1])
    assert adjusted[[0, 2]].tolist() == [0.4, 0.9]


def test_bad_shapes_and_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="2-D"):
        bootstrap_means(np.ones(3))
    with pytest.raises(ValueError, match="positive integer"):
        bootstrap_means(np.ones((3, 2)), resamples=0)
