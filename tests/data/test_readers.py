"""Every file format users bring, written here and read back exactly."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import tifffile
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from bench.data import GREY_RULES, page_count, read_image, read_truth, to_grey, value_mask

GREY8 = np.array([[0, 17, 128], [200, 254, 255]], np.uint8)
GREY16 = np.array([[0, 300, 4095], [40000, 65534, 65535]], np.uint16)
RGB8 = np.array([[[30, 60, 91], [0, 0, 255], [255, 255, 255]]], np.uint8)
RGB16 = np.array([[[30000, 60000, 910], [0, 0, 65535], [1, 2, 4]]], np.uint16)


def _pil(path: Path, array: np.ndarray, mode: str | None = None, **kwargs) -> Path:
    image = Image.fromarray(array)
    (image.convert(mode) if mode else image).save(path, **kwargs)
    return path


def _cv2(path: Path, rgb: np.ndarray) -> Path:
    bgr = rgb[..., ::-1] if rgb.ndim == 3 else rgb
    assert cv2.imwrite(str(path), np.ascontiguousarray(bgr))
    return path


def _mean(rgb: np.ndarray) -> np.ndarray:
    return np.floor(rgb[..., :3].astype(float).sum(-1) / 3 + 0.5).astype(rgb.dtype)


# -- PNG ---------------------------------------------------------------------


def test_png_8_and_16_bit_grey_keep_their_type(tmp_path: Path) -> None:
    for array in (GREY8, GREY16):
        out = read_image(_pil(tmp_path / f"{array.dtype}.png", array))
        assert out.dtype == array.dtype
        np.testing.assert_array_equal(out, array)


def test_png_16_bit_colour_stays_16_bit(tmp_path: Path) -> None:
    out = read_image(_cv2(tmp_path / "c16.png", RGB16))
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, _mean(RGB16))


def test_png_palette_one_bit_rgba_and_grey_alpha(tmp_path: Path) -> None:
    palette = Image.fromarray(np.array([[0, 1], [2, 1]], np.uint8), mode="P")
    palette.putpalette([0, 0, 0, 255, 0, 0, 90, 90, 90] + [0] * 759)
    palette.save(tmp_path / "p.png")
    np.testing.assert_array_equal(read_image(tmp_path / "p.png"), [[0, 85], [90, 85]])

    bits = _pil(tmp_path / "b.png", np.array([[0, 255], [255, 0]], np.uint8), mode="1")
    assert Image.open(bits).mode == "1"
    np.testing.assert_array_equal(read_image(bits), [[0, 255], [255, 0]])

    rgba = np.dstack([RGB8, np.array([[255, 0, 17]], np.uint8)])  # alpha is ignored
    np.testing.assert_array_equal(read_image(_pil(tmp_path / "a.png", rgba)), _mean(RGB8))

    grey_alpha = Image.fromarray(np.dstack([GREY8, 255 - GREY8]), mode="LA")
    grey_alpha.save(tmp_path / "la.png")
    np.testing.assert_array_equal(read_image(tmp_path / "la.png"), GREY8)


# -- TIFF --------------------------------------------------------------------


@pytest.mark.parametrize("compression", [None, "zlib"])
@pytest.mark.parametrize("array", [GREY8, GREY16], ids=["8bit", "16bit"])
def test_tiff_8_and_16_bit(tmp_path: Path, array: np.ndarray, compression) -> None:
    path = tmp_path / "t.tif"
    tifffile.imwrite(path, array, compression=compression)
    out = read_image(path)
    assert out.dtype == array.dtype
    np.testing.assert_array_equal(out, array)
    # Uncompressed contiguous data are memory-mapped, compressed data read.
    assert isinstance(out, np.memmap) == (compression is None)


def test_tiff_memory_map_is_read_only_and_can_be_turned_off(tmp_path: Path) -> None:
    path = tmp_path / "t.tif"
    tifffile.imwrite(path, GREY16)
    mapped = read_image(path)
    assert not mapped.flags.writeable
    assert not isinstance(read_image(path, mmap=False), np.memmap)


def test_tiff_multi_page_reads_each_page(tmp_path: Path) -> None:
    stack = np.arange(5 * 3 * 4, dtype=np.uint16).reshape(5, 3, 4) * 1000
    for name, kwargs in (("plain", {}), ("zlib", {"compression": "zlib"})):
        path = tmp_path / f"{name}.tif"
        tifffile.imwrite(path, stack, photometric="minisblack", **kwargs)
        assert page_count(path) == 5
        for page in range(5):
            np.testing.assert_array_equal(read_image(path, page=page), stack[page])
        with pytest.raises(ValueError, match=r"has 5 page\(s\); page 5 does not exist"):
            read_image(path, page=5)


def test_tiff_hyperstack_planes_are_pages(tmp_path: Path) -> None:
    stack = np.arange(2 * 3 * 4 * 5, dtype=np.uint8).reshape(2, 3, 4, 5)
    path = tmp_path / "h.tif"
    tifffile.imwrite(path, stack, imagej=True, metadata={"axes": "TZYX"})
    assert page_count(path) == 6
    np.testing.assert_array_equal(read_image(path, page=4), stack[1, 1])


def test_tiff_rgb_contiguous_planar_and_big_endian(tmp_path: Path) -> None:
    tifffile.imwrite(tmp_path / "c.tif", RGB8, photometric="rgb")
    np.testing.assert_array_equal(read_image(tmp_path / "c.tif"), _mean(RGB8))
    planar = np.moveaxis(RGB16, -1, 0)
    tifffile.imwrite(tmp_path / "p.tif", planar, photometric="rgb", planarconfig="separate")
    np.testing.assert_array_equal(read_image(tmp_path / "p.tif"), _mean(RGB16))
    tifffile.imwrite(tmp_path / "be.tif", GREY16, byteorder=">")
    out = read_image(tmp_path / "be.tif")
    assert out.dtype == np.uint16
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, GREY16)


def test_tiff_float_is_kept(tmp_path: Path) -> None:
    array = np.array([[0.25, -1.5], [3.0, 1e6]], np.float32)
    tifffile.imwrite(tmp_path / "f.tif", array)
    out = read_image(tmp_path / "f.tif")
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, array)


# -- GIF, PPM/PGM, JPEG, BMP ---------------------------------------------------


def test_gif_single_and_animated(tmp_path: Path) -> None:
    path = _pil(tmp_path / "g.gif", GREY8)
    np.testing.assert_array_equal(read_image(path), GREY8)
    frames = [Image.fromarray(GREY8), Image.fromarray(255 - GREY8)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    assert page_count(tmp_path / "a.gif") == 2
    np.testing.assert_array_equal(read_image(tmp_path / "a.gif", page=1), 255 - GREY8)


def test_gif_palette_mask_reads_as_truth(tmp_path: Path) -> None:
    # DRIVE-style: a binary manual annotation stored as a palette GIF.
    truth = np.array([[0, 255, 255], [0, 0, 255]], np.uint8)
    path = _pil(tmp_path / "21_manual1.gif", truth, mode="P")
    np.testing.assert_array_equal(read_truth(path, 255), truth == 255)


@pytest.mark.parametrize(
    ("name", "array"),
    [("g.pgm", GREY8), ("g16.pgm", GREY16), ("c.ppm", RGB8), ("c16.ppm", RGB16)],
)
def test_pgm_and_ppm_8_and_16_bit(tmp_path: Path, name: str, array: np.ndarray) -> None:
    out = read_image(_cv2(tmp_path / name, array))
    assert out.dtype == array.dtype
    np.testing.assert_array_equal(out, array if array.ndim == 2 else _mean(array))


def test_jpeg_grey_and_colour(tmp_path: Path) -> None:
    flat = np.full((16, 16), 123, np.uint8)  # flat blocks survive JPEG exactly
    out = read_image(_pil(tmp_path / "g.jpg", flat, quality=100))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, flat)
    colour = np.zeros((16, 16, 3), np.uint8) + np.array([200, 100, 30], np.uint8)
    out = read_image(_pil(tmp_path / "c.jpeg", colour, quality=100))
    assert out.shape == (16, 16)
    assert np.abs(out.astype(int) - 110).max() <= 2  # (200 + 100 + 30) / 3, lossy


def test_bmp_grey_colour_and_one_bit(tmp_path: Path) -> None:
    np.testing.assert_array_equal(read_image(_pil(tmp_path / "g.bmp", GREY8)), GREY8)
    np.testing.assert_array_equal(read_image(_pil(tmp_path / "c.bmp", RGB8)), _mean(RGB8))
    bits = _pil(tmp_path / "b.bmp", np.array([[0, 255], [255, 0]], np.uint8), mode="1")
    np.testing.assert_array_equal(read_image(bits), [[0, 255], [255, 0]])


# -- grey rules ----------------------------------------------------------------


def test_mean_rule_matches_imagej() -> None:
    # ImageJ 1.53t, Image>Type>8-bit on these RGB pixels (the oracle in
    # shared/tools/imagej, `run.sh --methods Otsu rgbtest.png`) gave 1, 2, 60, 1.
    rgb = np.array([[[1, 1, 0], [2, 2, 1], [30, 60, 91], [0, 0, 2]]], np.uint8)
    np.testing.assert_array_equal(to_grey(rgb, "mean"), [[1, 2, 60, 1]])


def test_grey_rule_is_configurable_when_reading(tmp_path: Path) -> None:
    path = _pil(tmp_path / "c.png", RGB8)
    np.testing.assert_array_equal(read_image(path, grey="mean"), [[60, 85, 255]])
    np.testing.assert_array_equal(read_image(path, grey="luminance"), [[55, 29, 255]])
    with pytest.raises(ValueError, match="grey rule must be one of mean, luminance; got 'avg'"):
        read_image(path, grey="avg")


def test_five_channels_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"1 to 4 channels; got shape \(1, 1, 5\)"):
        to_grey(np.zeros((1, 1, 5), np.uint8))


@given(
    arrays(np.uint16, st.tuples(st.integers(1, 4), st.integers(1, 4))),
    st.sampled_from(GREY_RULES),
)
def test_grey_of_grey_in_rgb_is_the_grey(grey: np.ndarray, rule: str) -> None:
    np.testing.assert_array_equal(to_grey(np.dstack([grey] * 3), rule), grey)


@given(arrays(np.uint8, st.tuples(st.integers(1, 3), st.integers(1, 3), st.just(3))))
def test_grey_lies_between_the_channels(rgb: np.ndarray) -> None:
    for rule in GREY_RULES:
        grey = to_grey(rgb, rule).astype(int)
        assert (grey >= rgb.min(-1)).all()
        assert (grey <= rgb.max(-1)).all()


# -- errors ---------------------------------------------------------------------


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        read_image(tmp_path / "nope.tif")
    for name in ("junk.png", "junk.tif", "junk.gif", "junk.jpg"):
        (tmp_path / name).write_bytes(b"not an image")
        with pytest.raises(ValueError, match=f"Cannot read .*{name} as an image"):
            read_image(tmp_path / name)


def test_single_page_formats_have_one_page(tmp_path: Path) -> None:
    path = _pil(tmp_path / "g.png", GREY8)
    assert page_count(path) == 1
    with pytest.raises(ValueError, match=r"has 1 page\(s\); page 1 does not exist"):
        read_image(path, page=1)


# -- files as published: compressed TIFF, 2-colour palette masks ------------------


@pytest.mark.parametrize(
    ("compression", "stored"), [("lzw", "LZW"), ("zlib", "ADOBE_DEFLATE"), ("jpeg", "JPEG")]
)
def test_compressed_tiff_is_read_as_published(tmp_path: Path, compression: str, stored) -> None:
    ramp = np.add.outer(np.arange(48), np.arange(64)).astype(np.uint8) * 2
    rgb = np.dstack([ramp, 255 - ramp, ramp // 2])
    for name, array in (("grey", ramp), ("rgb", rgb)):
        path = tmp_path / f"{name}_{compression}.tif"
        tifffile.imwrite(path, array, compression=compression, photometric=None)
        with tifffile.TiffFile(path) as tif:
            assert tif.pages[0].compression.name == stored
        out = read_image(path)
        expected = ramp if name == "grey" else _mean(rgb)
        assert out.dtype == np.uint8
        if compression == "jpeg":  # lossy: close, not equal
            assert np.abs(out.astype(int) - expected).max() <= 4
        else:
            np.testing.assert_array_equal(out, expected)


def test_a_compressed_tiff_mask_is_read_exactly(tmp_path: Path) -> None:
    truth = np.zeros((30, 40), bool)
    truth[5:20, 10:30] = True
    tifffile.imwrite(tmp_path / "m.tif", (truth * 255).astype(np.uint8), compression="lzw")
    np.testing.assert_array_equal(read_truth(tmp_path / "m.tif", 255), truth)


def _palette(path: Path, indices: np.ndarray, colours: tuple[int, ...]) -> Path:
    image = Image.fromarray(indices.astype(np.uint8), mode="P")
    image.putpalette([c for colour in colours for c in (colour,) * 3])
    image.save(path)
    return path


@pytest.mark.parametrize("suffix", ["gif", "png"])
def test_two_colour_palette_mask_under_two_valued(tmp_path: Path, suffix: str) -> None:
    truth = np.zeros((20, 30), bool)
    truth[4:12, 6:25] = True
    path = _palette(tmp_path / f"observer.{suffix}", truth, (3, 253))
    np.testing.assert_array_equal(np.unique(read_image(path)), [3, 253])
    np.testing.assert_array_equal(read_truth(path, "two_valued"), truth)
    # The palette's order does not matter: the higher value is the object.
    swapped = _palette(tmp_path / f"swapped.{suffix}", ~truth, (253, 3))
    np.testing.assert_array_equal(read_truth(swapped, "two_valued"), truth)
    with pytest.raises(ValueError, match=r"holds no 0 but the values 3, 253.*'two_valued'"):
        read_truth(path, "nonzero")
    with pytest.raises(ValueError, match=r"found values 3, 253.*or 'two_valued'"):
        read_truth(path, 255)


@pytest.mark.parametrize(
    ("values", "rule", "expected"),
    [
        ([[0, 1], [1, 0]], "two_valued", [[False, True], [True, False]]),
        ([[7, 7], [7, 7]], "two_valued", [[False, False], [False, False]]),  # one value: no object
        ([[0, 3], [5, 0]], "nonzero", [[False, True], [True, False]]),  # labels: fine
        ([[9, 9], [9, 9]], "nonzero", [[True, True], [True, True]]),
        ([[0, 0], [0, 0]], "nonzero", [[False, False], [False, False]]),
    ],
)
def test_value_rules(values, rule, expected) -> None:
    np.testing.assert_array_equal(value_mask(np.array(values, np.uint8), rule, "m"), expected)


@pytest.mark.parametrize(
    ("values", "rule", "message"),
    [
        ([[0, 1], [2, 0]], "two_valued", "is not two-valued: found values 0, 1, 2"),
        ([[3, 253], [4, 3]], "nonzero", "holds no 0 but the values 3, 4, 253"),
        ([[0, 1]], "one", "must be an integer .*'nonzero' or 'two_valued'; got 'one'"),
    ],
)
def test_value_rule_errors_name_the_values_and_the_fix(values, rule, message) -> None:
    with pytest.raises(ValueError, match=message):
        value_mask(np.array(values, np.uint8), rule, "m")


def test_a_folder_dataset_refuses_an_unknown_value_rule(tmp_path: Path) -> None:
    from bench.data import FolderDataset

    with pytest.raises(ValueError, match=r"truth_value must be an integer .* got 'nonzer'"):
        FolderDataset("d", tmp_path, tmp_path, truth_value="nonzer")
