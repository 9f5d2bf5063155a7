"""What every learned segmenter shares: fitting, its checks, and the fitted state.

A learned segmenter is a :class:`~algorithms.Segmenter` with
``requires_fit = True``: ``fit(images, truths)`` learns from example images
and their ground truth and returns ``self``; afterwards ``segment`` and
``__call__`` work as for any other method. Before ``fit``, segmenting raises
:class:`NotFittedError` (after the usual image checks, so a bad image is
still reported as such).

Learned state is stored in attributes ending in ``_`` (scikit-learn's
convention); every fitted model records ``train_digests_``, the SHA-256 of
each image it was trained on, so that a harness can refuse to score a model
on its own training images whoever trained it.

A fitted model's learned state can be exported and restored
(:meth:`LearnedSegmenter.fitted_state`, :meth:`LearnedSegmenter.restore`)
in formats that load without running code: JSON-compatible fields and
binary blobs in data-only formats (skops with an explicit list of trusted
types for scikit-learn, safetensors for PyTorch weights). Pickle is never
used: a cached model is data, and reading it must not be able to execute
anything.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._base import Segmentation, Segmenter, check_objects
from .._validation import check_image, check_mask
from ..histogram import Histogram

__all__ = [
    "FittedState",
    "LearnedSegmenter",
    "MissingDependencyError",
    "NotFittedError",
    "StateError",
    "image_digest",
    "import_optional",
]


def _silent(stage: str, done: int, total: int, **figures: float) -> None:
    """The default training progress: report nothing."""


class StateError(ValueError):
    """A stored fitted state does not describe a valid model of this method."""


@dataclass(frozen=True)
class FittedState:
    """A fitted model's learned state, in a form that loads without running code.

    Attributes
    ----------
    fields : dict
        JSON-compatible values (numbers, strings, lists of them).
    blobs : dict of str to bytes
        Named binary parts in data-only formats (skops, safetensors).
    """

    fields: dict[str, Any] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)


class NotFittedError(ValueError, AttributeError):
    """A learned segmenter was asked to segment before it was fitted."""


class MissingDependencyError(ImportError):
    """An optional dependency of a method is not installed."""


def import_optional(module: str, *, extra: str, purpose: str):
    """Import ``module`` or raise :class:`MissingDependencyError` saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        msg = (
            f"{purpose} needs the optional dependency {module!r}, which is not installed: "
            f"install with `pip install -e .[{extra}]` (from the repository root)."
        )
        raise MissingDependencyError(msg) from error


def image_digest(image: np.ndarray) -> str:
    """SHA-256 of an image's dtype, shape and pixels: equal digests, equal images."""
    array = np.ascontiguousarray(image)
    hasher = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    hasher.update(array.tobytes())
    return hasher.hexdigest()


def _check_training_set(
    images: Sequence[np.ndarray],
    truths: Sequence[np.ndarray],
    fovs: Sequence[np.ndarray | None] | None,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray | None]]:
    if isinstance(images, np.ndarray) and images.ndim == 2:
        msg = "fit expects a list of images; wrap a single image in a list: fit([image], [truth])."
        raise ValueError(msg)
    images, truths = list(images), list(truths)
    fovs = [None] * len(images) if fovs is None else list(fovs)
    if not images:
        msg = "fit needs at least one training image; got none."
        raise ValueError(msg)
    if not len(images) == len(truths) == len(fovs):
        msg = (
            f"fit needs one truth (and fov) per image; got {len(images)} images, "
            f"{len(truths)} truths and {len(fovs)} fields of view."
        )
        raise ValueError(msg)
    checked_images, checked_truths, checked_fovs = [], [], []
    for i, (image, truth, fov) in enumerate(zip(images, truths, fovs, strict=True)):
        image = check_image(image, name=f"training image {i}")
        checked_images.append(image)
        checked_truths.append(check_mask(truth, image.shape, name=f"truth of training image {i}"))
        checked_fovs.append(
            None if fov is None else check_mask(fov, image.shape, name=f"fov of training image {i}")
        )
    return checked_images, checked_truths, checked_fovs


