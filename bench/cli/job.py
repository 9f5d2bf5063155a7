"""What ``python -m bench`` does with a composed config: run, write, print.

Kept apart from the Hydra entry point so it can be called (and tested) with
any config object.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from algorithms import MissingDependencyError, UnknownNameError
from bench._util import file_stem
from bench.cli.config import ConfigError, validate
from bench.cli.errors import is_deliberate, os_error_line
from bench.data import DatasetWarning
from bench.data.kinds import dataset_from_config
from bench.data.predictions import PREDICTIONS, page_stem, save_prediction
from bench.metrics import METRICS, REGISTRY
from bench.metrics import get as get_metric
from bench.progress import QUIET_ENV
from bench.report import plots
from bench.report.replay import SKIPPED_FILE
from bench.results import atomic_path, provenance, write_json, write_table
from bench.run.folder import RunFolderBusy, RunFolderTaken, run_folder
from bench.run.stages import Result
from bench.run.tiled import evaluate_with_runner
from bench.scale import volumes  # noqa: F401  (registers the volume dataset kind)
from bench.scale.engines import check_engine_config

__all__ = ["SUMMARY_COLUMNS", "format_table", "run", "user_message"]

SUMMARY_COLUMNS = [
    "image", "algo", "filter", "threshold", "tp", "fp", "fn", "tn",
    "accuracy", "f1", "mcc", "t_segment_s",
]  # fmt: skip
USER_ERRORS = (
    ConfigError, UnknownNameError, ValueError, FileNotFoundError, TypeError, MissingDependencyError,
)  # fmt: skip


def _metric_format(name: str):
    """Scores in [0, 1] with 7 decimals; unbounded ones (PSNR, DRD, distances) with 4."""
    return "{:.7f}".format if get_metric(name).high == 1 else "{:.4f}".format


def format_table(table: pd.DataFrame) -> str:
    """The printed summary: one line per image × config, 7 decimals for scores.

    Besides :data:`SUMMARY_COLUMNS`, every chosen metric in the table (a
    column named after a :mod:`bench.metrics` record) is printed, before the
    timing.
    """
    columns = [c for c in SUMMARY_COLUMNS if c in table.columns]
    chosen = [c for c in table.columns if c in REGISTRY and c not in METRICS]
    at = columns.index("t_segment_s") if "t_segment_s" in columns else len(columns)
    columns[at:at] = chosen
    if "n_train" in table.columns and (table["n_train"] > 0).any():
        columns[columns.index("image") + 1 : columns.index("image") + 1] = ["split"]
        columns += ["n_train", "t_train_s", "train_cached"]
    # Every parameter the filters of the table have (filter_size, filter_sigma, …).
    params = [
        c for c in table.columns
        if c.startswith("filter_") and c != "filter_params" and table[c].notna().any()
    ]  # fmt: skip
    at = columns.index("filter") + 1
    columns[at:at] = params
    if (table["algo"] == PREDICTIONS).any():  # their label: which tool's predictions
        columns.insert(columns.index("algo") + 1, "method")
    if "auc" in table.columns and table["auc"].notna().any():
        columns[columns.index("mcc") + 1 : columns.index("mcc") + 1] = ["auc", "ap"]
    text = table[columns].to_string(
        index=False,
        formatters={
            **{m: "{:.7f}".format for m in ("accuracy", "f1", "mcc", "auc", "ap")},
            **{m: _metric_format(m) for m in chosen},
            "threshold": lambda v: "nan" if pd.isna(v) else f"{v:g}",
            "t_segment_s": "{:.4f}".format,
            "t_train_s": "{:.1f}".format,
            **{p: _parameter for p in params},
        },
    )
    repeat = int(table["repeat"].max()) if "repeat" in table and len(table) else 1
    if repeat > 1:
        text += f"\n(t_segment_s: the median of {repeat} timed runs of each segmenter)"
    return text


def _parameter(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "" if pd.isna(value) else f"{value:g}"
    return str(value)


def _dataset_warnings(caught: list[warnings.WarningMessage], *, echo: bool) -> list[str]:
    """The distinct :class:`DatasetWarning` messages of a run, each printed once (``echo``).

    A dataset is listed several times in a run (its size, its content hash,
    its samples): the same warning would otherwise be printed each time.
    Other warnings are passed on unchanged.
    """
    messages: list[str] = []
    for item in caught:
        if issubclass(item.category, DatasetWarning):
            text = str(item.message)
            if text not in messages:
                messages.append(text)
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    if echo:
        for text in messages:
            print(f"warning: {text}", file=sys.stderr)
    return messages


def run(
    cfg: DictConfig,
    output_dir: str | Path,
    *,
    created: Sequence[Path] = (),
    extra_files: Mapping[str, str] | None = None,
    progress: bool = True,
    echo_warnings: bool = True,
) -> pd.DataFrame:
    """Run the benchmark described by ``cfg`` and publish it as the folder ``output_dir``.

    Every output — tables, config, provenance, figures, the tile store of a
    tiled run, ``extra_files`` (Hydra's own record, ``.hydra/*.yaml``) — is
    written to a staging folder beside ``output_dir`` and published by one
    rename once the run succeeded (:func:`bench.run.folder.run_folder`): the
    folder holds a complete run or nothing. Another run into the same folder
    is refused at once. After an error nothing is left but the folders the
    run found (``created``: those made for it before this call, e.g. by Hydra,
    which go too if still empty).

    ``progress``: report the images (and training) on stderr, unless
    ``cfg.quiet``; a sweep turns it off for its jobs and counts the jobs.
    The dataset's warnings about files it left out are printed once
    (``echo_warnings``; a sweep prints them once at its end) and kept in
    ``skipped.txt``, which the report lists.
    """
    output_dir = Path(output_dir)
    if cfg.get("quiet", False):
        os.environ[QUIET_ENV] = "1"
    # The folder is locked first, so a second run into it is refused at once; the checks
    # below come before any work, and a failure leaves nothing the run made.
    with run_folder(output_dir, created=list(created)) as staging:
        plan = validate(cfg)
        runner = OmegaConf.to_container(cfg.runner, resolve=True) if "runner" in cfg else {}
        if runner.get("name", "local") != "local":
            check_engine_config(runner)  # runner.workers and the like
        dataset = dataset_from_config(OmegaConf.to_container(cfg.dataset, resolve=True))
        with warnings.catch_warnings(record=True) as early:
            warnings.simplefilter("always", DatasetWarning)
            dataset.pairs()  # pairing errors
        draw_overlays = bool(cfg.output.overlays)
        draw_histograms = bool(cfg.output.histograms)
        save_masks = bool(OmegaConf.select(cfg, "output.masks", default=False))
        tiled = runner.get("name", "local") != "local"  # large images: TIFF masks, not PNG
        config_text = OmegaConf.to_yaml(cfg, resolve=True)
        figures = staging / "figures"

        def draw(result: Result) -> None:
            stem = file_stem(str(result.row["image"]))  # distinct names, distinct files
            seg, sample = result.segmentation, result.sample
            predicted = result.row["algo"] == PREDICTIONS
            if save_masks and not predicted:
                save_prediction(staging, sample, seg.mask, seg.scores, tiff=tiled)
            if draw_overlays or (draw_histograms and not predicted):
                figures.mkdir(exist_ok=True)
            if draw_overlays:
                row = result.row
                plots.save_overlay(
                    figures / f"{stem}_overlay.png", result.image, sample.truth, seg.mask,
                    sample.fov, title=f"{sample.id}: {row['config']}",
                    counts={k.upper(): row[k] for k in ("tp", "fp", "fn", "tn")},
                )  # fmt: skip
            if draw_histograms and not predicted:  # a score map's threshold is not the image's
                plots.save_histogram(
                    # the field of view the threshold was estimated in (fov_for_threshold)
                    figures / f"{stem}_histogram.png", result.image, seg.threshold,
                    sample.threshold_fov,
                    title=f"{sample.id}: {result.row['config']}", objects=sample.polarity,
                )  # fmt: skip

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DatasetWarning)
            table = evaluate_with_runner(
                runner,
                dataset,
                plan,
                repeat=int(cfg.repeat),
                run_dir=staging / "tiles",
                on_result=draw if draw_overlays or draw_histograms or save_masks else None,
                cache_dir=cfg.cache_dir,
                progress=progress,
            )
        skipped = _dataset_warnings(early + caught, echo=echo_warnings)
        write_table(table, staging)
        if skipped:
            with atomic_path(staging / SKIPPED_FILE) as tmp:
                tmp.write_text("".join(f"{line}\n" for line in skipped), encoding="utf-8")
        with atomic_path(staging / "config.yaml") as tmp:
            tmp.write_text(config_text)
        write_json(provenance(config_text), staging / "provenance.json")
        for name, text in (extra_files or {}).items():
            with atomic_path(staging / name) as tmp:
                tmp.write_text(text)
        if save_masks:
            own = table[table["algo"] != PREDICTIONS]
            saved = {p.stem for p in (staging / "masks").glob("*.*")}
            unsaved = sorted(i for i in set(own["image"].astype(str)) if page_stem(i) not in saved)
            if unsaved:  # the tile runner assembles no whole mask of a 3-D stack
                print(
                    f"segbench: no mask saved for {len(unsaved)} image(s) ("
                    + ", ".join(unsaved[:5])
                    + "): 3-D stacks run tile by tile are not assembled into a mask",
                    file=sys.stderr,
                )
    return table


def user_message(error: BaseException) -> str | None:
    """The one-line message of a user error, or None for a bug (which keeps its traceback).

    User errors: a run folder in use or taken, an OS error of the environment
    (no space, permission denied, read-only, name too long: the path named),
    and the errors of :data:`USER_ERRORS` that bench or algorithms raised on
    purpose (:func:`bench.cli.errors.is_deliberate`).
    """
    if isinstance(error, (RunFolderBusy, RunFolderTaken)):
        return str(error)
    if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
        return os_error_line(error)
    if isinstance(error, USER_ERRORS) and is_deliberate(error):
        return str(error)
    return None


def report_error(error: BaseException | str) -> None:
    """Print a user error (or its one-line message) without a traceback."""
    print(f"error: {error}", file=sys.stderr)


FAILURE_FILE = "error.txt"


def record_failure(
    output_dir: str | Path, overrides: list[str], error: BaseException | str
) -> Path:
    """Write why a sweep job failed (``error.txt``: its overrides, then the message)."""
    path = Path(output_dir) / FAILURE_FILE
    text = " ".join(overrides) + "\n" + str(error) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path
