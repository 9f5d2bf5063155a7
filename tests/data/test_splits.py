"""The seeded train/test split: deterministic, per id, close to the asked fraction."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.data import FolderDataset, Split, from_config, split_counts, split_of
from bench.data.splits import OfficialSplit

IDS = [str(i) for i in range(2000)]


def test_known_values_never_change() -> None:
    # SHA-256 of "<seed>:<id>": the same on every machine and Python version, so
    # a model trained on one machine is tested on the same images on another.
    def sides(seed: int) -> str:
        return "".join(split_of(str(k), seed, 0.5)[1] for k in range(16))  # "r"ain / "e"st

    assert sides(0) == "rrreerrereerrree"
    assert sides(42) == "eerreeeeeereeeer"


def test_fraction_is_met_on_many_ids() -> None:
    counts = split_counts((f"img{k}" for k in range(20000)), seed=1, test_fraction=0.2)
    assert abs(counts["test"] / 20000 - 0.2) < 0.01  # 3.5 binomial standard deviations


def test_seed_changes_the_split() -> None:
    ids = [f"img{k}" for k in range(200)]
    assert [split_of(i, 0) for i in ids] != [split_of(i, 1) for i in ids]


@given(st.text(max_size=30), st.integers(0, 2**31), st.floats(0, 1), st.floats(0, 1))
def test_a_larger_fraction_only_adds_test_samples(key: str, seed: int, a: float, b: float) -> None:
    low, high = sorted((a, b))
    if split_of(key, seed, low) == "test":
        assert split_of(key, seed, high) == "test"
    assert split_of(key, seed, 0.0) == "train"
    assert split_of(key, seed, 1.0) == "test"


@pytest.mark.parametrize(("seed", "fraction"), [(1.5, 0.2), ("0", 0.2), (0, -0.1), (0, 2)])
def test_bad_seed_or_fraction(seed, fraction) -> None:
    with pytest.raises(ValueError, match=r"seed must be an integer|test_fraction must be"):
        split_of("a", seed, fraction)


def test_partition_keeps_order_and_is_independent_of_other_samples() -> None:
    rule = Split(seed=0, test_fraction=0.3)
    sides = rule.partition(IDS[:50], key=str)
    assert sorted(sides["train"] + sides["test"], key=int) == IDS[:50]
    assert sides["test"] == sorted(sides["test"], key=int)
    # Adding samples never moves an existing one.
    more = rule.partition(IDS[:500], key=str)
    assert set(sides["test"]) <= set(more["test"])
    assert set(sides["train"]) <= set(more["train"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test_fraction": 1.5}, "from 0 to 1; got 1.5"),
        ({"test_fraction": "half"}, "must be a number"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"seed": True}, "seed must be an integer"),
    ],
)
def test_bad_split_parameters_are_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Split(**kwargs)
    with pytest.raises(ValueError, match=message):
        split_of("a", **kwargs)


def test_sample_id_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="must be a string; got 3"):
        split_of(3)  # type: ignore[arg-type]


# -- the official split a dataset declares ------------------------------------------

DRIVE_LIKE = [("21", "training/images/21.png"), ("22", "training/images/22.png"),
              ("01", "test/images/01.png"), ("02", "test/images/02.png")]  # fmt: skip
SIDES = {"21": "train", "22": "train", "01": "test", "02": "test"}


def test_folder_split() -> None:
    assert OfficialSplit("folder").sides(DRIVE_LIKE, "d") == SIDES
    renamed = [(i, p.replace("training", "tr").replace("test", "te")) for i, p in DRIVE_LIKE]
    assert OfficialSplit("folder", "tr", "te").sides(renamed, "d") == SIDES
    with pytest.raises(ValueError, match=r"1 image\(s\) are not on exactly one side.*x/9.png"):
        OfficialSplit("folder").sides([*DRIVE_LIKE, ("9", "x/9.png")], "d")


def test_pattern_split() -> None:
    assert OfficialSplit("pattern", test_split="test/*").sides(DRIVE_LIKE, "d") == SIDES
    assert OfficialSplit("pattern", train_split="training/*").sides(DRIVE_LIKE, "d") == SIDES
    both = OfficialSplit("pattern", "training/*", "test/*")
    assert both.sides(DRIVE_LIKE, "d") == SIDES
    with pytest.raises(ValueError, match="neither"):
        both.sides([*DRIVE_LIKE, ("9", "x/9.png")], "d")
    with pytest.raises(ValueError, match="split_by=pattern needs test_split"):
        OfficialSplit("pattern").check("d")


def test_list_split(tmp_path: Path) -> None:
    (tmp_path / "test.txt").write_text("# the official test images\n01\n02.png\n\n")
    assert OfficialSplit("list", test_split=tmp_path / "test.txt").sides(DRIVE_LIKE, "d") == SIDES
    (tmp_path / "train.txt").write_text("21\ntraining/images/22.png\n")
    rule = OfficialSplit("list", tmp_path / "train.txt", tmp_path / "test.txt")
    assert rule.sides(DRIVE_LIKE, "d") == SIDES
    with pytest.raises(ValueError, match=r"x/9.png \(neither\)"):
        rule.sides([*DRIVE_LIKE, ("9", "x/9.png")], "d")
    (tmp_path / "typo.txt").write_text("01\n02\n03\n")
    with pytest.warns(UserWarning, match="1 name.*test_split list match no sample: 03"):
        OfficialSplit("list", test_split=tmp_path / "typo.txt").sides(DRIVE_LIKE, "d")
    with pytest.raises(FileNotFoundError, match="split list file not found"):
        OfficialSplit("list", test_split=tmp_path / "none.txt").sides(DRIVE_LIKE, "d")
    with pytest.raises(ValueError, match="split_by must be one of hash, folder, list, pattern"):
        OfficialSplit("folders").check("d")


def test_a_folder_dataset_yields_its_official_sides(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    for relative in (p for _, p in DRIVE_LIKE):
        for role in ("images", "masks"):
            path = tmp_path / relative.replace("images", role)
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.eye(8, dtype=np.uint8) * 255).save(path)
    dataset = FolderDataset(
        "drive-like", tmp_path, tmp_path, "*/images/{id}.png", "*/masks/{id}.png",
        split_by="folder",
    )  # fmt: skip
    assert {s.id: s.split for s in dataset} == SIDES
    assert [e.id for e in dataset.subset(split="test").pairs()] == ["01", "02"]
    assert [e.id for e in dataset.subset(split="train").pairs()] == ["21", "22"]
    config = {"name": "d", "root": str(tmp_path), "images": ".", "masks": ".",
              "image_pattern": "*/images/{id}.png", "mask_pattern": "*/masks/{id}.png",
              "split_by": "list", "test_split": "lists/test.txt"}  # fmt: skip
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "test.txt").write_text("01\n02\n")
    assert {s.id: s.split for s in from_config(config)} == SIDES  # list relative to root
