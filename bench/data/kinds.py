"""Dataset kinds: a registry of ``kind`` → (config dataclass, builder).

A dataset config node (``conf/dataset/<name>.yaml``) names its ``kind``;
:func:`dataset_from_config` checks the node's keys against that kind's
dataclass and builds the dataset. Two kinds exist:

* ``folder`` (:class:`FolderConfig`, built by :func:`bench.data.configs.from_config`):
  folders of image files paired with mask files by name;
* ``volume`` (:class:`bench.scale.volumes.VolumeConfig`, registered by
  :mod:`bench.scale.volumes`): one image or stack file read lazily, tile by tile.

A node without ``kind`` is a ``volume`` when ``images`` names a lazily read
file (``.npy``, ``.tif``, ``.zarr``) and a ``folder`` otherwise.

A new kind: a dataclass of its settings (every field with a default; ``"???"``
for a required one), a builder from the checked settings to an iterable of
:class:`bench.data.Sample`, and ``register_kind("name", Config, build)`` in
the module that defines them — :mod:`bench.scale.volumes` is the worked
example. The dataclasses are plain: the command line registers them in
Hydra's ConfigStore (:func:`bench.cli.config.register_configs`); this
package never imports Hydra.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from algorithms._validation import unknown_name_message

__all__ = [
    "KINDS",
    "LAZY_SUFFIXES",
    "FolderConfig",
    "Kind",
    "check_settings",
    "dataset_from_config",
    "kind_of",
    "register_kind",
]

LAZY_SUFFIXES = (".npy", ".tif", ".tiff", ".zarr")
"""File suffixes that make a config without ``kind`` a ``volume``."""


@dataclass
class FolderConfig:
    """A folder dataset: where the images and masks are, and how to read them."""

    name: str = "???"
    kind: str = "folder"
    root: str | None = None  # None: the sample bundled with the package
    images: str | None = "images"  # folders, relative to root (or absolute); required
    masks: str | None = "masks"
    image_pattern: str = "{id}.png"  # pairing: {id} is the shared part, * any characters
    mask_pattern: str = "{id}.png"
    truth_value: Any = 255  # an integer, or "nonzero"
    polarity: str = "bright"  # "bright", "dark" objects, or "auto" (decided per image)
    invert: bool = False  # an explicit "invert first" step (max - image) when read
    grey: str = "mean"  # colour to grey: "mean" (ImageJ) or "luminance" (BT.601)
    instance_masks: bool = False  # mask_pattern names a folder of per-object masks
    fov: str | None = None  # folder of field-of-view masks; None: the whole image
    fov_pattern: str = "{id}.png"
    fov_value: Any = 255  # the value inside the field of view, or "nonzero"
    fov_for_threshold: bool = True  # global thresholds estimated inside the field of view
    unpaired: str = "error"  # files without a partner: "error", or "skip" (with a warning)
    split: str = "all"  # "all", "train" or "test" (seeded hash of each sample id)
    test_fraction: float = 0.3  # bench.data.splits.DEFAULT_TEST_FRACTION
    seed: int = 0
    limit: int | None = None  # at most N samples (after the split)
    max_pixels: int = 268435456  # largest page (2**28 px), checked from headers before decoding
    second_observer: str | None = None  # folder of a second annotation
    second_observer_pattern: str | None = None  # its file pattern; None: mask_pattern
    # The field's parameters for methods it uses as baselines (name -> {param: value}),
    # e.g. {sauvola: {k: 0.2}}: they replace the constructor's defaults on this dataset.
    method_defaults: dict[str, Any] = field(default_factory=dict)
    # The metrics this dataset's boards show (names or groups of bench.metrics); the run's
    # business (bench.cli.config.run_metrics), not the loader's.
    metrics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Kind:
    """A registered dataset kind."""

    name: str
    config: type
    build: Callable[[dict[str, Any]], Any]


KINDS: dict[str, Kind] = {}
"""Registered dataset kinds by name."""


def register_kind(name: str, config: type, build: Callable[[dict[str, Any]], Any]) -> None:
    """Register a dataset kind; a second registration of a name is an error."""
    if name in KINDS and KINDS[name] != Kind(name, config, build):
        msg = f"Dataset kind {name!r} is already registered ({KINDS[name].config.__name__})."
        raise ValueError(msg)
    KINDS[name] = Kind(name, config, build)


def kind_of(config: Mapping[str, Any]) -> str:
    """The config's ``kind``, or the one its ``images`` implies when it names none."""
    kind = config.get("kind")
    if kind:
        return str(kind)
    return (
        "volume"
        if Path(str(config.get("images", ""))).suffix.lower() in LAZY_SUFFIXES
        else "folder"
    )


def check_settings(config: Mapping[str, Any], schema: type, what: str = "dataset setting") -> None:
    """Refuse a key that ``schema`` (a dataclass) does not have, naming the closest one."""
    fields = [f.name for f in dataclasses.fields(schema)]
    for key in config:
        if key not in fields:
            raise ValueError(unknown_name_message(what, key, fields, listing="Valid"))


def dataset_from_config(config: Mapping[str, Any]) -> Any:
    """Build the dataset a ``dataset`` config node describes, by its kind."""
    kind = kind_of(config)
    if kind not in KINDS:
        raise ValueError(unknown_name_message("dataset kind", kind, sorted(KINDS)))
    return KINDS[kind].build({**dict(config), "kind": kind})
