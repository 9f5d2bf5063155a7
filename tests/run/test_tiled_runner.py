"""runner=tiled / runner=dask: the CLI and bench-level loop give runner=local's table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from omegaconf.errors import ConfigKeyError, ValidationError

import bench
from bench.cli.config import register_configs
from bench.cli.overrides import CONF_DIR, check_group_choices, group_options
from bench.run.plan import make_plan
from bench.run.tiled import evaluate_tiled, evaluate_with_runner

register_configs()
SAME = [
    "split",
    "config",
    "config_id",
    "method_params",
    "filter_params",
    "threshold",
    "found",
    "tp",
    "fp",
    "fn",
    "tn",
    *bench.METRICS,
    "height",
    "width",
]


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


@pytest.mark.parametrize("option", group_options("runner"))
def test_every_runner_option_composes_typed(option) -> None:
    cfg = _compose(f"runner={option}")
    assert cfg.runner.name == option
    if option != "local":
        assert list(cfg.runner.tile) == [1024, 2048]


def test_the_default_runner_is_local() -> None:
    assert _compose().runner.name == "local"


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ("runner.workers=many", ValidationError),
        ("runner.tile=[10,abc]", ValidationError),
        ("runner.adress=tcp://x:1", ConfigKeyError),
    ],
)
def test_runner_typos_and_wrong_types_are_errors(override, error) -> None:
    from hydra.errors import ConfigCompositionException

    with pytest.raises((error, ConfigCompositionException)):
        _compose("runner=dask", override)


def test_an_unknown_runner_gets_the_closest_match() -> None:
    assert "Did you mean 'dask'" in check_group_choices(["runner=dusk"])


def test_tiled_table_equals_the_local_table_on_the_builtin_sample() -> None:
    methods = ["otsu", "li", {"name": "adaptive", "block_size": 31, "offset": -10}]
    filters = [None, {"name": "median", "size": 3}, {"name": "gaussian", "sigma": 2}]
    local = bench.evaluate(bench.builtin_sample(), methods, filters)
    tiled = evaluate_tiled(bench.builtin_sample(), methods, filters, tile_shape=(100, 130))
    pd.testing.assert_frame_equal(local[SAME], tiled[SAME])
    assert (tiled["runner"] == "tiled").all()
    assert (tiled["tiles"] == 6 * 4).all()  # the KESM tile is 512 x 512
    kesm = tiled.loc[(tiled["algo"] == "otsu") & (tiled["filter"] == "median")].iloc[0]
    assert (kesm["threshold"], kesm["tp"], kesm["fp"]) == (79, 5595, 122)


def test_the_runner_config_picks_the_engine_and_refuses_repeat(tmp_path) -> None:
    methods, filters = ["otsu"], [{"name": "median", "size": 3}]
    plan = make_plan(None, methods, filters)
    local = evaluate_with_runner({"name": "local"}, bench.builtin_sample(), plan)
    tiled = evaluate_with_runner({"name": "tiled", "tile": [128, 128], "workers": 2},
                                 bench.builtin_sample(), plan, run_dir=tmp_path)  # fmt: skip
    pd.testing.assert_frame_equal(local[SAME], tiled[SAME])
    tiles = pd.read_parquet(tmp_path / "tiles.parquet")
    assert (
        tiles[["tp", "fp", "fn", "tn"]].sum().tolist()
        == local[["tp", "fp", "fn", "tn"]].iloc[0].tolist()
    )
    with pytest.raises(ValueError, match="repeat=3 times the whole-image runner"):
        evaluate_with_runner({"name": "tiled"}, bench.builtin_sample(), plan, repeat=3)


def test_figures_of_a_tiled_run_show_the_whole_image(tmp_path, kesm) -> None:
    seen = []
    evaluate_tiled(kesm, ["otsu"], ["median"], tile_shape=100, run_dir=tmp_path,
                   on_result=seen.append)  # fmt: skip
    (result,) = seen
    whole = bench.evaluate(kesm, ["otsu"], ["median"], on_result=seen.append)
    np.testing.assert_array_equal(result.segmentation.mask, seen[1].segmentation.mask)
    np.testing.assert_array_equal(result.image, seen[1].image)
    assert result.row["tp"] == whole["tp"].iloc[0]


def _cli_run(tmp_path: Path, *overrides: str) -> tuple[pd.DataFrame, Path]:
    from bench.cli.job import run

    out = tmp_path / "run"
    return run(_compose(*overrides), out), out


def test_cli_tiled_run_gives_the_article_numbers_and_resumes(tmp_path, capsys, monkeypatch) -> None:
    from bench.cli.job import plots
    from bench.run.folder import RunFolderTaken, staging_path

    args = ["runner=tiled", "runner.tile=[100,300]"]
    # Interrupted after its tiles, while drawing: the staging folder stays for the retry.
    monkeypatch.setattr(plots, "save_overlay", lambda *a, **k: (_ for _ in ()).throw(
        KeyboardInterrupt()))  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        _cli_run(tmp_path, *args)
    assert "segbench: grayscale segment 12/12 tiles" in capsys.readouterr().err
    assert (staging_path(tmp_path / "run") / "tiles").is_dir()
    assert not any((tmp_path / "run").iterdir())  # nothing published
    monkeypatch.undo()
    table, out = _cli_run(tmp_path, *args)
    assert "12/12 tiles in " in (err := capsys.readouterr().err)
    assert "(resumed 12)" in err
    assert table[["threshold", "tp", "fp", "fn", "tn"]].iloc[0].tolist() == [
        79, 5595, 122, 1863, 254564,
    ]  # fmt: skip
    for name in ("metrics.parquet", "tiles/tiles.csv", "figures/grayscale_overlay.png"):
        assert (out / name).is_file(), name
    assert not staging_path(out).exists()
    # A finished run is never overwritten: a rerun into its folder is refused.
    with pytest.raises(RunFolderTaken, match="already holds"):
        _cli_run(tmp_path, *args, "output.overlays=false", "output.histograms=false")
    fresh, _ = _cli_run(tmp_path / "again", *args, "output.overlays=false")
    pd.testing.assert_frame_equal(table[SAME], fresh[SAME])


def test_cli_reads_a_whole_slide_from_a_npy_file(tmp_path, kesm) -> None:
    np.save(tmp_path / "slide.npy", kesm.image)
    np.save(tmp_path / "truth.npy", np.where(kesm.truth, 255, 0).astype(np.uint8))
    volume = ["dataset=volume", f"dataset.root={tmp_path}", "dataset.images=slide.npy",
              "dataset.masks=truth.npy", "dataset.polarity=bright",
              "output.overlays=false"]  # fmt: skip
    table, out = _cli_run(tmp_path, *volume, "runner=tiled", "runner.tile=[64,256]")
    assert table[["image", "threshold", "tp"]].iloc[0].tolist() == ["slide", 79, 5595]
    assert (out / "metrics.parquet").is_file()
    local, _ = _cli_run(tmp_path / "local", *volume)
    pd.testing.assert_frame_equal(table[SAME], local[SAME])


def test_cli_volume_of_another_shape_is_a_clean_error(tmp_path) -> None:
    np.save(tmp_path / "a.npy", np.zeros((4, 5), np.uint8))
    np.save(tmp_path / "b.npy", np.zeros((4, 6), np.uint8))
    with pytest.raises(ValueError, match=r"shape \(4, 6\) but image .* \(4, 5\); they must match"):
        _cli_run(tmp_path, "dataset=volume", f"dataset.root={tmp_path}", "dataset.images=a.npy",
                 "dataset.masks=b.npy", "runner=tiled")  # fmt: skip
    assert not (tmp_path / "run").exists()


def test_cli_runs_on_an_existing_dask_cluster(tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=":0") as cluster:  # fmt: skip
        table, _ = _cli_run(tmp_path, "runner=dask", f"runner.address={cluster.scheduler_address}",
                            "runner.tile=[128,128]", "output.overlays=false")  # fmt: skip
    assert table[["threshold", "tp", "fp"]].iloc[0].tolist() == [79, 5595, 122]
    assert table["runner"].iloc[0] == "dask"


def test_the_slurm_launcher_config_composes() -> None:
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(
            config_name="config", overrides=["hydra/launcher=slurm"], return_hydra_config=True
        )
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert launcher.timeout_min == 60
    assert OmegaConf.is_missing(launcher, "partition") or launcher.partition is None


@pytest.mark.slow
def test_a_sweep_runs_on_the_joblib_launcher(tmp_path) -> None:
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    sweep = tmp_path / "sweep"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "-m", "hydra/launcher=joblib_local", "algo=otsu,li",
         f"hydra.sweep.dir={sweep}", "output.overlays=false", "output.histograms=false"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(pd.read_parquet(sweep / "metrics.parquet")) == 2
