"""Content hash of a dataset's files: a changed dataset gets a new hash.

What it covers: every file a dataset pairs (images, ground truth, per-object
mask files, field-of-view masks) — before any split or ``limit`` is applied,
so the train and test parts of a dataset share one hash. For each file, in
sorted order: its role and path relative to the role's folder (so moving
the dataset elsewhere keeps the hash), its size in bytes, and every byte of
its content. Files the pairing left out are not covered; how the files are
read (truth value, polarity, …) is in the run's config, not in the hash.

Speed: SHA-256 reads the files once, at disk speed or ~1 GB/s from the page
cache; see the README for the time on the shared datasets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["HASH_CHARS", "content_hash"]

HASH_CHARS = 16
"""Hex digits kept (64 bits): a collision between two versions is not a concern."""

_CHUNK = 1 << 20


def content_hash(files: Iterable[tuple[str, Path]]) -> str:
    """SHA-256 over ``(name, path)`` pairs: each name, the file's size, its bytes.

    ``name`` is what identifies the file within its dataset (``"images/21.png"``);
    pairs are hashed in order of name, and a name given twice counts once.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "a.png"
    ...     _ = path.write_bytes(b"abc")
    ...     content_hash([("images/a.png", path)])
    '6d20286990222063'
    """
    digest = hashlib.sha256()
    for name, path in sorted(dict(files).items()):
        size = path.stat().st_size
        digest.update(f"{name}\0{size}\0".encode())
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()[:HASH_CHARS]
