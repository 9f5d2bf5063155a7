"""A second human annotation as a reference row: how far are methods from human agreement?

Some datasets ship two expert annotations of the same images (DRIVE's
second observer, for instance). The first one is the ground truth every
method is scored against; scoring the second one against it, exactly as a
method is scored, shows the agreement a method could hope for — a method
above it is within the disagreement of experts.

A dataset declares it in its config (``conf/dataset/<name>.yaml``)::

    second_observer: masks_observer2   # folder under root, paired like the masks
    second_observer_pattern: "{id}.png"  # optional; default: mask_pattern

The annotation is read with the dataset's ``truth_value`` rule and scored
within the sample's field of view; a second observer published as a
2-colour palette GIF (grey 3 and 253) needs ``truth_value: two_valued``,
which reads 0/255 first-observer masks the same way. A file that cannot be
read leaves the reference row without it and the report says so in a note
headed "SECOND OBSERVER INCOMPLETE" (:mod:`bench.report.images`); the
methods' curves, regret and overlays do not depend on it. Its rows carry ``reference = True``, so a
leaderboard shows them without ranking them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from bench.data import Sample, from_config, read_truth
from bench.metrics import confusion_counts, scores

__all__ = ["OBSERVER_CONFIG", "OBSERVER_KEYS", "observer_masks", "observer_row", "without_observer"]

OBSERVER_KEYS = ("second_observer", "second_observer_pattern")
"""The dataset-config keys of this hook; the dataset reader never sees them."""

OBSERVER_CONFIG = "second observer (human)"
"""The ``config`` (and ``algo``) shown for second-observer rows."""


def observer_masks(dataset_config: Mapping[str, Any]) -> dict[str, Path] | None:
    """Second-observer annotation file of each image id, or None if the dataset has none.

    Raises
    ------
    FileNotFoundError, ValueError
        If the declared folder is missing or its files do not pair with the images.
    """
    folder = dataset_config.get("second_observer")
    if folder in (None, ""):
        return None
    # The same dataset with the second annotation in place of the masks: the
    # dataset's own pairing rule finds each image's file.
    config = without_observer(dataset_config)
    config["masks"] = folder
    config["mask_pattern"] = dataset_config.get("second_observer_pattern") or config.get(
        "mask_pattern", "{id}.png"
    )
    return {entry[0]: Path(entry[2]) for entry in from_config(config).pairs()}


def without_observer(dataset_config: Mapping[str, Any]) -> dict[str, Any]:
    """The dataset config minus the second-observer keys, for the dataset reader."""
    return {k: v for k, v in dataset_config.items() if k not in OBSERVER_KEYS}


def observer_row(
    sample: Sample, mask_path: Path, truth_value: int | str, dataset: str
) -> dict[str, Any]:
    """A results row scoring the second annotation against the sample's truth."""
    second = read_truth(mask_path, truth_value)
    if second.shape != sample.truth.shape:
        msg = (
            f"Second-observer mask {mask_path} has shape {second.shape} but the truth of "
            f"{sample.id!r} has {sample.truth.shape}; they must match."
        )
        raise ValueError(msg)
    counts = confusion_counts(sample.truth, second, sample.fov)
    height, width = sample.truth.shape
    return {
        "dataset": dataset,
        "image": sample.id,
        "algo": OBSERVER_CONFIG,
        "filter": "none",
        "config": OBSERVER_CONFIG,
        "threshold": np.nan,
        "found": True,
        "polarity": sample.polarity,
        "height": height,
        "width": width,
        **counts.as_dict(),
        **scores(counts),
        "reference": True,
    }
