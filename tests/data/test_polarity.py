"""``polarity: auto``: bright or dark objects, decided from the image alone."""

from __future__ import annotations

import numpy as np
import pytest

import bench
from bench.data import decide_polarity, from_config, resolve_polarity
from conftest import SHARED_DATA


def test_smaller_otsu_class_is_the_object(blobs) -> None:
    image, truth = blobs
    assert truth.mean() < 0.5
    assert decide_polarity(image) == "bright"
    assert decide_polarity(255 - image) == "dark"
    assert decide_polarity(image.astype(np.uint16) * 200) == "bright"
    assert decide_polarity(image.astype(np.float64) / 255) == "bright"


def test_field_of_view_decides_who_votes(blobs) -> None:
    image, _ = blobs
    image = image.copy()
    image[:, 40:] = 255  # bright outside the field of view: the majority if it voted
    fov = np.zeros(image.shape, bool)
    fov[:, :40] = True
    assert decide_polarity(image) == "dark"
    assert decide_polarity(image, fov) == "bright"


def test_fixed_rules_pass_through_and_typos_fail(blobs) -> None:
    image, _ = blobs
    assert resolve_polarity("dark", image) == "dark"
    with pytest.raises(ValueError, match="polarity must be one of bright, dark, auto; got 'drak'"):
        resolve_polarity("drak", image)


def test_evaluate_records_the_decision(blobs) -> None:
    image, truth = blobs
    table = bench.evaluate(255 - image, ["otsu"], [None], truth=truth, polarity="auto")
    assert table["polarity"].tolist() == ["dark"]
    assert table["mcc"].iloc[0] > 0.9


@pytest.mark.skipif(not (SHARED_DATA / "dsb2018").is_dir(), reason="shared data absent")
def test_auto_polarity_agrees_with_the_truth_on_dsb2018() -> None:
    dataset = from_config(
        {"name": "dsb2018", "root": str(SHARED_DATA / "dsb2018"), "polarity": "auto"}
    )
    agree, dark = 0, 0
    for sample in dataset:
        # The truth only checks the rule here; the rule itself never sees it.
        inside, outside = sample.image[sample.truth].mean(), sample.image[~sample.truth].mean()
        expected = "bright" if inside > outside else "dark"
        agree += sample.polarity == expected
        dark += expected == "dark"
    assert len(dataset) == 47
    assert dark > 0  # the set holds both kinds
    assert agree >= 45  # measured: 47 of 47
