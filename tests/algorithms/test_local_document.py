"""The document methods of algorithms.local_document: inputs, image-wide values, tiling.

Their agreement with doxapy on real pages is in ``tests/algorithms/test_doxapy_oracle.py``;
the object rule and tiling for every local method in ``test_objects.py`` and
``test_local_methods.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import algorithms
from algorithms.local_document import contrast_levels

DOCUMENT = ["gatos", "isauvola", "su", "wan"]
EIGHT_BIT_ONLY = ["gatos", "isauvola", "su"]


@pytest.fixture
def page(rng) -> np.ndarray:
    """Dark strokes on brighter, unevenly lit and noisy paper."""
    rows, cols = np.mgrid[:60, :90]
    paper = 170 + 0.5 * cols + rng.normal(0, 6, rows.shape)
    strokes = ((rows % 15) < 3) & ((cols % 20) > 4)
    return np.where(strokes, paper - 100, paper).clip(0, 255).astype(np.uint8)


@pytest.mark.parametrize("name", DOCUMENT)
def test_the_ink_is_found_on_a_page(name: str, page) -> None:
    rows, cols = np.mgrid[: page.shape[0], : page.shape[1]]
    strokes = ((rows % 15) < 3) & ((cols % 20) > 4)
    small = {"wan": {"radius": 7}, "isauvola": {"radius": 7}, "gatos": {"radius": 7,
             "background_radius": 10}, "su": {}}[name]  # fmt: skip
    ink = algorithms.get(name, **small)(page, objects="dark")
    recall = (ink & strokes).sum() / strokes.sum()
    precision = (ink & strokes).sum() / max(ink.sum(), 1)
    assert recall > 0.8
    assert precision > 0.8


@pytest.mark.parametrize("name", EIGHT_BIT_ONLY)
def test_eight_bit_methods_refuse_other_dtypes_with_the_fix(name: str, page) -> None:
    with pytest.raises(ValueError, match=r"8-bit images.*img_as_ubyte"):
        algorithms.get(name)(page.astype(np.uint16) * 257)


def test_wan_takes_any_integer_image(page) -> None:
    wide = page.astype(np.uint16)
    np.testing.assert_array_equal(algorithms.get("wan", radius=5)(wide), algorithms.get(
        "wan", radius=5)(page))  # fmt: skip


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("su", {"n_min": 0}, "n_min must be an integer >= 1"),
        ("su", {"n_min": 2.5}, "n_min must be an integer >= 1"),
        ("gatos", {"p1": 1.0}, "p1 must be below 1"),
        ("gatos", {"background_mean": 0.0}, "background_mean must be positive"),
        ("wan", {"r": 0}, "r must be positive"),
        ("isauvola", {"contrast_threshold": float("nan")}, "contrast_threshold must be a finite"),
    ],
)
def test_bad_parameters_say_what_was_wrong(name, params, message, page) -> None:
    with pytest.raises(ValueError, match=message):
        algorithms.get(name, **params)(page)


def test_contrast_levels_are_brightness_normalised_local_contrast() -> None:
    image = np.array([[0, 0, 0, 0], [0, 100, 200, 200], [200, 200, 200, 200]], np.uint8)
    levels = contrast_levels(image)
    assert levels[0, 3] == 254  # max 200, min 0: 255·200/(200 + 1e-4), fraction dropped
    assert levels[2, 1] == 254  # its 3x3 holds the 0 at (1, 0)
    assert levels[2, 3] == 0  # a flat 200 neighbourhood
    flat = np.full((4, 4), 200, np.uint8)
    assert not contrast_levels(flat).any()
    assert contrast_levels(np.zeros((3, 3), np.uint8)).max() == 0  # 0/ε, not 0/0


@pytest.mark.parametrize("name", ["su", "gatos"])
def test_image_wide_values_make_a_tile_reproduce_the_whole_image(name: str, page) -> None:
    small = {"gatos": {"radius": 4, "background_radius": 6}, "su": {"radius": 3}}[name]
    method = algorithms.get(name, **small)
    whole = method(page)
    fixed = type(method)(**{**method.get_params(), **method.image_statistics(page)})
    np.testing.assert_array_equal(fixed(page), whole)
    halo = fixed.halo()
    rows, cols = slice(20, 40), slice(30, 60)
    crop = page[rows.start - halo : rows.stop + halo, cols.start - halo : cols.stop + halo]
    np.testing.assert_array_equal(fixed(crop)[halo:-halo, halo:-halo], whole[rows, cols])


def test_isauvola_keeps_whole_components_so_no_halo_tiles_it() -> None:
    """A stroke whose only high-contrast pixel is far away: a tile cannot see the seed."""
    image = np.full((21, 200), 200, np.uint8)
    image[9:12, :] = 100  # one long stroke, contrast level 85 along its edges
    image[10, 3] = 0  # the one pixel of contrast level 254
    method = algorithms.get("isauvola", radius=7, contrast_threshold=200)
    assert not method.tileable
    whole = method(image, objects="dark")
    assert whole[9:12, 150:].all()  # the stroke is kept: its component holds the seed
    halo = method.halo()
    tile = method(image[:, 150 - halo :], objects="dark")
    assert not tile[9:12, halo:].any()  # the tile's piece of it has no seed


def test_the_tiled_runner_refuses_a_method_that_is_not_tileable() -> None:
    from bench.scale.tiling import segment_tiled

    image = np.full((30, 40), 200, np.uint8)
    method = algorithms.get("isauvola", radius=3, contrast_threshold=100)
    with pytest.raises(ValueError, match="tileable = False"):
        segment_tiled(image, method, truth=image < 100, tile_shape=10)
