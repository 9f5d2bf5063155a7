"""Leaderboards: configs ranked by a score, with uncertainty, cost and headroom.

One leaderboard per *board*: a dataset, split further by its ``dataset_hash``
column when a table holds several versions of the data. Within a board,
each config (method × preprocessing, with parameters) gets:

========================  ===================================================
column                    meaning
========================  ===================================================
``macro``                 mean over images of the per-image score (ranked on)
``ci_low``, ``ci_high``   95 % percentile bootstrap interval of ``macro``,
                          resampling images (seeded)
``micro``                 the score of the summed confusion counts of all
                          images (large images weigh more)
``regret``                global methods: mean over images of the best score
                          any global threshold reaches on the image (after
                          the same preprocessing) minus the method's score;
                          methods with a score map (learned probabilities,
                          predicted score maps): the same, over thresholds of
                          the map, as the run recorded it (``best_score``)
``auc``, ``ap``           methods with a score map: mean over images of the
                          ROC AUC and the average precision (threshold-free)
``wins``                  images on which the config has the top score among
                          ranked configs (ties count for each tied config)
``median_runtime_s``      median over images of filter + segmenter seconds
``throughput_mpx_s``      all pixels / all filter + segmenter seconds, in Mpx/s
``p_first``               fraction of bootstrap draws in which it ranks first
``<metric>_macro``        mean over images of each other metric the table
                          holds beyond the eight count-based scores (a
                          dataset's metric set, e.g. ``pfm_macro``), unranked
========================  ===================================================

Reference rows (``reference`` column True, e.g. a second human observer)
get scores and intervals but no rank, wins, tests or rank statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench._util import natural_key
from bench.metrics import METRICS, REGISTRY, ConfusionCounts
from bench.metrics import get as get_metric
from bench.report.stats import (
    bootstrap_means,
    holm,
    paired_test,
    percentile_interval,
    rank_stability,
)
from bench.run.plan import step_label

__all__ = ["STRUCTURED", "Board", "boards", "leaderboard", "paired_tests", "with_labels"]


@dataclass(frozen=True)
class Board:
    """The rows of one leaderboard and the name it is shown under."""

    name: str
    dataset: str
    table: pd.DataFrame


STRUCTURED = ("method", "method_params", "filter", "filter_params")
"""The columns that name a configuration (:data:`bench.run.stages.COLUMNS`)."""


def with_labels(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``method_label`` and ``preprocessing``, derived from the structured columns.

    ``method_label`` is the method with the parameters it changes
    (``"adaptive(offset=-20.0)"``), ``preprocessing`` the filter with its
    parameters (``"median(size=3)"``). A row without them (a reference row,
    such as a second observer) keeps its ``config`` as the method label and
    has no preprocessing. Labels are made from the columns; no label is read back.
    """
    known = table.reindex(columns=list(STRUCTURED)).notna().all(axis=1)
    method, preprocessing = [], []
    for is_known, row in zip(known, table.itertuples(index=False), strict=True):
        if is_known:
            method.append(step_label(row.method, row.method_params))
            preprocessing.append(step_label(row.filter, row.filter_params))
        else:
            method.append(str(row.config))
            preprocessing.append("")
    return table.assign(method_label=method, preprocessing=preprocessing)


def boards(table: pd.DataFrame) -> list[Board]:
    """Split a results table into boards: one per dataset, and per data version if several.

    A ``split`` column does not split boards: it labels each image's side of
    the dataset's train/test split, and a board covers whatever was run.
    """
    result = []
    for dataset, rows in table.groupby("dataset", sort=False):
        parts: list[tuple[str, pd.DataFrame]] = [(str(dataset), rows)]
        if "dataset_hash" in rows and rows["dataset_hash"].nunique() > 1:
            parts = [
                (f"{dataset} · data {str(version)[:8]}", part)
                for version, part in rows.groupby("dataset_hash", sort=True)
            ]
        result += [Board(name, str(dataset), part) for name, part in parts]
    return sorted(result, key=lambda b: natural_key(b.name))


