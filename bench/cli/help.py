"""One style of help for every command: a description, the options with defaults, examples.

Every ``segbench`` subcommand builds its parser with :func:`command_parser`;
``segbench run --help`` (and ``python -m bench --help``) is :func:`run_help`,
written from the config folders themselves so it lists exactly the options
a run accepts — the comment beside each key in the YAML is its description.
"""

from __future__ import annotations

import platform
import re
import textwrap
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from bench._help import command_parser
from bench.cli.overrides import CONF_DIR, GROUPS, config_dirs, group_options

__all__ = ["KEY_DEPENDENCIES", "command_parser", "run_help", "version_text", "yaml_comments"]

KEY_DEPENDENCIES = (
    "numpy", "scipy", "scikit-image", "scikit-learn", "pandas", "numba", "opencv-python-headless",
    "hydra-core", "matplotlib", "tqdm", "torch", "dask", "zarr",
)  # fmt: skip


def yaml_comments(path: Path) -> dict[str, str]:
    """``{"key": comment, "node.key": comment}``: the comment beside each key of a YAML file."""
    comments: dict[str, str] = {}
    parents: list[tuple[int, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(\s*)([A-Za-z_][\w]*):(.*)$", line)
        if not match:
            continue
        indent, key, rest = len(match[1]), match[2], match[3]
        parents = [(i, k) for i, k in parents if i < indent]
        full = ".".join([k for _, k in parents] + [key])
        if "#" in rest:
            comments[full] = rest.split("#", 1)[1].strip()
        parents.append((indent, key))
    return comments


def _description(path: Path | None) -> str:
    """The prose lines at the top of a config file (after the command line)."""
    if path is None:
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if not text.startswith(("python -m bench", "segbench")):
            lines.append(text)
    return " ".join(lines)


def _defaults(dirs: Sequence[Path]) -> dict[str, str]:
    from bench.cli.config import default_choices

    return default_choices(dirs[0] if dirs else CONF_DIR)


def run_help(prog: str = "segbench run", dirs: Sequence[Path] | None = None) -> str:
    """The ``--help`` page of the benchmark run (``segbench run``, ``python -m bench``)."""
    dirs = config_dirs() if dirs is None else list(dirs)
    chosen = _defaults(dirs)
    wrap = textwrap.TextWrapper(width=100, subsequent_indent=" " * 16)
    wide = textwrap.TextWrapper(width=100, subsequent_indent=" " * 34)
    out = [
        f"usage: {prog} [-m] [GROUP=OPTION] [KEY=VALUE] ...",
        "",
        "Run the benchmark: each image of a dataset through a filter and a segmenter, scored",
        "from exact confusion counts, timed, with a TP/FP/FN/TN overlay per image. Results go",
        "to a run folder (results/runs/<date>/<time>_<algo>_<filter>/); the table is printed.",
        "Settings are Hydra overrides: GROUP=OPTION picks a config file, KEY=VALUE changes one",
        "setting; with -m, comma-separated values sweep (one job per combination) and the",
        "sweep ends with a report.",
        "",
        "config groups (GROUP=OPTION; `segbench list methods|filters|datasets` describes each):",
    ]
    for group in GROUPS:
        options = ", ".join(group_options(group, dirs))
        line = f"  {group:<12}  {options} (default: {chosen.get(group, '-')})"
        out.append(wrap.fill(line))
    out += ["", "settings (KEY=VALUE, default shown):"]
    comments = yaml_comments(CONF_DIR / "config.yaml")
    from omegaconf import OmegaConf

    config = OmegaConf.to_container(OmegaConf.load(CONF_DIR / "config.yaml"))
    for key, value in config.items():
        if key in ("defaults", "hydra"):
            continue
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for sub, default in items:
            name = f"{key}.{sub}" if sub else key
            shown = "null" if default is None else str(default).lower() if isinstance(
                default, bool) else str(default)  # fmt: skip
            text = f"  {name}={shown}"
            note = comments.get(name, "")
            out.append(wide.fill(f"{text:<30}  {note}" if note else text))
    from bench.cli.config import _option_keys

    for group in ("algo", "filter", "dataset", "runner"):
        found = _option_keys(group, chosen.get(group, ""), dirs)
        if found is None:
            continue
        shown = ", ".join(f"{group}.{k}" for k in found[1] if k not in ("name", "kind"))
        if shown:
            note = f"(of {group}={chosen[group]}; each option has its own)"
            out.append(wrap.fill(f"  {shown}  {note}"))
    out += [
        "",
        "options:",
        "  -h, --help            this page",
        "  --version             segbench's version and its key dependencies'",
        "  -m, --multirun        sweep: one job per combination of comma-separated values",
        "  --cfg job             print the composed config and exit (--cfg hydra: Hydra's own)",
        "  --hydra-help          Hydra's options (launchers, sweepers, hydra.* settings)",
        "  +KEY=VALUE            add a key that the config does not have (a typo without + is an",
        "                        error listing the valid keys)",
        "  hydra.searchpath=[DIR]  add your own named configs: DIR/dataset/NAME.yaml, DIR/algo/…,",
        "                        DIR/filter/… (or export SEGBENCH_CONFIG=DIR)",
        "",
        "examples:",
        f"  {prog} algo=li filter.size=5                      # Li after a 5x5 median",
        f"  {prog} -m algo=otsu,li,adaptive filter.size=1,3,5  # a sweep and its report",
        f"  {prog} dataset=dibco2009 algo=sauvola algo.radius=20 output.overlays=false",
        "",
        "Bad input (an unknown option or key, a bad value) stops before any work, exit status 2.",
    ]
    return "\n".join(out)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def version_text() -> str:
    """``segbench 0.1.0`` and the versions of Python and the key dependencies."""
    own = _version("segbench") or _pyproject_version()
    lines = [f"segbench {own}", f"  python {platform.python_version()}"]
    for dist in KEY_DEPENDENCIES:
        found = _version(dist)
        lines.append(f"  {dist} {found if found else '(not installed)'}")
    return "\n".join(lines)


def _pyproject_version() -> str:
    text = (CONF_DIR.parent / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, flags=re.MULTILINE)
    return match[1] if match else "unknown"
