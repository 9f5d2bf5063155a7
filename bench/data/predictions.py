"""Another tool's results as a method: a folder of predicted masks or score maps.

A :class:`PredictionFolder` stands where a segmenter stands in a run: for
each sample of the dataset it supplies the mask that tool predicted, read
from a file paired with the sample by the same ``{id}`` patterns as images
and masks (:mod:`bench.data.pairing`). Nothing is segmented; everything
after the mask — counts inside the field of view, the split, the tables,
overlays, leaderboards — is the harness's own.

Two kinds of prediction, declared (``kind``), never guessed:

``binary``
    A mask, read by a value rule as ground truth is (``value``): the
    object's value (the file may hold it and one other value), or
    ``"nonzero"`` (the file may hold 0 and one other value). Any other
    value is an error naming the values found.
``scores``
    A probability or score map (8- or 16-bit image, float TIFF, ``.npy``):
    the object is ``scores > threshold``, ``threshold`` being the user's or
    half of the range (127.5 for 8-bit, 32767.5 for 16-bit, 0.5 for float
    maps, which must then lie in [0, 1]). It is also ranked without a
    threshold (ROC AUC, average precision) by :mod:`bench.run.curves`.

Which side is the object is declared too (``objects``): ``"dark"`` makes
the object the zero pixels of a ``nonzero`` mask, or ``scores <= threshold``
of a score map (Fiji's rule for dark objects).

A stack's page ``k`` (sample id ``"name[k]"``) is read from page ``k`` of the
prediction file ``name`` when no file is named ``name[k]``.

Examples
--------
>>> predictions = PredictionFolder("runs/mynet", pattern="{id}.png")  # doctest: +SKIP
>>> predictions.read(sample).mask                                      # doctest: +SKIP
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from bench.data.folder import UNPAIRED_RULES, DatasetWarning
from bench.data.pairing import index
from bench.data.paths import not_found_hint
from bench.data.readers import read_image, value_mask
from bench.data.sample import POLARITIES, Sample

__all__ = [
    "MASKS_FOLDER",
    "PREDICTIONS",
    "PREDICTION_KINDS",
    "SCORES_FOLDER",
    "Prediction",
    "PredictionFolder",
    "PredictionsConfig",
    "page_stem",
    "reverse_scores",
    "save_prediction",
]

PREDICTIONS = "predictions"
"""The method name of a prediction folder (``algo=predictions``)."""

PREDICTION_KINDS = ("binary", "scores")

_PAGE = re.compile(r"^(?P<stem>.+)\[(?P<page>\d+)\]$")

MASKS_FOLDER = "masks"
SCORES_FOLDER = "probabilities"


def page_stem(sample_id: str) -> str:
    """The file stem of a sample: ``"vol"`` for page ``"vol[3]"`` of a stack, else the id.

    Examples
    --------
    >>> page_stem("vol[3]"), page_stem("21")
    ('vol', '21')
    """
    match = _PAGE.match(sample_id)
    return match["stem"] if match else sample_id


def save_prediction(
    folder: str | Path,
    sample: Sample,
    mask: np.ndarray,
    scores: np.ndarray | None = None,
    *,
    tiff: bool = False,
) -> list[Path]:
    """Write a mask (and the scores it thresholds) where a :class:`PredictionFolder` finds them.

    Parameters
    ----------
    folder : path
        The run's folder: masks go to ``masks/``, scores to ``probabilities/``.
    sample : Sample
        Whose mask it is; its id names the file.
    mask : ndarray of bool
        Written 8-bit, object 255 and background 0.
    scores : ndarray, optional
        A learned method's probabilities, written as float32 TIFF.
    tiff : bool
        Write the mask as a compressed TIFF instead of PNG (large images).

    Returns
    -------
    list of Path
        The files written.

    Notes
    -----
    A 2-D image's mask is ``masks/<id>.png`` (``<id>.tif`` with ``tiff``); a
    page ``k`` of a stack (id ``"name[k]"``) is page ``k`` of the TIFF stack
    ``masks/<name>.tif``, appended in page order. Scores are
    ``probabilities/<id>.tif`` (pages likewise). Each pairs back by ``{id}``:
    ``PredictionFolder(folder / "masks")`` (pattern ``"{id}.tif"`` for TIFF)
    reads the same masks.
    """
    import cv2
    import tifffile

    folder = Path(folder)
    match = _PAGE.match(sample.id)
    page = sample.meta.get("page") if match else None
    written = []
    for kind, values in ((MASKS_FOLDER, mask), (SCORES_FOLDER, scores)):
        if values is None:
            continue
        (folder / kind).mkdir(parents=True, exist_ok=True)
        array = (
            np.where(values, 255, 0).astype(np.uint8)
            if kind == MASKS_FOLDER
            else np.asarray(values, dtype=np.float32)
        )
        if page is not None:  # one TIFF stack per stack file, its pages in order
            path = folder / kind / f"{page_stem(sample.id)}.tif"
            # metadata=None: plain pages, which TIFF readers see as one stack
            tifffile.imwrite(path, array, append=page > 0, photometric="minisblack",
                             compression="zlib", metadata=None)  # fmt: skip
        elif kind == MASKS_FOLDER and not tiff:
            path = folder / kind / f"{sample.id}.png"
            if not cv2.imwrite(str(path), array):
                msg = f"Could not write the mask {path} (a 2-D mask is needed; got {mask.shape})."
                raise ValueError(msg)
        else:
            path = folder / kind / f"{sample.id}.tif"
            tifffile.imwrite(path, array, photometric="minisblack", compression="zlib")
        written.append(path)
    return written


@dataclass(frozen=True)
class Prediction:
    """What a prediction file gives for one sample.

    Attributes
    ----------
    mask : ndarray of bool
        The predicted object.
    threshold : float or None
        The threshold of a score map (None for a binary mask).
    scores : ndarray or None
        A score map as read, oriented so that higher is more object-like
        ("dark" maps reversed); None for a binary mask.
    path : Path
        The file read.
    """

    mask: np.ndarray
    threshold: float | None
    scores: np.ndarray | None
    path: Path


@dataclass
class PredictionsConfig:
    """The ``algo=predictions`` config node: :class:`PredictionFolder`'s settings, typed."""

    name: str = PREDICTIONS
    path: str = "???"  # the folder of prediction files (required)
    pattern: str = "{id}.png"  # pairing with the dataset's sample ids
    label: str | None = None  # the method's name in tables (default: the folder's name)
    kind: str = "binary"  # "binary" masks, or "scores" (probability / score maps)
    value: Any = "nonzero"  # binary: the object's value, or "nonzero"
    objects: str = "bright"  # "dark": the object is 0 (nonzero rule) or scores <= threshold
    threshold: float | None = None  # scores: object is scores > threshold; None: half the range
    unpaired: str = "error"  # an image without a prediction: "error", or "skip" (warned)


