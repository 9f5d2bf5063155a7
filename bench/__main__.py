"""``python -m bench``: the Hydra entry point lives in :mod:`bench.cli.main`."""

from bench.cli.main import entry

entry()
