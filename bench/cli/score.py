"""``segbench score FOLDER [OPTIONS] [OVERRIDES...]``: another tool's results, scored.

A thin front to ``segbench run algo=predictions algo.path=FOLDER …``: the
options become ``algo.<key>`` overrides (quoted for Hydra, so a pattern such as
``{id}.png`` needs no shell gymnastics) and the remaining words are passed on as
Hydra overrides (``dataset=dibco2009``, ``output.masks=true``, ``-m`` for several
folders is not needed: give several folders). Everything else — pairing,
truth rules, metrics, the run folder — is the benchmark's own
(:mod:`bench.data.predictions`, :mod:`bench.run.scoring`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bench.cli.help import command_parser

__all__ = ["main", "overrides"]

_OPTIONS = ("pattern", "label", "kind", "value", "objects", "threshold", "unpaired")


def _quoted(value: str) -> str:
    """A Hydra override value as a quoted string (braces, commas and spaces kept)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def overrides(
    folders: Sequence[str], options: dict[str, str | None], rest: Sequence[str]
) -> list[str]:
    """The ``segbench run`` arguments that score ``folders`` with ``options``."""
    if not folders:
        msg = "segbench score needs at least one folder of predictions; got none."
        raise ValueError(msg)
    words = ["algo=predictions"]
    if len(folders) > 1:
        words.insert(0, "-m")
        words.append("algo.path=" + ",".join(_quoted(f) for f in folders))
    else:
        words.append(f"algo.path={_quoted(folders[0])}")
    for key in _OPTIONS:
        value = options.get(key)
        if value is not None:
            words.append(f"algo.{key}={_quoted(value)}")
    return [*words, *rest]


def main(argv: Sequence[str] | None = None, prog: str = "segbench score") -> int:
    """Parse ``argv`` and run the benchmark on the predictions; returns the exit status."""
    parser = command_parser(
        prog,
        "Score another tool's masks or score maps against a dataset's ground truth, like a\n"
        "registered method: the same pairing rules, metrics, tables, overlays and report.\n"
        "Several folders give one sweep (a leaderboard of the tools). Words after the\n"
        "options are Hydra overrides of the run (dataset=..., output.masks=true, ...).",
        [
            (f"{prog} /runs/mynet dataset=dibco2009 --pattern '{{id}}.png'", "one tool"),
            (f"{prog} /runs/a /runs/b dataset=dibco2009 --objects dark", "two tools, one board"),
            (f"{prog} /runs/unet_probs --kind scores --threshold 0.4 dataset=isbi2012", "maps"),
        ],
    )
    parser.add_argument("words", nargs="+", help="prediction folders, then Hydra overrides")
    parser.add_argument("--pattern", help="file of each image's prediction, {id} the sample id")
    parser.add_argument("--label", help="the method's name in tables (default: folder name)")
    parser.add_argument("--kind", choices=("binary", "scores"), help="masks or score maps")
    parser.add_argument("--value", help="binary: the object's value, or nonzero")
    parser.add_argument("--objects", choices=("bright", "dark"), help="the object's side")
    parser.add_argument("--threshold", help="scores: object is scores > threshold")
    parser.add_argument("--unpaired", choices=("error", "skip"), help="images without a file")
    args = parser.parse_intermixed_args(argv)  # folders, options and overrides in any order
    folders = [w for w in args.words if "=" not in w and not w.startswith("-")]
    rest = [w for w in args.words if w not in folders]
    try:
        words = overrides(folders, {k: getattr(args, k) for k in _OPTIONS}, rest)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.quiet:
        words.append("--quiet")
    from bench.cli.main import entry

    entry(words, prog=prog)
    return 0
