"""From result tables back to the pixels: run folders, sweeps, tables and their rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

import bench
from bench.metrics import confusion_counts
from bench.report.replay import (
    iter_samples,
    load_results,
    prepared_image,
    rebuild_filter,
    rebuild_segmenter,
    row_params,
)
from bench.results import write_table
from conftest import run_bench


def test_run_folder_gives_rows_and_its_dataset_config(tmp_path: Path) -> None:
    run_bench(tmp_path / "run")
    results = load_results([tmp_path / "run"])
    assert results.table[["algo", "tp"]].to_dict("records") == [{"algo": "otsu", "tp": 5595}]
    assert results.datasets["kesm"]["polarity"] == "bright"  # of the image it declares inverted
    assert results.datasets["kesm"]["invert"] is True
    assert results.notes == []


def test_sweep_folder_reads_jobs_not_the_gathered_copy(tmp_path: Path) -> None:
    jobs = [run_bench(tmp_path / f"{i}_job", f"algo={a}") for i, a in enumerate(("otsu", "li"))]
    write_table(pd.concat(jobs), tmp_path)  # the sweep's gathered table, read nowhere
    results = load_results([tmp_path])
    assert sorted(results.table["algo"]) == ["li", "otsu"]
    assert len(results.sources) == 2


def test_same_rows_twice_are_read_once_and_conflicts_refused(tmp_path: Path) -> None:
    table = run_bench(tmp_path / "run")
    table.to_csv(tmp_path / "copy.csv", index=False)
    results = load_results([tmp_path / "run", tmp_path / "copy.csv"])
    assert len(results.table) == 1
    assert any("duplicate" in note for note in results.notes)
    table.assign(tp=table["tp"] + 1).to_csv(tmp_path / "other.csv", index=False)
    with pytest.raises(ValueError, match="Conflicting results"):
        load_results([tmp_path / "run", tmp_path / "other.csv"])


def test_table_without_config_gets_one_from_the_caller(tmp_path: Path) -> None:
    bench.evaluate(bench.builtin_sample(), ["otsu"]).to_parquet(tmp_path / "t.parquet")
    results = load_results([tmp_path / "t.parquet"])
    assert "kesm" not in results.datasets
    assert any("no dataset config recorded" in note for note in results.notes)
    given = {
        "name": "kesm",
        "root": None,
        "image_pattern": "grayscale.png",
        "mask_pattern": "groundtruth.png",
        "polarity": "dark",
    }
    assert load_results([tmp_path / "t.parquet"], [given]).datasets["kesm"] == given


def test_relative_root_is_taken_from_where_the_run_started(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / ".hydra").mkdir()
    OmegaConf.save({"dataset": {"name": "d", "root": "data/d"}}, folder / "config.yaml")
    OmegaConf.save(
        {"hydra": {"runtime": {"cwd": str(tmp_path / "start")}}}, folder / ".hydra" / "hydra.yaml"
    )
    write_table(pd.DataFrame({"dataset": ["d"], "image": ["1"], "config": ["x"]}), folder)
    assert load_results([folder]).datasets["d"]["root"] == str(tmp_path / "start" / "data" / "d")


def test_missing_inputs_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"No metrics\.parquet"):
        load_results([tmp_path])
    with pytest.raises(FileNotFoundError, match="No run folder or results table"):
        load_results([tmp_path / "nope"])
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(ValueError, match="not a results table"):
        load_results([tmp_path / "x.txt"])


def test_parameters_come_back_typed_from_mixed_tables(tmp_path: Path) -> None:
    table = bench.evaluate(
        bench.builtin_sample(),
        ["otsu", {"name": "adaptive", "block_size": 31}],
        [None, {"name": "median", "size": 5}],
    )
    table.to_parquet(tmp_path / "t.parquet")
    mixed = pd.read_parquet(tmp_path / "t.parquet")  # NaN-holding ints come back as floats
    assert mixed["filter_size"].dtype == float
    rows = mixed.to_dict("records")
    assert row_params(rows[-1], "filter_", "filter", "median") == {"size": 5}
    assert row_params(rows[0], "filter_", "filter", "none") == {}
    assert type(row_params(rows[-1], "algo_", "algo", "adaptive")["block_size"]) is int
    sample = next(iter(bench.builtin_sample()))
    for row in rows:
        image = prepared_image(sample, row)
        mask = rebuild_segmenter(row).segment(image).mask
        assert confusion_counts(sample.truth, mask).as_dict() == {
            k: row[k] for k in ("tp", "fp", "fn", "tn")
        }
    assert rebuild_filter(rows[0]).name == "none"


def test_iter_samples_yields_only_the_ids_asked_for(tmp_path: Path) -> None:
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    from PIL import Image

    for key in ("1", "2", "10"):
        Image.fromarray(np.full((4, 4), int(key), np.uint8)).save(images / f"{key}.png")
        Image.fromarray(np.zeros((4, 4), np.uint8)).save(masks / f"{key}.png")
    config = {"name": "d", "root": str(tmp_path)}
    assert [s.id for s in iter_samples(config, {"10", "2"})] == ["2", "10"]
