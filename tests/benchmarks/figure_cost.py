"""What a run's figures cost: their share of a run, and the wall time of ``python -m bench``.

    python tests/benchmarks/figure_cost.py                          # dibco2009, 3 rounds
    python tests/benchmarks/figure_cost.py --dataset kesm --rounds 5 --cli 3

Figure share: the dataset is run in this process (``bench.cli.job.run``, as
``python -m bench dataset=…`` runs it) with the default figures (each image's
overlay and histogram) and with ``output.overlays=false output.histograms=false``,
interleaved ``--rounds`` times after one untimed warm-up run of each. The time
spent inside the figure functions is measured in the runs that draw them; the
share is that time over the run's wall time. Both runs must write the same
counts.

CLI (``--cli N``): ``python -m bench`` (the README's first command, the
built-in 512² sample), started N times in a fresh interpreter from an empty
folder, imports included; median and fastest wall time.

Timings on a shared machine drift: the load is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import load

_COUNTS = ["image", "threshold", "tp", "fp", "fn", "tn"]


def _compose(*overrides: str):
    from hydra import compose, initialize_config_dir

    from bench.cli.config import register_configs
    from bench.cli.overrides import CONF_DIR

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=["quiet=true", *overrides])


def figure_share(dataset: str, rounds: int) -> None:
    from bench.cli import job
    from bench.report import plots

    spent = {"save_overlay": 0.0, "save_histogram": 0.0}

    def timing(function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[function.__name__] += time.perf_counter() - start

        return timed

    plots.save_overlay = timing(plots.save_overlay)
    plots.save_histogram = timing(plots.save_histogram)
    configs = {
        "with figures": _compose(f"dataset={dataset}"),
        "without": _compose(
            f"dataset={dataset}", "output.overlays=false", "output.histograms=false"
        ),
    }
    walls: dict[str, list[float]] = {k: [] for k in configs}
    drawing: dict[str, list[float]] = {k: [] for k in spent}
    tables = {}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(rounds + 1):  # round 0: warm-up (numba, first reads)
            for name, cfg in configs.items():
                spent.update(dict.fromkeys(spent, 0.0))
                start = time.perf_counter()
                table = job.run(cfg, Path(folder) / f"{name}-{round_}".replace(" ", "_"))
                wall = time.perf_counter() - start
                tables[name] = table[_COUNTS].reset_index(drop=True)
                if round_:
                    walls[name].append(wall)
                    if name == "with figures":
                        for key, seconds in spent.items():
                            drawing[key].append(seconds)
    assert tables["with figures"].equals(tables["without"]), "the figures changed the counts"
    with_, without = statistics.median(walls["with figures"]), statistics.median(walls["without"])
    figures = statistics.median(map(sum, zip(*drawing.values(), strict=True)))
    overlays, histograms = (statistics.median(drawing[k]) for k in spent)
    images = len(tables["without"])
    print(f"python -m bench dataset={dataset} ({images} images), in one process, "
          f"median of {rounds} interleaved rounds; {load()}")  # fmt: skip
    print(f"  run with figures     {with_:7.3f} s")
    print(f"  run without figures  {without:7.3f} s")
    each = [seconds / images * 1e3 for seconds in (figures, overlays, histograms)]
    print(f"  drawing the figures  {figures:7.3f} s ({each[0]:.1f} ms per image: "
          f"overlay {each[1]:.1f}, histogram {each[2]:.1f})")  # fmt: skip
    print(f"  figure share         {figures / with_:7.1%} of the run with figures "
          f"(difference of the runs: {(with_ - without) / with_:.1%})")  # fmt: skip


def cli_wall(runs: int) -> None:
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo),
           os.environ.get("PYTHONPATH")]))}  # fmt: skip
    walls = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "bench", f"hydra.run.dir={folder}/run{run}", "quiet=true"],
                cwd=folder, env=env, check=True, capture_output=True,
            )  # fmt: skip
            walls.append(time.perf_counter() - start)
    median = statistics.median(walls)
    print(f"python -m bench (512² sample, fresh interpreter, imports included), {runs} runs: "
          f"median {median:.2f} s, fastest {min(walls):.2f} s; {load()}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="dibco2009")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cli", type=int, default=3, help="python -m bench runs (0: none)")
    args = parser.parse_args()
    if args.cli:
        cli_wall(args.cli)
    if args.rounds:
        figure_share(args.dataset, args.rounds)


if __name__ == "__main__":
    main()
