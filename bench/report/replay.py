"""Back from a results table to the pixels: read runs, rebuild what each row saw.

A report needs two things a table alone does not hold: the dataset config
each row came from (to re-read its image) and the exact preprocessing and
segmenter of the row (to redraw its mask). Both are recorded — the run
folder's ``config.yaml`` holds the ``dataset`` node, and each row holds its
``polarity``, ``filter``/``filter_*`` and ``algo``/``algo_*`` columns — so::

    results = load_results(["results/multirun/2026-11-27/10-00-00"])
    for sample in iter_samples(results.datasets["kesm"], {"grayscale"}):
        image = prepared_image(sample, row)      # the row's filter
        mask = rebuild_segmenter(row).segment(image, fov=sample.fov, objects=row["polarity"]).mask
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from algorithms import Filter, Segmenter, UnknownNameError
from bench._util import file_stem, natural_key
from bench.data import Sample, from_config
from bench.report.second_observer import without_observer
from bench.results import read_table
from bench.run.plan import Config, as_filter, as_segmenter, schema_for
from bench.run.stages import prepare

__all__ = [
    "ResultSet",
    "iter_samples",
    "load_results",
    "prepared_image",
    "rebuild_filter",
    "rebuild_segmenter",
    "row_params",
]

_TABLE_SUFFIXES = (".parquet", ".csv")
_REPO = Path(__file__).resolve().parents[2]


@dataclass
class ResultSet:
    """Result rows from one or more runs, with the dataset configs that made them.

    Attributes
    ----------
    table : DataFrame
        Every row, duplicates (the same dataset, image and config read twice)
        removed.
    datasets : dict
        Dataset name → its config node (a dict, ``root`` made absolute).
    sources : list of str
        The table files read.
    notes : list of str
        What the reader had to decide (duplicates dropped, configs missing).
    overlays : dict
        ``(dataset, config, image)`` → the run folder's own overlay at native
        resolution (``figures/<image>_overlay.png``), where the run drew one.
    """

    table: pd.DataFrame
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    overlays: dict[tuple[str, str, str], Path] = field(default_factory=dict)


def _run_overlays(table: pd.DataFrame, folder: Path) -> dict[tuple[str, str, str], Path]:
    """The overlays a run folder drew for its rows (``bench.cli.job``: one per image)."""
    figures = folder / "figures"
    if not figures.is_dir():
        return {}
    found = {}
    for dataset, config, image in (
        table[["dataset", "config", "image"]].drop_duplicates().itertuples(index=False)
    ):
        path = figures / f"{file_stem(str(image))}_overlay.png"
        if path.is_file():
            found[(str(dataset), str(config), str(image))] = path
    return found


def _table_files(path: Path) -> list[Path]:
    """Result tables under ``path``: job tables, not the sweep's gathered copy of them."""
    if path.is_file():
        if path.suffix not in _TABLE_SUFFIXES:
            msg = f"{path} is not a results table; pass a .parquet/.csv file or a run folder."
            raise ValueError(msg)
        return [path]
    if not path.is_dir():
        msg = f"No run folder or results table at {path}."
        raise FileNotFoundError(msg)
    found = sorted(path.rglob("metrics.parquet"), key=lambda p: natural_key(str(p)))
    folders = {p.parent for p in found}
    # A table whose folder has tables below it gathers them (a sweep folder): skip it.
    files = [p for p in found if not any(f != p.parent and p.parent in f.parents for f in folders)]
    if not files:
        msg = f"No metrics.parquet in or below {path}; pass a run folder, sweep folder or table."
        raise FileNotFoundError(msg)
    return files


def _dataset_config(folder: Path) -> dict[str, Any] | None:
    """The ``dataset`` node of the run folder's config, with ``root`` made absolute."""
    config_path = folder / "config.yaml"
    if not config_path.is_file():
        return None
    node = OmegaConf.to_container(OmegaConf.load(config_path)).get("dataset")
    if not isinstance(node, dict) or "name" not in node:
        return None
    root = node.get("root")
    if root not in (None, "") and not Path(root).expanduser().is_absolute():
        # A relative root was taken from the directory the run started in,
        # which Hydra records; else the current folder, else the repository.
        bases = [Path.cwd(), _REPO]
        hydra_path = folder / ".hydra" / "hydra.yaml"
        if hydra_path.is_file():
            cwd = OmegaConf.select(OmegaConf.load(hydra_path), "hydra.runtime.cwd")
            bases = [Path(cwd), *bases] if cwd else bases
        candidates = [(base / Path(root).expanduser()).resolve() for base in bases]
        node["root"] = str(next((c for c in candidates if c.exists()), candidates[0]))
    return node


SKIPPED_FILE = "skipped.txt"
"""In a run folder: the dataset's warnings about files it left out, one per line."""


