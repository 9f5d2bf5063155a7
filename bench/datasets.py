"""Datasets: pairs of images and ground-truth masks, read one at a time.

A dataset yields :class:`Sample` objects. The image is returned as stored
(the runner applies the polarity rule); the truth is already a boolean mask
by the dataset's ``truth_value`` rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ._util import natural_key

__all__ = [
    "FolderDataset",
    "Sample",
    "builtin_sample",
    "from_config",
    "invert",
    "read_image",
    "read_truth",
]

POLARITIES = ("bright", "dark")


@dataclass(frozen=True, eq=False)
class Sample:
    """One image with its ground truth.

    Attributes
    ----------
    id : str
        Name of the sample within its dataset.
    image : ndarray
        2-D intensities as stored in the file (colour converted to grey).
    truth : ndarray of bool
        Ground-truth foreground.
    fov : ndarray of bool or None
        Field of view: only pixels inside it are scored.
    polarity : {"bright", "dark"}
        Whether the objects are brighter or darker than the background.
    meta : dict
        Provenance (file paths, …).
    """

    id: str
    image: np.ndarray
    truth: np.ndarray
    fov: np.ndarray | None = None
    polarity: str = "bright"
    meta: dict[str, Any] = field(default_factory=dict)

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


def invert(image: np.ndarray) -> np.ndarray:
    """Swap dark and bright: ``max - image`` for unsigned integers (``255 - image``).

    Signed integers and floats are mirrored within their own range
    (``min + max - image``) so the values stay representable.
    """
    if np.issubdtype(image.dtype, np.unsignedinteger):
        return np.iinfo(image.dtype).max - image
    lo, hi = image.min(), image.max()
    return (lo + hi - image).astype(image.dtype)


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file to a 2-D grey array (colour: unweighted channel mean).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file cannot be decoded as an image.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"Image file not found: {path}"
        raise FileNotFoundError(msg)
    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            import tifffile

            array = tifffile.imread(path)
        else:
            from PIL import Image

            with Image.open(path) as img:
                if img.mode == "1":
                    img = img.convert("L")
                elif img.mode == "P":
                    img = img.convert("RGBA" if "transparency" in img.info else "RGB")
                array = np.asarray(img)
    except (OSError, SyntaxError, ValueError) as error:
        msg = f"Cannot read {path} as an image: {error}"
        raise ValueError(msg) from error
    if array.ndim == 3:
        channels = array[..., :3] if array.shape[-1] in (3, 4) else array
        # ImageJ's RGB → 8-bit rule: round((R + G + B) / 3).
        grey = np.floor(channels.astype(np.float64).mean(axis=-1) + 0.5)
        array = grey.astype(array.dtype)
    if array.ndim != 2:
        msg = f"{path} holds an array of shape {array.shape}; expected a 2-D image."
        raise ValueError(msg)
    return array


def read_truth(path: str | Path, truth_value: int | str = 255) -> np.ndarray:
    """Read a ground-truth file to a boolean mask.

    Parameters
    ----------
    truth_value : int or "nonzero"
        The value that marks foreground. Any other value than it and the one
        background value is an error naming the values found.
    """
    values = read_image(path)
    if truth_value == "nonzero":
        return values != 0
    if isinstance(truth_value, str):
        msg = f"truth_value must be an integer or 'nonzero'; got {truth_value!r}."
        raise ValueError(msg)
    found = np.unique(values)
    if found.size > 2 or (found.size == 2 and truth_value not in found):
        shown = ", ".join(str(v) for v in found[:12]) + (" …" if found.size > 12 else "")
        msg = (
            f"Ground truth {path} is not binary under the rule foreground == {truth_value}: "
            f"found values {shown}. Set the dataset's truth_value (or 'nonzero') to match."
        )
        raise ValueError(msg)
    return values == truth_value


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(pattern).replace(r"\{id\}", "(?P<id>.+)") + "$")


@dataclass
class FolderDataset:
    """Images and masks in two folders, paired by a file-name pattern.

    ``image_pattern`` and ``mask_pattern`` contain ``{id}``, the part of the
    name shared by an image and its mask (``"{id}_source.png"`` ↔
    ``"{id}_target.png"``). Files that match a pattern but have no partner
    are an error that names them.
    """

    name: str
    images: Path
    masks: Path
    image_pattern: str = "{id}.png"
    mask_pattern: str = "{id}.png"
    truth_value: int | str = 255
    polarity: str = "bright"

    def _index(self, folder: Path, pattern: str) -> dict[str, Path]:
        if not folder.is_dir():
            msg = f"Dataset {self.name!r}: folder not found: {folder}"
            raise FileNotFoundError(msg)
        if "{id}" not in pattern:
            path = folder / pattern
            return {Path(pattern).stem: path} if path.is_file() else {}
        regex = _pattern_regex(pattern)
        found = {}
        for path in sorted(folder.iterdir()):
            match = regex.match(path.name)
            if match and path.is_file():
                found[match.group("id")] = path
        return found

    def pairs(self) -> list[tuple[str, Path, Path]]:
        """Sorted (id, image path, mask path) triples."""
        images = self._index(Path(self.images), self.image_pattern)
        masks = self._index(Path(self.masks), self.mask_pattern)
        if "{id}" not in self.image_pattern and len(images) == len(masks) == 1:
            (key, image), (mask,) = next(iter(images.items())), masks.values()
            return [(key, image, mask)]
        unpaired = sorted(
            [str(images[k]) for k in images.keys() - masks.keys()]
            + [str(masks[k]) for k in masks.keys() - images.keys()]
        )
        if unpaired:
            msg = (
                f"Dataset {self.name!r}: {len(unpaired)} file(s) have no partner under the "
                f"pairing rule {self.image_pattern!r} ↔ {self.mask_pattern!r}: "
                + ", ".join(unpaired)
            )
            raise ValueError(msg)
        if not images:
            msg = (
                f"Dataset {self.name!r}: no image matches {self.image_pattern!r} in {self.images}."
            )
            raise FileNotFoundError(msg)
        return [(key, images[key], masks[key]) for key in sorted(images, key=natural_key)]

    def __iter__(self) -> Iterator[Sample]:
        for key, image_path, mask_path in self.pairs():
            yield self.load(key, image_path, mask_path)

    def __len__(self) -> int:
        return len(self.pairs())

    def load(self, key: str, image_path: Path, mask_path: Path) -> Sample:
        image = read_image(image_path)
        truth = read_truth(mask_path, self.truth_value)
        if truth.shape != image.shape:
            msg = (
                f"Dataset {self.name!r}: mask {mask_path} is {truth.shape[1]}×{truth.shape[0]} "
                f"but image {image_path} is {image.shape[1]}×{image.shape[0]}; they must match."
            )
            raise ValueError(msg)
        meta = {"image_path": str(image_path), "mask_path": str(mask_path)}
        return Sample(key, image, truth, None, self.polarity, meta)


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


def from_config(config: dict[str, Any]) -> FolderDataset:
    """Build a dataset from a ``dataset`` config node (see ``conf/dataset/``).

    ``root: null`` means the KESM sample bundled with the package; a relative
    ``root`` is taken from the current directory.
    """
    root = builtin_root() if config.get("root") in (None, "") else Path(config["root"]).expanduser()
    return FolderDataset(
        name=config["name"],
        images=root / config.get("images", "images"),
        masks=root / config.get("masks", "masks"),
        image_pattern=config.get("image_pattern", "{id}.png"),
        mask_pattern=config.get("mask_pattern", "{id}.png"),
        truth_value=config.get("truth_value", 255),
        polarity=config.get("polarity", "bright"),
    )
