"""Deterministic train/test splits: a seeded hash of each sample's id.

The split of a sample depends only on its id, the seed and the test
fraction — not on the order of the files, on which other samples exist, or
on the machine. Adding images to a dataset never moves an existing image
from one side to the other, so a model trained on the train side stays
honest when the dataset grows.

Rule: ``u = int(sha256(f"{seed}:{id}")[:8 bytes]) / 2**64`` is uniform in
[0, 1); the sample is ``"test"`` when ``u < test_fraction``, else
``"train"``. The fraction is therefore met on average, not exactly: with 30
images and ``test_fraction=0.3`` expect about 9 test images.
"""

from __future__ import annotations

import hashlib
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["SPLITS", "Split", "split_of"]

SPLITS = ("train", "test")

T = TypeVar("T")


def _check_fraction(test_fraction: object) -> float:
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        msg = f"test_fraction must be a number in [0, 1]; got {test_fraction!r}."
        raise ValueError(msg)
    if not 0.0 <= float(test_fraction) <= 1.0:
        msg = f"test_fraction must be in [0, 1]; got {test_fraction}. Use e.g. 0.3."
        raise ValueError(msg)
    return float(test_fraction)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        msg = f"The split seed must be an integer; got {seed!r}."
        raise ValueError(msg)
    return int(seed)


def split_of(sample_id: str, seed: int = 0, test_fraction: float = 0.3) -> str:
    """``"train"`` or ``"test"``: the side of ``sample_id`` under a seeded hash.

    Parameters
    ----------
    sample_id : str
        The sample's name within its dataset (``Sample.id``).
    seed : int
        Another seed gives another, independent split.
    test_fraction : float in [0, 1]
        Expected share of test samples; 0 puts every sample in train, 1 in test.

    Examples
    --------
    >>> split_of("7", seed=0, test_fraction=0.3) == split_of("7", seed=0, test_fraction=0.3)
    True
    >>> {split_of(str(i), test_fraction=0.0) for i in range(20)}
    {'train'}
    """
    if not isinstance(sample_id, str):
        msg = f"A sample id must be a string; got {sample_id!r} of type {type(sample_id).__name__}."
        raise TypeError(msg)
    fraction = _check_fraction(test_fraction)
    digest = hashlib.sha256(f"{_check_seed(seed)}:{sample_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    return "test" if u < fraction else "train"


@dataclass(frozen=True)
class Split:
    """A split rule: the seed and the expected test fraction of :func:`split_of`."""

    seed: int = 0
    test_fraction: float = 0.3

    def __post_init__(self) -> None:
        _check_seed(self.seed)
        _check_fraction(self.test_fraction)

    def of(self, sample_id: str) -> str:
        """The side of one sample."""
        return split_of(sample_id, self.seed, self.test_fraction)

    def partition(self, items: Iterable[T], key=lambda item: item.id) -> dict[str, list[T]]:
        """``{"train": [...], "test": [...]}``, each in the input order."""
        sides: dict[str, list[T]] = {side: [] for side in SPLITS}
        for item in items:
            sides[self.of(key(item))].append(item)
        return sides
