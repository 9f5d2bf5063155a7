"""``python -m bench.publish``: regenerate the published leaderboard of the shared datasets.

One command, from the repository root::

    python -m bench.publish                    # → results/leaderboard.md and .html

Every registered segmenter that needs no training, with its default
parameters, after each preprocessing of :data:`FILTERS` (no filter, 3×3 and
5×5 median), on each dataset of :data:`DATASETS`. A dataset is read from its
named config (``conf/dataset/<name>.yaml``) when the checkout has one, else
from the built-in description below (``--data`` is its root folder). Each
dataset's rows are written as a run folder (``results/published/<name>/``:
tables, ``config.yaml``, ``provenance.json``), and the report is built from
those folders exactly as ``python -m bench.report`` would.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

import algorithms

from .datasets import from_config
from .overrides import CONF_DIR, group_options
from .reload import load_results
from .report import build_report, write_report
from .results import atomic_path, provenance, write_json, write_table
from .runner import evaluate

__all__ = ["DATASETS", "FILTERS", "dataset_config", "main", "methods", "publish"]

REPO = CONF_DIR.parent
DATASETS = ("kesm", "isbi2012", "dibco2009", "dibco2010", "dsb2018")
"""The shared datasets of the published leaderboard, in the order shown."""

FILTERS: list[dict[str, Any]] = [
    {"name": "none"},
    {"name": "median", "size": 3},
    {"name": "median", "size": 5},
]

# Used only when the checkout has no conf/dataset/<name>.yaml; see
# ../shared/data/README.md for each set's pairing rule and polarity.
_BUILT_IN: dict[str, dict[str, Any]] = {
    "kesm": {
        "name": "kesm",
        "root": None,
        "image_pattern": "grayscale.png",
        "mask_pattern": "groundtruth.png",
        "truth_value": 255,
        "polarity": "dark",
    },
    "isbi2012": {"name": "isbi2012", "root": "isbi2012", "truth_value": 0, "polarity": "dark"},
    "dibco2009": {
        "name": "dibco2009",
        "root": "dibco/2009",
        "image_pattern": "{id}_source.png",
        "mask_pattern": "{id}_target.png",
        "truth_value": 0,
        "polarity": "dark",
    },
    "dibco2010": {
        "name": "dibco2010",
        "root": "dibco/2010",
        "image_pattern": "{id}_source.png",
        "mask_pattern": "{id}_target.png",
        "truth_value": 0,
        "polarity": "dark",
    },
    # Nuclei are bright in most images and dark in a few; one polarity for all.
    "dsb2018": {"name": "dsb2018", "root": "dsb2018", "truth_value": 255, "polarity": "bright"},
}


def _default_data() -> Path:
    return Path(os.environ.get("SEGBENCH_DATA", REPO.parent / "shared" / "data"))


def dataset_config(name: str, data: Path) -> tuple[dict[str, Any], str]:
    """The config of a published dataset, and where it came from.

    The named config in ``conf/dataset/`` wins; otherwise the built-in
    description, its ``root`` taken under ``data``.
    """
    if name in group_options("dataset"):
        from hydra import compose, initialize_config_dir

        from .config import register_configs

        register_configs()
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=[f"dataset={name}"])
        node = OmegaConf.to_container(cfg.dataset, resolve=True)
        root = node.get("root")
        if root not in (None, "") and not Path(root).is_absolute():
            # Relative roots are read from the current folder, else the repository.
            candidates = [(base / root).resolve() for base in (Path.cwd(), REPO)]
            node["root"] = str(next((c for c in candidates if c.exists()), candidates[0]))
        return node, f"conf/dataset/{name}.yaml"
    if name not in _BUILT_IN:
        msg = f"No dataset {name!r}: not in conf/dataset/ nor built in ({', '.join(_BUILT_IN)})."
        raise ValueError(msg)
    node = dict(_BUILT_IN[name])
    if node["root"] is not None:
        node["root"] = str((data / node["root"]).resolve())
    return node, f"built-in description, root under {data}"


def methods(pattern: str = "*") -> list[str]:
    """Registered segmenters matching ``pattern`` that need no training."""
    return [n for n in algorithms.available(pattern) if not algorithms.get_class(n).requires_fit]


def publish(
    out: Path,
    data: Path,
    datasets: Sequence[str] = DATASETS,
    pattern: str = "*",
    **report_options: Any,
) -> list[Path]:
    """Run every method × filter on each dataset, write run folders and the report."""
    names = methods(pattern)
    if not names:
        msg = f"No segmenter without training matches {pattern!r}; see algorithms.available()."
        raise ValueError(msg)
    runs = []
    for name in datasets:
        config, source = dataset_config(name, data)
        start = time.perf_counter()
        table = evaluate(from_config(config), names, FILTERS)
        folder = out / "published" / name
        write_table(table, folder)
        text = OmegaConf.to_yaml({"dataset": config, "algo": names, "filter": FILTERS})
        with atomic_path(folder / "config.yaml") as tmp:
            tmp.write_text(text)
        write_json(provenance(text), folder / "provenance.json")
        runs.append(folder)
        print(
            f"{name}: {table['image'].nunique()} images × {len(names)} methods × "
            f"{len(FILTERS)} filters in {time.perf_counter() - start:.1f} s ({source})"
        )
    report = build_report(load_results(runs), **report_options)
    return write_report(report, out)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; prints the wall time; returns the exit status (2 for bad input)."""
    p = argparse.ArgumentParser(prog="python -m bench.publish", description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(REPO / "results"), help="folder of leaderboard.md/.html")
    p.add_argument(
        "--data",
        default=str(_default_data()),
        help="root of the shared data for datasets without a named config "
        "(default: $SEGBENCH_DATA or ../shared/data)",
    )
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), help="datasets to run")
    p.add_argument("--methods", default="*", help="segmenter name pattern (default: all)")
    p.add_argument("--metric", default="mcc", help="score to rank on (default mcc)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    try:
        written = publish(
            Path(args.out),
            Path(args.data),
            args.datasets,
            args.methods,
            metric=args.metric,
            gallery_methods=4,
            curve_images=12,
            thumbnail_size=320,
        )
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
