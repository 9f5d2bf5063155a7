"""Lazy images and stacks: .npy, TIFF (mapped or compressed) and Zarr read region by region."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest
import tifffile

import algorithms
from bench.data import dataset_from_config
from bench.scale.engines import ThreadEngine
from bench.scale.tiling import segment_tiled, segment_tiled_group
from bench.scale.volumes import (
    BinaryVolume,
    VolumeDataset,
    create_volume,
    open_volume,
    tile_shape_for,
)

zarr = pytest.importorskip("zarr")


def _write(path: Path, array: np.ndarray, how: str) -> Path:
    if how == "npy":
        np.save(path, array)
    elif how == "tiff":
        tifffile.imwrite(path, array, photometric="minisblack")
    elif how == "tiff-compressed":
        tifffile.imwrite(path, array, photometric="minisblack", compression="zlib", tile=(16, 16))
    elif how == "tiff-bigendian":
        tifffile.imwrite(path, array, photometric="minisblack", byteorder=">")
    else:
        zarr.open_array(path, mode="w", shape=array.shape, chunks=(1, 8, 8)[-array.ndim :],
                        dtype=array.dtype)[...] = array  # fmt: skip
    return path


SUFFIX = {"npy": ".npy", "tiff": ".tif", "tiff-compressed": ".tiff", "tiff-bigendian": ".tif",
          "zarr": ".zarr"}  # fmt: skip


@pytest.mark.parametrize("how", list(SUFFIX))
@pytest.mark.parametrize("shape", [(30, 41), (3, 30, 41)])
def test_every_format_reads_regions_lazily(tmp_path, how, shape) -> None:
    array = np.random.default_rng(1).integers(0, 4000, shape, dtype=np.uint16)
    volume = open_volume(_write(tmp_path / f"v{SUFFIX[how]}", array, how))
    assert volume.shape == shape
    assert volume.dtype == np.uint16
    region = (slice(5, 17), slice(30, 41)) if len(shape) == 2 else (1, slice(5, 17), slice(3, 9))
    np.testing.assert_array_equal(volume[region], array[region])
    assert volume[region].dtype.isnative
    np.testing.assert_array_equal(np.asarray(volume), array)
    again = pickle.loads(pickle.dumps(volume))  # what a Dask worker receives
    np.testing.assert_array_equal(again[region], array[region])


def test_uncompressed_tiff_and_npy_are_memory_mapped(tmp_path) -> None:
    array = np.zeros((4, 5), np.uint8)
    assert open_volume(_write(tmp_path / "a.npy", array, "npy")).offset is not None
    assert open_volume(_write(tmp_path / "a.tif", array, "tiff")).offset is not None
    assert open_volume(_write(tmp_path / "b.tif", array, "tiff-compressed")).offset is None


@pytest.mark.parametrize(
    ("name", "array", "error", "message"),
    [
        ("x.png", None, ValueError, "unknown suffix '.png'"),
        ("missing.npy", None, FileNotFoundError, "not found"),
        ("rgb.npy", np.zeros((4, 5, 6, 3), np.uint8), ValueError, "expected a 2-D image"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, name, array, error, message) -> None:
    path = tmp_path / name
    if array is not None:
        np.save(path, array)
    with pytest.raises(error, match=message):
        open_volume(path)


@pytest.mark.parametrize("suffix", [".npy", ".zarr"])
def test_created_outputs_take_tiles_and_read_back(tmp_path, suffix) -> None:
    out = create_volume(tmp_path / f"mask{suffix}", (2, 6, 7), bool, chunks=(1, 3, 3))
    out[1, 0:3, 3:6] = np.ones((3, 3), bool)
    mask = open_volume(tmp_path / f"mask{suffix}")[...]
    assert mask.sum() == 9
    assert mask[1, 0:3, 3:6].all()
    with pytest.raises(ValueError, match="read-only"):
        open_volume(tmp_path / f"mask{suffix}")[0, 0, 0] = True


def test_binary_volume_applies_the_truth_rule_and_refuses_other_values(tmp_path) -> None:
    labels = np.zeros((6, 6), np.uint8)
    labels[2:4, 2:4] = 255
    truth = BinaryVolume(open_volume(_write(tmp_path / "t.npy", labels, "npy")), 255)
    assert truth[...].dtype == bool
    assert truth[...].sum() == 4
    labels[0, 0] = 7
    bad = BinaryVolume(open_volume(_write(tmp_path / "u.npy", labels, "npy")), 255)
    with pytest.raises(ValueError, match="found values 0, 7, 255"):
        bad[...]


def test_a_tiled_run_from_files_equals_the_in_memory_run(tmp_path, blobs) -> None:
    image, truth = blobs
    stack = np.stack([image, image[::-1], 255 - image])
    truths = np.stack([truth, truth[::-1], ~truth])
    image_path = _write(tmp_path / "stack.tif", stack, "tiff-compressed")
    truth_path = _write(tmp_path / "truth.zarr", truths, "zarr")
    seg, filt = algorithms.get("li"), algorithms.get_filter("median")
    expected = segment_tiled(stack, seg, filt, truth=truths, tile_shape=(20, 30))
    got = segment_tiled(image_path, seg, filt, truth=truth_path, tile_shape=(20, 30),
                        out=tmp_path / "mask.npy")  # fmt: skip
    assert got.thresholds == expected.thresholds
    assert got.counts == expected.counts
    written = open_volume(tmp_path / "mask.npy")[...]
    for z in range(3):
        np.testing.assert_array_equal(written[z], seg(filt(stack[z])))


def test_volume_dataset_from_config_pairs_one_image_and_its_truth(tmp_path, blobs) -> None:
    image, truth = blobs
    np.save(tmp_path / "slide.npy", image)
    np.save(tmp_path / "truth.npy", np.where(truth, 255, 0).astype(np.uint8))
    config = {"name": "volume", "root": str(tmp_path), "images": "slide.npy",
              "masks": "truth.npy", "truth_value": 255, "polarity": "bright"}  # fmt: skip
    dataset = dataset_from_config(config)
    assert isinstance(dataset, VolumeDataset)
    (sample,) = list(dataset)
    assert sample.image.shape == image.shape
    np.testing.assert_array_equal(sample.truth[...], truth)
    (whole,) = list(dataset.in_memory())
    np.testing.assert_array_equal(whole.image, image)
    np.save(tmp_path / "short.npy", image[:5])
    with pytest.raises(ValueError, match="must match"):
        VolumeDataset.from_config({**config, "masks": "short.npy"}).pairs()


def test_a_folder_dataset_config_is_left_to_the_folder_reader() -> None:
    from bench.data import FolderDataset

    config = {"name": "kesm", "root": None, "images": "images", "masks": "masks",
              "image_pattern": "grayscale.png", "mask_pattern": "groundtruth.png"}  # fmt: skip
    assert isinstance(dataset_from_config(config), FolderDataset)


@pytest.mark.parametrize("kind", ["folder", "volume"])
def test_every_dataset_kind_is_registered_with_its_settings(kind) -> None:
    from bench.data import KINDS

    assert {f.name for f in dataclasses.fields(KINDS[kind].config)} >= {
        "name", "kind", "root", "images", "masks", "truth_value", "polarity",
    }  # fmt: skip


def test_the_kind_decides_over_the_file_suffix(tmp_path, blobs) -> None:
    image, truth = blobs
    np.save(tmp_path / "slide.npy", image)
    np.save(tmp_path / "truth.npy", truth)
    config = {"name": "v", "kind": "volume", "root": str(tmp_path), "images": "slide.npy",
              "masks": "truth.npy"}  # fmt: skip
    assert isinstance(dataset_from_config(config), VolumeDataset)
    with pytest.raises(ValueError, match=r"Unknown dataset kind 'volum'\. Did you mean 'volume'"):
        dataset_from_config({**config, "kind": "volum"})
    with pytest.raises(ValueError, match=r"Unknown dataset setting 'imagse'.*'images'"):
        dataset_from_config({"name": "f", "kind": "folder", "imagse": "x"})


CODECS = {
    "blosc-lz4": {"compressors": "blosc-lz4"},
    "zstd": {},  # Zarr's default
    "raw": {"compressors": None},
}


def _zarr(path: Path, array: np.ndarray, chunks: tuple[int, ...], codec: str, **extra) -> Path:
    kwargs = dict(CODECS[codec])
    if kwargs.get("compressors") == "blosc-lz4":
        kwargs["compressors"] = zarr.codecs.BloscCodec(cname="lz4", shuffle="noshuffle")
    created = zarr.create_array(path, shape=array.shape, chunks=chunks, dtype=array.dtype,
                                **kwargs, **extra)  # fmt: skip
    created[...] = array
    return path


@pytest.mark.parametrize("codec", list(CODECS))
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, bool, np.float32])
@pytest.mark.parametrize(("shape", "chunks"), [((3, 30, 41), (1, 8, 8)), ((30, 41), (7, 41))])
def test_chunk_reader_reads_what_zarr_reads(tmp_path, codec, dtype, shape, chunks) -> None:
    rng = np.random.default_rng(7)
    array = rng.integers(0, 4000, shape).astype(dtype)
    array[..., :8, :8] = 0  # a chunk of the fill value: Zarr writes no file for it
    volume = open_volume(_zarr(tmp_path / "a.zarr", array, chunks, codec))
    assert volume._chunk_reader() is not None
    indexes = [..., (slice(None),), (-1,), (slice(3, 3),), (slice(-5, None), 2),
               tuple(slice(1, n - 2) for n in shape),
               (np.int64(1), Ellipsis, slice(2, 40))]  # fmt: skip
    for _ in range(60):
        indexes.append(tuple(
            int(rng.integers(-n, n)) if rng.random() < 0.2
            else slice(*sorted(int(v) for v in rng.integers(-n - 2, n + 3, 2)))
            for n in shape
        ))  # fmt: skip
    for index in indexes:
        got, expected = volume[index], array[index]
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected, err_msg=str(index))


def test_aligned_tiles_with_a_halo_decode_each_chunk_once(tmp_path) -> None:
    array = np.random.default_rng(3).integers(0, 256, (2, 64, 50), dtype=np.uint8)
    volume = open_volume(_zarr(tmp_path / "a.zarr", array, (1, 4, 50), "blosc-lz4"))
    tile = tile_shape_for(volume, pixels=8 * 50)
    assert tile == (8, 50)
    for z in range(2):
        for r0 in range(0, 64, tile[0]):
            region = (z, slice(max(r0 - 1, 0), min(r0 + tile[0] + 1, 64)), slice(None))
            np.testing.assert_array_equal(volume[region], array[region])
    assert volume._chunk_reader().decoded == 2 * 64 // 4


def test_chunk_reader_threads_share_decoded_chunks(tmp_path) -> None:
    array = np.random.default_rng(4).integers(0, 256, (1, 256, 30), dtype=np.uint8)
    volume = open_volume(_zarr(tmp_path / "a.zarr", array, (1, 4, 30), "blosc-lz4"))
    regions = [(0, slice(max(r - 1, 0), r + 9), slice(None)) for r in range(0, 256, 8)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        reads = list(pool.map(volume.__getitem__, regions))
    for region, read in zip(regions, reads, strict=True):
        np.testing.assert_array_equal(read, array[region])
    assert volume._chunk_reader().decoded == 256 // 4


def test_layouts_the_chunk_reader_does_not_know_are_read_by_zarr(tmp_path) -> None:
    array = np.arange(16 * 16, dtype=np.uint16).reshape(16, 16)
    sharded = _zarr(tmp_path / "s.zarr", array, (4, 4), "zstd", shards=(8, 8))
    gzipped = tmp_path / "g.zarr"
    zarr.create_array(gzipped, shape=array.shape, chunks=(4, 4), dtype=array.dtype,
                      compressors=zarr.codecs.GzipCodec())[...] = array  # fmt: skip
    for path in (sharded, gzipped):
        volume = open_volume(path)
        assert volume._chunk_reader() is None
        np.testing.assert_array_equal(volume[3:9, 5:], array[3:9, 5:])


@pytest.mark.parametrize(
    ("shape", "chunks", "pixels", "expected"),
    [
        ((8026, 17480), (32, 17480), 1 << 22, (224, 17480)),  # full rows, whole chunks
        ((20, 8026, 17480), (1, 32, 17480), 1 << 22, (224, 17480)),
        ((8026, 17480), (256, 256), 1 << 22, (2048, 2048)),  # 8 chunks across
        ((8026, 17480), (100, 3000), 1 << 22, (1400, 3000)),  # wider than 2048: one chunk
        ((50, 60), (32, 32), 1 << 22, (50, 60)),  # small images: capped at the image
        ((8026, 17480), None, 1 << 22, (240, 17480)),  # not chunked: full rows
    ],
)
def test_tile_shape_follows_the_chunks(shape, chunks, pixels, expected) -> None:
    source = dataclasses.make_dataclass("Source", ["shape", "chunks"])(shape, chunks)
    tile = tile_shape_for(source, pixels)
    assert tile == expected
    if chunks:
        assert tile[0] % chunks[-2] == 0 or tile[0] == shape[-2]
        assert tile[1] % chunks[-1] == 0 or tile[1] == shape[-1]


def test_a_tiled_run_from_a_blosc_zarr_stack_equals_the_in_memory_run(tmp_path, blobs) -> None:
    image, truth = blobs
    stack, truths = np.stack([image, image[::-1]]), np.stack([truth, truth[::-1]])
    image_path = _zarr(tmp_path / "stack.zarr", stack, (1, 8, stack.shape[-1]), "blosc-lz4")
    truth_path = _zarr(tmp_path / "truth.zarr", truths, (1, 8, stack.shape[-1]), "blosc-lz4")
    volume = open_volume(image_path)
    tile = tile_shape_for(volume, pixels=24 * stack.shape[-1])
    methods = ["otsu", "li", {"name": "sauvola", "radius": 5}]
    expected = segment_tiled_group(stack, methods, "median", truth=truths, tile_shape=(20, 30))
    got = segment_tiled_group(volume, methods, "median", truth=truth_path, tile_shape=tile,
                              engine=ThreadEngine(workers=2))  # fmt: skip
    for one, other in zip(got, expected, strict=True):
        assert one.thresholds == other.thresholds
        assert one.counts == other.counts


def test_chunk_reader_finds_an_array_inside_a_group(tmp_path) -> None:
    array = np.arange(20 * 30, dtype=np.uint16).reshape(20, 30)
    group = zarr.open_group(tmp_path / "g.zarr", mode="w")
    stored = group.create_array("sub/image", shape=array.shape, chunks=(8, 8), dtype=array.dtype)
    stored[...] = array
    volume = open_volume(tmp_path / "g.zarr", key="sub/image")
    np.testing.assert_array_equal(volume[3:17, 2:29], array[3:17, 2:29])
    assert volume._chunk_reader().decoded == 12


def test_blosc_chunks_stored_uncompressed_are_read_in_place(tmp_path, monkeypatch) -> None:
    from bench.scale.volumes import ChunkReader

    rng = np.random.default_rng(5)
    array = rng.integers(0, 256, (40, 64), dtype=np.uint8)  # noise: Blosc stores it as is
    array[24:] = 3  # these chunks compress
    volume = open_volume(_zarr(tmp_path / "a.zarr", array, (8, 64), "blosc-lz4"))
    seen = []
    original = ChunkReader._stored_as_is
    monkeypatch.setattr(ChunkReader, "_stored_as_is",
                        staticmethod(lambda *a: seen.append(original(*a)) or seen[-1]))  # fmt: skip
    np.testing.assert_array_equal(volume[...], array)
    np.testing.assert_array_equal(volume[5:29, 3:], array[5:29, 3:])
    assert True in seen
    assert False in seen
