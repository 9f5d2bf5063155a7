"""``segbench run`` and ``python -m bench``: the Hydra entry point (thin; the work is in job).

python -m bench                                   # article defaults on the KESM sample
python -m bench algo=li filter.size=5
python -m bench -m algo=otsu,li,adaptive filter.size=1,3,5,7
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from bench.cli.config import register_configs
from bench.cli.help import run_help, version_text
from bench.cli.job import (
    USER_ERRORS,
    discard_hydra_files,
    format_table,
    record_failure,
    report_error,
    run,
)
from bench.cli.overrides import CONF_DIR, check_group_choices, config_dirs, with_user_searchpath
from bench.progress import QUIET_ENV

register_configs()


# An absolute path: Hydra resolves a relative one against the package (not the file) when
# the task function is imported from a module, and conf/ is not a package.
@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def main(cfg: DictConfig) -> None:
    hydra_cfg = HydraConfig.get()
    output_dir = hydra_cfg.runtime.output_dir
    sweeping = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        table = run(cfg, output_dir, progress=not sweeping, echo_warnings=not sweeping)
    except USER_ERRORS as error:
        report_error(error)
        discard_hydra_files(output_dir)
        if hydra_cfg.mode == RunMode.MULTIRUN:
            # One job's bad config must not stop the others: leave its reason for
            # the end of the sweep (bench.cli.callbacks.GatherSweep), which exits non-zero.
            record_failure(output_dir, hydra_cfg.overrides.task, error)
            return
        sys.exit(2)
    if sweeping:
        return  # the sweep counts its jobs and ends with the combined leaderboard
    print(format_table(table))
    print(f"\nresults: {output_dir}")


def entry(argv: Sequence[str] | None = None, prog: str = "python -m bench") -> None:
    """Check the command line, then run Hydra's main on it.

    ``--help`` and ``--version`` are answered here; an unknown group option
    or key exits with status 2 and a did-you-mean before Hydra starts.
    ``$SEGBENCH_CONFIG``'s folders are added to ``hydra.searchpath``.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if "-h" in args or "--help" in args:
        print(run_help(prog, config_dirs(args)))
        sys.exit(0)
    if "--version" in args:
        print(version_text())
        sys.exit(0)
    if "--quiet" in args or "-q" in args:
        args = [a for a in args if a not in ("--quiet", "-q")]
        os.environ[QUIET_ENV] = "1"
    problem = check_group_choices(args)
    if problem:
        report_error(problem)
        sys.exit(2)
    sys.argv = [sys.argv[0], *with_user_searchpath(args)]
    main()


if __name__ == "__main__":
    entry()