def _scores(table: pd.DataFrame, metric: str) -> pd.Series:
    record = get_metric(metric)  # an unknown name lists the metrics
    if metric in table:
        return table[metric].astype(float)
    if not record.count_based:
        msg = (
            f"Metric {metric!r} is computed per image and is not in this table: run with "
            f"metrics=[{metric}] (or a dataset whose metric set has it) to rank on it."
        )
        raise ValueError(msg)
    score = record.from_counts
    counts = table[["tp", "fp", "fn", "tn"]].itertuples(index=False)
    return pd.Series([score(ConfusionCounts(*map(int, c))) for c in counts], index=table.index)


def _micro(rows: pd.DataFrame, metric: str) -> float:
    """The score of the summed counts; NaN for image-level metrics (they do not add up)."""
    record = get_metric(metric)
    if not record.count_based:
        return float("nan")
    total = ConfusionCounts(*(int(rows[c].sum()) for c in ("tp", "fp", "fn", "tn")))
    return record.from_counts(total) if total.n else float("nan")


def _other_metrics(table: pd.DataFrame, metric: str) -> list[str]:
    """Columns of ``table`` holding chosen metrics beyond the eight, other than ``metric``.

    A table gathered from several datasets has every dataset's columns; a
    board keeps those its own rows filled.
    """
    return [
        c
        for c in table.columns
        if c in REGISTRY and c not in METRICS and c != metric and table[c].notna().any()
    ]


def _sign(metric: str) -> float:
    """+1 when higher is better, −1 when lower is (DRD, distances, Betti errors)."""
    return 1.0 if get_metric(metric).higher_is_better else -1.0


def _mean(rows: pd.DataFrame, column: str) -> float:
    """Mean of a per-image column over the config's images (NaN when it has none)."""
    if column not in rows or rows[column].isna().all():
        return float("nan")
    return float(rows[column].astype(float).mean())


def _runtime(rows: pd.DataFrame) -> pd.Series:
    parts = rows.reindex(columns=["t_preprocess_s", "t_segment_s"]).astype(float)
    return parts.sum(axis=1, min_count=1)


def _matrix(table: pd.DataFrame, configs: list[str]) -> pd.DataFrame:
    wide = table.pivot_table(index="image", columns="config", values="score", aggfunc="first")
    images = sorted(wide.index, key=natural_key)
    return wide.reindex(index=images, columns=configs)


