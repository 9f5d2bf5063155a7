"""The commands: `python -m bench` (Hydra), `bench.report`, `bench.publish`, `bench.try_all`.

- :mod:`~bench.cli.main`: the Hydra entry point of ``python -m bench``;
- :mod:`~bench.cli.config`: the dataclass schemas registered in Hydra's
  ConfigStore and the validation of a composed config;
- :mod:`~bench.cli.overrides`: checks of ``group=choice`` overrides before Hydra runs;
- :mod:`~bench.cli.job`: one job — build the run from the config, execute it, write results;
- :mod:`~bench.cli.callbacks`: after a sweep, gather the tables and build the report;
- :mod:`~bench.cli.publish`, :mod:`~bench.cli.try_all`: the other two commands.

Nothing below ``bench/cli`` imports Hydra: this package is the only one that does.
"""
