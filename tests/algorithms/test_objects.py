"""The object polarity rule (Fiji's): ``objects="dark"`` is ``p <= t`` on the original image.

What must hold, for every registered method:

* non-learned methods: ``segment(img, objects="dark").mask`` is exactly
  ``~segment(img, objects="bright").mask`` and the threshold is the same,
  on an image and on its inverse (the method sees the intensities it is
  given; nothing is inverted behind its back);
* global methods: the dark mask is ``image <= threshold``;
* learned methods: the mask is the learned object class whatever
  ``objects`` says (they learn the truth directly);
* the invert-first pipeline (``255 - image``, then bright) equals the dark
  rule only for criteria symmetric under ``p -> 255 - p``: the global
  methods listed in ``MIRROR_SYMMETRIC`` on real images, and the local
  pointwise rules with ``c = 0`` except where the pixel equals its window
  statistic; the asymmetric ones document the difference in their class.
"""

from __future__ import annotations

import numpy as np
import pytest

import algorithms
from algorithms.windows import window_max, window_median, window_min, window_moments

ALL = algorithms.available()
GLOBAL = algorithms.available(kind="global")

# Global criteria that are symmetric under p -> 255 - p (up to exact ties).
MIRROR_SYMMETRIC = {
    "huang", "huang2", "maxentropy", "mean", "minerror", "otsu", "percentile", "shanbhag", "yen",
}  # fmt: skip


@pytest.fixture(scope="module")
def crop(kesm) -> np.ndarray:
    """A 96×112 crop of the built-in sample (the article's inverted tile: bright vessels)."""
    return kesm.image[200:296, 150:262]


@pytest.mark.parametrize("name", ALL)
def test_dark_objects_are_the_exact_complement_on_an_image_and_its_inverse(
    name: str, crop, ready_segmenter
) -> None:
    truth = crop < np.percentile(crop, 30)  # a third of the pixels: both classes to learn
    method = ready_segmenter(name, crop, truth)
    for image in (crop, 255 - crop):
        bright = method.segment(image, objects="bright")
        dark = method.segment(image, objects="dark")
        assert bright.threshold == dark.threshold
        if method.requires_fit:
            np.testing.assert_array_equal(dark.mask, bright.mask)
            continue
        np.testing.assert_array_equal(dark.mask, ~bright.mask)
        np.testing.assert_array_equal(method(image, objects="dark"), dark.mask)
        if bright.threshold is not None:
            np.testing.assert_array_equal(dark.mask, image <= dark.threshold)
            np.testing.assert_array_equal(bright.mask, image > bright.threshold)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("value", ["Dark", "white", None, 1])
def test_an_unknown_polarity_is_refused_with_the_choices(name: str, value, blobs) -> None:
    method = algorithms.get(name)
    with pytest.raises(ValueError, match=r"objects must be 'bright'.*'dark'"):
        method.segment(blobs[0], objects=value)


@pytest.mark.parametrize("name", GLOBAL)
def test_global_dark_rule_versus_inverting_first(name: str, kesm) -> None:
    """Symmetric criteria: the same mask; the others differ and say why in their class."""
    image = kesm.image
    method = algorithms.get(name)
    dark = method.segment(image, objects="dark")
    inverted_first = method.segment(255 - image)
    if name in MIRROR_SYMMETRIC:
        np.testing.assert_array_equal(dark.mask, inverted_first.mask)
        assert dark.threshold == 254 - inverted_first.threshold
    else:
        assert (dark.mask != inverted_first.mask).any()
        doc = " ".join(type(method).__doc__.split())
        assert "invert-first pipeline" in doc
        assert "give different masks" in doc


def test_li_threshold_on_the_original_is_not_the_mirrored_inverted_one(kesm) -> None:
    """Li's cross-entropy: the dark-object threshold is not 254 − the inverted image's."""
    li = algorithms.get("li")
    on_original = li.threshold(kesm.image)
    on_inverted = li.threshold(255 - kesm.image)
    assert on_original != 254 - on_inverted
    assert on_original == li.segment(kesm.image, objects="dark").threshold


def _ties(name: str, image: np.ndarray, radius: int) -> np.ndarray:
    """Pixels equal to their window statistic (``p == t``), where the two pipelines differ."""
    if name == "local_mean":
        moments = window_moments(image, radius, "disk", squares=False)
        return image.astype(np.int64) * moments.count == moments.total
    if name == "local_median":
        return image == window_median(image, radius, "disk")
    low, high = window_min(image, radius, "disk"), window_max(image, radius, "disk")
    return 2 * image.astype(np.int64) == low.astype(np.int64) + high


@pytest.mark.parametrize("name", ["local_mean", "local_median", "midgrey"])
def test_pointwise_symmetric_local_rules_differ_from_inverting_only_at_ties(name, crop) -> None:
    method = algorithms.get(name, radius=5)
    dark = method(crop, objects="dark")
    inverted_first = method(255 - crop)
    ties = _ties(name, crop, 5)
    np.testing.assert_array_equal(dark ^ inverted_first, ties)
    assert ties.any()


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("sauvola", {"k": 0.2}),
        ("niblack", {"k": -0.2}),
        ("nick", {}),
        ("wolf_jolion", {}),
        ("bradley_roth", {}),
        ("phansalkar", {}),
    ],
)
def test_asymmetric_local_formulas_are_not_the_inverted_method(name, params, kesm) -> None:
    """Inverting first is a different method for these formulas: many pixels change."""
    method = algorithms.get(name, radius=15, **params)
    image = kesm.image
    dark = method(image, objects="dark")
    inverted_first = method(255 - image)
    assert (dark != inverted_first).mean() > 0.01