def leaderboard(
    table: pd.DataFrame, metric: str = "mcc", resamples: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """Rank the configs of one board by their mean per-image ``metric``.

    Parameters
    ----------
    table : DataFrame
        Rows of one board (results-table columns; optional ``reference`` and
        ``best_score``, the best score of any global threshold on the row's
        image after its preprocessing).
    metric : str
        A metric of :data:`bench.metrics.REGISTRY`: count-based ones are
        computed from the counts when the table lacks their column, image-level
        ones must be columns of the table. Its direction decides the order
        (lower DRD, distances and Betti errors rank first).
    resamples, seed : int
        Bootstrap draws of the images, and the seed that fixes them.

    Returns
    -------
    DataFrame
        One row per config, best first; columns as in the module docstring.
    """
    sign = _sign(metric)
    table = with_labels(table).assign(score=_scores(table, metric), runtime_s=_runtime(table))
    if "reference" not in table:
        table = table.assign(reference=False)
    table = table.assign(reference=table["reference"].fillna(False).astype(bool))
    configs = list(dict.fromkeys(table["config"]))
    matrix = _matrix(table, configs)
    if resamples:
        draws = bootstrap_means(matrix.to_numpy(), resamples, seed)
        low, high = percentile_interval(draws)
    else:  # a ranking only (no intervals, no rank stability)
        draws = np.empty((0, len(configs)))
        low = high = np.full(len(configs), np.nan)
    reference = table.groupby("config", sort=False)["reference"].any().reindex(configs)
    ranked = [c for c in configs if not reference[c]]
    # Wins and rank statistics on sign × score, so that "higher" is "better" either way.
    ranked_matrix = sign * matrix[ranked].to_numpy()
    with np.errstate(invalid="ignore"):
        top = np.nanmax(np.where(np.isnan(ranked_matrix), -np.inf, ranked_matrix), axis=1)
    wins = dict(zip(ranked, ((ranked_matrix == top[:, None]).sum(axis=0)), strict=True))
    stability = {}
    if ranked and resamples:
        stability = rank_stability(sign * draws[:, [configs.index(c) for c in ranked]])

    rows = []
    for position, config in enumerate(configs):
        part = table[table["config"] == config]
        is_ranked = config in wins
        regret = best = np.nan
        if "best_score" in part and part["best_score"].notna().any():
            best = float(part["best_score"].mean())
            regret = float((part["best_score"] - part["score"]).mean())
        seconds, pixels = part["runtime_s"], (part["height"] * part["width"]).astype(float)
        timed = seconds.notna() & (seconds > 0)
        row = {
            "rank": np.nan,
            "config": config,
            "method": part["method_label"].iloc[0],
            "preprocessing": part["preprocessing"].iloc[0],
            "algo": part["algo"].iloc[0],
            "filter": part["filter"].iloc[0],
            "images": int(part["score"].notna().sum()),
            "metric": metric,
            "macro": float(part["score"].mean()),
            "ci_low": float(low[position]),
            "ci_high": float(high[position]),
            "micro": _micro(part, metric),
            "best_achievable": best,
            "regret": regret,
            **{name: _mean(part, name) for name in ("auc", "ap")},
            "wins": int(wins[config]) if is_ranked else np.nan,
            "median_runtime_s": float(seconds.median()) if timed.any() else np.nan,
            "throughput_mpx_s": (
                float(pixels[timed].sum() / seconds[timed].sum() / 1e6) if timed.any() else np.nan
            ),
            "reference": bool(reference[config]),
        }
        if is_ranked:
            index = ranked.index(config)
            row.update({name: float(values[index]) for name, values in stability.items()})
        rows.append(row)
    board = pd.DataFrame(rows)
    # The board's other metrics (a dataset's metric set): their macro means, unranked.
    for name in _other_metrics(table, metric):
        means = table.groupby("config", sort=False)[name].mean()
        board[f"{name}_macro"] = board["config"].map(means).astype(float)
    better_first = sign < 0  # ascending for lower-is-better metrics
    board = board.sort_values(
        ["macro", "micro", "config"],
        ascending=[better_first, better_first, True],
        na_position="last",
    ).reset_index(drop=True)
    ranked_rows = ~board["reference"]
    board.loc[ranked_rows, "rank"] = np.arange(1, ranked_rows.sum() + 1)
    return board


def paired_tests(
    table: pd.DataFrame,
    board: pd.DataFrame,
    metric: str = "mcc",
    top: int = 5,
    resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Compare the leader with each of the next ``top - 1`` ranked configs, image by image.

    Each comparison is a Wilcoxon signed-rank test and a paired bootstrap of
    the mean difference (leader minus the other; for a lower-is-better
    metric, the other minus the leader, so a positive difference always
    favours the leader); ``holm_p`` adjusts the Wilcoxon p-values for the
    number of comparisons.
    """
    ranked = board[~board["reference"]].sort_values("rank")["config"].tolist()[:top]
    if len(ranked) < 2:
        return pd.DataFrame(
            columns=[
                "leader",
                "other",
                "n",
                "mean_difference",
                "ci_low",
                "ci_high",
                "p_better",
                "wilcoxon_p",
                "holm_p",
            ]
        )
    matrix = _matrix(table.assign(score=_sign(metric) * _scores(table, metric)), ranked)
    leader = ranked[0]
    rows = []
    for other in ranked[1:]:
        test = paired_test(matrix[leader].to_numpy(), matrix[other].to_numpy(), resamples, seed)
        rows.append({"leader": leader, "other": other, **vars(test)})
    result = pd.DataFrame(rows)
    result["holm_p"] = holm(result["wilcoxon_p"].to_numpy())
    return result
