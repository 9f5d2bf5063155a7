"""A run's per-image figures: the overlay's colours, its PNG written in strips, the preview."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from bench.report import plots


def _pixels(dtype: type, rng: np.random.Generator, shape=(61, 47)):
    if dtype is np.uint8:
        image = rng.integers(0, 256, shape, dtype=np.uint8)
    else:
        image = (rng.random(shape) * 5000 - 100).astype(dtype)
    return image, rng.random(shape) < 0.3, rng.random(shape) < 0.4, rng.random(shape) < 0.8


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("with_fov", [False, True])
def test_overlay_colours_are_the_blend_of_each_pixel(rng, dtype, with_fov) -> None:
    """The lookup table gives the float32 blend's value bit for bit, every class and grey."""
    image, truth, mask, fov = _pixels(dtype, rng)
    fov = fov if with_fov else None
    expected = plots._blend(plots._grey_uint8(image), truth, mask, fov, 0.75)
    assert np.array_equal(plots.overlay_rgb(image, truth, mask, fov), expected)


@pytest.mark.parametrize("strip_pixels", [1, 47 * 3, 1 << 22])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_overlay_png_is_the_overlay_at_native_size_in_any_strips(
    tmp_path, rng, monkeypatch, strip_pixels, dtype
) -> None:
    monkeypatch.setattr(plots, "STRIP_PIXELS", strip_pixels)
    image, truth, mask, fov = _pixels(dtype, rng)
    path = plots.save_overlay(tmp_path / "x_overlay.png", image, truth, mask, fov, title="x")
    # A strip of a 16-bit image is stretched by the whole image's range, not its own.
    assert np.array_equal(np.asarray(Image.open(path)), plots.overlay_rgb(image, truth, mask, fov))
    text = Image.open(path).text
    tp = np.count_nonzero(truth & mask & fov)
    assert text["Title"] == "x"
    assert f"TP sky blue ({tp:,})" in text["Description"]
    assert not plots.preview_path(path).exists()  # small images: no preview
    # One zlib stream whose checksum holds (strips deflated apart, their adler32s combined).
    rows = zlib.decompress(_idat(path.read_bytes()))
    assert len(rows) == image.shape[0] * (image.shape[1] * 3 + 1)


def _idat(png: bytes) -> bytes:
    data, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length : at + 12 + length])[0] == zlib.crc32(
            kind + body
        )
        data += [body] if kind == b"IDAT" else []
        at += 12 + length
    return b"".join(data)


@pytest.mark.parametrize("shape", [(40, 33), (33, 40), (64, 64)])
@pytest.mark.parametrize("strip_pixels", [1, 200, 1 << 22])
def test_preview_is_the_area_average_of_blocks(tmp_path, rng, monkeypatch, shape, strip_pixels):
    """Each preview pixel is the rounded mean of its n×n block (edge blocks: what they hold)."""
    monkeypatch.setattr(plots, "STRIP_PIXELS", strip_pixels)
    image, truth, mask, _ = _pixels(np.uint8, rng, shape)
    path = plots.save_overlay(tmp_path / "x_overlay.png", image, truth, mask, preview_side=16)
    rgb = plots.overlay_rgb(image, truth, mask).astype(np.float64)
    factor = -(-max(shape) // 16)
    preview = np.asarray(Image.open(plots.preview_path(path)))
    assert preview.shape == (-(-shape[0] // factor), -(-shape[1] // factor), 3)
    for r, c in np.ndindex(preview.shape[:2]):
        block = rgb[r * factor : (r + 1) * factor, c * factor : (c + 1) * factor]
        assert preview[r, c].tolist() == np.floor(block.mean(axis=(0, 1)) + 0.5).tolist()


def test_a_one_pixel_error_stays_visible_in_the_preview(tmp_path) -> None:
    """Sampling 1 pixel in n would drop a thin miss; the area average keeps it as a tint."""
    image = np.full((300, 300), 128, np.uint8)
    truth = np.zeros(image.shape, bool)
    truth[:, 151] = True  # a vertical line the mask misses: FN
    path = plots.save_overlay(
        tmp_path / "o.png", image, truth, np.zeros_like(truth), preview_side=100
    )
    preview = np.asarray(Image.open(plots.preview_path(path))).astype(int)
    assert (preview[:, 50] != preview[:, 0]).all()  # its column of blocks is tinted
    assert (preview[:, 0] == 128).all()


def test_histogram_png_marks_the_threshold(tmp_path, kesm) -> None:
    path = plots.save_histogram(tmp_path / "h.png", kesm.image, 79.0, title="kesm")
    picture = np.asarray(Image.open(path))
    assert picture.shape == (plots._SIZE[1], plots._SIZE[0], 3)
    assert (picture == plots._THRESHOLD).all(axis=2).any()
    assert (picture == plots._FILL).all(axis=2).sum() > 1000  # the filled outline
