"""One style of help for every command line (argparse), below the CLI layer.

:func:`command_parser` is used by every ``segbench`` subcommand, including
``segbench report``, whose parser lives in :mod:`bench.report.build`; it
needs nothing but argparse, so the report layer can use it without
importing :mod:`bench.cli` (see ``tests/test_layers.py``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from bench.progress import QUIET_ENV

__all__ = ["command_parser"]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's and examples' line breaks; shows each option's default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            "%(default)" not in text
            and action.default is not None
            and action.default is not False
            and action.default not in (argparse.SUPPRESS, [])
            and action.option_strings
        ):
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """Every command has ``-q/--quiet``: no progress output (``$SEGBENCH_QUIET``)."""

    def parse_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def,override]
        parsed = super().parse_args(args, namespace)
        if getattr(parsed, "quiet", False):
            os.environ[QUIET_ENV] = "1"
        return parsed


def command_parser(
    prog: str, description: str, examples: Sequence[tuple[str, str]]
) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` in segbench's help style.

    Parameters
    ----------
    prog : str
        The command as typed, e.g. ``"segbench report"``.
    description : str
        What the command does, a few lines.
    examples : sequence of (command, comment)
        Real commands, shown under "examples:" at the end of ``--help``.
    """
    lines = []
    for command, note in examples:
        lines += [f"  # {note}", f"  {command}"] if note else [f"  {command}"]
    parser = _Parser(
        prog=prog,
        description=description,
        epilog="examples:\n" + "\n".join(lines),
        formatter_class=_Formatter,
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    return parser