def load_results(
    paths: Iterable[str | Path], dataset_configs: Iterable[Mapping[str, Any]] = ()
) -> ResultSet:
    """Read run folders, sweep folders or table files into one :class:`ResultSet`.

    Parameters
    ----------
    paths : iterable of path
        Run folders (``metrics.parquet`` + ``config.yaml``), sweep folders or
        any folder above runs (every job table below it is read), or table
        files (a ``config.yaml`` beside a file is used when present).
    dataset_configs : iterable of mapping
        Dataset config nodes (as in ``conf/dataset/*.yaml``) for tables that
        were written without one (e.g. by ``bench.evaluate`` from Python);
        they take precedence over recorded ones of the same name.

    Raises
    ------
    ValueError
        If the same dataset, image and config appear twice with different
        confusion counts: the inputs disagree and no report could choose.
    """
    tables, sources, notes = [], [], []
    datasets: dict[str, dict[str, Any]] = {}
    overlays: dict[tuple[str, str, str], Path] = {}
    for path in paths:
        for file in _table_files(Path(path)):
            table = with_structured_columns(read_table(file))
            table["image"] = table["image"].astype(str)
            tables.append(table.assign(_source=str(file)))
            sources.append(str(file))
            if {"dataset", "config"} <= set(table.columns):
                for key, overlay in _run_overlays(table, file.parent).items():
                    overlays.setdefault(key, overlay)
            skipped = file.parent / SKIPPED_FILE
            if skipped.is_file():
                for line in skipped.read_text(encoding="utf-8").splitlines():
                    if line and line not in notes:
                        notes.append(line)
            config = _dataset_config(file.parent)
            if config is None:
                continue
            known = datasets.setdefault(config["name"], config)
            if known != config:
                notes.append(
                    f"dataset {config['name']!r}: runs record different configs "
                    f"({file.parent}/config.yaml differs); images are re-read with the first."
                )
    if not tables:
        msg = "No results to report: pass at least one run folder, sweep folder or table file."
        raise ValueError(msg)
    for config in dataset_configs:
        datasets[config["name"]] = dict(config)
    table = pd.concat(tables, ignore_index=True)
    key = [c for c in ("dataset", "split", "dataset_hash", "image", "config") if c in table]
    duplicated = table.duplicated(key, keep=False)
    if duplicated.any():
        for _, group in table[duplicated].groupby(key, sort=False, dropna=False):
            if (group[["tp", "fp", "fn", "tn"]].nunique() > 1).any():
                where = ", ".join(sorted(set(group["_source"])))
                values = dict(zip(key, group.iloc[0][key], strict=True))
                msg = (
                    f"Conflicting results for {values}: different confusion counts in {where}. "
                    "Report them separately, or keep only one of the runs."
                )
                raise ValueError(msg)
        dropped = int(table.duplicated(key).sum())
        notes.append(f"{dropped} duplicate row(s) (same dataset, image, config) read once.")
        table = table.drop_duplicates(key, keep="first")
    for name in sorted(set(table["dataset"]) - set(datasets)):
        notes.append(
            f"dataset {name!r}: no dataset config recorded (a table without config.yaml); "
            "pass --dataset-config to draw its images."
        )
    table = table.drop(columns="_source").reset_index(drop=True)
    return ResultSet(table, datasets, sources, notes, overlays)


def row_params(row: Mapping[str, Any], prefix: str, group: str, name: str) -> dict[str, Any]:
    """The ``<prefix>_*`` parameters of a row, typed by the registered class's schema.

    Tables mix configs, so a parameter column is NaN on rows of other methods,
    and parquet stores an integer column holding NaN as floats: both are
    undone here (``filter_size`` 3.0 → 3).
    """
    types = {f.name: f.type for f in dataclasses.fields(schema_for(group, name))}
    params = {}
    for column, value in row.items():
        if not str(column).startswith(prefix) or column[len(prefix) :] not in types:
            continue
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        kind = types[column[len(prefix) :]]
        if kind is int and isinstance(value, float | np.floating) and float(value).is_integer():
            value = int(value)
        elif kind in (int, float, bool, str) and isinstance(value, np.generic):
            value = value.item()
        params[column[len(prefix) :]] = value
    return params


def with_structured_columns(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``method``, ``method_params``, ``filter_params``, ``config_id`` on every row.

    Tables written before these columns existed get them from the row's
    ``algo``/``filter`` and their ``algo_*``/``filter_*`` parameter columns,
    through the same :class:`bench.run.plan.Config` that names new rows.
    """
    structured = ("method", "method_params", "filter_params", "config_id")
    if all(c in table for c in structured) and table[list(structured)].notna().all(axis=None):
        return table
    table = table.copy()
    for column in structured:
        if column not in table:
            table[column] = None
        table[column] = table[column].astype(object)
    for index, row in table.iterrows():
        if all(pd.notna(row[c]) for c in structured) or pd.isna(row.get("algo")):
            continue
        try:
            config = Config(rebuild_filter(row), rebuild_segmenter(row), 0, 0)
        except (UnknownNameError, TypeError, ValueError):
            continue  # not a registered method (a reference row): it keeps its label only
        table.loc[index, list(structured)] = [
            config.method,
            config.method_params,
            config.filter_params,
            config.config_id,
        ]
    return table


def rebuild_filter(row: Mapping[str, Any]) -> Filter:
    """The preprocessing filter of a results row."""
    name = str(row["filter"])
    return as_filter({"name": name, **row_params(row, "filter_", "filter", name)})


def rebuild_segmenter(row: Mapping[str, Any]) -> Segmenter:
    """The segmenter of a results row (untrained for methods that need fitting)."""
    name = str(row["algo"])
    return as_segmenter({"name": name, **row_params(row, "algo_", "algo", name)})


def prepared_image(sample: Sample, row: Mapping[str, Any]) -> np.ndarray:
    """The image the row's segmenter saw: the sample's image through the row's filter.

    The row's ``polarity`` is the segmenter's object rule (``objects=``), not
    a change of the pixels.
    """
    return prepare(sample.image, rebuild_filter(row))


def iter_samples(dataset_config: Mapping[str, Any], ids: Iterable[str]) -> Iterator[Sample]:
    """The samples of a dataset whose ids are in ``ids``, read one at a time.

    Raises
    ------
    FileNotFoundError, ValueError
        If the dataset's files cannot be found or paired (from the dataset).
    """
    wanted = set(ids)
    dataset = from_config(without_observer(dataset_config))
    for sample in dataset:
        if sample.id in wanted:
            yield sample
