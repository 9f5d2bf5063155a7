"""Datasets from config nodes (``conf/dataset/*.yaml``), and the bundled sample.

A config's ``images``, ``masks`` and ``fov`` folders are taken relative to
its ``root``:

* ``root: null`` (or empty): the KESM tile bundled inside the package;
* otherwise ``root/images`` …, absolute as is, relative looked for from the
  current directory and then from the repository
  (:func:`~bench.data.paths.resolve_path`), so that the default
  ``../shared/data/...`` works whatever the current directory. A folder
  found in neither place is reported when the dataset is first listed
  (``pairs()``, or the run), naming both places.

The named datasets take their root from ``$SEGBENCH_DATA`` (default
``../shared/data``): set it once to use a copy of the data elsewhere, or
override ``dataset.root=DIR`` per run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from bench.data.folder import FolderDataset
from bench.data.kinds import FolderConfig, check_settings, register_kind
from bench.data.paths import resolve_path

__all__ = ["builtin_root", "builtin_sample", "from_config", "method_specs"]


def builtin_root() -> Path:
    """Folder of the bundled KESM sample (inside the installed package)."""
    return Path(str(resources.files("bench") / "data" / "kesm"))


def builtin_sample() -> FolderDataset:
    """The founding article's KESM tile: dark vessels, truth 255 = vessel.

    The article inverts the image first (``255 - image``) and thresholds the
    now bright vessels (``image > t``, Otsu's t = 79 after a 3×3 median): the
    sample declares that step (``invert=True``, then ``polarity="bright"``)
    so that its numbers reproduce exactly.
    """
    root = builtin_root()
    return FolderDataset(
        name="kesm",
        images=root / "images",
        masks=root / "masks",
        image_pattern="grayscale.png",
        mask_pattern="groundtruth.png",
        truth_value=255,
        polarity="bright",
        invert=True,
    )


def method_specs(config: Mapping[str, Any], names: Sequence[str]) -> list[dict[str, Any]]:
    """Method specs for ``names`` with the dataset's declared parameters (``method_defaults``).

    A field's published baselines use its own parameters (the DIBCO
    literature's Sauvola has ``k = 0.2``, Fiji's default is 0.5): a dataset
    config declares them once, and every run on it (the CLI, the published
    leaderboard, the quality gate) starts from them.

    >>> method_specs({"method_defaults": {"sauvola": {"k": 0.2}}}, ["otsu", "sauvola"])
    [{'name': 'otsu'}, {'name': 'sauvola', 'k': 0.2}]
    """
    declared = config.get("method_defaults") or {}
    return [{"name": name, **dict(declared.get(name) or {})} for name in names]


def _folder(root: str | None, sub: str | None, role: str, name: str) -> Path | None:
    if sub is None or sub == "???":
        if role == "fov":
            return None  # no field of view: the whole image counts
        msg = f"Dataset {name!r} needs dataset.{role}=DIR (the folder of its {role})."
        raise ValueError(msg)
    if root is None or str(root) == "":
        return builtin_root() / sub
    return resolve_path(Path(root).expanduser() / Path(sub).expanduser())


def from_config(config: Mapping[str, Any]) -> FolderDataset:
    """Build a dataset from a ``dataset`` config node (see ``conf/dataset/``).

    Keys are those of :class:`bench.data.kinds.FolderConfig`; ``images``,
    ``masks`` and ``fov`` are folders relative to ``root`` (or absolute).
    An unknown key is an error naming the closest valid one.
    """
    check_settings(config, FolderConfig)
    fields = {f.name: f for f in dataclasses.fields(FolderConfig)}
    values = {k: config.get(k, f.default) for k, f in fields.items()}
    kind = values.pop("kind")
    if kind != "folder":
        msg = f"from_config builds folder datasets; got kind {kind!r} (use dataset_from_config)."
        raise ValueError(msg)
    name = values.pop("name")
    if name in (None, "???"):
        msg = "A dataset config needs a 'name'."
        raise ValueError(msg)
    root = values.pop("root")
    # A second annotation is the report's business (bench.report.second_observer), not the loader's.
    values.pop("second_observer", None)
    values.pop("second_observer_pattern", None)
    values.pop("metrics", None)  # the run's metric set (bench.cli.config.run_metrics)
    # Method parameters are the plan's business (method_specs), not the loader's.
    values.pop("method_defaults", None)
    folders = {
        role: _folder(root, values.pop(role), role, name) for role in ("images", "masks", "fov")
    }
    return FolderDataset(name=name, **folders, **values)


register_kind("folder", FolderConfig, from_config)
