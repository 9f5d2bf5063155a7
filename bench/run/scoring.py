"""``bench.score``: another tool's predictions against ground truth, from Python.

The same table as a run (:func:`bench.evaluate`, ``python -m bench
algo=predictions``): predictions and truths may be arrays, lists of arrays
or folders, and are paired by order (arrays) or by ``{id}`` (folders).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.data import Sample, read_image, value_mask
from bench.data.pairing import index
from bench.data.predictions import PredictionFolder
from bench.run.loop import run_plan
from bench.run.plan import make_plan
from bench.run.whole_image import WholeImage

__all__ = ["score"]

PathLike = str | Path


def _as_list(value: Any) -> list[Any] | None:
    """A list of arrays from one array or a sequence of them (None: not arrays)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return None


def _ids(count: int) -> list[str]:
    return ["image"] if count == 1 else [str(i) for i in range(count)]


def _truth_samples(
    truths: Any, fov: Any, pattern: str, truth_value: int | str
) -> list[Sample] | Iterable[Sample]:
    """Samples from truth arrays, a folder of truth files, or a dataset (iterable of Sample).

    Without images, a sample's image is its truth (0 and 1): it gives the
    size each prediction is checked against and the background of overlays.
    """
    if isinstance(truths, PathLike):
        folder = Path(truths)
        if not folder.is_dir():
            msg = f"Truth folder not found: {folder}"
            raise FileNotFoundError(msg)
        found, _ = index(folder, pattern)
        if not found:
            msg = f"No truth file in {folder} matches the pattern {pattern!r}."
            raise FileNotFoundError(msg)
        fovs = {}
        if isinstance(fov, PathLike):
            fovs, _ = index(Path(fov), pattern)
        elif fov is not None:
            msg = "With a truth folder, fov must be a folder of masks (same pattern) or None."
            raise TypeError(msg)
        samples = []
        for key, path in found.items():
            truth = value_mask(read_image(path), truth_value, f"Ground truth {path}")
            mask = None
            if fovs:
                if key not in fovs:
                    msg = f"No field-of-view file for {path} in {fov} (pattern {pattern!r})."
                    raise FileNotFoundError(msg)
                mask = value_mask(read_image(fovs[key]), "nonzero", f"Field of view {fovs[key]}")
            samples.append(Sample(key, truth.view(np.uint8), truth, mask,
                                  meta={"image_path": str(path)}))  # fmt: skip
        return samples
    arrays = _as_list(truths)
    if arrays is None or all(isinstance(a, Sample) for a in arrays):
        return truths  # a dataset, or samples: their own images, fields of view and split
    fovs = _as_list(fov) if fov is not None else [None] * len(arrays)
    if fovs is None or len(fovs) != len(arrays):
        msg = f"fov must be None or one mask per truth ({len(arrays)}); got {fov!r:.80}."
        raise ValueError(msg)
    samples = []
    for key, truth, mask in zip(_ids(len(arrays)), arrays, fovs, strict=True):
        truth = np.asarray(truth)
        if truth.dtype != bool:
            msg = f"Truth {key!r} must be a boolean array; got dtype {truth.dtype}."
            raise ValueError(msg)
        mask = None if mask is None else np.asarray(mask, dtype=bool)
        samples.append(Sample(key, truth.view(np.uint8), truth, mask))
    return samples


def score(
    predictions: Any,
    truths: Any,
    fov: Any = None,
    *,
    kind: str = "binary",
    value: int | str = "nonzero",
    objects: str = "bright",
    threshold: float | None = None,
    pattern: str = "{id}.png",
    truth_pattern: str = "{id}.png",
    truth_value: int | str = 255,
    label: str | None = None,
    unpaired: str = "error",
    metric: str = "mcc",
    dataset: str | None = None,
) -> pd.DataFrame:
    """Score predictions against ground truth: one row per image, a run's columns.

    Parameters
    ----------
    predictions : ndarray, list of ndarray, or folder
        Masks (``kind="binary"``) or score maps (``kind="scores"``). Arrays
        pair with ``truths`` by position; a folder's files by ``pattern``.
    truths : ndarray of bool, list of them, folder, or dataset
        Ground truth: boolean arrays; a folder of mask files read by
        ``truth_pattern`` and ``truth_value``; or a dataset (an iterable of
        :class:`bench.Sample`, e.g. :class:`bench.FolderDataset`), whose
        sample ids the predictions' ``{id}`` names.
    fov : ndarray, list of ndarray, folder, or None
        Fields of view (only pixels inside are counted), as ``truths``.
    kind, value, objects, threshold, unpaired
        How predictions are read (:class:`~bench.data.predictions.PredictionFolder`).
    label : str, optional
        The method's name in the table (default: the folder's name, or "arrays").
    metric : str
        The score whose best threshold and regret a score map gets.
    dataset : str, optional
        The ``dataset`` column.

    Returns
    -------
    pandas.DataFrame
        :data:`bench.COLUMNS` and the prediction's settings (``algo_*``);
        score maps add ``auc``, ``ap``, ``best_threshold``, ``best_score``.

    Examples
    --------
    >>> import numpy as np
    >>> truth = np.array([[True, False], [True, False]])
    >>> table = score(np.array([[1, 0], [0, 0]], np.uint8), truth)
    >>> table[["tp", "fp", "fn", "tn", "f1"]].to_dict("records")
    [{'tp': 1, 'fp': 0, 'fn': 1, 'tn': 2, 'f1': 0.6666666666666666}]
    """
    samples = _truth_samples(truths, fov, truth_pattern, truth_value)
    settings: dict[str, Any] = {"kind": kind, "value": value, "objects": objects,
                                "threshold": threshold, "unpaired": unpaired}  # fmt: skip
    arrays = _as_list(predictions)
    if arrays is not None:
        samples = list(samples)
        if len(arrays) != len(samples):
            msg = (
                f"{len(arrays)} prediction array(s) for {len(samples)} truth(s); pass one "
                "prediction per truth, in the same order."
            )
            raise ValueError(msg)
        by_id: Mapping[str, np.ndarray] = {s.id: a for s, a in zip(samples, arrays, strict=True)}
        source = PredictionFolder("arrays", label=label, arrays=by_id, **settings)
    elif isinstance(predictions, PathLike):
        source = PredictionFolder(str(predictions), pattern=pattern, label=label, **settings)
    else:
        msg = (
            f"predictions must be an array, a list of arrays or a folder; got {predictions!r:.80}."
        )
        raise TypeError(msg)
    plan = make_plan(samples, [source], [None], dataset=dataset, best_metric=metric)
    return run_plan(plan, samples, WholeImage())
