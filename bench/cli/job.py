"""What ``python -m bench`` does with a composed config: run, write, print.

Kept apart from the Hydra entry point so it can be called (and tested) with
any config object.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import warnings
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from algorithms import MissingDependencyError, UnknownNameError
from bench.cli.config import ConfigError, validate
from bench.data import DatasetWarning
from bench.data.kinds import dataset_from_config
from bench.data.predictions import PREDICTIONS, page_stem, save_prediction
from bench.progress import QUIET_ENV
from bench.report import plots
from bench.report.replay import SKIPPED_FILE
from bench.results import atomic_path, provenance, write_json, write_table
from bench.run.stages import Result
from bench.run.tiled import evaluate_with_runner
from bench.scale import volumes  # noqa: F401  (registers the volume dataset kind)

__all__ = ["SUMMARY_COLUMNS", "format_table", "run"]

SUMMARY_COLUMNS = [
    "image", "algo", "filter", "threshold", "tp", "fp", "fn", "tn",
    "accuracy", "f1", "mcc", "t_segment_s",
]  # fmt: skip
USER_ERRORS = (
    ConfigError, UnknownNameError, ValueError, FileNotFoundError, MissingDependencyError,
)  # fmt: skip


def format_table(table: pd.DataFrame) -> str:
    """The printed summary: one line per image × config, 7 decimals for scores."""
    columns = [c for c in SUMMARY_COLUMNS if c in table.columns]
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


def _parameter(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "" if pd.isna(value) else f"{value:g}"
    return str(value)


def run(
    cfg: DictConfig, output_dir: str | Path, *, progress: bool = True, echo_warnings: bool = True
) -> pd.DataFrame:
    """Run the benchmark described by ``cfg`` and write it into ``output_dir``.

    ``progress``: report the images (and training) on stderr, unless
    ``cfg.quiet``. A sweep turns it off for its jobs and counts the jobs.
    The dataset's warnings about files it left out are printed once
    (``echo_warnings``; a sweep prints them once at its end) and kept in
    ``skipped.txt``, which the report lists.

    Bad input raises before any result file exists; figures are drawn into a
    staging folder and moved into ``figures/`` only once the run succeeded.
    """
    output_dir = Path(output_dir)
    if cfg.get("quiet", False):
        os.environ[QUIET_ENV] = "1"
    plan = validate(cfg)
    dataset = dataset_from_config(OmegaConf.to_container(cfg.dataset, resolve=True))
    runner = OmegaConf.to_container(cfg.runner, resolve=True) if "runner" in cfg else {}
    with warnings.catch_warnings(record=True) as early:
        warnings.simplefilter("always", DatasetWarning)
        dataset.pairs()  # pairing errors surface before any work
    staging = output_dir / ".partial"
    staged_masks = output_dir / ".partial_masks"
    draw_overlays = bool(cfg.output.overlays)
    draw_histograms = bool(cfg.output.histograms)
    save_masks = bool(OmegaConf.select(cfg, "output.masks", default=False))
    tiled = runner.get("name", "local") != "local"  # large images: TIFF masks, not PNG

    def draw(result: Result) -> None:
        stem = plots.figure_stem(str(result.row["image"]))
        seg, sample = result.segmentation, result.sample
        predicted = result.row["algo"] == PREDICTIONS
        if save_masks and not predicted:
            save_prediction(staged_masks, sample, seg.mask, seg.scores, tiff=tiled)
        if draw_overlays:
            row = result.row
            plots.save_overlay(
                staging / f"{stem}_overlay.png", result.image, sample.truth, seg.mask, sample.fov,
                title=f"{sample.id}: {row['config']}",
                counts={k.upper(): row[k] for k in ("tp", "fp", "fn", "tn")},
            )  # fmt: skip
        if draw_histograms and not predicted:  # a score map's threshold is not the image's
            plots.save_histogram(
                # the field of view the threshold was estimated in (fov_for_threshold)
                staging / f"{stem}_histogram.png", result.image, seg.threshold,
                sample.threshold_fov,
                title=f"{sample.id}: {result.row['config']}",
            )  # fmt: skip

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DatasetWarning)
            table = evaluate_with_runner(
                runner,
                dataset,
                plan,
                repeat=int(cfg.repeat),
                run_dir=output_dir / "tiles",
                on_result=draw if draw_overlays or draw_histograms or save_masks else None,
                cache_dir=cfg.cache_dir,
                progress=progress,
            )
        skipped = _dataset_warnings(early + caught, echo=echo_warnings)
        config_text = OmegaConf.to_yaml(cfg, resolve=True)
        write_table(table, output_dir)
        if skipped:
            with atomic_path(output_dir / SKIPPED_FILE) as tmp:
                tmp.write_text("".join(f"{line}\n" for line in skipped), encoding="utf-8")
        with atomic_path(output_dir / "config.yaml") as tmp:
            tmp.write_text(config_text)
        write_json(provenance(config_text), output_dir / "provenance.json")
        if staging.exists():
            figures = output_dir / "figures"
            figures.mkdir(exist_ok=True)
            for path in staging.iterdir():
                path.replace(figures / path.name)
        if staged_masks.exists():
            for folder in staged_masks.iterdir():  # masks/, probabilities/
                shutil.rmtree(output_dir / folder.name, ignore_errors=True)
                folder.replace(output_dir / folder.name)
        if save_masks:
            own = table[table["algo"] != PREDICTIONS]
            saved = {p.stem for p in (output_dir / "masks").glob("*.*")}
            unsaved = sorted(i for i in set(own["image"].astype(str)) if page_stem(i) not in saved)
            if unsaved:  # the tile runner assembles no whole mask of a 3-D stack
                print(
                    f"segbench: no mask saved for {len(unsaved)} image(s) ("
                    + ", ".join(unsaved[:5])
                    + "): 3-D stacks run tile by tile are not assembled into a mask",
                    file=sys.stderr,
                )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(staged_masks, ignore_errors=True)
    return table


def report_error(error: BaseException) -> None:
    """Print a user error without a traceback."""
    print(f"error: {error}", file=sys.stderr)


def discard_hydra_files(output_dir: str | Path) -> None:
    """After a failed run, remove what Hydra wrote (``.hydra/``, the job log).

    The folder itself goes only if nothing else is in it, so a run pointed at
    an existing folder (``hydra.run.dir=...``) never loses earlier results.
    """
    output_dir = Path(output_dir)
    shutil.rmtree(output_dir / ".hydra", ignore_errors=True)
    for log in output_dir.glob("*.log"):
        if log.stat().st_size == 0:
            log.unlink()
    with contextlib.suppress(OSError):
        output_dir.rmdir()
        output_dir.parent.rmdir()  # the day's folder, when this run made it


FAILURE_FILE = "error.txt"


def record_failure(output_dir: str | Path, overrides: list[str], error: BaseException) -> Path:
    """Write why a sweep job failed (``error.txt``: its overrides, then the message)."""
    path = Path(output_dir) / FAILURE_FILE
    text = " ".join(overrides) + "\n" + str(error) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path
