"""Hydra callbacks: gather a multirun's job tables into one sweep table, and report on it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bench._util import natural_key
from bench.cli.errors import os_error_line
from bench.cli.sweeps import JobRecord, start_sweep, sweep_jobs
from bench.results import read_table, write_table
from bench.run.folder import CREATED_ENV, missing_folders, remove_made

__all__ = ["GatherSweep", "RunFolders", "SweepReport"]


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
            print(f"sweep: {len(table)} rows from {configs} configs -> {sweep_dir}")
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
        report = build_report(results, settings.metric, int(settings.resamples), int(settings.seed))
        written = write_report(report, sweep_dir / "report")
        print(f"report: {written[-1]}")
