"""The leaderboard ranks on any metric, in its direction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.report.leaderboard import leaderboard, paired_tests


def _table(metric: str, values: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for algo, scores in values.items():
        for i, score in enumerate(scores):
            rows.append({
                "dataset": "d", "dataset_hash": "h", "image": f"im{i}", "algo": algo,
                "filter": "none", "config": f"{algo} | none", "threshold": np.nan,
                "method": algo, "method_params": "{}", "filter_params": "{}",
                "tp": 5, "fp": 1, "fn": 1, "tn": 10, "height": 4, "width": 4,
                "t_preprocess_s": 0.0, "t_segment_s": 0.01, metric: score,
            })  # fmt: skip
    return pd.DataFrame(rows)


def test_lower_is_better_metrics_rank_ascending() -> None:
    table = _table("drd", {"good": [1.0, 2.0, 1.5], "bad": [4.0, 5.0, 3.0]})
    board = leaderboard(table, "drd", resamples=200, seed=0)
    assert board["config"].tolist() == ["good | none", "bad | none"]
    assert board["rank"].tolist() == [1, 2]
    assert board["wins"].tolist() == [3, 0]
    assert board.loc[0, "p_first"] == 1.0
    assert np.isnan(board.loc[0, "micro"])  # DRD does not add up over images
    tests = paired_tests(table, board, "drd", resamples=200)
    assert tests.loc[0, "mean_difference"] > 0  # positive favours the leader


def test_higher_is_better_metrics_rank_descending() -> None:
    table = _table("cldice", {"bad": [0.2, 0.3, 0.1], "good": [0.9, 0.8, 0.7]})
    board = leaderboard(table, "cldice", resamples=0)
    assert board["config"].tolist() == ["good | none", "bad | none"]


def test_an_image_level_metric_must_be_in_the_table() -> None:
    table = _table("drd", {"a": [1.0]})
    with pytest.raises(ValueError, match=r"'pfm' is computed per image.*metrics=\[pfm\]"):
        leaderboard(table, "pfm", resamples=0)
    with pytest.raises(ValueError, match="Unknown metric 'drdd'"):
        leaderboard(table, "drdd", resamples=0)
    assert leaderboard(table, "psnr", resamples=0).loc[0, "macro"] > 0  # from the counts


def test_the_boards_other_metrics_are_shown_beside_the_ranked_one() -> None:
    from bench.report.render import leaderboard_rows

    table = _table("drd", {"good": [1.0, 2.0], "bad": [4.0, 5.0]})
    table["pfm"] = [0.9, 0.8, 0.5, 0.6]
    board = leaderboard(table, "mcc", resamples=50)
    assert board.set_index("config").loc["good | none", "pfm_macro"] == pytest.approx(0.85)
    assert board.set_index("config").loc["bad | none", "drd_macro"] == pytest.approx(4.5)
    header, rows = leaderboard_rows(board)
    assert header[header.index("mcc micro") + 1 :][:2] == ["DRD macro", "pFM macro"]
    assert "0.8500" in rows[[r[1] for r in rows].index("good")]


def test_a_board_shows_only_the_metrics_its_rows_have() -> None:
    table = _table("drd", {"a": [1.0, 2.0]})
    table["v_rand"] = np.nan  # another dataset's column in a gathered table
    board = leaderboard(table, "mcc", resamples=0)
    assert "drd_macro" in board.columns
    assert "v_rand_macro" not in board.columns
