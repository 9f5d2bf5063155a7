"""The Hydra CLI: every config composes, runs write complete folders, errors exit cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ValidationError

import algorithms
from bench.cli.config import register_configs, validate
from bench.cli.overrides import CONF_DIR, check_group_choices, group_options

register_configs()


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


@pytest.mark.parametrize(
    ("group", "option"),
    [(g, o) for g in ("algo", "filter", "dataset") for o in group_options(g)],
)
def test_every_option_of_every_group_composes(group: str, option: str) -> None:
    required = ["algo.path=."] if (group, option) == ("algo", "predictions") else []
    cfg = _compose(f"{group}={option}", *required)
    assert cfg[group].name
    validate(cfg)


def test_every_registered_segmenter_has_a_config() -> None:
    assert set(algorithms.available()) <= set(group_options("algo"))


def test_typo_in_a_parameter_names_the_valid_ones() -> None:
    message = check_group_choices(["algo=adaptive", "algo.blocksize=5"])
    assert message is not None
    assert (
        "Unknown parameter 'blocksize' for algo 'adaptive'. Did you mean 'block_size'?" in message
    )
    assert "Unknown parameter 'siz' for filter 'median'" in str(
        check_group_choices(["filter.siz=5"])
    )
    assert check_group_choices(["-m", "algo=otsu,li", "algo.ignore_black=true"]) is None
    assert check_group_choices(["algo=sauvola", "+algo.extra=1"]) is None  # Hydra's to judge


def test_wrong_type_is_an_error() -> None:
    # The schema (the constructor's defaults) types the node as it is composed.
    with pytest.raises(ConfigCompositionException, match="block_size=big"):
        _compose("algo=adaptive", "algo.block_size=big")
    cfg = _compose("algo=adaptive")
    with pytest.raises(ValidationError, match="block_size"):
        cfg.algo.block_size = "big"


def test_group_choice_check_suggests_closest_match() -> None:
    assert check_group_choices(["algo=otsu", "filter.size=5"]) is None
    assert check_group_choices(["-m", "algo=glob(*)"]) is None
    message = check_group_choices(["-m", "algo=otsu,lii"])
    assert message is not None
    assert "Unknown algo 'lii'. Did you mean 'li'?" in message


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


def test_default_run_prints_and_writes_the_article_result(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = _bench(tmp_path, f"hydra.run.dir={out}")
    assert done.returncode == 0, done.stderr
    assert "5595" in done.stdout
    assert "0.8533910" in done.stdout
    table = pd.read_parquet(out / "metrics.parquet")
    assert pd.read_csv(out / "metrics.csv")[["tp", "fp"]].equals(table[["tp", "fp"]])
    assert (table["threshold"] == 79).all()
    for name in ("config.yaml", "provenance.json", "figures/grayscale_overlay.png",
                 "figures/grayscale_histogram.png"):  # fmt: skip
        assert (out / name).is_file(), name
    assert not list(out.rglob("*.tmp"))
    assert not (out / ".partial").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["algo=lii"], "Did you mean 'li'"),
        (["algo=adaptive", "algo.blocksize=5"], "Did you mean 'block_size'"),
        (["filter.size=4"], "odd positive integer; got 4"),
        (["algo=adaptive", "algo.block_size=-3"], "odd positive integer; got -3"),
        (["dataset.root=/nonexistent"], "not found"),
    ],
)
def test_bad_input_exits_nonzero_and_writes_nothing(tmp_path: Path, args, message) -> None:
    out = tmp_path / "run"
    done = _bench(tmp_path, f"hydra.run.dir={out}", "output.overlays=false", *args)
    assert done.returncode != 0
    assert message in done.stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.slow
def test_multirun_writes_each_job_and_a_gathered_table(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    done = _bench(
        tmp_path, "-m", "algo=otsu,li", "filter.size=1,3", f"hydra.sweep.dir={sweep}",
        "output.overlays=false", "output.histograms=false",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    jobs = sorted(sweep.glob("*/metrics.parquet"))
    assert len(jobs) == 4
    # No table per job: the sweep counts its jobs, then prints the combined top configs
    # (one image: no degenerate interval) and where the report is.
    assert "segbench: sweep 4/4 jobs in " in done.stderr
    summary = done.stdout[done.stdout.index("kesm: top 4 by mean mcc over 1 image(s)") :]
    assert len([ln for ln in summary.splitlines() if ln.startswith(("   1.", "   4."))]) == 2
    assert "[" not in summary.splitlines()[1]
    assert f"report: {sweep / 'report' / 'leaderboard.html'}" in done.stdout
    table = pd.read_parquet(sweep / "metrics.parquet")
    assert len(table) == 4
    assert set(zip(table["algo"], table["filter_size"], strict=True)) == {
        ("otsu", 1), ("otsu", 3), ("li", 1), ("li", 3),
    }  # fmt: skip


@pytest.mark.slow
def test_a_failing_job_does_not_stop_the_sweep_but_fails_it(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    done = _bench(
        tmp_path, "-m", "algo=otsu,pixel_classifier,li", f"hydra.sweep.dir={sweep}",
        "output.overlays=false", "output.histograms=false", "report.enabled=false",
    )  # fmt: skip
    assert done.returncode == 2
    assert "1 job(s) stopped on bad input" in done.stderr
    assert "No image to score pixel_classifier" in done.stderr
    assert set(pd.read_parquet(sweep / "metrics.parquet")["algo"]) == {"otsu", "li"}
    failed = sweep / "1_pixel_classifier_median"
    assert sorted(p.name for p in failed.iterdir()) == ["error.txt"]
