"""``python -m bench`` prints each dataset's metric set; metrics= chooses another."""

from __future__ import annotations

from pathlib import Path

import pytest
from scipy import ndimage

import bench
import bench.metrics as bm
from bench.cli.config import ConfigError
from bench.cli.job import format_table
from conftest import SHARED_DATA, run_bench

BOARDS = {
    "dibco2009": ["f1", "pfm", "psnr", "drd"],
    "dibco2010": ["f1", "pfm", "psnr", "drd"],
    "dsb2018": ["ap_dsb", "f1_50"],
    "isbi2012": ["v_rand", "v_info"],
    "kesm": ["f1", "mcc", "cldice", "betti0_error", "betti1_error"],
}


@pytest.mark.parametrize("dataset", BOARDS)
def test_each_dataset_prints_its_boards_metrics(dataset: str, tmp_path: Path) -> None:
    if dataset != "kesm" and not SHARED_DATA.is_dir():
        pytest.skip("shared data absent")
    table = run_bench(tmp_path, f"dataset={dataset}", "algo=otsu", "dataset.limit=2")
    printed = format_table(table).splitlines()[0].split()
    for name in BOARDS[dataset]:
        assert name in table.columns, name
        assert name in printed, name
    assert table[BOARDS[dataset]].notna().all().all()


def test_kesm_defaults_keep_the_article_numbers_and_add_the_vessel_metrics(
    tmp_path: Path,
) -> None:
    table = run_bench(tmp_path)
    row = table.iloc[0]
    assert (row["threshold"], row["tp"], row["fp"], row["fn"], row["tn"]) == (
        79,
        5595,
        122,
        1863,
        254564,
    )
    assert f"{row['f1']:.7f}" == "0.8493359"
    assert f"{row['mcc']:.7f}" == "0.8533910"
    sample = next(iter(bench.builtin_sample()))
    # The built-in sample is read inverted (the article's declared first step).
    assert sample.meta["inverted"]
    prepared = ndimage.median_filter(sample.image, size=3, mode="nearest")
    mask = prepared > row["threshold"]
    assert row["cldice"] == bm.cldice(sample.truth, mask)
    b_truth, b_mask = bm.betti_numbers(sample.truth), bm.betti_numbers(mask)
    assert row["betti0_error"] == abs(b_truth[0] - b_mask[0])
    assert row["betti1_error"] == abs(b_truth[1] - b_mask[1])


def test_metrics_on_the_command_line_replace_the_dataset_set(tmp_path: Path) -> None:
    table = run_bench(tmp_path, "metrics=[f1,drd,boundary]")
    assert {"drd", "hd95", "assd", "nsd"} <= set(table.columns)
    assert "cldice" not in table.columns
    with pytest.raises(ConfigError, match="Did you mean 'pfm'"):
        run_bench(tmp_path / "bad", "metrics=[pfmm]")


def test_a_tiled_run_skips_the_dataset_set_it_cannot_compute_and_refuses_a_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = run_bench(tmp_path, "runner=tiled", "runner.tile=null")  # null: chunk-aligned tiles
    assert "cldice" not in table.columns
    assert table["tiles"].tolist() == [1]  # the 512² sample in one ~4 Mpx tile
    assert "runner=tiled skips" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"tiled run computes only.*drd"):
        run_bench(tmp_path / "refused", "runner=tiled", "metrics=[f1,drd]")
