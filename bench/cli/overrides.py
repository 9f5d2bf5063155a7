"""Early check of the command line: group choices (``algo=lii``) and parameter keys.

Hydra lists the available options of a group when one is missing, and refuses
an unknown key (``algo.blocksize=5``) without saying which keys exist; this
check names the closest match and the valid choices, and exits before Hydra
starts.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob
from hydra.errors import HydraException

import algorithms
from algorithms._validation import parameter_names, unknown_name_message

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
GROUPS = ("algo", "filter", "dataset", "runner")


def group_options(group: str, conf_dir: Path = CONF_DIR) -> list[str]:
    """Option names of a config group: the YAML files in ``conf/<group>/``."""
    return sorted(p.stem for p in (conf_dir / group).glob("*.yaml"))


def check_group_choices(args: list[str], conf_dir: Path = CONF_DIR) -> str | None:
    """A message for the first unknown group option among ``args``, else None."""
    try:
        overrides = OverridesParser.create().parse_overrides(
            [a for a in args if not a.startswith("-")]
        )
    except HydraException:
        return None  # Hydra reports syntax errors itself
    for override in overrides:
        group = override.key_or_group
        if "." in group and not override.is_add():
            problem = _check_key(group, overrides, conf_dir)
            if problem:
                return problem
        if group not in GROUPS or override.is_delete():
            continue
        if isinstance(override.value(), Glob):
            continue  # a pattern: Hydra expands it over the existing options
        if override.is_sweep_override():
            values = list(override.sweep_string_iterator())
        else:
            values = [str(override.value())]
        options = group_options(group, conf_dir)
        for value in values:
            if value not in options:
                return unknown_name_message(group, value, options)
    return None


def _choices(group: str, overrides: list, conf_dir: Path) -> list[str]:
    """The options of ``group`` the command line picks (its default when it picks none)."""
    for override in overrides:
        if override.key_or_group != group or override.is_delete():
            continue
        if isinstance(override.value(), Glob):
            return group_options(group, conf_dir)
        if override.is_sweep_override():
            return list(override.sweep_string_iterator())
        return [str(override.value())]
    defaults = yaml.safe_load((conf_dir / "config.yaml").read_text()).get("defaults", [])
    return [entry[group] for entry in defaults if isinstance(entry, dict) and group in entry]


def _check_key(key: str, overrides: list, conf_dir: Path) -> str | None:
    """A message when ``algo.<param>`` / ``filter.<param>`` names no parameter of the choice."""
    group, _, param = key.partition(".")
    registry = {"algo": algorithms.SEGMENTERS, "filter": algorithms.FILTERS}.get(group)
    if registry is None or "." in param:
        return None
    for choice in _choices(group, overrides, conf_dir):
        if choice not in registry.available():
            continue  # an unknown choice: reported as such
        valid = ["name", *parameter_names(registry.get_class(choice))]
        if param not in valid:
            where = f" for {group} {choice!r}"
            return unknown_name_message("parameter", param, valid, where=where, listing="Valid")
    return None
