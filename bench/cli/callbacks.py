"""Hydra callbacks of ``-m`` sweeps: count the jobs, gather their tables, report, summarise.

Hydra calls ``on_multirun_end`` of the callbacks in reverse order of
``conf/config.yaml``: the report is built first, then :class:`GatherSweep`
writes the sweep table and prints the combined leaderboard's top 10 and
where the report is — the last thing a sweep prints.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.override_parser.types import Glob
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bench._util import natural_key
from bench.cli.errors import os_error_line
from bench.cli.overrides import GROUPS, config_dirs, group_options, parse_overrides
from bench.cli.sweeps import JobRecord, start_sweep, sweep_jobs
from bench.progress import Progress
from bench.report.replay import SKIPPED_FILE
from bench.results import read_table, write_table
from bench.run.folder import CREATED_ENV, missing_folders, remove_made

__all__ = [
    "GatherSweep",
    "RunFolders",
    "SweepProgress",
    "SweepReport",
    "count_jobs",
    "top_configs",
]

TOP = 10


def count_jobs(overrides: list[str]) -> int | None:
    """How many jobs a sweep of ``overrides`` runs (None when it cannot be told)."""
    try:
        parsed = parse_overrides(overrides)
    except HydraException:
        return None
    dirs = config_dirs(overrides)
    sizes = []
    for override in parsed:
        if not override.is_sweep_override():
            continue
        value = override.value()
        if isinstance(value, Glob):
            if override.key_or_group not in GROUPS:
                return None
            sizes.append(len(value.filter(group_options(override.key_or_group, dirs))))
        else:
            sizes.append(len(list(override.sweep_string_iterator())))
    return len(list(itertools.product(*[range(n) for n in sizes])))


class SweepProgress(Callback):
    """Jobs done out of the sweep's total, with the time left (:mod:`bench.progress`).

    Counts jobs run in this process (Hydra's basic launcher); with the joblib
    or SLURM launchers the jobs run elsewhere and each job's own log shows it.
    """

    def __init__(self) -> None:
        self.bar: Progress | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        total = count_jobs(list(config.hydra.overrides.task))
        self.bar = Progress("sweep", total, unit="jobs")

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        if self.bar is not None:
            self.bar.update(1, last=f"{config.algo.name} | {config.filter.name}")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self.bar is not None:
            self.bar.close()


def top_configs(sweep_dir: Path, table: pd.DataFrame, metric: str, top: int = TOP) -> pd.DataFrame:
    """The combined leaderboard's first ``top`` configs of each board.

    Read from the sweep's report (``report/leaderboard.csv``) when it was
    built, so the two agree; otherwise ranked here (no bootstrap intervals).
    """
    written = sweep_dir / "report" / "leaderboard.csv"
    if written.is_file():
        board = pd.read_csv(written)
    else:
        from bench.report.leaderboard import boards, leaderboard

        board = pd.concat(
            [leaderboard(b.table, metric, 200, 0).assign(board=b.name) for b in boards(table)],
            ignore_index=True,
        )
    if "reference" in board:
        board = board[~board["reference"].astype(bool)]
    return board.groupby("board", sort=False).head(top)


def _format_top(board: pd.DataFrame) -> str:
    lines = []
    for name, rows in board.groupby("board", sort=False):
        metric = rows["metric"].iloc[0]
        images = int(rows["images"].max())
        lines.append(f"{name}: top {len(rows)} by mean {metric} over {images} image(s)")
        for position, row in enumerate(rows.itertuples(), start=1):
            interval = ""
            if images > 1 and pd.notna(row.ci_low) and row.ci_low < row.ci_high:
                interval = f"  [{row.ci_low:.4f}, {row.ci_high:.4f}]"
            lines.append(f"  {position:>2}. {row.macro:.4f}{interval}  {row.config}")
    return "\n".join(lines)


class RunFolders(Callback):
    """Notes, before Hydra makes them, which folders a run or a sweep is about to make.

    A run removes after a failure only the folders it made
    (:func:`bench.run.folder.created_by_hydra`); a sweep records its key and
    the job folders that were already there (:func:`bench.cli.sweeps.start_sweep`),
    so that its jobs are told apart from another sweep's.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        made = missing_folders(config.hydra.run.dir)
        os.environ[CREATED_ENV] = json.dumps([str(p) for p in made])
        _make(config.hydra.run.dir)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _make(config.hydra.sweep.dir)
        start_sweep(config.hydra.sweep.dir, list(config.hydra.overrides.task))


def _make(folder: str) -> None:
    """Make the folder now, so that a read-only or full disk, or a name too long, is one line.

    (Hydra would make it next, outside the task, and end in a traceback.)
    """
    missing = missing_folders(folder)
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        remove_made(missing)  # the parents made before the failing one
        line = os_error_line(error)
        if line is None:
            raise
        print(f"error: {line}", file=sys.stderr)
        sys.exit(2)


def _this_sweeps_jobs(sweep_dir: Path) -> tuple[list[JobRecord], list[JobRecord], int]:
    records, ignored = sweep_jobs(sweep_dir)
    done = [r for r in records if r.status == "done" and (r.folder / "metrics.parquet").is_file()]
    failed = [r for r in records if r.status == "failed"]
    return done, failed, ignored


class GatherSweep(Callback):
    """At the end of ``-m`` sweeps, write ``metrics.csv``/``.parquet`` in the sweep folder.

    Only this sweep's jobs are gathered (:mod:`bench.cli.sweeps`): job
    folders and ``error.txt`` left in the folder by another sweep are
    ignored, and said to be. Jobs that stopped on bad input are listed, and
    the sweep exits with status 2 once everything that did run is gathered.
    (Hydra ends callbacks in reverse order, so this one, listed first in
    ``conf/config.yaml``, runs after the report.)
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        done, failed, ignored = _this_sweeps_jobs(sweep_dir)
        if ignored:
            print(f"sweep: ignored {ignored} job folder(s) or record(s) of another sweep")
        if done:
            ordered = sorted(done, key=lambda r: natural_key(r.folder.name))
            table = pd.concat([read_table(r.folder) for r in ordered], ignore_index=True)
            write_table(table, sweep_dir)
            configs = table["config"].nunique()
            print(_format_top(top_configs(sweep_dir, table, str(config.report.metric))))
            print(f"\nsweep: {len(table)} rows from {configs} configs -> {sweep_dir}")
            report = sweep_dir / "report" / "leaderboard.html"
            if report.is_file():
                print(f"report: {report}")
        skipped: list[str] = []
        for record in done:
            path = record.folder / SKIPPED_FILE
            if path.is_file():
                skipped += [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln]
        for line in dict.fromkeys(skipped):  # each distinct warning once for the whole sweep
            print(f"warning: {line}", file=sys.stderr)
        if failed:
            print(f"sweep: {len(failed)} job(s) stopped on bad input:", file=sys.stderr)
            for record in failed:
                overrides = " ".join(record.overrides)
                print(f"  {record.folder.name} [{overrides}]: {record.reason}", file=sys.stderr)
            sys.exit(2)


class SweepReport(Callback):
    """At the end of ``-m`` sweeps, write the leaderboard report into ``<sweep>/report/``.

    Switched by the ``report`` node of the config (``report.enabled=false``
    turns it off; ``report.metric``, ``report.resamples``, ``report.seed``).
    It reads the job folders itself, so it does not depend on the order in
    which Hydra calls the callbacks.
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        settings = config.get("report")
        if settings is None or not settings.get("enabled", False):
            return
        from bench.report.build import build_report, write_report
        from bench.report.replay import load_results

        sweep_dir = Path(config.hydra.sweep.dir)
        done = _this_sweeps_jobs(sweep_dir)[0]
        if not done:
            return  # every job failed: nothing to report, the jobs said why
        results = load_results([r.folder for r in done])
        report = build_report(
            results, settings.metric, int(settings.resamples), int(settings.seed), progress=True
        )
        write_report(report, sweep_dir / "report")  # GatherSweep says where, last
