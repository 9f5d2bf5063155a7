"""Datasets from config nodes (``conf/dataset/*.yaml``), and the bundled sample.

Where a dataset's ``root`` is looked for:

* ``null`` (or empty): the KESM tile bundled inside the package;
* an absolute path (``~`` expanded): as is;
* a relative path: from the current directory if it exists there, else
  from the repository (the folder that holds ``bench/``), so that the
  default ``../shared/data/...`` works whatever the current directory.
  When neither exists the error names both places.

The named datasets take their root from ``$SEGBENCH_DATA`` (default
``../shared/data``): set it once to use a copy of the data elsewhere, or
override ``dataset.root=DIR`` per run.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from .folder import FolderDataset

__all__ = ["REPO_ROOT", "builtin_root", "builtin_sample", "from_config", "resolve_root"]

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding ``bench/`` (the repository, for a source checkout)."""


def builtin_root() -> Path:
    """Folder of the bundled KESM sample (inside the installed package)."""
    return Path(str(resources.files("bench") / "data" / "kesm"))


def builtin_sample() -> FolderDataset:
    """The founding article's KESM tile: dark vessels, truth 255 = vessel."""
    root = builtin_root()
    return FolderDataset(
        name="kesm",
        images=root / "images",
        masks=root / "masks",
        image_pattern="grayscale.png",
        mask_pattern="groundtruth.png",
        truth_value=255,
        polarity="dark",
    )


def resolve_root(root: str | Path | None) -> Path:
    """Where a config's ``root`` points (see the module doc for the rule)."""
    if root is None or str(root) == "":
        return builtin_root()
    path = Path(root).expanduser()
    if path.is_absolute() or path.exists():
        return path
    from_repo = REPO_ROOT / path
    return from_repo if from_repo.exists() else path


def _folder(root: Path, sub: str | None, role: str, name: str, given: Any) -> Path | None:
    if sub is None or sub == "???":
        if role == "fov":
            return None  # no field of view: the whole image counts
        msg = f"Dataset {name!r} needs dataset.{role}=DIR (the folder of its {role})."
        raise ValueError(msg)
    path = root / Path(sub).expanduser()
    if not root.exists() and not root.is_absolute():
        msg = (
            f"Dataset {name!r}: root folder {given!r} not found, neither in {Path.cwd()} nor "
            f"in {REPO_ROOT}. Set dataset.root=DIR (or SEGBENCH_DATA=DIR for the named "
            "datasets)."
        )
        raise FileNotFoundError(msg)
    return path


def from_config(config: Mapping[str, Any]) -> FolderDataset:
    """Build a dataset from a ``dataset`` config node (see ``conf/dataset/``).

    Keys are those of :class:`bench.config.DatasetConfig`; ``images``,
    ``masks`` and ``fov`` are folders relative to ``root`` (or absolute).
    An unknown key is an error naming the closest valid one.
    """
    from ..config import DatasetConfig  # bench.config imports Hydra; only needed here

    fields = {f.name: f for f in dataclasses.fields(DatasetConfig)}
    for key in config:
        if key not in fields:
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            msg = f"Unknown dataset setting {key!r}.{hint} Valid: {', '.join(fields)}."
            raise ValueError(msg)
    values = {k: config.get(k, f.default) for k, f in fields.items()}
    name = values.pop("name")
    if name in (None, "???"):
        msg = "A dataset config needs a 'name'."
        raise ValueError(msg)
    given = values.pop("root")
    root = resolve_root(given)
    folders = {
        role: _folder(root, values.pop(role), role, name, given)
        for role in ("images", "masks", "fov")
    }
    return FolderDataset(name=name, **folders, **values)
