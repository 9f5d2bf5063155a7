"""Folder datasets: truth rules, instance masks, field of view, pages, splits, hash."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

import bench
from bench.data import (
    REPO_ROOT,
    DatasetWarning,
    FolderDataset,
    Sample,
    from_config,
    invert,
    read_image,
    read_truth,
    resolve_path,
    split_of,
)


def _save(path: Path, array: np.ndarray, mode: str | None = None) -> Path:
    """Write ``array`` as an image file (TIFF by tifffile; else PIL, converted to ``mode``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".tif":
        tifffile.imwrite(path, array, photometric="minisblack")
    else:
        image = Image.fromarray(array)
        (image.convert(mode) if mode else image).save(path)
    return path


@pytest.fixture
def folder(tmp_path: Path, blobs) -> Path:
    """Three copies of the blobs image with 0/255 masks, as a user would have them."""
    image, truth = blobs
    for k in range(3):
        _save(tmp_path / "images" / f"s{k}.png", np.roll(image, 7 * k, axis=1))
        _save(
            tmp_path / "masks" / f"s{k}.png", np.roll(truth, 7 * k, axis=1).astype(np.uint8) * 255
        )
    return tmp_path


def test_truth_value_rule(folder: Path, blobs) -> None:
    _, truth = blobs
    (sample,) = FolderDataset("t", folder / "images", folder / "masks", limit=1)
    np.testing.assert_array_equal(sample.truth, truth)
    (inverse,) = FolderDataset("t", folder / "images", folder / "masks", truth_value=0, limit=1)
    np.testing.assert_array_equal(inverse.truth, ~truth)


def test_nonzero_rule_reads_label_images(tmp_path: Path) -> None:
    labels = np.array([[0, 1, 1], [0, 7, 0]], np.uint16)  # one value per object
    _save(tmp_path / "images/a.png", np.zeros((2, 3), np.uint8))
    _save(tmp_path / "masks/a.tif", labels)
    dataset = FolderDataset("t", tmp_path / "images", tmp_path / "masks", "{id}.png", "{id}.tif")
    with pytest.raises(ValueError, match=r"not binary under the rule foreground == 255.*0, 1, 7"):
        list(dataset)
    (sample,) = dataset.subset(truth_value="nonzero")
    np.testing.assert_array_equal(sample.truth, labels != 0)


def test_instance_masks_are_read_as_their_union(tmp_path: Path) -> None:
    # The original DSB 2018 layout: <id>/images/<id>.png and <id>/masks/*.png.
    image = np.zeros((6, 6), np.uint8)
    objects = [np.zeros((6, 6), np.uint8) for _ in range(3)]
    objects[0][0:2, 0:2] = 255
    objects[1][3:5, 1:3] = 255
    objects[2][1:3, 1:2] = 255  # overlaps the first
    _save(tmp_path / "x1/images/x1.png", image)
    for k, mask in enumerate(objects):
        _save(tmp_path / f"x1/masks/m{k}.png", mask)
    dataset = FolderDataset(
        "dsb", tmp_path, tmp_path, "{id}/images/{id}.png", "{id}/masks", instance_masks=True
    )
    (sample,) = dataset
    np.testing.assert_array_equal(sample.truth, np.any(objects, axis=0))
    before = dataset.content_hash()
    _save(tmp_path / "x1/masks/m9.png", np.zeros((5, 6), np.uint8))
    assert dataset.subset().content_hash() != before  # every object's file is covered
    with pytest.raises(ValueError, match=r"Instance masks differ in size: .*m0\.png is 6×6 .*m9"):
        list(dataset.subset())


def test_mask_of_another_size_names_both_files(folder: Path) -> None:
    _save(folder / "masks/s1.png", np.zeros((5, 5), np.uint8))
    dataset = FolderDataset("t", folder / "images", folder / "masks")
    with pytest.raises(ValueError, match=r"mask .*masks/s1\.png is 5×5 but image .*images/s1\.png"):
        list(dataset)


def test_field_of_view_masks_are_paired_and_read(folder: Path, blobs) -> None:
    fov = np.zeros(blobs[0].shape, np.uint8)
    fov[:, :40] = 255
    for k in range(3):
        _save(folder / "fov" / f"s{k}_mask.gif", fov)
    dataset = FolderDataset(
        "t", folder / "images", folder / "masks", fov=folder / "fov", fov_pattern="{id}_mask.gif"
    )
    samples = list(dataset)
    assert all(np.array_equal(s.fov, fov == 255) for s in samples)
    (folder / "fov/s2_mask.gif").unlink()
    with pytest.raises(ValueError, match=r"no partner .*field of view.*images/s2\.png"):
        dataset.subset().pairs()


def test_metrics_and_threshold_inside_the_field_of_view(blobs) -> None:
    image, truth = blobs
    fov = np.zeros_like(truth)
    fov[:, :40] = True
    image = image.copy()
    image[:, 40:] = 255  # a glare outside the field of view
    inside = bench.Sample("s", image, truth, fov)
    outside = bench.Sample("s", image, truth, fov, fov_for_threshold=False)
    table = bench.evaluate([inside, outside], ["otsu"], [None])
    assert (table[["tp", "fp", "fn", "tn"]].sum(axis=1) == fov.sum()).all()
    t_in, t_out = table["threshold"]
    assert t_in < t_out  # the glare drags the whole-image threshold up ...
    mcc_in, mcc_out = table["mcc"]
    assert mcc_in == pytest.approx(1.0)
    assert mcc_out < 0.9  # ... and cuts into the objects


def test_multi_page_tiff_gives_one_sample_per_page(tmp_path: Path, blobs) -> None:
    image, truth = blobs
    stack = np.stack([image, 255 - image, image])
    _save(tmp_path / "vol.tif", stack)
    _save(tmp_path / "labels.tif", np.stack([truth] * 3).astype(np.uint8) * 255)
    dataset = FolderDataset("v", tmp_path, tmp_path, "vol.tif", "labels.tif", polarity="auto")
    samples = list(dataset)
    assert [s.id for s in samples] == ["vol[0]", "vol[1]", "vol[2]"]
    assert [s.polarity for s in samples] == ["bright", "dark", "bright"]
    table = bench.evaluate(dataset, ["otsu"], [None])
    assert (table["mcc"] > 0.9).all()
    _save(tmp_path / "labels.tif", np.stack([truth, truth]).astype(np.uint8) * 255)
    with pytest.raises(
        ValueError, match=r"vol\.tif has 3 page\(s\) but its mask .*labels\.tif has 2"
    ):
        dataset.subset().pairs()
    _save(tmp_path / "one.png", image)  # a single image with a stack for its mask
    single = FolderDataset("v", tmp_path, tmp_path, "one.png", "labels.tif")
    with (
        pytest.warns(DatasetWarning, match="vol.tif"),  # in the folder, not in the patterns
        pytest.raises(ValueError, match=r"one\.png has 1 page\(s\) but its mask"),
    ):
        single.pairs()


def test_split_is_seeded_and_recorded(folder: Path) -> None:
    dataset = FolderDataset("t", folder / "images", folder / "masks", test_fraction=0.5, seed=3)
    sides = {e.id: split_of(e.id, 3, 0.5) for e in dataset.pairs()}
    for split in ("train", "test"):
        part = dataset.subset(split=split)
        if split in sides.values():
            assert [e.id for e in part.pairs()] == [k for k, v in sides.items() if v == split]
            assert {s.split for s in part} == {split}
        else:
            with pytest.raises(ValueError, match=f"the {split} split is empty"):
                part.pairs()
    table = bench.evaluate(dataset, ["otsu"], [None])
    assert table["split"].tolist() == list(sides.values())
    assert len(dataset.subset(limit=2)) == 2


def test_invalid_settings_name_the_choices(folder: Path) -> None:
    for key, value in (("split", "tset"), ("polarity", "up"), ("unpaired", "drop")):
        with pytest.raises(ValueError, match=f"{key} must be one of .*got '{value}'"):
            FolderDataset("t", folder / "images", folder / "masks", **{key: value})
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        FolderDataset("t", folder / "images", folder / "masks", limit=0)
    with pytest.raises(ValueError, match="test_fraction must be a number from 0 to 1"):
        FolderDataset("t", folder / "images", folder / "masks", test_fraction=1.5)


def test_content_hash_changes_with_any_file(folder: Path) -> None:
    def digest() -> str:
        return FolderDataset("t", folder / "images", folder / "masks").content_hash()

    first = digest()
    dataset = FolderDataset("t", folder / "images", folder / "masks")
    assert dataset.subset(split="test", test_fraction=1.0).content_hash() == first
    table = bench.evaluate(dataset, ["otsu"], [None])
    assert (table["dataset_hash"] == first).all()
    mask = np.asarray(Image.open(folder / "masks/s1.png")).copy()
    mask[0, 0] ^= 255  # one pixel, same size
    _save(folder / "masks/s1.png", mask)
    second = digest()
    assert second != first
    (folder / "masks/s1.png").rename(folder / "masks/s9.png")
    (folder / "images/s1.png").rename(folder / "images/s9.png")
    assert digest() not in (first, second)  # a renamed sample is another dataset


def test_content_hash_ignores_where_the_dataset_lives(folder: Path, tmp_path_factory) -> None:
    copy = tmp_path_factory.mktemp("copy")
    for path in folder.rglob("*.png"):
        target = copy / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    assert (
        FolderDataset("a", folder / "images", folder / "masks").content_hash()
        == FolderDataset("b", copy / "images", copy / "masks").content_hash()
    )


def test_from_config_resolves_relative_roots(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert from_config({"name": "k"}).images == bench.data.builtin_root() / "images"
    assert resolve_path(tmp_path / "x") == tmp_path / "x"
    (tmp_path / "here").mkdir()
    assert resolve_path("here") == Path("here")  # found from the current directory
    assert resolve_path("bench") == REPO_ROOT / "bench"  # found from the repository
    assert from_config({"name": "b", "root": "bench", "images": "data"}).images == (
        REPO_ROOT / "bench/data"
    )
    nowhere = from_config({"name": "x", "root": "nowhere"})  # reported when listed
    with pytest.raises(FileNotFoundError, match=r"image folder not found: nowhere/images \(a rel"):
        nowhere.pairs()
    with pytest.raises(ValueError, match=r"Unknown dataset setting 'trut_value'.*'truth_value'"):
        from_config({"name": "x", "trut_value": 0})
    with pytest.raises(ValueError, match=r"needs dataset\.images=DIR"):
        from_config({"name": "folder", "root": ".", "images": None, "masks": "m"})


def test_from_config_builds_every_setting(folder: Path) -> None:
    dataset = from_config(
        {
            "name": "mine", "root": str(folder), "images": "images", "masks": "masks",
            "truth_value": "nonzero", "polarity": "auto", "grey": "luminance",
            "split": "train", "test_fraction": 0.0, "seed": 7, "limit": 2,
        }
    )  # fmt: skip
    assert (dataset.name, dataset.images, dataset.limit) == ("mine", folder / "images", 2)
    assert [s.split for s in dataset] == ["train", "train"]


def test_every_named_config_points_at_the_shared_data_by_default() -> None:
    from bench.cli.overrides import CONF_DIR

    for path in CONF_DIR.glob("dataset/*.yaml"):
        text = path.read_text()
        assert text.startswith("# python -m bench dataset=" + path.stem), path
        if path.stem not in ("kesm", "folder", "volume"):
            assert "root: ${oc.env:SEGBENCH_DATA,../shared/data}/" in text, path


# Reading single images and truth files; the built-in sample


def test_kesm_sample_declares_the_articles_invert_step(kesm: Sample) -> None:
    """Dark vessels in the file; the sample inverts them (the article's step), then bright."""
    assert kesm.image.dtype == np.uint8
    assert kesm.image.shape == kesm.truth.shape == (512, 512)
    assert kesm.polarity == "bright"
    assert kesm.meta["inverted"]
    raw = read_image(kesm.meta["image_path"])
    np.testing.assert_array_equal(kesm.image, 255 - raw)
    assert raw[kesm.truth].mean() < raw[~kesm.truth].mean()  # vessels are dark in the file
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
