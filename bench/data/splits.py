"""Train/test splits: a seeded hash of each sample's id, or the dataset's official split.

By default (``split_by="hash"``) a sample's side depends on its id, the seed
and the test fraction only: not on the other samples, the order of the
files, the machine or the Python version. Adding images to a dataset never
moves an existing one to the other side. The price: on a small dataset the
test side holds *about* ``test_fraction`` of the samples, not exactly (see
:func:`split_counts`).

A dataset published with its own split (DRIVE's ``training/`` and ``test/``,
a challenge's list of test images) declares it instead
(:class:`OfficialSplit`, the dataset settings ``split_by``, ``train_split``,
``test_split``), so that learned methods train on the official training set
and every method is scored on the official test set, as the papers are:

=============  ===================================================================
``split_by``   a sample is on a side when …
=============  ===================================================================
``folder``     a folder on its image's path below the images folder is named
               ``train_split`` (default ``training``) or ``test_split`` (default
               ``test``); on both or neither is an error
``list``       its id, or its image's file name or path below the images folder,
               is a line of the text file ``test_split`` (or ``train_split``);
               with no train list, every sample not listed as test is train;
               with both lists, a sample on neither is an error. Blank lines
               and lines starting with ``#`` are skipped; listed names with no
               sample are warned about
``pattern``    its image's path below the images folder matches the glob
               pattern ``test_split`` (or ``train_split``; :func:`fnmatch.fnmatchcase`,
               ``*`` also crosses folders); with one pattern the others are on
               the other side, with both a sample must match exactly one
=============  ===================================================================
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "DEFAULT_TEST_FRACTION",
    "SPLITS",
    "SPLIT_RULES",
    "OfficialSplit",
    "Split",
    "split_counts",
    "split_of",
]

T = TypeVar("T")
DEFAULT_TEST_FRACTION = 0.3

SPLITS = ("all", "train", "test")
SPLIT_RULES = ("hash", "folder", "list", "pattern")
"""How a dataset decides each sample's side (its ``split_by`` setting)."""
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


_PAGE = re.compile(r"\[\d+\]$")


@dataclass(frozen=True)
class OfficialSplit:
    """A dataset's declared train/test split (see the module's table).

    Examples
    --------
    >>> rule = OfficialSplit("folder")
    >>> rule.sides([("21", "training/21.png"), ("01", "test/01.png")], "drive")
    {'21': 'train', '01': 'test'}
    >>> OfficialSplit("pattern", test_split="*_test.*").sides(
    ...     [("a", "a_test.tif"), ("b", "b_training.tif")], "d")
    {'a': 'test', 'b': 'train'}
    """

    by: str = "hash"
    train_split: str | Path | None = None
    test_split: str | Path | None = None

    def check(self, dataset: str) -> None:
        """Refuse an unknown rule, or a rule without what it needs, naming the fix."""
        if self.by not in SPLIT_RULES:
            msg = (
                f"Dataset {dataset!r}: split_by must be one of {', '.join(SPLIT_RULES)}; "
                f"got {self.by!r}."
            )
            raise ValueError(msg)
        if self.by == "pattern" and self.train_split is None and self.test_split is None:
            msg = (
                f"Dataset {dataset!r}: split_by=pattern needs test_split and/or train_split "
                "(glob patterns of the image paths below the images folder, e.g. 'test/*')."
            )
            raise ValueError(msg)
        if self.by == "list" and self.test_split is None:
            msg = (
                f"Dataset {dataset!r}: split_by=list needs test_split (a text file of the test "
                "ids or file names, one per line), and optionally train_split."
            )
            raise ValueError(msg)

    def sides(self, entries: Sequence[tuple[str, str]], dataset: str) -> dict[str, str]:
        """``{id: "train" | "test"}`` for ``(id, image path below the images folder)`` pairs.

        Raises
        ------
        ValueError
            If a sample is on both sides or on neither (up to 10 are named).
        FileNotFoundError
            If a list file does not exist.
        """
        self.check(dataset)
        if self.by == "hash":
            msg = "OfficialSplit('hash') has no declared sides: use Split / split_of."
            raise ValueError(msg)
        test_of, train_of = self._matchers(entries, dataset)
        sides: dict[str, str] = {}
        bad: list[str] = []
        for sample_id, relative in entries:
            test, train = test_of(sample_id, relative), train_of(sample_id, relative)
            if test == train:
                bad.append(f"{relative} ({'both' if test else 'neither'})")
                continue
            sides[sample_id] = "test" if test else "train"
        if bad:
            msg = (
                f"Dataset {dataset!r}: {len(bad)} image(s) are not on exactly one side of the "
                f"split_by={self.by} split (train_split={self.train_split!r}, "
                f"test_split={self.test_split!r}): {', '.join(bad[:10])}"
                + (" …" if len(bad) > 10 else "")
                + ". Fix the declared split or the images' places."
            )
            raise ValueError(msg)
        return sides

    def _matchers(
        self, entries: Sequence[tuple[str, str]], dataset: str
    ) -> tuple[Callable[[str, str], bool], Callable[[str, str], bool]]:
        """The test and the train predicate of ``(id, path)``; one side only must hold."""
        if self.by == "folder":
            train, test = str(self.train_split or "training"), str(self.test_split or "test")
            return (
                lambda _, rel: test in rel.split("/")[:-1],
                lambda _, rel: train in rel.split("/")[:-1],
            )
        if self.by == "pattern":

            def matcher(pattern: str | Path | None) -> Callable[[str, str], bool]:
                if pattern is None:
                    return lambda _, rel: False
                return lambda _, rel: fnmatch.fnmatchcase(rel, str(pattern))

            test_of, train_of = matcher(self.test_split), matcher(self.train_split)
            if self.train_split is None:
                return test_of, lambda i, rel: not test_of(i, rel)
            if self.test_split is None:
                return lambda i, rel: not train_of(i, rel), train_of
            return test_of, train_of
        test_names = _read_list(Path(str(self.test_split)), dataset)
        train_names = (
            None if self.train_split is None else _read_list(Path(str(self.train_split)), dataset)
        )
        known: set[str] = set()
        for sample_id, relative in entries:
            known |= _names(sample_id, relative)
        for label, names in (("test_split", test_names), ("train_split", train_names)):
            unknown = sorted((names or set()) - known)
            if unknown:
                warnings.warn(
                    f"Dataset {dataset!r}: {len(unknown)} name(s) of the {label} list match no "
                    f"sample: {', '.join(unknown[:10])}" + (" …" if len(unknown) > 10 else ""),
                    UserWarning,
                    stacklevel=5,
                )
        test_of = lambda i, rel: bool(_names(i, rel) & test_names)  # noqa: E731
        if train_names is None:
            return test_of, lambda i, rel: not test_of(i, rel)
        return test_of, lambda i, rel: bool(_names(i, rel) & train_names)


def _names(sample_id: str, relative: str) -> set[str]:
    """What a list may call a sample: its id (without a page suffix), file name or path."""
    return {sample_id, _PAGE.sub("", sample_id), relative, relative.rsplit("/", 1)[-1]}


def _read_list(path: Path, dataset: str) -> set[str]:
    if not path.is_file():
        msg = f"Dataset {dataset!r}: split list file not found: {path}"
        raise FileNotFoundError(msg)
    lines = (line.strip() for line in path.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}
