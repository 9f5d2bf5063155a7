"""Learned methods in the harness: fit on the train split, cache the fit, score held-out images.

The runner calls :func:`fit_learned` once per learned method × filter, with
the train side of the dataset already oriented (dark objects inverted) and
filtered exactly as the images it will score. The fitted model is cached
under ``cache_dir`` keyed by :func:`training_key`: a SHA-256 of the training
arrays themselves (so any change of data, split, polarity or filter is a new
key), the method's class and parameters (its seed included) and the library
versions that shape a fit. Cache files are written atomically; a file that
cannot be read, or whose stored key differs, is refitted over.

No code from data: a cache file is a zip archive of ``entry.json`` (the key,
the fit's record and the SHA-256 of every blob) and the model's learned state
in data-only formats (:class:`algorithms.learned.FittedState`: skops with an
explicit trust list for the forest, safetensors for the UNet's weights).
Nothing in it is unpickled or imported. The key is checked before any blob
is read, each blob against its digest, and the restored model against the
method's own checks (a forest's node indices, a network's shapes). The file
name is built from sanitised names and the key only, so it always lies inside
``<cache_dir>/learned/`` whatever the dataset is called. Older pickle caches
(``*.pkl``, format 1) are never read.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from algorithms import LearnedSegmenter, Segmenter
from algorithms.learned import FittedState, image_digest
from bench.progress import Stages
from bench.results import atomic_path

__all__ = ["CACHE_FORMAT", "Fitted", "cache_path", "fit_learned", "safe_name", "training_key"]

CACHE_FORMAT = 2
"""Bumped whenever what a cache file holds, or how a fit works, changes (2: no pickle)."""

CACHE_SUFFIX = ".model.zip"
_MAX_ENTRY_BYTES = 1 << 20  # entry.json: a record, not data
_NAME_LIMIT = 48

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


def safe_name(text: str, limit: int = _NAME_LIMIT) -> str:
    """A file-name part from any text: ASCII letters, digits, ``.``, ``_`` and ``-`` only.

    Every other run of characters becomes ``_``; leading and trailing dots
    and underscores go (no hidden files, no ``..``), and the result is cut to
    ``limit`` characters. It never holds a path separator.

    Examples
    --------
    >>> safe_name("../../../../elsewhere/evil")
    'elsewhere_evil'
    """
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("._")[:limit].strip("._")


def cache_path(cache_dir: str | Path, label: str, method: str, key: str) -> Path:
    """Where the fit with ``key`` is cached: ``<cache_dir>/learned/<label>-<method>-<key>``.

    Raises
    ------
    ValueError
        If ``key`` is not a SHA-256 in hex (the only unsanitised part).
    """
    if not re.fullmatch(r"[0-9a-f]{64}", key):
        msg = f"A cache key is a SHA-256 in hex; got {key!r}."
        raise ValueError(msg)
    folder = Path(cache_dir) / "learned"
    stem = "-".join(p for p in (safe_name(label), safe_name(method), key[:20]) if p)
    path = folder / f"{stem}{CACHE_SUFFIX}"
    if path.parent != folder:  # pragma: no cover - safe_name has no separator to escape with
        msg = f"Cache path {path} would leave the cache folder {folder}."
        raise ValueError(msg)
    return path


def _read_cache(
    path: Path, key: str, segmenter: LearnedSegmenter
) -> tuple[dict[str, Any], LearnedSegmenter] | None:
    """The cached record and restored model for ``key``, or None (absent, foreign, damaged)."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("entry.json")
            if info.file_size > _MAX_ENTRY_BYTES:
                return None
            entry = json.loads(archive.read(info))
            if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT:
                return None
            if entry.get("key") != key:  # checked before any blob is read
                return None
            digests = entry["blobs"]
            blobs = {}
            for name, digest in digests.items():
                data = archive.read(f"blobs/{name}")
                if hashlib.sha256(data).hexdigest() != digest:
                    return None
                blobs[name] = data
        state = FittedState(entry["fields"], blobs)
        model = type(segmenter)(**segmenter.get_params()).restore(state)
    except FileNotFoundError:
        return None
    except (OSError, zipfile.BadZipFile, KeyError, TypeError, AttributeError, ValueError):
        return None  # unreadable or not ours (StateError is a ValueError): refit and overwrite
    return entry, model


def _write_cache(path: Path, key: str, model: LearnedSegmenter, t_train: float, n: int) -> None:
    state = model.fitted_state()
    entry = {
        "format": CACHE_FORMAT,
        "key": key,
        "method": model.name,
        "t_train_s": t_train,
        "n_train": n,
        "versions": _versions(),
        "fields": state.fields,
        "blobs": {name: hashlib.sha256(data).hexdigest() for name, data in state.blobs.items()},
    }
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("entry.json", json.dumps(entry, sort_keys=True))
        for name, data in state.blobs.items():
            archive.writestr(f"blobs/{name}", data)


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
        path = cache_path(cache_dir, label, segmenter.name, key)
        cached = _read_cache(path, key, segmenter)
        if cached is not None:
            entry, model = cached
            return Fitted(model, float(entry["t_train_s"]), True, len(images), key)
    model = type(segmenter)(**segmenter.get_params())
    start = time.perf_counter()
    stages = Stages(f"train {segmenter.name} on {len(images)} images", enabled=progress)
    try:
        model.fit(list(images), list(truths), list(fovs), progress=stages)
    finally:
        stages.close()
    t_train = time.perf_counter() - start
    if path is not None:
        _write_cache(path, key, model, t_train, len(images))
    return Fitted(model, t_train, False, len(images), key)
