"""Leaderboards: micro and macro, wins, runtime, reference rows, boards, paired tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.metrics import ConfusionCounts, scores
from bench.report.leaderboard import boards, leaderboard, paired_tests, with_labels
from bench.run.plan import config_label


def _row(
    config: str, image: str, counts: tuple[int, int, int, int], seconds: float = 0.01, **extra
) -> dict:
    c = ConfusionCounts(*counts)
    algo = config.removesuffix(" | none")  # the toy configs: "<method> | none"
    structured = {"method": algo, "method_params": "{}", "filter_params": "{}"}
    if config_label(algo, "{}", "none", "{}") != config:  # a reference row: a label only
        structured = dict.fromkeys(structured)
    return {
        "dataset": "toy",
        "image": image,
        "algo": algo,
        "filter": "none",
        **structured,
        "config": config,
        "threshold": 10.0,
        "polarity": "bright",
        "height": 1,
        "width": c.n,
        **c.as_dict(),
        **scores(c),
        "t_preprocess_s": seconds / 2,
        "t_segment_s": seconds / 2,
        **extra,
    }


@pytest.fixture
def toy() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _row("big | none", "1", (80, 0, 20, 900), seconds=0.02),  # a large image, done well
            _row("big | none", "2", (1, 3, 3, 3), seconds=0.01),  # a small one, done badly
            _row("small | none", "1", (50, 10, 50, 890), seconds=0.04),
            _row("small | none", "2", (6, 1, 0, 3), seconds=0.04),
        ]
    )


def test_macro_and_micro_are_computed_as_defined(toy: pd.DataFrame) -> None:
    board = leaderboard(toy, "f1", resamples=200).set_index("config")
    f1 = {(r.config, r.image): r.f1 for r in toy.itertuples()}
    assert board.at["big | none", "macro"] == pytest.approx(
        (f1["big | none", "1"] + f1["big | none", "2"]) / 2
    )
    # Micro: the summed counts, 81 TP, 3 FP, 23 FN.
    assert board.at["big | none", "micro"] == pytest.approx(2 * 81 / (2 * 81 + 3 + 23))
    # The two disagree in order here: the small image flips the macro ranking.
    assert board.at["small | none", "macro"] > board.at["big | none", "macro"]
    assert board.at["small | none", "micro"] < board.at["big | none", "micro"]
    assert board["rank"].tolist() == [1.0, 2.0]
    assert board.index[0] == "small | none"


def test_wins_runtime_throughput_and_interval(toy: pd.DataFrame) -> None:
    board = leaderboard(toy, "f1", resamples=200).set_index("config")
    assert board["wins"].to_dict() == {"small | none": 1, "big | none": 1}
    assert board.at["big | none", "median_runtime_s"] == pytest.approx(0.015)
    assert board.at["big | none", "throughput_mpx_s"] == pytest.approx(1010 / 0.03 / 1e6)
    for config, row in board.iterrows():
        per_image = toy.loc[toy["config"] == config, "f1"]
        assert per_image.min() <= row["ci_low"] <= row["macro"] <= row["ci_high"] <= per_image.max()
    assert board["p_first"].sum() == pytest.approx(1.0)


def test_ties_count_as_a_win_for_each(toy: pd.DataFrame) -> None:
    tied = pd.concat([toy, toy[toy["config"] == "big | none"].assign(config="copy | none")])
    board = leaderboard(tied, "f1", resamples=50).set_index("config")
    assert board.at["big | none", "wins"] == board.at["copy | none", "wins"] == 1


def test_metric_without_a_column_is_computed_from_counts(toy: pd.DataFrame) -> None:
    with_column = leaderboard(toy, "iou", resamples=50)
    without = leaderboard(toy.drop(columns="iou"), "iou", resamples=50)
    pd.testing.assert_frame_equal(with_column, without)
    with pytest.raises(ValueError, match="Unknown metric 'dice'"):
        leaderboard(toy, "dice")


def test_reference_rows_are_shown_but_not_ranked(toy: pd.DataFrame) -> None:
    human = pd.DataFrame(
        [
            _row("second observer (human)", "1", (95, 2, 5, 898), reference=True),
            _row("second observer (human)", "2", (6, 0, 0, 4), reference=True),
        ]
    )
    board = leaderboard(pd.concat([toy, human], ignore_index=True), "f1", resamples=50)
    assert board.iloc[0]["config"] == "second observer (human)"  # best scores, listed first
    assert np.isnan(board.iloc[0]["rank"])
    assert np.isnan(board.iloc[0]["wins"])
    assert board["rank"].dropna().tolist() == [1.0, 2.0]
    assert board.loc[~board["reference"], "wins"].sum() == 2  # wins among ranked configs only


def test_regret_is_the_mean_gap_to_the_best_threshold(toy: pd.DataFrame) -> None:
    best = toy["f1"] + np.array([0.1, 0.3, 0.0, 0.0])
    board = leaderboard(toy.assign(best_score=best), "f1", resamples=50).set_index("config")
    assert board.at["big | none", "regret"] == pytest.approx(0.2)
    assert board.at["small | none", "regret"] == pytest.approx(0.0)


def test_boards_split_by_dataset_and_data_version_not_by_split(toy: pd.DataFrame) -> None:
    other = toy.assign(dataset="other")
    assert [b.name for b in boards(pd.concat([other, toy]))] == ["other", "toy"]
    split = toy.assign(split=["train", "test", "train", "test"])  # each image's side
    assert [b.name for b in boards(split)] == ["toy"]
    versions = toy.assign(dataset_hash=["aaaa1111ff", "aaaa1111ff", "bbbb2222ff", "bbbb2222ff"])
    assert [b.name for b in boards(versions)] == ["toy · data aaaa1111", "toy · data bbbb2222"]
    one_version = toy.assign(dataset_hash="aaaa1111ff")
    assert [b.name for b in boards(one_version)] == ["toy"]


def test_paired_tests_compare_the_leader_with_the_next() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for image in range(12):
        base = int(rng.integers(40, 80))
        for config, extra in (("a | none", 10), ("b | none", 5), ("c | none", 0)):
            rows.append(_row(config, str(image), (base + extra, 10, 100 - base - extra, 500)))
    table = pd.DataFrame(rows)
    board = leaderboard(table, "f1", resamples=200)
    tests = paired_tests(table, board, "f1", top=3, resamples=200)
    assert tests["leader"].tolist() == ["a | none", "a | none"]
    assert tests["other"].tolist() == ["b | none", "c | none"]
    assert (tests["mean_difference"] > 0).all()
    assert (tests["p_better"] == 1).all()
    assert (tests["wilcoxon_p"] < 0.001).all()
    assert (tests["holm_p"] >= tests["wilcoxon_p"]).all()
    assert paired_tests(table[table["config"] == "a | none"], board.head(1), "f1").empty


def test_labels_are_derived_from_the_structured_columns() -> None:
    table = pd.DataFrame(
        [
            {"config": "shown, not read", "method": "adaptive", "filter": "median",
             "method_params": '{"offset": -20.0}', "filter_params": '{"size": 3}'},
            {"config": "second observer (human)", "method": None, "filter": "none",
             "method_params": None, "filter_params": None},
        ]
    )  # fmt: skip
    labelled = with_labels(table)
    assert labelled["method_label"].tolist() == [
        "adaptive(offset=-20.0)",
        "second observer (human)",
    ]
    assert labelled["preprocessing"].tolist() == ["median(size=3)", ""]
