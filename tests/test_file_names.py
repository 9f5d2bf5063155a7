"""File names from data: distinct names, distinct files, on any file system."""

from __future__ import annotations

import itertools
import unicodedata

import pytest

from bench._util import file_stem

NAMES = [
    "a b", "a_b", "a/b", "a\\b", "αβ", "γδ", "ΑΒ", "img_01", "IMG_01", "Img_01",
    "x" * 244, "x" * 244 + "y", "x" * 243 + "y", "..", ".", ".hidden", "", "~", "a~b",
    "\u00e9", "e\u0301", "名前", "a\udcff", "😀", "CON", "a:b", "a*b?", "\x00", "\n",
]  # fmt: skip


def test_distinct_names_give_distinct_stems_even_folded() -> None:
    stems = [file_stem(n) for n in NAMES]
    # Case-insensitive and normalising file systems (macOS, Windows) fold these together.
    folded = [unicodedata.normalize("NFD", s).casefold() for s in stems]
    assert len(set(folded)) == len(NAMES)
    for a, b in itertools.combinations(range(len(NAMES)), 2):
        assert folded[a] != folded[b], (NAMES[a], NAMES[b])


@pytest.mark.parametrize("name", NAMES)
def test_every_stem_is_a_portable_file_name(name: str) -> None:
    stem = file_stem(name)
    assert stem
    assert not stem.startswith(".")
    assert not any(c in stem for c in '/\\:*?"<>|\x00\n')
    assert len(stem.encode()) <= 120 + 11  # the hash suffix: "~" and 10 hex digits
    assert len((stem + "_histogram.png").encode()) < 255


def test_plain_names_and_unicode_are_kept() -> None:
    assert file_stem("img_01") == "img_01"
    assert file_stem("αβ") == "αβ"
    assert file_stem("名前") == "名前"
    assert file_stem("a b").startswith("a_b~")
