"""Where config options come from, and the early check of the command line.

The repository's ``conf/`` comes first; a user's own folders of named configs
(``mine/dataset/lab.yaml``, ``mine/algo/my_sauvola.yaml``, ``mine/filter/…``)
are added by Hydra's ``hydra.searchpath=[DIR]`` override or by the
``SEGBENCH_CONFIG`` environment variable (folders separated by ``:``), and
every check here honours them.

Hydra lists the available options of a group when one is missing, and refuses
an unknown key (``algo.blocksize=5``) without saying which keys exist; the
check here names the closest match and the valid choices — for group options
(``algo=lii``) and for the keys of every config node
(:func:`bench.cli.config.check_override_keys`) — and exits before Hydra starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob, Override
from hydra.errors import HydraException

from algorithms._validation import unknown_name_message

__all__ = [
    "CONFIG_ENV",
    "CONF_DIR",
    "GROUPS",
    "check_group_choices",
    "config_dirs",
    "group_options",
    "option_file",
    "parse_overrides",
    "with_user_searchpath",
]

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
GROUPS = ("algo", "filter", "dataset", "runner")
CONFIG_ENV = "SEGBENCH_CONFIG"
"""Environment variable: folders of named configs to add (``os.pathsep``-separated)."""

Dirs = Path | Sequence[Path] | None


def parse_overrides(args: Iterable[str]) -> list[Override]:
    """Hydra's parse of the ``key=value`` arguments (flags such as ``-m`` left out).

    Raises ``HydraException`` on a syntax error (Hydra reports those itself).
    """
    return OverridesParser.create().parse_overrides([a for a in args if not a.startswith("-")])


def _searchpath(args: Iterable[str]) -> list[str]:
    try:
        overrides = parse_overrides(args)
    except HydraException:
        return []
    for override in overrides:
        if override.key_or_group == "hydra.searchpath" and not override.is_delete():
            value = override.value()
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return []


def _as_path(entry: str) -> Path | None:
    if entry.startswith("file://"):
        entry = entry[len("file://") :]
    elif "://" in entry:
        return None  # pkg:// and other sources: not a folder we can list
    return Path(entry).expanduser()


def config_dirs(args: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> list[Path]:
    """The folders of named configs, in Hydra's order: ``conf/``, then the user's.

    The user's come from ``hydra.searchpath=[...]`` among ``args`` and from
    ``$SEGBENCH_CONFIG``.
    """
    environ = os.environ if environ is None else environ
    entries = _searchpath(args) + [e for e in environ.get(CONFIG_ENV, "").split(os.pathsep) if e]
    dirs = [CONF_DIR]
    for entry in entries:
        path = _as_path(entry)
        if path is not None and path.resolve() not in [d.resolve() for d in dirs]:
            dirs.append(path)
    return dirs


def with_user_searchpath(
    args: Sequence[str], environ: Mapping[str, str] | None = None
) -> list[str]:
    """``args`` with ``$SEGBENCH_CONFIG``'s folders added to ``hydra.searchpath``."""
    environ = os.environ if environ is None else environ
    extra = [e for e in environ.get(CONFIG_ENV, "").split(os.pathsep) if e]
    if not extra:
        return list(args)
    present = _searchpath(args)
    entries = present + [str(Path(e).expanduser().resolve()) for e in extra if e not in present]
    kept = [a for a in args if not a.lstrip("+").startswith("hydra.searchpath=")]
    return [*kept, f"hydra.searchpath=[{','.join(entries)}]"]


def _dirs(conf_dir: Dirs) -> list[Path]:
    if conf_dir is None:
        return config_dirs()
    return [conf_dir] if isinstance(conf_dir, Path) else list(conf_dir)


def group_options(group: str, conf_dir: Dirs = None) -> list[str]:
    """Option names of a config group: the YAML files in ``<dir>/<group>/`` of each folder.

    ``conf_dir`` is one folder, a list of them, or None for :func:`config_dirs`
    (``conf/`` and the user's folders named by ``$SEGBENCH_CONFIG``).
    Hydra's internal schema entries (``local_schema``, …) are not options.
    """
    names = {p.stem for d in _dirs(conf_dir) for p in (d / group).glob("*.yaml")}
    return sorted(n for n in names if not n.endswith("_schema"))


def option_file(group: str, option: str, conf_dir: Dirs = None) -> Path | None:
    """The YAML file behind ``group=option`` (the first folder that has it), or None."""
    for folder in _dirs(conf_dir):
        path = folder / group / f"{option}.yaml"
        if path.is_file():
            return path
    return None


def check_group_choices(args: list[str], conf_dir: Dirs = None) -> str | None:
    """A message for the first unknown group option or key among ``args``, else None.

    ``conf_dir`` defaults to :func:`config_dirs` of ``args`` (so options added
    by ``hydra.searchpath`` or ``$SEGBENCH_CONFIG`` are known). Keys are
    checked once every group option is known to exist.
    """
    try:
        overrides = parse_overrides(args)
    except HydraException:
        return None  # Hydra reports syntax errors itself
    dirs = config_dirs(args) if conf_dir is None else _dirs(conf_dir)
    for override in overrides:
        group = override.key_or_group
        if group not in GROUPS or override.is_delete():
            continue
        if isinstance(override.value(), Glob):
            continue  # a pattern: Hydra expands it over the existing options
        if override.is_sweep_override():
            values = list(override.sweep_string_iterator())
        else:
            values = [str(override.value())]
        options = group_options(group, dirs)
        for value in values:
            if value not in options:
                return unknown_name_message(group, value, options)
    from bench.cli.config import check_override_keys  # it imports this module

    return check_override_keys(args, dirs)
