"""Pairing files by name: ``{id}_source.png`` ↔ ``{id}_target.png``.

A pattern is a file name, or a path below the dataset's folder, in which

* ``{id}`` stands for the part of the name shared by an image and its mask
  (any characters but ``/``; when it appears twice, both must be equal:
  ``{id}/images/{id}.png``);
* ``*`` stands for any characters but ``/`` (``{id}.*`` takes any extension);
* everything else must match exactly, letter case included.

Hidden files and folders (names starting with ``.``) are never matched.
A pattern without ``{id}`` names one file, whose id is its stem.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench._util import natural_key

__all__ = ["index", "pattern_regex"]


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression a pairing pattern stands for (see the module doc).

    Examples
    --------
    >>> pattern_regex("{id}_training.tif").match("21_training.tif").group("id")
    '21'
    >>> pattern_regex("{id}/images/{id}.*").match("ab/images/ab.png") is not None
    True
    """
    parts = []
    seen_id = False
    for token in re.split(r"(\{id\}|\*)", pattern):
        if token == "{id}":
            parts.append("(?P=id)" if seen_id else "(?P<id>[^/]+)")
            seen_id = True
        elif token == "*":
            parts.append("[^/]*")
        else:
            parts.append(re.escape(token))
    return re.compile("^" + "".join(parts) + "$")


def _glob(pattern: str) -> str:
    return re.sub(r"\{id\}", "*", pattern)


def index(
    folder: Path, pattern: str, *, directories: bool = False, exclude: frozenset[Path] = frozenset()
) -> tuple[dict[str, Path], list[Path]]:
    """Map each id to its file under ``folder``; also list the files the pattern missed.

    Parameters
    ----------
    folder : Path
        Where to look (must exist).
    pattern : str
        A pairing pattern, relative to ``folder``.
    directories : bool
        Match folders instead of files (per-object mask folders).
    exclude : set of Path
        Files claimed by another role (masks kept in the images' folder).

    Returns
    -------
    found : dict
        id → path, in natural order of the ids.
    missed : list of Path
        Visible files directly in ``folder`` that the pattern did not match
        (so that a user can see what was left out, and why).

    Raises
    ------
    ValueError
        If two files give the same id (both are named).
    """
    regex = pattern_regex(pattern)
    found: dict[str, Path] = {}
    for path in sorted(folder.glob(_glob(pattern))):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or path in exclude:
            continue
        if path.is_dir() != directories:
            continue
        match = regex.match(relative.as_posix())
        if match is None:
            continue
        key = match.group("id") if "id" in regex.groupindex else Path(pattern).stem
        if key in found:
            msg = (
                f"Two files under {folder} give the id {key!r} with the pattern {pattern!r}: "
                f"{found[key].name} and {relative.as_posix()}. Narrow the pattern "
                "(e.g. '{id}.png' instead of '{id}.*') or rename one."
            )
            raise ValueError(msg)
        found[key] = path
    used = set(found.values()) | set(exclude)
    missed = [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".") and p not in used
    ]
    return dict(sorted(found.items(), key=lambda item: natural_key(item[0]))), missed
