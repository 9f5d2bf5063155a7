"""Where a relative dataset path is looked for: the current directory, then the repository.

The shared data sit at ``../shared/data`` next to the repository; looking
for a relative path from the repository too makes the named datasets work
whatever the current directory is. An absolute path (``~`` expanded) is
taken as is; a relative one found in neither place is left relative, and
the error that reports it names both places (:func:`not_found_hint`).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPO_ROOT", "not_found_hint", "resolve_path"]

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding ``bench/`` (the repository, for a source checkout)."""


def resolve_path(path: str | Path) -> Path:
    """``path`` itself if absolute or found from the current directory, else from the repository.

    Examples
    --------
    >>> resolve_path("~/data") == Path.home() / "data"
    True
    """
    path = Path(path).expanduser()
    if path.is_absolute() or path.exists():
        return path
    from_repo = REPO_ROOT / path
    return from_repo if from_repo.exists() else path


def not_found_hint(path: str | Path) -> str:
    """What to add to a "folder not found" message about ``path``."""
    if Path(path).is_absolute():
        return ""
    return (
        f" (a relative path: looked for from {Path.cwd()} and from {REPO_ROOT}). Set "
        "dataset.root=DIR, or SEGBENCH_DATA=DIR for the named datasets"
    )
