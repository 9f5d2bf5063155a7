"""Learned segmenters: fitted on images and their truth, then applied like any other.

* ``unet`` — a compact UNet (PyTorch, optional: ``pip install -e .[unet]``);
* ``pixel_classifier`` — a random forest on multi-scale filter features
  (scikit-learn), in the manner of ilastik.

Both declare ``kind = "learned"`` and ``requires_fit = True``::

    model = algorithms.get("pixel_classifier").fit(train_images, train_truths)
    mask = model(test_image)

PyTorch is imported only when a UNet is fitted or applied, so the package,
its registry and its configs work without it.
"""

from __future__ import annotations

from ._base import (
    FittedState,
    LearnedSegmenter,
    MissingDependencyError,
    NotFittedError,
    StateError,
    image_digest,
    import_optional,
)
from .features import DEFAULT_SIGMAS, feature_names, features_halo, filter_features
from .pixel_classifier import PixelClassifier
from .unet import UNet

__all__ = [
    "DEFAULT_SIGMAS",
    "FittedState",
    "LearnedSegmenter",
    "MissingDependencyError",
    "NotFittedError",
    "PixelClassifier",
    "StateError",
    "UNet",
    "feature_names",
    "features_halo",
    "filter_features",
    "image_digest",
    "import_optional",
]
