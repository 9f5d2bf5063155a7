"""Early check of config-group choices on the command line (``algo=lii``).

Hydra lists the available options of a group when one is missing; this adds
the closest match and exits before Hydra starts.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob
from hydra.errors import HydraException

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
                close = difflib.get_close_matches(value, options, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                return f"Unknown {group} {value!r}.{hint} Available: {', '.join(options)}."
    return None
