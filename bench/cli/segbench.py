"""``segbench``: one command for the benchmark, its reports and tools.

=============  ==========================================================
subcommand     what it does (its code)
=============  ==========================================================
``run``        the Hydra benchmark, all overrides (:mod:`bench.cli.main`)
``report``     leaderboards and the HTML report (:mod:`bench.report.build`)
``try-all``    every global method on one image (:mod:`bench.cli.try_all`)
``publish``    the published leaderboard (:mod:`bench.cli.publish`)
``score``      another tool's masks or score maps (:mod:`bench.cli.score`)
``list``       methods, filters, datasets, metrics (:mod:`bench.cli.listing`)
``completion`` the shell completion script (:mod:`bench.cli.completion`)
=============  ==========================================================

``python -m bench`` stays the same as ``segbench run``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

__all__ = ["SUBCOMMANDS", "main"]


def _run(argv: list[str]) -> int:
    from bench.cli.main import entry

    entry(argv, prog="segbench run")
    return 0


def _report(argv: list[str]) -> int:
    from bench.report.build import main

    return main(argv, prog="segbench report")


def _try_all(argv: list[str]) -> int:
    from bench.cli.try_all import main

    return main(argv, prog="segbench try-all")


def _publish(argv: list[str]) -> int:
    from bench.cli.publish import main

    return main(argv, prog="segbench publish")


def _score(argv: list[str]) -> int:
    from bench.cli.score import main

    return main(argv, prog="segbench score")


def _list(argv: list[str]) -> int:
    from bench.cli.listing import main

    return main(argv, prog="segbench list")


def _completion(argv: list[str]) -> int:
    from bench.cli.completion import main

    return main(argv, prog="segbench completion")


SUBCOMMANDS: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "run": (_run, "run the benchmark (Hydra overrides: algo=li filter.size=5, -m sweeps)"),
    "report": (_report, "leaderboards, statistics and the HTML report of runs"),
    "try-all": (_try_all, "every global threshold method on one image: table and montage"),
    "publish": (_publish, "regenerate the published leaderboard of the shared datasets"),
    "score": (_score, "score another tool's masks or score maps (folders) like a method"),
    "list": (_list, "methods, filters, datasets and metrics, one line each (wildcards)"),
    "completion": (_completion, "print the shell completion script (bash, zsh)"),
}


def usage() -> str:
    """The top-level help page."""
    width = max(map(len, SUBCOMMANDS))
    lines = [
        "usage: segbench [--version] [--help] SUBCOMMAND [ARGS...]",
        "",
        "Benchmark binary segmentation methods on images with ground truth: exact scores,",
        "timings, overlays, leaderboards with confidence intervals, an explorable report.",
        "",
        "subcommands (segbench SUBCOMMAND --help for its options and examples):",
        *(f"  {name:<{width}}  {text}" for name, (_, text) in SUBCOMMANDS.items()),
        "",
        "options:",
        "  -h, --help  this page",
        "  --version   segbench's version and those of its key dependencies",
        "",
        "examples:",
        "  segbench run algo=li filter.size=5         # Li after a 5x5 median on the sample",
        "  segbench list methods 'local_*'            # the local methods, one line each",
        "  segbench report results/multirun/2026-11-27/10-00-00",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``segbench`` console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else 2
    if args[0] == "--version":
        from bench.cli.help import version_text

        print(version_text())
        return 0
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        from algorithms._validation import unknown_name_message

        print(f"error: {unknown_name_message('subcommand', name, SUBCOMMANDS)}", file=sys.stderr)
        return 2
    return SUBCOMMANDS[name][0](rest)


def console() -> None:
    """``[project.scripts] segbench``: exit with :func:`main`'s status."""
    sys.exit(main())


if __name__ == "__main__":
    console()
