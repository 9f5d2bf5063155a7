"""A user's own named configs outside the repository: hydra.searchpath or $SEGBENCH_CONFIG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bench.cli.config import check_override_keys, dataset_config
from bench.cli.listing import entries
from bench.cli.overrides import CONF_DIR, CONFIG_ENV, check_group_choices, config_dirs

REPO = CONF_DIR.parent
SAMPLE = REPO / "bench" / "data" / "kesm"


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    """A folder of named configs: a dataset, a method variant and a filter variant."""
    conf = tmp_path / "my_conf"
    for group, name, text in (
        ("dataset", "mine", f"name: mine\nroot: {SAMPLE}\nimage_pattern: grayscale.png\n"
                            "mask_pattern: groundtruth.png\npolarity: dark\n"),
        ("algo", "li_black", "name: li\nignore_black: true\n"),
        ("filter", "median5", "name: median\nsize: 5\n"),
    ):  # fmt: skip
        (conf / group).mkdir(parents=True, exist_ok=True)
        (conf / group / f"{name}.yaml").write_text(f"# segbench run {group}={name}\n{text}")
    return conf


def test_every_check_honours_the_searchpath(mine: Path, monkeypatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    args = ["dataset=mine", "algo=li_black", "filter=median5", f"hydra.searchpath=[{mine}]"]
    assert config_dirs(args)[1] == mine
    assert check_group_choices(args) is None
    assert check_override_keys([*args, "algo.ignore_black=false"]) is None
    assert "Did you mean 'ignore_black'" in check_override_keys([*args, "algo.ignore_blak=1"])
    assert "Unknown dataset 'mine'" in check_group_choices(["dataset=mine"])
    assert dataset_config("mine", config_dirs(args))["root"] == str(SAMPLE)
    monkeypatch.setenv(CONFIG_ENV, str(mine))
    assert check_group_choices(["dataset=mine"]) is None
    assert dataset_config("mine")["polarity"] == "dark"
    assert [n for n, _ in entries("datasets", "mi*")] == ["mine"]
    assert "li_black" in [n for n, _ in entries("methods", "li*")]


def _segbench(cwd: Path, *args: str, env: dict[str, str] | None = None):
    environ = {k: v for k, v in os.environ.items() if k != CONFIG_ENV}
    environ.update(PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "bench.cli.segbench", "run", *args],
        cwd=cwd, capture_output=True, text=True, env=environ,
    )  # fmt: skip


@pytest.mark.parametrize("how", ["searchpath", "environment"])
def test_a_run_uses_the_users_dataset_method_and_filter(tmp_path: Path, mine: Path, how) -> None:
    extra = [f"hydra.searchpath=[file://{mine}]"] if how == "searchpath" else []
    env = {CONFIG_ENV: str(mine)} if how == "environment" else None
    out = tmp_path / "run"
    done = _segbench(
        tmp_path, "dataset=mine", "algo=li_black", "filter=median5", f"hydra.run.dir={out}",
        "output.overlays=false", "output.histograms=false", *extra, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    row = pd.read_csv(out / "metrics.csv").iloc[0]
    assert (row["dataset"], row["algo"], row["algo_ignore_black"]) == ("mine", "li", True)
    assert row["filter_size"] == 5
