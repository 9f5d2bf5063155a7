"""Hydra callbacks: gather a multirun's job tables into one sweep table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from .results import gather_tables, write_table


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