class LearnedSegmenter(Segmenter):
    """Base class of methods that learn from images and their ground truth.

    Subclasses implement :meth:`_fit` (on checked inputs) and
    :meth:`_predict_proba`; the mask is ``probability > threshold`` (a
    ``threshold`` parameter of the subclass, 0.5 by default).

    Object polarity: a learned method learns which pixels are objects from
    the truth masks, whatever their intensity, so ``objects`` ("bright" or
    "dark", checked) does not change its mask: the mask is always the learned
    object class. This is the one exception to ``dark == ~bright``; images
    are given as acquired for training and prediction alike.
    """

    kind: ClassVar[str] = "learned"
    requires_fit: ClassVar[bool] = True

    def check_dependencies(self) -> None:
        """Raise :class:`MissingDependencyError` if an optional dependency is missing."""

    def fit(
        self,
        images: Sequence[np.ndarray],
        truths: Sequence[np.ndarray],
        fovs: Sequence[np.ndarray | None] | None = None,
        *,
        progress: Callable[..., None] | None = None,
    ) -> LearnedSegmenter:
        """Learn from ``images`` (2-D, foreground bright) and their boolean ``truths``.

        Parameters
        ----------
        images : sequence of ndarray
            Training images; they may differ in shape.
        truths : sequence of ndarray of bool
            Ground truth of each image.
        fovs : sequence of (ndarray of bool or None), optional
            Fields of view: pixels outside them are not learned from.
        progress : callable, optional
            Called as ``progress(stage, done, total, **figures)`` as training
            advances (``"steps"`` with ``loss=`` for the UNet; ``"features"``
            per image, then ``"trees"`` for the pixel classifier).

        Returns
        -------
        self
        """
        self.check_dependencies()
        images, truths, fovs = _check_training_set(images, truths, fovs)
        self._fit(images, truths, fovs, progress or _silent)
        self.train_digests_ = tuple(image_digest(image) for image in images)
        self.n_train_images_ = len(images)
        return self

    def _fit(
        self,
        images: list[np.ndarray],
        truths: list[np.ndarray],
        fovs: list[np.ndarray | None],
        progress: Callable[..., None],
    ) -> None:
        raise NotImplementedError

    def _predict_proba(self, image: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has run."""
        return hasattr(self, "train_digests_")

    def fitted_state(self) -> FittedState:
        """The learned state of this fitted model, for storage without pickle.

        Returns
        -------
        FittedState
            What :meth:`restore` needs to rebuild the model on an unfitted
            instance with the same parameters.
        """
        self._check_fitted()
        fields, blobs = self._export_state()
        common = {
            "train_digests_": list(self.train_digests_),
            "n_train_images_": int(self.n_train_images_),
        }
        return FittedState({**common, **fields}, dict(blobs))

    def restore(self, state: FittedState) -> LearnedSegmenter:
        """Make this unfitted instance the model that ``state`` describes; return ``self``.

        Raises
        ------
        StateError
            If the state is incomplete, malformed, or holds anything other
            than the data this method stores (a foreign type, an array of the
            wrong shape, a tree whose node indices leave its arrays).
        """
        if self.is_fitted():
            msg = f"restore needs an unfitted {type(self).__name__}; this one is fitted already."
            raise ValueError(msg)
        fields = dict(state.fields)
        digests = fields.pop("train_digests_", None)
        n_train = fields.pop("n_train_images_", None)
        if (
            not isinstance(digests, list)
            or not all(isinstance(d, str) for d in digests)
            or isinstance(n_train, bool)
            or not isinstance(n_train, int)
            or n_train != len(digests)
        ):
            msg = "The stored state lacks valid train_digests_ / n_train_images_."
            raise StateError(msg)
        self._import_state(fields, dict(state.blobs))
        self.train_digests_ = tuple(digests)
        self.n_train_images_ = n_train
        return self

    def _export_state(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The subclass's learned fields and blobs (see :class:`FittedState`)."""
        raise NotImplementedError

    def _import_state(self, fields: dict[str, Any], blobs: dict[str, bytes]) -> None:
        """Set the learned attributes from :meth:`_export_state`'s output, checking it."""
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not self.is_fitted():
            msg = (
                f"This {type(self).__name__} is not fitted yet: call fit(images, truths) "
                "first (the bench harness fits it on the train split for you)."
            )
            raise NotFittedError(msg)

    def predict_proba(self, image: np.ndarray) -> np.ndarray:
        """Foreground probability of each pixel, in [0, 1], the image's shape."""
        image = check_image(image)
        self._check_fitted()
        return self._predict_proba(image)

    def segment(
        self,
        image: np.ndarray,
        *,
        fov: np.ndarray | None = None,
        hist: Histogram | None = None,
        objects: str = "bright",
    ) -> Segmentation:
        image = check_image(image)
        check_objects(objects)  # the truth defines the objects; see the class notes
        if fov is not None:
            check_mask(fov, image.shape, name="field of view")
        threshold = float(getattr(self, "threshold", 0.5))
        if not 0.0 <= threshold < 1.0:
            msg = f"threshold must be a probability in [0, 1); got {threshold!r}."
            raise ValueError(msg)
        self._check_fitted()
        probability = self._predict_proba(image)
        return Segmentation(probability > threshold, scores=probability)
