"""Learned methods in the harness: fit on the train split, cache the fit, score held-out images.

The runner calls :func:`fit_learned` once per learned method × filter, with
the train side of the dataset already oriented (dark objects inverted) and
filtered exactly as the images it will score. The fitted model is cached
under ``cache_dir`` keyed by :func:`training_key`: a SHA-256 of the training
arrays themselves (so any change of data, split, polarity or filter is a new
key), the method's class and parameters (its seed included) and the library
versions that shape a fit. Cache files are written atomically; a file that
cannot be read, or whose stored key differs, is refitted over.

Cache files are pickles: load only caches this harness wrote.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from algorithms import LearnedSegmenter, Segmenter
from algorithms.learned import image_digest
from bench.progress import Stages
from bench.results import atomic_path

__all__ = ["CACHE_FORMAT", "Fitted", "fit_learned", "training_key"]

CACHE_FORMAT = 1
"""Bumped whenever what a cache file holds, or how a fit works, changes."""

_VERSIONED = ("segbench", "numpy", "scipy", "scikit-learn", "torch")


@dataclass(frozen=True)
class Fitted:
    """A learned method fitted by the harness, and how it came to be.

    Attributes
    ----------
    segmenter : LearnedSegmenter
        The fitted model.
    t_train_s : float
        Wall time of ``fit``; for a model read from the cache, the time its
        fit took when it was trained (NaN for a model fitted by the caller).
    cached : bool
        Whether the model was read from the cache.
    n_train : int
        Number of training images.
    key : str
        The cache key (empty for a model fitted by the caller).
    """

    segmenter: LearnedSegmenter
    t_train_s: float
    cached: bool
    n_train: int
    key: str


def _versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def training_key(
    segmenter: Segmenter,
    images: Sequence[np.ndarray],
    truths: Sequence[np.ndarray],
    fovs: Sequence[np.ndarray | None],
) -> str:
    """SHA-256 naming a fit: the training arrays, the method and its parameters, versions."""
    data = hashlib.sha256()
    for image, truth, fov in zip(images, truths, fovs, strict=True):
        data.update(image_digest(image).encode())
        data.update(image_digest(truth).encode())
        data.update(b"-" if fov is None else image_digest(fov).encode())
    description = {
        "format": CACHE_FORMAT,
        "method": f"{type(segmenter).__module__}.{type(segmenter).__qualname__}",
        "params": segmenter.get_params(),
        "data": data.hexdigest(),
        "versions": _versions(),
    }
    text = json.dumps(description, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def _read_cache(path: Path, key: str) -> dict | None:
    try:
        with path.open("rb") as file:
            entry = pickle.load(file)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None  # unreadable (another version's classes, say): refit and overwrite
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    return entry


def fit_learned(
    segmenter: LearnedSegmenter,
    images: Sequence[np.ndarray],
    truths: Sequence[np.ndarray],
    fovs: Sequence[np.ndarray | None],
    *,
    cache_dir: str | Path | None = None,
    label: str = "",
    progress: bool = False,
) -> Fitted:
    """Fit a fresh copy of ``segmenter`` on prepared training arrays, through the cache.

    Parameters
    ----------
    segmenter : LearnedSegmenter
        Its parameters define the model; the instance itself is not changed.
    images, truths, fovs : sequences of ndarray
        Training images exactly as the scored images will be (oriented and
        filtered), their boolean truth, and their fields of view (or None).
    cache_dir : path, optional
        Folder of the cache (``<cache_dir>/learned/``); None: always fit.
    label : str
        Readable prefix of the cache file name (e.g. the dataset name).
    progress : bool
        Show training progress (epochs or trees, the loss) on stderr.
    """
    if not images:
        msg = (
            f"No training images for {segmenter.name!r}: the train split is empty. "
            "Lower dataset.test_fraction or use a dataset with more images."
        )
        raise ValueError(msg)
    key = training_key(segmenter, images, truths, fovs)
    path = None
    if cache_dir is not None:
        stem = "-".join(p for p in (label, segmenter.name, key[:20]) if p)
        path = Path(cache_dir) / "learned" / f"{stem}.pkl"
        entry = _read_cache(path, key)
        if entry is not None:
            return Fitted(entry["segmenter"], entry["t_train_s"], True, len(images), key)
    model = type(segmenter)(**segmenter.get_params())
    start = time.perf_counter()
    stages = Stages(f"train {segmenter.name} on {len(images)} images", enabled=progress)
    try:
        model.fit(list(images), list(truths), list(fovs), progress=stages)
    finally:
        stages.close()
    t_train = time.perf_counter() - start
    if path is not None:
        entry = {
            "key": key,
            "segmenter": model,
            "t_train_s": t_train,
            "n_train": len(images),
            "versions": _versions(),
        }
        with atomic_path(path) as tmp, tmp.open("wb") as file:
            pickle.dump(entry, file, protocol=pickle.HIGHEST_PROTOCOL)
    return Fitted(model, t_train, False, len(images), key)
