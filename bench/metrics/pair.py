"""One truth/prediction pair and what several metrics derive from it, computed once.

Image-level metrics share intermediates: the skeleton of the truth feeds the
pseudo-F-measure and clDice; the boundary pixels and their distance maps feed
HD95, ASSD and NSD; the connected components feed the instance metrics and
the Betti numbers. :class:`MaskPair` computes each of them the first time a
metric asks and keeps it for the next one (for this pair only: nothing is
cached across images).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
from scipy import ndimage

from .counts import ConfusionCounts, check_masks, confusion_counts

__all__ = ["MaskPair", "boundary", "joint_counts", "skeleton"]

# 4-connectivity (a cross) and 8-connectivity (a full 3×3 square) in 2-D.
CROSS = ndimage.generate_binary_structure(2, 1)
SQUARE = ndimage.generate_binary_structure(2, 2)


def skeleton(mask: np.ndarray) -> np.ndarray:
    """The one-pixel-wide skeleton of a boolean mask (Zhang & Suen thinning).

    scikit-image's :func:`skimage.morphology.skeletonize` (``method="zhang"``
    in 2-D), which is the skeleton the clDice paper's reference code takes.
    """
    from skimage.morphology import skeletonize

    if not mask.any():
        return np.zeros_like(mask, dtype=bool)
    return skeletonize(mask)


def boundary(mask: np.ndarray) -> np.ndarray:
    """Boundary pixels: object pixels with a 4-neighbour outside the object.

    The definition of MONAI's ``get_mask_edges`` (``mask XOR erosion(mask)``
    with scipy's cross-shaped structuring element); pixels beyond the image
    count as background, so object pixels on the image border are boundary.
    """
    if not mask.any():
        return np.zeros_like(mask, dtype=bool)
    eroded = ndimage.binary_erosion(mask, structure=CROSS, border_value=0)
    return mask & ~eroded


def joint_counts(a: np.ndarray, b: np.ndarray, n_b: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) label pairs that occur, as codes ``a·(n_b + 1) + b``, and their counts.

    ``a`` and ``b`` are 1-D non-negative integer labels of the same pixels,
    ``b ≤ n_b``. A bincount when the code range is small (the usual case),
    else a sort.
    """
    if a.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes = a.astype(np.int64) * (n_b + 1) + b
    size = (int(a.max()) + 1) * (n_b + 1)
    if size <= 4 * codes.size + 4096:
        counts = np.bincount(codes, minlength=size)
        present = np.flatnonzero(counts)
        return present, counts[present]
    return np.unique(codes, return_counts=True)


