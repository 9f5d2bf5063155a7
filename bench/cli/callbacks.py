"""Hydra callbacks: gather a multirun's job tables into one sweep table, and report on it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bench.cli.job import FAILURE_FILE
from bench.results import gather_tables, write_table

__all__ = ["GatherSweep", "SweepReport"]


class GatherSweep(Callback):
    """At the end of ``-m`` sweeps, write ``metrics.csv``/``.parquet`` in the sweep folder.

    Jobs that stopped on bad input left an ``error.txt`` instead of results:
    they are listed, and the sweep exits with status 2 once everything that
    did run is gathered. (Hydra ends callbacks in reverse order, so this one,
    listed first in ``conf/config.yaml``, runs after the report.)
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            table = gather_tables(sweep_dir)
        except FileNotFoundError:
            table = None  # every job failed: nothing to gather, the jobs said why
        if table is not None:
            write_table(table, sweep_dir)
            configs = table["config"].nunique()
            print(f"sweep: {len(table)} rows from {configs} configs -> {sweep_dir}")
        failures = sorted(sweep_dir.glob(f"*/{FAILURE_FILE}"))
        if failures:
            print(f"sweep: {len(failures)} job(s) stopped on bad input:", file=sys.stderr)
            for path in failures:
                overrides, _, reason = path.read_text().partition("\n")
                print(f"  {path.parent.name} [{overrides}]: {reason.strip()}", file=sys.stderr)
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
        try:
            results = load_results([sweep_dir])
        except FileNotFoundError:
            return  # every job failed: nothing to report, the jobs said why
        report = build_report(results, settings.metric, int(settings.resamples), int(settings.seed))
        written = write_report(report, sweep_dir / "report")
        print(f"report: {written[-1]}")
