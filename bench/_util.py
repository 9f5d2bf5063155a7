"""Small helpers shared by several bench modules."""

from __future__ import annotations

import re


def natural_key(text: str) -> list[object]:
    """Sort key that orders ``"2"`` before ``"10"`` (numbers compared as numbers)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


_STEM_BYTES = 120  # room left in a 255-byte file name for suffixes such as "_histogram.png"


def file_stem(name: str, limit: int = _STEM_BYTES) -> str:
    """A file-name stem for any name: readable, portable, and distinct for distinct names.

    A name made only of lower-case letters (any script), digits, ``.``, ``_``
    and ``-``, not starting with a dot, in Unicode NFC and at most ``limit``
    UTF-8 bytes, is used as it is. Any other name is cleaned (other
    characters become ``_``, cut to ``limit`` bytes) and followed by ``~``
    and a hash of the original, so ``a b`` and ``a_b``, ``αβ`` and ``ΑΒ``, or
    two long names sharing their first 120 bytes never share a file — not
    on case-insensitive or normalising file systems either. ``~`` never
    appears in a name used as it is.

    Examples
    --------
    >>> file_stem("img_01"), file_stem("αβ")
    ('img_01', 'αβ')
    >>> file_stem("a b")
    'a_b~c8687a08aa'
    """
    import hashlib
    import unicodedata

    def allowed(c: str) -> bool:
        return (c.isalnum() and c == c.lower()) or c in "._-"

    plain = (
        bool(name)
        and not name.startswith(".")
        and unicodedata.normalize("NFC", name) == name
        and all(allowed(c) for c in name)
        and len(name.encode()) <= limit
    )
    if plain:
        return name
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in name).lstrip(".")
    cleaned = cleaned.encode()[:limit].decode(errors="ignore")
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{cleaned}~{digest}"
