"""Deterministic train/test splits from a seeded hash of each sample's id.

A sample's side depends on its id, the seed and the test fraction only: not
on the other samples, the order of the files, the machine or the Python
version. Adding images to a dataset never moves an existing one to the
other side. The price: on a small dataset the test side holds *about*
``test_fraction`` of the samples, not exactly (see :func:`split_counts`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["DEFAULT_TEST_FRACTION", "SPLITS", "Split", "split_counts", "split_of"]

T = TypeVar("T")
DEFAULT_TEST_FRACTION = 0.3

SPLITS = ("all", "train", "test")
_SCALE = float(1 << 64)


def _check(seed: int, test_fraction: float) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int):
        msg = f"The split seed must be an integer; got {seed!r}."
        raise ValueError(msg)
    try:
        fraction = float(test_fraction)
    except (TypeError, ValueError):
        fraction = float("nan")
    if isinstance(test_fraction, bool) or not 0.0 <= fraction <= 1.0:
        msg = f"test_fraction must be a number from 0 to 1; got {test_fraction!r}."
        raise ValueError(msg)


def split_of(sample_id: str, seed: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION) -> str:
    """``"test"`` or ``"train"``: which side of the split a sample is on.

    The first 8 bytes of SHA-256(``"<seed>:<sample_id>"``), read as a number
    in [0, 1), put the sample in the test split when below ``test_fraction``.

    Examples
    --------
    >>> split_of("21", seed=0, test_fraction=0.25)
    'train'
    >>> split_of("21", seed=0, test_fraction=1.0), split_of("21", seed=0, test_fraction=0.0)
    ('test', 'train')
    """
    if not isinstance(sample_id, str):
        msg = f"A sample id must be a string; got {sample_id!r} ({type(sample_id).__name__})."
        raise TypeError(msg)
    _check(seed, test_fraction)
    digest = hashlib.sha256(f"{seed}:{sample_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / _SCALE
    return "test" if position < float(test_fraction) else "train"


def split_counts(
    ids: Iterable[str], seed: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION
) -> dict[str, int]:
    """How many of ``ids`` fall on each side: ``{"train": n, "test": m}``."""
    counts = {"train": 0, "test": 0}
    for sample_id in ids:
        counts[split_of(sample_id, seed, test_fraction)] += 1
    return counts


@dataclass(frozen=True)
class Split:
    """A split rule: the seed and test fraction of :func:`split_of`, checked once."""

    seed: int = 0
    test_fraction: float = DEFAULT_TEST_FRACTION

    def __post_init__(self) -> None:
        _check(self.seed, self.test_fraction)

    def of(self, sample_id: str) -> str:
        """The side of one sample."""
        return split_of(sample_id, self.seed, self.test_fraction)

    def partition(
        self, items: Iterable[T], key: Callable[[T], Any] = lambda item: item.id
    ) -> dict[str, list[T]]:
        """``{"train": [...], "test": [...]}``, each in the input order."""
        sides: dict[str, list[T]] = {"train": [], "test": []}
        for item in items:
            sides[self.of(key(item))].append(item)
        return sides