def reverse_scores(scores: np.ndarray) -> np.ndarray:
    """The map with its order reversed, exactly: ``-s`` (floats, signed), ``max - s`` (unsigned).

    Examples
    --------
    >>> reverse_scores(np.array([0, 3, 255], np.uint8)).tolist()
    [255, 252, 0]
    """
    if np.issubdtype(scores.dtype, np.unsignedinteger):
        return np.iinfo(scores.dtype).max - scores
    if np.issubdtype(scores.dtype, np.integer):
        return -scores.astype(np.int64)
    return -scores


@dataclass(frozen=True)
class PredictionFolder:
    """A folder of another tool's predictions, scored as a method.

    Parameters
    ----------
    path : str or Path
        The folder of prediction files.
    pattern : str
        Pairing pattern of the files (:mod:`bench.data.pairing`), ``{id}``
        being the dataset's sample id: ``"{id}.png"``, ``"{id}_prob.tif"``.
    label : str or None
        The method's name in tables and leaderboards (default: the folder's
        name).
    kind : {"binary", "scores"}
        A binary mask, or a score / probability map (see the module doc).
    value : int or "nonzero"
        Binary masks: the object's value, or ``"nonzero"``.
    objects : {"bright", "dark"}
        Which side is the object: ``dark`` makes it the zero pixels of a
        ``nonzero`` mask, or ``scores <= threshold``.
    threshold : float or None
        Score maps: the object is ``scores > threshold`` (``<=`` for dark
        objects); None: half of the range.
    unpaired : {"error", "skip"}
        A sample without a prediction file stops the run, listing them
        (``error``), or is left out with a warning (``skip``).
    arrays : mapping of id to ndarray, optional
        Predictions held in memory (:func:`bench.score`), by sample id,
        instead of files; ``path`` then only names them.
    """

    path: str | Path = "???"
    pattern: str = "{id}.png"
    label: str | None = None
    kind: str = "binary"
    value: Any = "nonzero"
    objects: str = "bright"
    threshold: float | None = None
    unpaired: str = "error"
    arrays: Mapping[str, np.ndarray] | None = field(default=None, repr=False, compare=False)

    name: ClassVar[str] = PREDICTIONS
    requires_fit: ClassVar[bool] = False

    def __post_init__(self) -> None:
        for key, value, choices in (
            ("kind", self.kind, PREDICTION_KINDS),
            ("objects", self.objects, POLARITIES),
            ("unpaired", self.unpaired, UNPAIRED_RULES),
        ):
            if value not in choices:
                msg = (
                    f"Predictions {self.path}: {key} must be one of {', '.join(choices)}; "
                    f"got {value!r}."
                )
                raise ValueError(msg)
        if str(self.path) in ("", "???"):
            msg = "Predictions need a folder: set path (CLI: algo.path=/runs/mynet)."
            raise ValueError(msg)
        if isinstance(self.value, str) and re.fullmatch(r"-?\d+", self.value):
            object.__setattr__(self, "value", int(self.value))  # as a table stores it
        if self.kind == "binary":
            if self.value != "nonzero" and (
                isinstance(self.value, bool) or not isinstance(self.value, int | np.integer)
            ):
                msg = (
                    f"Predictions {self.path}: value must be an integer (the object's value) "
                    f"or 'nonzero'; got {self.value!r}."
                )
                raise ValueError(msg)
            if self.objects == "dark" and self.value != "nonzero":
                msg = (
                    f"Predictions {self.path}: value={self.value} already names the object's "
                    "value; objects=dark applies to value=nonzero (the object is 0) and to "
                    "score maps. Drop objects=dark, or set the value to the object's."
                )
                raise ValueError(msg)
            if self.threshold is not None:
                msg = (
                    f"Predictions {self.path}: a threshold applies to score maps (kind=scores); "
                    f"got threshold={self.threshold!r} with kind=binary."
                )
                raise ValueError(msg)

    # -- the method's face in a plan -------------------------------------------

    @property
    def method(self) -> str:
        """The name shown for these predictions: ``label``, else the folder's name."""
        return self.label or Path(self.path).name or str(self.path)

    def get_params(self) -> dict[str, Any]:
        """The settings, as a segmenter's parameters (``algo_*`` columns)."""
        return {
            "path": str(self.path),
            "pattern": self.pattern,
            "label": self.label,
            "kind": self.kind,
            "value": str(self.value),  # one column type for "nonzero" and integers
            "objects": self.objects,
            "threshold": self.threshold,
            "unpaired": self.unpaired,
        }

    # -- files -----------------------------------------------------------------

    @cached_property
    def files(self) -> dict[str, Path]:
        """Prediction file of each id the pattern finds (pages of stacks: by their stem)."""
        if self.arrays is not None:
            return {key: Path(self.path) / f"<array {key}>" for key in self.arrays}
        folder = Path(self.path)
        if not folder.is_dir():
            msg = f"Predictions folder not found: {folder}"
            raise FileNotFoundError(msg + not_found_hint(folder) + ".")
        found, _ = index(folder, self.pattern)
        return found

    def file_of(self, sample_id: str) -> tuple[Path, int] | None:
        """The file and page holding the prediction of ``sample_id`` (None: no file)."""
        if sample_id in self.files:
            return self.files[sample_id], 0
        match = _PAGE.match(sample_id)
        if match and match["stem"] in self.files:
            return self.files[match["stem"]], int(match["page"])
        return None

    def check_pairs(self, sample_ids: list[str]) -> list[str]:
        """The ids that have a prediction; a missing one is an error, or skipped with a warning.

        Raises
        ------
        ValueError
            Under ``unpaired="error"``, listing the samples without a file.
        """
        missing = [i for i in sample_ids if self.file_of(i) is None]
        if missing:
            shown = ", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")
            text = (
                f"Predictions {self.path}: {len(missing)} of {len(sample_ids)} image(s) have no "
                f"prediction file matching {self.pattern!r}: {shown}"
            )
            if self.unpaired == "error":
                msg = text + ". Add the files, fix algo.pattern, or set algo.unpaired=skip."
                raise ValueError(msg)
            warnings.warn(text + " (left out: unpaired=skip).", DatasetWarning, stacklevel=2)
        return [i for i in sample_ids if i not in missing]

    # -- reading -----------------------------------------------------------------

    def read(self, sample: Sample) -> Prediction:
        """The prediction of one sample, checked against its image's size.

        Raises
        ------
        FileNotFoundError
            If the sample has no prediction file.
        ValueError
            If the file cannot be read, differs in size from the image (both
            are named), is not binary under the value rule (the values found
            are named), or is a score map that does not fit its threshold.
        """
        located = self.file_of(sample.id)
        if located is None:
            msg = (
                f"Predictions {self.path}: no file for image {sample.id!r} matching "
                f"{self.pattern!r}; set algo.unpaired=skip to leave such images out."
            )
            raise FileNotFoundError(msg)
        path, page = located
        if self.arrays is not None:
            match = _PAGE.match(sample.id)
            key = sample.id if sample.id in self.arrays or match is None else match["stem"]
            values = np.asarray(self.arrays[key])
            values = values[page] if values.ndim == 3 else values
        else:
            values = _read_values(path, page)
        if values.shape != np.shape(sample.image):
            where = sample.meta.get("image_path", f"image {sample.id!r}")
            msg = (
                f"Prediction {path} is {values.shape[1]}×{values.shape[0]} but {where} is "
                f"{np.shape(sample.image)[1]}×{np.shape(sample.image)[0]}; they must match."
            )
            raise ValueError(msg)
        if self.kind == "binary":
            return Prediction(self._binary(values, path), None, None, path)
        threshold = self._threshold(values, path)
        if self.objects == "dark":
            return Prediction(values <= threshold, threshold, reverse_scores(values), path)
        return Prediction(values > threshold, threshold, values, path)

    def _binary(self, values: np.ndarray, path: Path) -> np.ndarray:
        source = f"Prediction {path}"
        if self.value != "nonzero":
            return value_mask(values, self.value, source)
        found = np.unique(values)
        if found.size > 2 or (found.size == 2 and found[0] != 0):
            shown = ", ".join(f"{v:g}" for v in found[:12]) + (" …" if found.size > 12 else "")
            msg = (
                f"{source} is not binary under the rule value=nonzero (0 and one other value): "
                f"found values {shown}. A probability or score map needs algo.kind=scores; a "
                "mask whose object is one of these values needs algo.value=<that value>."
            )
            raise ValueError(msg)
        mask = values != 0
        return ~mask if self.objects == "dark" else mask

    def _threshold(self, values: np.ndarray, path: Path) -> float:
        if self.threshold is not None:
            return float(self.threshold)
        if values.dtype == bool:
            return 0.5
        if np.issubdtype(values.dtype, np.integer):
            info = np.iinfo(values.dtype)
            return (float(info.min) + float(info.max)) / 2
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        if low < 0 or high > 1:
            msg = (
                f"Prediction {path} is a float map with values in [{low:g}, {high:g}], not "
                "probabilities in [0, 1]: give the threshold (algo.threshold=<value>)."
            )
            raise ValueError(msg)
        return 0.5


def _read_values(path: Path, page: int) -> np.ndarray:
    """A prediction file's values: ``.npy`` (2-D, or a stack of pages), else any image."""
    if path.suffix.lower() != ".npy":
        return read_image(path, page=page)
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as error:
        msg = f"Cannot read {path} as a NumPy array: {error}"
        raise ValueError(msg) from error
    if array.ndim == 3 and 0 <= page < array.shape[0]:
        array = array[page]
    if array.ndim != 2 or array.dtype.kind not in "biuf":
        msg = (
            f"{path} holds a {array.dtype} array of shape {array.shape}; a prediction is a "
            "2-D numeric array (or a stack of them, one per page)."
        )
        raise ValueError(msg)
    return np.asarray(array)
