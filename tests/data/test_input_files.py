"""Files that lie about their size, or hold what no method can take, are refused unread."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

import bench
from bench.data import FolderDataset
from bench.data.readers import MAX_PIXELS, check_header, image_header, read_image


def _bomb_png(path: Path, cols: int, rows: int) -> Path:
    """A tiny PNG whose header claims ``cols × rows`` pixels (the data stay 1×1)."""
    Image.fromarray(np.zeros((1, 1), np.uint8)).save(path)
    data = bytearray(path.read_bytes())
    data[16:24] = struct.pack(">II", cols, rows)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))  # a valid IHDR CRC
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("side", [30_000, 100_000])
def test_decompression_bomb_png_is_refused_from_its_header(tmp_path: Path, side: int) -> None:
    path = _bomb_png(tmp_path / "bomb.png", side, side)
    assert path.stat().st_size < 200
    assert image_header(path)[:2] == (side, side)
    with pytest.raises(ValueError, match=rf"bomb.png: its header claims {side:,}×{side:,}") as e:
        read_image(path)
    assert f"dataset.max_pixels = {MAX_PIXELS:,}" in str(e.value)


def test_the_limit_is_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "small.png"
    Image.fromarray(np.zeros((20, 30), np.uint8)).save(path)
    assert read_image(path, max_pixels=600).shape == (20, 30)
    with pytest.raises(ValueError, match=r"600 pixels per page, more than .*max_pixels = 599"):
        read_image(path, max_pixels=599)
    with pytest.raises(ValueError, match="max_pixels must be a positive integer"):
        check_header(path, 0)


def test_other_formats_are_checked_from_their_headers_too(tmp_path: Path) -> None:
    tif = tmp_path / "a.tif"
    tifffile.imwrite(tif, np.zeros((3, 40, 50), np.uint16), photometric="minisblack")
    assert image_header(tif) == (40, 50, 3, np.dtype(np.uint16))
    with pytest.raises(ValueError, match="2,000 pixels per page"):
        read_image(tif, max_pixels=1999)
    gif = tmp_path / "a.gif"
    Image.fromarray(np.zeros((30, 20), np.uint8)).save(gif)
    assert image_header(gif)[:3] == (30, 20, 1)
    with pytest.raises(ValueError, match="600 pixels per page"):
        read_image(gif, max_pixels=599)


def test_complex_tiff_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.tif"
    tifffile.imwrite(path, np.ones((4, 5), np.complex64))
    with pytest.raises(ValueError, match=r"c.tif stores complex64 pixels"):
        read_image(path)


def test_one_bit_tiff_reads_as_0_and_255(tmp_path: Path) -> None:
    path = tmp_path / "b.tif"
    tifffile.imwrite(path, np.array([[True, False]]))
    assert read_image(path).tolist() == [[255, 0]]


def _dataset(tmp_path: Path, images: dict[str, np.ndarray]) -> FolderDataset:
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for name, image in images.items():
        tifffile.imwrite(tmp_path / "images" / f"{name}.tif", image)
        Image.fromarray(np.zeros(image.shape, np.uint8)).save(tmp_path / "masks" / f"{name}.png")
    return FolderDataset(
        "d", tmp_path / "images", tmp_path / "masks", image_pattern="{id}.tif", truth_value=255
    )


def test_a_dataset_checks_every_header_before_reading_any_image(tmp_path, monkeypatch) -> None:
    dataset = _dataset(tmp_path, {"a": np.zeros((8, 8), np.uint8), "b": np.zeros((8, 8), np.uint8)})
    _bomb_png(tmp_path / "masks" / "b.png", 100_000, 100_000)
    loaded = []
    monkeypatch.setattr(FolderDataset, "load", lambda self, *entry: loaded.append(entry))
    with pytest.raises(ValueError, match=r"masks/b.png: its header claims 100,000×100,000"):
        list(dataset)
    assert loaded == []  # not even the good image "a" was decoded


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.array([[1.0, np.nan]], np.float32), "1 NaN or infinite"),
        (np.full((2, 2), 1e300), "the limit is"),
    ],
)
def test_bad_values_are_refused_naming_the_file(tmp_path: Path, image, match) -> None:
    dataset = _dataset(tmp_path, {"x": image})
    with pytest.raises(ValueError, match=match) as error:
        list(dataset)
    assert str(tmp_path / "images" / "x.tif") in str(error.value)


def test_float16_files_are_read_and_widened_exactly(tmp_path: Path) -> None:
    image = (np.arange(12).reshape(3, 4) / 7).astype(np.float16)
    (sample,) = list(_dataset(tmp_path, {"h": image}))
    assert sample.image.dtype == np.float32
    np.testing.assert_array_equal(sample.image, image.astype(np.float32))
    assert bench.evaluate(sample, ["otsu"], [None, "median"])["found"].all()
