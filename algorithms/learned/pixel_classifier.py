"""An ilastik-style pixel classifier: a random forest on multi-scale filter features."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .._registry import register
from .._validation import check_int
from ._base import LearnedSegmenter, StateError
from .features import DEFAULT_SIGMAS, features_halo, filter_features

__all__ = ["PixelClassifier"]

# The one type outside skops' default trust list that a forest holds. skops refuses it by
# default because scikit-learn indexes a tree's node arrays without bounds checks; a
# restored forest is therefore checked node by node (_check_forest) before it is used.
_TRUSTED_TYPES = ["sklearn.tree._tree.Tree"]


@register("pixel_classifier")
class PixelClassifier(LearnedSegmenter):
    """Random-forest classification of each pixel from its filter features.

    ``fit`` computes the features of :func:`~algorithms.learned.filter_features`
    on every training image, draws ``n_samples`` pixels uniformly at random
    from all of them (inside the fields of view), and trains a scikit-learn
    ``RandomForestClassifier``. Uniform sampling keeps the class frequencies
    of the data, so the forest's probability is thresholded at 0.5 by
    default. Segmenting computes the features of the whole image and
    classifies every pixel.

    Parameters
    ----------
    sigmas : sequence of float
        Feature scales in pixels (ilastik's defaults).
    n_samples : int
        Training pixels drawn from all the training images together.
    n_estimators : int
        Trees in the forest.
    max_depth : int or None
        Depth limit of each tree (None: grow until leaves are pure or hold
        ``min_samples_leaf`` pixels).
    min_samples_leaf : int
        Fewest training pixels in a leaf; larger values give smoother
        probabilities and smaller models.
    threshold : float
        Foreground where the forest's probability exceeds it.
    n_jobs : int
        Processes for training and prediction; bounded (never "all cores")
        because benchmarks share machines.
    random_state : int
        Seed of the pixel sampling and of the forest.

    References
    ----------
    Breiman, L. (2001). Random forests. Machine Learning 45, 5–32.
    DOI:10.1023/A:1010933404324

    Berg, S. et al. (2019). ilastik: interactive machine learning for (bio)image
    analysis. Nature Methods 16, 1226–1232. DOI:10.1038/s41592-019-0582-9

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((32, 32), np.uint8); image[8:20, 8:20] = 200
    >>> model = PixelClassifier(n_estimators=5, n_samples=500).fit([image], [image > 100])
    >>> bool((model(image) == (image > 100)).all())
    True
    """

    def __init__(
        self,
        sigmas: Sequence[float] = DEFAULT_SIGMAS,
        n_samples: int = 100_000,
        n_estimators: int = 50,
        max_depth: int | None = None,
        min_samples_leaf: int = 10,
        threshold: float = 0.5,
        n_jobs: int = 2,
        random_state: int = 0,
    ) -> None:
        self.sigmas = sigmas
        self.n_samples = n_samples
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.threshold = threshold
        self.n_jobs = n_jobs
        self.random_state = random_state

    def halo(self) -> int:
        """Context of the widest feature: the mask of a tile grown by it is exact."""
        return features_halo(self.sigmas)

    def _forest(self):
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(
            n_estimators=check_int(self.n_estimators, name="n_estimators", minimum=1),
            max_depth=None
            if self.max_depth is None
            else check_int(self.max_depth, name="max_depth", minimum=1),
            min_samples_leaf=check_int(self.min_samples_leaf, name="min_samples_leaf", minimum=1),
            n_jobs=check_int(self.n_jobs, name="n_jobs", minimum=1),
            random_state=check_int(self.random_state, name="random_state", minimum=0),
        )

    def _fit(
        self,
        images: list[np.ndarray],
        truths: list[np.ndarray],
        fovs: list[np.ndarray | None],
        progress: Callable[..., None],
    ) -> None:
        forest = self._forest()
        n_samples = check_int(self.n_samples, name="n_samples", minimum=1)
        rng = np.random.default_rng(self.random_state)
        sizes = np.array(
            [img.size if f is None else int(f.sum()) for img, f in zip(images, fovs, strict=True)]
        )
        if sizes.sum() == 0:
            msg = "The fields of view of the training images are empty: no pixel to learn from."
            raise ValueError(msg)
        # One draw over all pixels of all images, without replacement when possible.
        n_draw = min(n_samples, int(sizes.sum()))
        picks = np.sort(rng.choice(int(sizes.sum()), size=n_draw, replace=False))
        starts = np.concatenate([[0], np.cumsum(sizes)])
        features, labels = [], []
        for i, (image, truth, fov) in enumerate(zip(images, truths, fovs, strict=True)):
            local = picks[(picks >= starts[i]) & (picks < starts[i + 1])] - starts[i]
            if local.size == 0:
                continue
            flat = np.arange(image.size) if fov is None else np.flatnonzero(fov)
            index = flat[local]
            features.append(filter_features(image, self.sigmas).reshape(image.size, -1)[index])
            labels.append(truth.reshape(-1)[index])
            progress("features", i + 1, len(images))
        y = np.concatenate(labels)
        if y.all() or not y.any():
            only = "foreground" if y.all() else "background"
            msg = (
                f"The sampled training pixels are all {only}: a classifier needs both classes. "
                "Train on images whose truth has foreground and background."
            )
            raise ValueError(msg)
        progress("trees", 0, forest.n_estimators)
        forest.fit(np.concatenate(features), y)
        progress("trees", forest.n_estimators, forest.n_estimators)
        self.forest_ = forest
        self.n_features_in_ = forest.n_features_in_

    def _predict_proba(self, image: np.ndarray) -> np.ndarray:
        features = filter_features(image, self.sigmas).reshape(image.size, -1)
        if features.shape[1] != self.n_features_in_:
            msg = (
                f"sigmas changed since fit: the forest expects {self.n_features_in_} features, "
                f"got {features.shape[1]}. Refit or restore the sigmas used for training."
            )
            raise ValueError(msg)
        column = list(self.forest_.classes_).index(True)
        # scikit-learn's parallel predict_proba adds the trees' votes in whatever order its
        # threads finish, so the last bits (and pixels at the threshold) vary from run to
        # run. Chunks of pixels, each predicted by a single-threaded forest in tree order,
        # give the same probabilities every time and still use n_jobs threads.
        self.forest_.n_jobs = 1
        jobs = check_int(self.n_jobs, name="n_jobs", minimum=1)
        chunks = np.array_split(features, min(jobs, len(features)))
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            parts = list(pool.map(self.forest_.predict_proba, chunks))
        return np.concatenate(parts)[:, column].reshape(image.shape)

    def _export_state(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        import skops.io as sio

        return {"n_features_in_": int(self.n_features_in_)}, {"forest": sio.dumps(self.forest_)}

    def _import_state(self, fields: dict[str, Any], blobs: dict[str, bytes]) -> None:
        import skops.io as sio
        from sklearn.ensemble import RandomForestClassifier

        n_features = fields.get("n_features_in_")
        if (
            set(blobs) != {"forest"}
            or isinstance(n_features, bool)
            or not isinstance(n_features, int)
        ):
            msg = "A stored pixel classifier holds one blob 'forest' and an int n_features_in_."
            raise StateError(msg)
        try:
            forest = sio.loads(blobs["forest"], trusted=_TRUSTED_TYPES)
        except Exception as error:  # skops raises many types on foreign or damaged data
            msg = f"The stored forest cannot be read as trusted data: {error}"
            raise StateError(msg) from error
        if type(forest) is not RandomForestClassifier:
            msg = f"The stored forest is a {type(forest).__name__}, not a RandomForestClassifier."
            raise StateError(msg)
        _check_forest(forest, n_features)
        self.forest_ = forest
        self.n_features_in_ = n_features


def _check_forest(forest: Any, n_features: int) -> None:
    """Raise StateError unless every tree's node arrays stay inside their bounds.

    scikit-learn numbers a node's children after the node itself, so children
    must point forward (which also rules out cycles, on which prediction
    would never end), stay below ``node_count``, and split on a feature the
    forest has.
    """
    from sklearn.tree import DecisionTreeClassifier

    classes = getattr(forest, "classes_", None)
    if (
        getattr(forest, "n_features_in_", None) != n_features
        or classes is None
        or sorted(np.asarray(classes).tolist()) != [False, True]
        or not getattr(forest, "estimators_", None)
    ):
        msg = "The stored forest is not a fitted two-class forest on the stored features."
        raise StateError(msg)
    for estimator in forest.estimators_:
        if type(estimator) is not DecisionTreeClassifier:
            msg = f"The stored forest holds a {type(estimator).__name__}, not a decision tree."
            raise StateError(msg)
        tree = estimator.tree_
        n = int(tree.node_count)
        left, right, feature = tree.children_left, tree.children_right, tree.feature
        leaf = left == -1
        index = np.arange(n)
        inside = (
            n >= 1
            and left.shape == right.shape == feature.shape == (n,)
            and tree.value.shape[0] == n
            and tree.n_features == n_features
            and np.array_equal(leaf, right == -1)
            and bool(((left[~leaf] > index[~leaf]) & (left[~leaf] < n)).all())
            and bool(((right[~leaf] > index[~leaf]) & (right[~leaf] < n)).all())
            and bool(((feature[~leaf] >= 0) & (feature[~leaf] < n_features)).all())
        )
        if not inside:
            msg = "A stored tree has node indices outside its arrays; refusing to use it."
            raise StateError(msg)
