"""``segbench run`` and ``python -m bench``: the Hydra entry point (thin; the work is in job).

python -m bench                                   # article defaults on the KESM sample
python -m bench algo=li filter.size=5
python -m bench -m algo=otsu,li,adaptive filter.size=1,3,5,7
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from bench.cli.config import register_configs
from bench.cli.help import run_help, version_text
from bench.cli.job import (
    FAILURE_FILE,
    format_table,
    record_failure,
    report_error,
    run,
    user_message,
)
from bench.cli.overrides import CONF_DIR, check_group_choices, config_dirs, with_user_searchpath
from bench.cli.sweeps import (
    config_hash,
    current_key,
    existing_before,
    finished_job,
    record_job,
    record_of,
)
from bench.progress import QUIET_ENV
from bench.results import read_table
from bench.run.folder import created_by_hydra

register_configs()


def _hydra_files(cfg: DictConfig) -> dict[str, str]:
    """Hydra's record of the run (``.hydra/``), published with it instead of written early."""
    hydra_cfg = HydraConfig.get()
    return {
        ".hydra/config.yaml": OmegaConf.to_yaml(cfg),
        ".hydra/hydra.yaml": OmegaConf.to_yaml({"hydra": hydra_cfg}),
        ".hydra/overrides.yaml": OmegaConf.to_yaml(list(hydra_cfg.overrides.task)),
    }


def _sweep_job(cfg: DictConfig, output_dir: Path, overrides: list[str]) -> pd.DataFrame:
    """One job of a ``-m`` sweep: skipped when this sweep folder already holds it, done."""
    sweep_dir = output_dir.parent
    key = current_key(sweep_dir) or ""
    job_hash = config_hash(OmegaConf.to_container(cfg, resolve=True))
    if finished_job(output_dir, job_hash, (output_dir / "metrics.parquet").is_file()):
        record_job(output_dir, key, job_hash, "done", overrides)  # adopted by this sweep
        print(f"skipped: {output_dir.name} is done (same config)")
        return read_table(output_dir)
    created = [] if output_dir.name in existing_before(sweep_dir) else [output_dir]
    earlier = record_of(output_dir)
    if earlier is not None and earlier.status == "failed":
        # Our own error.txt of an earlier attempt: not a result, and not in the way.
        (output_dir / FAILURE_FILE).unlink(missing_ok=True)
        created = [output_dir]
    try:
        table = run(
            cfg, output_dir, created=created, extra_files=_hydra_files(cfg),
            progress=False, echo_warnings=False,  # the sweep counts jobs, warns once
        )  # fmt: skip
    except BaseException as error:
        if not isinstance(error, KeyboardInterrupt):
            reason = user_message(error) or f"{type(error).__name__}: {error}"
            record_job(output_dir, key, job_hash, "failed", overrides, reason)
        raise
    record_job(output_dir, key, job_hash, "done", overrides)
    return table


# An absolute path: Hydra resolves a relative one against the package (not the file) when
# the task function is imported from a module, and conf/ is not a package.
@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def main(cfg: DictConfig) -> None:
    hydra_cfg = HydraConfig.get()
    output_dir = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    overrides = list(hydra_cfg.overrides.task)
    try:
        if multirun:
            table = _sweep_job(cfg, output_dir, overrides)
        else:
            created = created_by_hydra(output_dir)
            table = run(cfg, output_dir, created=created, extra_files=_hydra_files(cfg))
    except Exception as error:
        message = user_message(error)
        if message is None:
            raise  # a bug: Hydra shows its traceback (all of it with HYDRA_FULL_ERROR=1)
        report_error(message)
        if multirun:
            # One job's bad config must not stop the others: leave its reason for
            # the end of the sweep (bench.cli.callbacks.GatherSweep), which exits non-zero.
            record_failure(output_dir, overrides, message)
            return
        sys.exit(2)
    if multirun:
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