def _check_masks(truth: np.ndarray, prediction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    truth, prediction = check_masks(
        truth, prediction, "Image-level metrics need boolean masks (object = True)"
    )
    if truth.ndim != 2:
        msg = (
            f"Image-level metrics are defined on 2-D masks; got {truth.ndim} dimensions "
            f"(shape {truth.shape}). Evaluate a volume slice by slice."
        )
        raise ValueError(msg)
    return truth, prediction


class MaskPair:
    """A boolean truth mask and a boolean prediction of the same 2-D shape.

    Parameters
    ----------
    truth, prediction : numpy.ndarray of bool
        Object = ``True`` in both (for DIBCO: ink; for ISBI: membranes).
    spacing : sequence of two floats, optional
        Pixel size along (rows, columns) for the distance metrics; 1 by default.
    truth_labels, prediction_labels : numpy.ndarray of int, optional
        Instance labels (0 = background) where a dataset has them; otherwise
        the instances are the connected components of each mask.
    connectivity : {1, 2}
        Connectivity of the instances taken as connected components: 1 for
        4-connected, 2 for 8-connected (scikit-image's convention; default 2).
    shared : dict, optional
        A cache of what depends on the truth alone (its skeleton, boundary,
        distance map, components, Betti numbers, segments), to hand to every
        pair with the same ``truth``: a runner scoring many predictions of one
        image computes them once. Never share it between different truths.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((4, 4), bool); t[1:3, 1:3] = True
    >>> MaskPair(t, t).counts
    ConfusionCounts(tp=4, fp=0, fn=0, tn=12)
    """

    def __init__(
        self,
        truth: np.ndarray,
        prediction: np.ndarray,
        *,
        spacing: Sequence[float] = (1.0, 1.0),
        truth_labels: np.ndarray | None = None,
        prediction_labels: np.ndarray | None = None,
        connectivity: int = 2,
        shared: dict | None = None,
    ) -> None:
        self.truth, self.prediction = _check_masks(truth, prediction)
        spacing = tuple(float(s) for s in spacing)
        if len(spacing) != 2 or not all(np.isfinite(s) and s > 0 for s in spacing):
            msg = f"spacing must be two positive finite pixel sizes (rows, columns); got {spacing}."
            raise ValueError(msg)
        if connectivity not in (1, 2):
            msg = f"connectivity must be 1 (4-connected) or 2 (8-connected); got {connectivity!r}."
            raise ValueError(msg)
        self.spacing = spacing
        self.connectivity = connectivity
        for name, labels in (
            ("truth_labels", truth_labels),
            ("prediction_labels", prediction_labels),
        ):
            if labels is not None and np.shape(labels) != self.truth.shape:
                msg = f"{name} has shape {np.shape(labels)}, the masks {self.truth.shape}."
                raise ValueError(msg)
        self._labels_given = {"truth": truth_labels, "prediction": prediction_labels}
        self._shared = {} if shared is None else shared

    def of_truth(self, key: tuple, compute) -> object:
        """``compute()``, once per truth: kept in the ``shared`` cache under ``key``."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    @property
    def empty(self) -> bool:
        """True when the image has no pixel at all."""
        return self.truth.size == 0

    @cached_property
    def counts(self) -> ConfusionCounts:
        return confusion_counts(self.truth, self.prediction)

    @property
    def truth_skeleton(self) -> np.ndarray:
        return self.of_truth(("skeleton",), lambda: skeleton(self.truth))

    @cached_property
    def prediction_skeleton(self) -> np.ndarray:
        return skeleton(self.prediction)

    @property
    def truth_boundary(self) -> np.ndarray:
        return self.of_truth(("boundary",), lambda: boundary(self.truth))

    @cached_property
    def prediction_boundary(self) -> np.ndarray:
        return boundary(self.prediction)

    def _distance_to(self, target: np.ndarray) -> np.ndarray:
        # Euclidean distance of every pixel to the nearest ``target`` pixel.
        return ndimage.distance_transform_edt(~target, sampling=self.spacing)

    @property
    def distance_to_truth_boundary(self) -> np.ndarray:
        return self.of_truth(
            ("distance", self.spacing), lambda: self._distance_to(self.truth_boundary)
        )

    @cached_property
    def boundary_distances(self) -> tuple[np.ndarray, np.ndarray]:
        """Distances prediction boundary → truth boundary and truth → prediction.

        Exact float64 nearest-neighbour distances between the boundary pixels'
        coordinates scaled by the spacing (a k-d tree, as MONAI ≥ 1.5 does on
        the CPU): both boundaries must be non-empty.
        """
        from scipy.spatial import KDTree

        scale = np.asarray(self.spacing, dtype=np.float64)
        truth_points = np.argwhere(self.truth_boundary) * scale
        pred_points = np.argwhere(self.prediction_boundary) * scale
        pred_to_truth = KDTree(truth_points, leafsize=32).query(pred_points, k=1)[0]
        truth_to_pred = KDTree(pred_points, leafsize=32).query(truth_points, k=1)[0]
        return pred_to_truth, truth_to_pred

    def _labels(self, which: str, mask: np.ndarray) -> tuple[np.ndarray, int]:
        given = self._labels_given[which]
        if given is not None:
            given = np.asarray(given)
            # Relabel to 1..n so that bincounts stay small.
            uniques, inverse = np.unique(given, return_inverse=True)
            inverse = inverse.reshape(given.shape)
            if uniques[0] != 0:
                return inverse + 1, len(uniques)
            return inverse, len(uniques) - 1
        structure = CROSS if self.connectivity == 1 else SQUARE
        labels, n = ndimage.label(mask, structure=structure)
        return labels, int(n)

    @property
    def truth_instances(self) -> tuple[np.ndarray, int]:
        if self._labels_given["truth"] is not None:
            return self.__dict__.setdefault("_truth_labels", self._labels("truth", self.truth))
        return self.of_truth(
            ("instances", self.connectivity), lambda: self._labels("truth", self.truth)
        )

    @cached_property
    def prediction_instances(self) -> tuple[np.ndarray, int]:
        return self._labels("prediction", self.prediction)
