"""Regenerate the edge-case table of a Markdown file from the metric records.

    python -m bench.metrics docs/metrics.md

Replaces what lies between ``<!-- edge-case table: begin -->`` and
``<!-- edge-case table: end -->`` with :func:`bench.metrics.edge_case_table`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .registry import edge_case_table

BEGIN, END = "<!-- edge-case table: begin -->", "<!-- edge-case table: end -->"


def update(path: Path) -> bool:
    """Rewrite the table in ``path``; True when the file changed."""
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        msg = f"{path} has no {BEGIN} … {END} block to fill; add the two markers first."
        raise ValueError(msg)
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{edge_case_table()}{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    changed = update(Path(args[0]))
    print(f"{args[0]}: {'updated' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
