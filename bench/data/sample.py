"""One image with its ground truth: the unit every dataset yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["POLARITIES", "Sample", "invert"]

POLARITIES = ("bright", "dark")


@dataclass(frozen=True, eq=False)
class Sample:
    """One image with its ground truth.

    Attributes
    ----------
    id : str
        Name of the sample within its dataset (``"21"``, ``"volume[3]"`` for
        page 3 of a stack).
    image : ndarray
        2-D intensities as stored in the file (colour converted to grey; may be
        a read-only memory map).
    truth : ndarray of bool
        Ground-truth foreground.
    fov : ndarray of bool or None
        Field of view: only pixels inside it are scored.
    polarity : {"bright", "dark"}
        Whether the objects are brighter or darker than the background (a
        dataset's ``auto`` is already resolved here).
    meta : dict
        Provenance (file paths, page, how the polarity was decided, …).
    split : {"train", "test"} or None
        The sample's side of the dataset's seeded train/test split.
    fov_for_threshold : bool
        Whether global methods estimate their threshold inside ``fov`` only
        (True) or from the whole image (False). Scoring always uses ``fov``.
    """

    id: str
    image: np.ndarray
    truth: np.ndarray
    fov: np.ndarray | None = None
    polarity: str = "bright"
    meta: dict[str, Any] = field(default_factory=dict)
    split: str | None = None
    fov_for_threshold: bool = True

    def __post_init__(self) -> None:
        if self.polarity not in POLARITIES:
            msg = f"polarity must be 'bright' or 'dark'; got {self.polarity!r}."
            raise ValueError(msg)
        image_shape = np.shape(self.image)
        for label, array in (("ground truth", self.truth), ("field of view", self.fov)):
            if array is not None and np.shape(array) != image_shape:
                msg = (
                    f"Sample {self.id!r}: the {label} has shape {np.shape(array)} but the "
                    f"image has shape {image_shape}; they must match."
                )
                raise ValueError(msg)

    @property
    def threshold_fov(self) -> np.ndarray | None:
        """The mask a segmenter estimates its threshold in (None: the whole image)."""
        return self.fov if self.fov_for_threshold else None


def invert(image: np.ndarray) -> np.ndarray:
    """Swap dark and bright: ``max - image`` for unsigned integers (``255 - image``).

    Signed integers and floats are mirrored within their own range
    (``min + max - image``) so the values stay representable.
    """
    if np.issubdtype(image.dtype, np.unsignedinteger):
        return np.iinfo(image.dtype).max - image
    lo, hi = image.min(), image.max()
    return (lo + hi - image).astype(image.dtype)
