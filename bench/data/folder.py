"""A dataset of image files and mask files in folders, paired by name."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from algorithms import check_image
from bench.data.fingerprint import content_hash
from bench.data.pairing import index
from bench.data.paths import not_found_hint
from bench.data.polarity import POLARITY_RULES, resolve_polarity
from bench.data.readers import (
    GREY_RULES,
    MAX_PIXELS,
    check_header,
    instance_files,
    page_count,
    read_image,
    read_instances,
    value_mask,
)
from bench.data.sample import Sample, invert
from bench.data.splits import DEFAULT_TEST_FRACTION, SPLITS, split_of

__all__ = ["UNPAIRED_RULES", "DatasetWarning", "Entry", "FolderDataset"]

UNPAIRED_RULES = ("error", "skip")


class DatasetWarning(UserWarning):
    """Files a dataset left out (unpaired under ``unpaired="skip"``, or unmatched)."""


class Entry(NamedTuple):
    """One sample to load: its id, files and page."""

    id: str
    image: Path
    mask: Path
    fov: Path | None = None
    page: int = 0


@dataclass(frozen=True)
class FolderDataset:
    """Images and masks in two folders, paired by a file-name pattern.

    Iterating yields one :class:`Sample` at a time, read when it is reached.

    Parameters
    ----------
    name : str
        Written in the ``dataset`` column of results.
    images, masks : Path
        Folders of the images and of the ground truth (may be the same).
    image_pattern, mask_pattern : str
        Pairing patterns (:mod:`bench.data.pairing`): ``"{id}_source.png"``
        ↔ ``"{id}_target.png"``, or ``"{id}_training.tif"`` ↔ ``"{id}_manual1.gif"``.
    truth_value : int or "nonzero"
        The value that marks foreground in the masks.
    polarity : {"bright", "dark", "auto"}
        Objects brighter or darker than the background; ``auto`` decides per
        image (:func:`~bench.data.polarity.decide_polarity`). Every segmenter
        gets it as ``objects=`` (Fiji's rule: dark objects ``p <= t`` on the
        original intensities); the pixels are not inverted.
    invert : bool
        An explicit preprocessing step: each image is read as ``max - image``
        (the founding article's pipeline, declared by the built-in sample).
        ``polarity`` then describes the inverted image.
    grey : {"mean", "luminance"}
        How colour images become grey (:data:`~bench.data.readers.GREY_RULES`).
    instance_masks : bool
        ``mask_pattern`` names a folder per image holding one mask file per
        object (``"{id}/masks"``); the truth is their union.
    fov : Path or None
        Folder of field-of-view masks (None: the whole image counts).
    fov_pattern : str
        Pairing pattern of the field-of-view masks.
    fov_value : int or "nonzero"
        The value inside the field of view.
    fov_for_threshold : bool
        Global methods estimate their threshold inside the field of view
        (True) or from the whole image (False); metrics always use it.
    unpaired : {"error", "skip"}
        A file without its partner stops the run with the list of such files
        (``error``), or is left out with a :class:`DatasetWarning` listing
        them (``skip``; also in :attr:`unpaired_files`).
    split : {"all", "train", "test"}
        Which side of the seeded split to yield (:func:`~bench.data.splits.split_of`).
    test_fraction : float
        Share of the samples in the test split (approximate: one hash per id).
    seed : int
        Seed of the split.
    limit : int or None
        Yield at most this many samples (after the split), in natural order.
    max_pixels : int
        Largest page accepted, in pixels, read from each file's header
        before anything is decoded (:func:`~bench.data.readers.check_header`):
        every paired file is checked before the first sample is yielded.

    Examples
    --------
    >>> import bench
    >>> dataset = bench.builtin_sample()
    >>> [(s.id, s.polarity, s.image.shape) for s in dataset]
    [('grayscale', 'bright', (512, 512))]
    """

    name: str
    images: Path
    masks: Path
    image_pattern: str = "{id}.png"
    mask_pattern: str = "{id}.png"
    truth_value: int | str = 255
    polarity: str = "bright"
    invert: bool = False
    grey: str = "mean"
    instance_masks: bool = False
    fov: Path | None = None
    fov_pattern: str = "{id}.png"
    fov_value: int | str = 255
    fov_for_threshold: bool = True
    unpaired: str = "error"
    split: str = "all"
    test_fraction: float = DEFAULT_TEST_FRACTION
    seed: int = 0
    limit: int | None = None
    max_pixels: int = MAX_PIXELS

    def __post_init__(self) -> None:
        for key, value, choices in (
            ("polarity", self.polarity, POLARITY_RULES),
            ("grey", self.grey, GREY_RULES),
            ("unpaired", self.unpaired, UNPAIRED_RULES),
            ("split", self.split, SPLITS),
        ):
            if value not in choices:
                msg = (
                    f"Dataset {self.name!r}: {key} must be one of {', '.join(choices)}; "
                    f"got {value!r}."
                )
                raise ValueError(msg)
        split_of("", self.seed, self.test_fraction)  # checks both
        if self.limit is not None and (
            isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1
        ):
            msg = (
                f"Dataset {self.name!r}: limit must be a positive integer or None; "
                f"got {self.limit!r}."
            )
            raise ValueError(msg)

    # -- listing -------------------------------------------------------------

    @cached_property
    def _listing(self) -> tuple[list[Entry], list[Path]]:
        """Every entry of the dataset (before split and limit), and the unpaired files."""
        images_dir, masks_dir = Path(self.images), Path(self.masks)
        for role, folder in (("image", images_dir), ("mask", masks_dir), ("fov", self.fov)):
            if folder is not None and not Path(folder).is_dir():
                msg = f"Dataset {self.name!r}: {role} folder not found: {folder}"
                raise FileNotFoundError(msg + not_found_hint(folder) + ".")
        masks, missed_masks = index(masks_dir, self.mask_pattern, directories=self.instance_masks)
        fovs: dict[str, Path] = {}
        claimed = set(masks.values())
        if self.fov is not None:
            fovs, _ = index(Path(self.fov), self.fov_pattern, exclude=frozenset(claimed))
            claimed |= set(fovs.values())
        images, missed_images = index(images_dir, self.image_pattern, exclude=frozenset(claimed))
        same_folder = images_dir.resolve() == masks_dir.resolve()
        self._warn_unmatched(missed_images + ([] if same_folder else missed_masks))

        if "{id}" not in self.image_pattern and len(images) == len(masks) == 1:
            # Two fixed names: the pair is the one image and the one mask.
            (key,) = images
            masks = {key: next(iter(masks.values()))}
            if len(fovs) == 1:
                fovs = {key: next(iter(fovs.values()))}
        unpaired = sorted(
            [images[k] for k in images.keys() - masks.keys()]
            + [masks[k] for k in masks.keys() - images.keys()]
            + [images[k] for k in images.keys() & masks.keys() if self.fov and k not in fovs]
            + [fovs[k] for k in fovs.keys() - images.keys()]
        )
        if unpaired and self.unpaired == "error":
            msg = (
                f"Dataset {self.name!r}: {len(unpaired)} file(s) have no partner under the "
                f"pairing rule {self._rule()}: {', '.join(str(p) for p in unpaired)}. "
                "Fix the names or the patterns, or set unpaired=skip to leave them out."
            )
            raise ValueError(msg)
        if unpaired:
            warnings.warn(
                f"Dataset {self.name!r}: left out {len(unpaired)} unpaired file(s): "
                + ", ".join(str(p) for p in unpaired),
                DatasetWarning,
                stacklevel=3,
            )
        keys = [k for k in images if k in masks and (self.fov is None or k in fovs)]
        if not keys:
            msg = (
                f"Dataset {self.name!r}: no image matches {self.image_pattern!r} with a partner "
                f"in {images_dir}" + (f" and {masks_dir}" if masks_dir != images_dir else "") + "."
            )
            raise FileNotFoundError(msg)
        entries: list[Entry] = []
        for key in keys:
            entries.extend(self._pages(Entry(key, images[key], masks[key], fovs.get(key))))
        return entries, unpaired

    def _rule(self) -> str:
        rule = f"{self.image_pattern!r} ↔ {self.mask_pattern!r}"
        return rule + (f" ↔ field of view {self.fov_pattern!r}" if self.fov is not None else "")

    def _warn_unmatched(self, missed: list[Path]) -> None:
        if missed:
            warnings.warn(
                f"Dataset {self.name!r}: {len(missed)} file(s) match none of the patterns "
                f"{self._rule()} and are not used: {', '.join(p.name for p in missed)}",
                DatasetWarning,
                stacklevel=4,
            )

    def _pages(self, entry: Entry) -> list[Entry]:
        """One entry per page of a multi-page image (a TIFF stack, an animated GIF).

        The mask must have as many pages as the image; a field of view, as
        many or one (then shared by every page).
        """
        pages = page_count(entry.image)  # 1 without opening single-image formats
        if pages > 1 and self.instance_masks:
            msg = (
                f"Dataset {self.name!r}: {entry.image} has {pages} pages; per-object mask "
                "folders are only supported for single-page images."
            )
            raise ValueError(msg)
        checks = [("field of view", entry.fov, {1, pages})]
        if not self.instance_masks:
            checks.append(("mask", entry.mask, {pages}))
        for role, path, allowed in checks:
            if path is not None and (found := page_count(path)) not in allowed:
                msg = (
                    f"Dataset {self.name!r}: image {entry.image} has {pages} page(s) but its "
                    f"{role} {path} has {found}; they must match."
                )
                raise ValueError(msg)
        if pages == 1:
            return [entry]
        return [entry._replace(id=f"{entry.id}[{k}]", page=k) for k in range(pages)]

    @property
    def unpaired_files(self) -> list[Path]:
        """Files left out for having no partner (only under ``unpaired="skip"``)."""
        return list(self._listing[1])

    def split_of(self, sample_id: str) -> str:
        """``"train"`` or ``"test"``: the side of this dataset's split ``sample_id`` is on."""
        return split_of(sample_id, self.seed, self.test_fraction)

    def pairs(self) -> list[Entry]:
        """The entries to load, in natural order: after the split, at most ``limit``.

        Raises
        ------
        FileNotFoundError
            If a folder is missing or no image has a partner.
        ValueError
            If files are unpaired (under ``unpaired="error"``), or the chosen
            split holds no sample.
        """
        entries = self._listing[0]
        if self.split != "all":
            chosen = [e for e in entries if self.split_of(e.id) == self.split]
            if not chosen:
                msg = (
                    f"Dataset {self.name!r}: the {self.split} split is empty (0 of "
                    f"{len(entries)} samples with seed {self.seed} and test_fraction "
                    f"{self.test_fraction}); choose another seed or test_fraction."
                )
                raise ValueError(msg)
            entries = chosen
        return entries[: self.limit] if self.limit is not None else list(entries)

    def subset(self, **changes: Any) -> FolderDataset:
        """A copy with other settings: ``dataset.subset(split="train", limit=5)``."""
        return dataclasses.replace(self, **changes)

    def __len__(self) -> int:
        return len(self.pairs())

    def __iter__(self) -> Iterator[Sample]:
        entries = self.pairs()
        self.check_files(entries)  # every header, before the first image is decoded
        for entry in entries:
            yield self.load(*entry)

    def check_files(self, entries: list[Entry] | None = None) -> None:
        """Check every paired file's header: its size against ``max_pixels``, its dtype.

        Reads headers only (a few bytes per file), so a dataset with one
        decompression bomb or one complex-valued TIFF fails at once, naming
        the file, before any work on the others.
        """
        seen: set[Path] = set()
        for entry in self.pairs() if entries is None else entries:
            files = [entry.image, entry.fov]
            files += instance_files(entry.mask) if self.instance_masks else [entry.mask]
            for path in files:
                if path is not None and path not in seen:
                    seen.add(path)
                    check_header(path, self.max_pixels)

    # -- reading -------------------------------------------------------------

    def content_hash(self) -> str:
        """Hash of the names, sizes and bytes of every paired file (cached).

        See :mod:`bench.data.fingerprint` for what it covers.
        """
        return self._content_hash

    @cached_property
    def _content_hash(self) -> str:
        files: list[tuple[str, Path]] = []

        def add(role: str, folder: Path | None, path: Path) -> None:
            files.append((f"{role}/{path.relative_to(Path(folder)).as_posix()}", path))

        for entry in self._listing[0]:  # a stack's pages share one file: named once
            add("images", self.images, entry.image)
            for mask in instance_files(entry.mask) if self.instance_masks else [entry.mask]:
                add("masks", self.masks, mask)
            if entry.fov is not None:
                add("fov", self.fov, entry.fov)
        return content_hash(files)

    def load(
        self, sample_id: str, image: Path, mask: Path, fov: Path | None = None, page: int = 0
    ) -> Sample:
        """Read one entry of :meth:`pairs` (``dataset.load(*entry)``); decide its polarity."""
        entry = Entry(sample_id, Path(image), Path(mask), None if fov is None else Path(fov), page)
        limit = self.max_pixels
        image = read_image(entry.image, page=entry.page, grey=self.grey, max_pixels=limit)
        # The dtype and values (NaN, bool, complex) checked here name the file; float16
        # comes back widened to float32.
        image = check_image(image, name=f"Image {entry.image}")
        if self.invert:  # the dataset's declared "invert first" step, not a polarity rule
            image = invert(image)
        if self.instance_masks:
            truth = read_instances(entry.mask, self.truth_value)
        else:
            truth = value_mask(
                read_image(entry.mask, page=entry.page, max_pixels=limit),
                self.truth_value,
                f"Ground truth {entry.mask}",
            )
        self._check_size("mask", entry.mask, truth, entry.image, image)
        fov = None
        if entry.fov is not None:
            fov_page = entry.page if page_count(entry.fov) > 1 else 0
            fov = value_mask(
                read_image(entry.fov, page=fov_page, max_pixels=limit),
                self.fov_value,
                f"Field of view {entry.fov}",
            )
            self._check_size("field of view", entry.fov, fov, entry.image, image)
        polarity = resolve_polarity(self.polarity, image, fov)
        meta = {
            "image_path": str(entry.image),
            "mask_path": str(entry.mask),
            "fov_path": None if entry.fov is None else str(entry.fov),
            "page": entry.page,
            "polarity_rule": self.polarity,
            "inverted": bool(self.invert),
        }
        return Sample(
            entry.id, image, truth, fov, polarity, meta,
            split=self.split_of(entry.id), fov_for_threshold=self.fov_for_threshold,
        )  # fmt: skip

    def _check_size(
        self, role: str, path: Path, mask: np.ndarray, image_path: Path, image: np.ndarray
    ) -> None:
        if mask.shape != image.shape:
            msg = (
                f"Dataset {self.name!r}: {role} {path} is {mask.shape[1]}×{mask.shape[0]} "
                f"but image {image_path} is {image.shape[1]}×{image.shape[0]}; they must match."
            )
            raise ValueError(msg)
