"""The harness passes each sample's polarity to its segmenters (Fiji's rule), never inverting.

Also: a dataset's declared invert step (the founding article's) and its
declared method parameters (``method_defaults``, a field's baselines).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

import algorithms
import bench
from bench.cli import config as cli_config
from bench.cli.config import ConfigError, register_configs
from bench.cli.overrides import CONF_DIR
from bench.data import method_specs
from bench.metrics import confusion_counts
from conftest import run_bench


@pytest.mark.parametrize("name", ["otsu", "li", "sauvola", "bernsen", "wan", "su"])
def test_a_dark_sample_is_segmented_on_its_original_intensities(name, blobs) -> None:
    image, truth = blobs
    page = (255 - image).astype(np.uint8)  # dark squares on brighter noise
    row = bench.evaluate(page, [name], [None], truth=truth, polarity="dark").iloc[0]
    expected = algorithms.get(name).segment(page, objects="dark")
    assert confusion_counts(truth, expected.mask).as_dict() == {
        k: int(row[k]) for k in ("tp", "fp", "fn", "tn")
    }
    if expected.threshold is None:
        assert np.isnan(row["threshold"])
    else:  # reported on the intensities the method saw: the page's own
        assert row["threshold"] == expected.threshold
    assert row["polarity"] == "dark"


def test_the_builtin_sample_declares_the_articles_invert_step(kesm) -> None:
    assert kesm.meta["inverted"]
    assert kesm.polarity == "bright"
    row = bench.evaluate(kesm, ["otsu"], [{"name": "median", "size": 3}]).iloc[0]
    assert (row["threshold"], row["tp"], row["fp"], row["fn"], row["tn"]) == (
        79, 5595, 122, 1863, 254564,
    )  # fmt: skip


def test_method_specs_carry_a_datasets_declared_parameters() -> None:
    config = {"method_defaults": {"sauvola": {"k": 0.2}, "niblack": {"k": -0.2}}}
    assert method_specs(config, ["otsu", "sauvola", "niblack"]) == [
        {"name": "otsu"}, {"name": "sauvola", "k": 0.2}, {"name": "niblack", "k": -0.2},
    ]  # fmt: skip
    assert method_specs({}, ["sauvola"]) == [{"name": "sauvola"}]


def _cfg(*overrides: str):
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def test_dataset_method_defaults_apply_below_the_command_line(monkeypatch) -> None:
    cfg = _cfg("dataset=dibco2009", "algo=sauvola")
    plan = cli_config.validate(cfg)
    assert plan.segmenters[0].k == 0.2  # the DIBCO literature's k, not Fiji's 0.5
    monkeypatch.setattr(cli_config, "_explicit_algo_keys", lambda: {"k"})
    cfg = _cfg("dataset=dibco2009", "algo=sauvola", "algo.k=0.5")
    assert cli_config.validate(cfg).segmenters[0].k == 0.5  # the user's choice wins
    assert cli_config.validate(_cfg("dataset=dibco2009", "algo=otsu")).segmenters[0].name == "otsu"


def test_an_unknown_method_default_names_the_valid_parameters() -> None:
    cfg = _cfg("algo=sauvola", "+dataset.method_defaults={sauvola: {kk: 0.2}}")
    with pytest.raises(ConfigError, match=r"Unknown parameter 'kk'.*Did you mean 'k'"):
        cli_config.validate(cfg)


def test_a_run_records_the_declared_parameter(tmp_path: Path) -> None:
    table = run_bench(tmp_path, "algo=sauvola", "+dataset.method_defaults={sauvola: {k: 0.3}}")
    assert table["algo_k"].tolist() == [0.3]
