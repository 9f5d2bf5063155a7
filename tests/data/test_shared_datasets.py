"""The named dataset configs read the shared data as its README describes it."""

from __future__ import annotations

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from PIL import Image

import bench
from bench.cli.config import register_configs
from bench.cli.overrides import CONF_DIR
from bench.data import from_config
from conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared data absent")
register_configs()

# option: (pairs, polarity rule, share of foreground in the truth of the first sample)
EXPECTED = {
    "isbi2012": (30, "dark", (0.15, 0.30)),
    "dibco2009": (10, "dark", (0.01, 0.20)),
    "dibco2010": (10, "dark", (0.01, 0.20)),
    "dsb2018": (47, "auto", (0.01, 0.60)),
}


def _dataset(option: str, monkeypatch: pytest.MonkeyPatch, *overrides: str):
    monkeypatch.setenv("SEGBENCH_DATA", str(SHARED_DATA))
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"dataset={option}", *overrides])
    return from_config(OmegaConf.to_container(cfg.dataset, resolve=True))


@pytest.mark.parametrize("option", sorted(EXPECTED))
def test_named_dataset_pairs_and_reads(option: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pairs, polarity, (low, high) = EXPECTED[option]
    dataset = _dataset(option, monkeypatch, "dataset.limit=2")
    assert dataset.polarity == polarity
    assert len(dataset.subset(limit=None)) == pairs
    for sample in dataset:
        assert sample.image.ndim == 2
        assert sample.image.dtype == np.uint8
        assert sample.truth.shape == sample.image.shape
        assert low < sample.truth.mean() < high, sample.id
        assert sample.polarity in ("bright", "dark")
        # Objects are on the side of the background the polarity says.
        inside, outside = sample.image[sample.truth].mean(), sample.image[~sample.truth].mean()
        assert (inside > outside) == (sample.polarity == "bright"), sample.id


@pytest.mark.parametrize("option", ["dibco2009", "dibco2010"])
def test_dibco_colour_pages_become_grey(option: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = _dataset(option, monkeypatch)
    colour = [e for e in dataset.pairs() if Image.open(e.image).mode == "RGB"]
    assert len(colour) == 4  # and 6 grey pages, as the data README says
    sample = dataset.load(*colour[0])
    rgb = np.asarray(Image.open(colour[0].image)).astype(float)
    # The contest's grey (the named config's `grey: luminance`): 0.299 R + 0.587 G + 0.114 B.
    luminance = np.floor(rgb @ [0.299, 0.587, 0.114] + 0.5)
    assert np.abs(sample.image - luminance).max() <= 1  # rounding of the weighted sum


def test_shared_kesm_is_the_bundled_sample() -> None:
    shared = from_config(
        {
            "name": "kesm", "root": str(SHARED_DATA / "kesm"),
            "image_pattern": "grayscale.png", "mask_pattern": "groundtruth.png",
        }
    )  # fmt: skip
    assert shared.content_hash() == bench.builtin_sample().content_hash()


def test_split_of_isbi_is_stable(monkeypatch: pytest.MonkeyPatch) -> None:
    test = _dataset("isbi2012", monkeypatch, "dataset.split=test")
    train = _dataset("isbi2012", monkeypatch, "dataset.split=train")
    test_ids = [e.id for e in test.pairs()]
    assert len(test_ids) + len(train) == 30
    assert not set(test_ids) & {e.id for e in train.pairs()}
    assert test_ids == ["4", "7", "15", "18", "20", "25"]  # seed 0, test_fraction 0.3
