"""Reading images and truth: pairing, the truth rule, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.datasets import FolderDataset, Sample, invert, read_image, read_truth


def _save(path: Path, array: np.ndarray, mode: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(array)
    (image.convert(mode) if mode else image).save(path)
    return path


def test_kesm_sample_is_dark_vessels_with_white_truth(kesm: Sample) -> None:
    assert kesm.image.dtype == np.uint8
    assert kesm.image.shape == kesm.truth.shape == (512, 512)
    assert kesm.polarity == "dark"
    assert kesm.truth.sum() == 5595 + 1863


def test_truth_rule_and_non_binary_error(tmp_path: Path) -> None:
    path = _save(tmp_path / "m.png", np.array([[0, 255], [255, 0]], np.uint8))
    np.testing.assert_array_equal(read_truth(path, 255), [[False, True], [True, False]])
    np.testing.assert_array_equal(read_truth(path, 0), [[True, False], [False, True]])
    bad = _save(tmp_path / "bad.png", np.array([[0, 128], [255, 0]], np.uint8))
    with pytest.raises(ValueError, match=r"not binary .* found values 0, 128, 255"):
        read_truth(bad, 255)
    np.testing.assert_array_equal(read_truth(bad, "nonzero"), [[False, True], [True, False]])


def test_one_bit_masks_read_with_foreground_zero(tmp_path: Path) -> None:
    path = _save(tmp_path / "m.png", np.array([[0, 255], [255, 255]], np.uint8), mode="1")
    np.testing.assert_array_equal(read_truth(path, 0), [[True, False], [False, False]])


def test_rgba_image_becomes_unweighted_grey(tmp_path: Path) -> None:
    rgba = np.zeros((1, 2, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[0, 0, :3] = (30, 60, 91)  # mean 60.33 → 60
    rgba[0, 1, :3] = (0, 0, 255)  # mean 85
    path = _save(tmp_path / "c.png", rgba)
    np.testing.assert_array_equal(read_image(path), [[60, 85]])


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        read_image(tmp_path / "nope.png")
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="Cannot read"):
        read_image(junk)


def test_pairing_reports_unpaired_files_by_name(tmp_path: Path) -> None:
    image = np.zeros((4, 4), np.uint8)
    for key in ("a", "b"):
        _save(tmp_path / "images" / f"{key}_source.png", image)
    _save(tmp_path / "masks" / "a_target.png", image)
    dataset = FolderDataset("t", tmp_path / "images", tmp_path / "masks",
                            "{id}_source.png", "{id}_target.png", truth_value=0)  # fmt: skip
    with pytest.raises(ValueError, match=r"b_source\.png"):
        dataset.pairs()
    _save(tmp_path / "masks" / "b_target.png", image)
    assert [key for key, *_ in dataset.pairs()] == ["a", "b"]
    assert all(s.truth.all() for s in dataset)


def test_mask_of_another_size_names_both(tmp_path: Path) -> None:
    _save(tmp_path / "images" / "x.png", np.zeros((4, 5), np.uint8))
    _save(tmp_path / "masks" / "x.png", np.zeros((4, 4), np.uint8))
    dataset = FolderDataset("t", tmp_path / "images", tmp_path / "masks")
    with pytest.raises(ValueError, match=r"4×4 but image .* is 5×4"):
        list(dataset)


def test_invert() -> None:
    np.testing.assert_array_equal(invert(np.array([0, 10, 255], np.uint8)), [255, 245, 0])
    np.testing.assert_array_equal(invert(np.array([0, 65535], np.uint16)), [65535, 0])
    np.testing.assert_allclose(invert(np.array([0.25, 1.0])), [1.0, 0.25])
