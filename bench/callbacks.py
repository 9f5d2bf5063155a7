"""Hydra callbacks: gather a multirun's job tables into one sweep table, and report on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from .results import gather_tables, write_table

__all__ = ["GatherSweep", "SweepReport"]


class GatherSweep(Callback):
    """At the end of ``-m`` sweeps, write ``metrics.csv``/``.parquet`` in the sweep folder."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            table = gather_tables(sweep_dir)
        except FileNotFoundError:
            return  # every job failed: nothing to gather, the jobs said why
        write_table(table, sweep_dir)
        print(f"sweep: {len(table)} rows from {table['config'].nunique()} configs -> {sweep_dir}")


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
        from .reload import load_results
        from .report import build_report, write_report

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            results = load_results([sweep_dir])
        except FileNotFoundError:
            return  # every job failed: nothing to report, the jobs said why
        report = build_report(results, settings.metric, int(settings.resamples), int(settings.seed))
        written = write_report(report, sweep_dir / "report")
        print(f"report: {written[-1]}")
