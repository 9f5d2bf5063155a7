"""Pairing images with masks by name: patterns, unpaired files, duplicates."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.data import DatasetWarning, FolderDataset, pattern_regex

TILE = np.zeros((4, 4), np.uint8)


def _touch(*paths: Path) -> None:
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(TILE).save(path)


@pytest.mark.parametrize(
    ("pattern", "name", "key"),
    [
        ("{id}.png", "21.png", "21"),
        ("{id}_training.tif", "21_training.tif", "21"),
        ("{id}_manual1.gif", "21_manual1.gif", "21"),
        ("{id}.*", "a.b.tiff", "a.b"),
        ("{id}/images/{id}.png", "ab12/images/ab12.png", "ab12"),
        ("img_{id}_*.png", "img_7_v2.png", "7"),
    ],
)
def test_patterns_extract_the_id(pattern: str, name: str, key: str) -> None:
    match = pattern_regex(pattern).match(name)
    assert match is not None
    assert match.group("id") == key


@pytest.mark.parametrize(
    ("pattern", "name"),
    [
        ("{id}.png", "21.PNG"),  # letter case counts
        ("{id}.png", "sub/21.png"),  # {id} does not cross folders
        ("{id}/images/{id}.png", "ab/images/cd.png"),  # both {id} must agree
        ("{id}_source.png", "21_target.png"),
    ],
)
def test_patterns_reject(pattern: str, name: str) -> None:
    assert pattern_regex(pattern).match(name) is None


def test_drive_style_pairing_across_formats(tmp_path: Path) -> None:
    _touch(tmp_path / "images/21_training.tif", tmp_path / "images/22_training.tif")
    _touch(tmp_path / "manual/21_manual1.gif", tmp_path / "manual/22_manual1.gif")
    dataset = FolderDataset(
        "drive", tmp_path / "images", tmp_path / "manual",
        "{id}_training.tif", "{id}_manual1.gif", truth_value="nonzero",
    )  # fmt: skip
    assert [(e.id, e.image.name, e.mask.name) for e in dataset.pairs()] == [
        ("21", "21_training.tif", "21_manual1.gif"),
        ("22", "22_training.tif", "22_manual1.gif"),
    ]


def test_unpaired_files_are_an_error_naming_each(tmp_path: Path) -> None:
    _touch(*(tmp_path / f"images/{k}.png" for k in ("a", "b", "c")))
    _touch(tmp_path / "masks/a.png", tmp_path / "masks/z.png")
    dataset = FolderDataset("t", tmp_path / "images", tmp_path / "masks")
    with pytest.raises(ValueError, match=r"3 file\(s\) have no partner") as error:
        dataset.pairs()
    for name in ("images/b.png", "images/c.png", "masks/z.png"):
        assert name in str(error.value)
    assert "unpaired=skip" in str(error.value)


def test_unpaired_skip_leaves_them_out_with_a_warning(tmp_path: Path) -> None:
    _touch(*(tmp_path / f"images/{k}.png" for k in ("a", "b")))
    _touch(tmp_path / "masks/a.png")
    dataset = FolderDataset("t", tmp_path / "images", tmp_path / "masks", unpaired="skip")
    with pytest.warns(DatasetWarning, match=r"left out 1 unpaired file\(s\): .*images/b\.png"):
        assert [e.id for e in dataset.pairs()] == ["a"]
    assert [p.name for p in dataset.unpaired_files] == ["b.png"]


def test_files_matching_no_pattern_are_reported(tmp_path: Path) -> None:
    _touch(tmp_path / "images/a.png", tmp_path / "masks/a.png", tmp_path / "images/b.tif")
    (tmp_path / "images/notes.txt").write_text("x")
    (tmp_path / "images/.DS_Store").write_text("x")  # hidden files are never listed
    dataset = FolderDataset("t", tmp_path / "images", tmp_path / "masks")
    with pytest.warns(DatasetWarning, match=r"2 file\(s\) match none .*: b\.tif, notes\.txt$"):
        assert len(dataset) == 1


def test_images_and_masks_in_one_folder(tmp_path: Path) -> None:
    _touch(*(tmp_path / f"{k}.png" for k in ("a", "a_mask", "b", "b_mask")))
    dataset = FolderDataset("t", tmp_path, tmp_path, "{id}.png", "{id}_mask.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [(e.image.name, e.mask.name) for e in dataset.pairs()] == [
            ("a.png", "a_mask.png"),
            ("b.png", "b_mask.png"),
        ]


def test_two_files_with_one_id_are_an_error(tmp_path: Path) -> None:
    _touch(tmp_path / "images/a.png", tmp_path / "images/a.tif", tmp_path / "masks/a.png")
    dataset = FolderDataset("t", tmp_path / "images", tmp_path / "masks", "{id}.*", "{id}.*")
    with pytest.raises(ValueError, match=r"id 'a' .*a\.png and a\.tif"):
        dataset.pairs()


def test_natural_order_and_nested_layout(tmp_path: Path) -> None:
    for key in ("10", "2", "1"):
        _touch(tmp_path / key / "images" / f"{key}.png", tmp_path / key / "mask.png")
    dataset = FolderDataset("t", tmp_path, tmp_path, "{id}/images/{id}.png", "{id}/mask.png")
    assert [e.id for e in dataset.pairs()] == ["1", "2", "10"]


def test_nothing_to_pair_and_missing_folders(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    with pytest.raises(FileNotFoundError, match=r"no image matches '\{id\}\.png'"):
        FolderDataset("t", tmp_path / "images", tmp_path / "masks").pairs()
    with pytest.raises(FileNotFoundError, match=r"mask folder not found: .*nope"):
        FolderDataset("t", tmp_path / "images", tmp_path / "nope").pairs()
