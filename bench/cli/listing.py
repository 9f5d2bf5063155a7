"""``segbench list``: the methods, filters, datasets and metrics, one line each.

Methods and filters come from the registries of :mod:`algorithms` (so a new
one is listed the moment it is registered) with the description of their
config file (``conf/algo/<name>.yaml``) or, without one, their docstring;
datasets are the named configs of ``conf/dataset/`` and the user's folders
(``hydra.searchpath``, ``$SEGBENCH_CONFIG``); metrics are :data:`bench.METRICS`.
"""

from __future__ import annotations

import fnmatch
import inspect
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import algorithms
from bench.cli.help import _description, command_parser
from bench.cli.overrides import config_dirs, group_options, option_file
from bench.metrics import METRICS
from bench.report.figures import method_family

__all__ = ["KINDS", "entries", "main"]

KINDS = ("methods", "filters", "datasets", "metrics")


def _first_line(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")


def _sentence(text: str, limit: int = 110) -> str:
    """The first sentence of ``text``, at most ``limit`` characters: one line per item."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def _metric_line(name: str) -> str:
    try:  # declared metric records (bench.metrics.registry), where present
        from bench.metrics import REGISTRY  # type: ignore[attr-defined]
    except ImportError:
        REGISTRY = {}
    record = REGISTRY.get(name)
    if record is None:
        return _first_line(METRICS[name]) or "count-based score (bench.metrics)"
    direction = "higher" if record.higher_is_better else "lower"
    return f"{record.label}: range [{record.low:g}, {record.high:g}], {direction} is better"


def entries(
    kind: str, pattern: str = "*", dirs: Sequence[Path] | None = None
) -> list[tuple[str, str]]:
    """``(name, description)`` of each item of ``kind`` whose name matches ``pattern``."""
    dirs = config_dirs() if dirs is None else list(dirs)
    if kind == "methods":
        rows = []
        for name in algorithms.available(pattern):
            text = _description(option_file("algo", name, dirs)) or _first_line(
                algorithms.get_class(name)
            )
            rows.append((name, f"[{method_family(name)}] {text}"))
        extra = [
            (n, _description(option_file("algo", n, dirs)))
            for n in group_options("algo", dirs)
            if n not in algorithms.available() and fnmatch.fnmatch(n, pattern)
        ]
        return sorted(rows + extra)
    if kind == "filters":
        return [
            (
                name,
                _description(option_file("filter", name, dirs))
                or _first_line(algorithms.FILTERS.get_class(name)),
            )
            for name in algorithms.available_filters(pattern)
        ]
    if kind == "datasets":
        return [
            (name, _description(option_file("dataset", name, dirs)))
            for name in group_options("dataset", dirs)
            if fnmatch.fnmatch(name, pattern)
        ]
    if kind == "metrics":
        return [(n, _metric_line(n)) for n in METRICS if fnmatch.fnmatch(n, pattern)]
    msg = f"Unknown kind {kind!r}; choose one of {', '.join(KINDS)}."
    raise ValueError(msg)


def main(argv: Sequence[str] | None = None, prog: str = "segbench list") -> int:
    """Print the listing; returns the exit status (2 for bad input)."""
    parser = command_parser(
        prog,
        "List what a run can use, one line each: methods (with their family), filters,\n"
        "datasets (named configs, yours included) and metrics. PATTERN is a shell-style\n"
        "wildcard on the names.",
        [
            ("segbench list", "everything"),
            ("segbench list methods 'local_*'", "the local methods whose name starts local_"),
            ("segbench list datasets", "named dataset configs, with their description"),
        ],
    )
    parser.add_argument(
        "kind", nargs="?", default="all", choices=[*KINDS, "all"], help="what to list"
    )
    parser.add_argument("pattern", nargs="?", default="*", help="wildcard on the names")
    args = parser.parse_args(argv)
    kinds = KINDS if args.kind == "all" else (args.kind,)
    found = False
    for kind in kinds:
        rows = entries(kind, args.pattern)
        if not rows:
            continue
        found = True
        if len(kinds) > 1:
            print(f"{kind}:")
        width = max(len(n) for n, _ in rows)
        indent = "  " if len(kinds) > 1 else ""
        for name, text in rows:
            print(f"{indent}{name:<{width}}  {_sentence(text)}".rstrip())
    if not found:
        print(f"error: nothing matches {args.pattern!r}.", file=sys.stderr)
        return 2
    return 0
