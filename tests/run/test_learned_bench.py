"""Learned methods in the harness: fitted on train, scored on test, cached, refused on train."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import algorithms
import bench
from bench.data import Split
from bench.run.learned import fit_learned, training_key

RULE = Split(seed=0, test_fraction=0.3)
FAST_PC = {"name": "pixel_classifier", "sigmas": [1.0, 2.0], "n_samples": 1500, "n_estimators": 5}


def _samples(n: int = 10, seed: int = 7) -> list[bench.Sample]:
    """Dark squares on brighter noise, each image its own layout (polarity dark)."""
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(n):
        truth = np.zeros((40, 48), bool)
        r, c = rng.integers(2, 20, size=2)
        truth[r : r + 15, c : c + 20] = True
        image = np.where(truth, 60, 170) + rng.integers(-25, 26, truth.shape)
        samples.append(bench.Sample(f"s{i}", image.astype(np.uint8), truth, polarity="dark"))
    return samples


def _sides(samples: list[bench.Sample]) -> dict[str, list[str]]:
    return {side: [s.id for s in group] for side, group in RULE.partition(samples).items()}


def test_learned_method_is_fitted_on_train_and_scored_on_test_only() -> None:
    samples = _samples()
    sides = _sides(samples)
    assert sides["train"]
    assert sides["test"]
    table = bench.evaluate(samples, [FAST_PC, "otsu"], [None], split=RULE)
    learned = table[table["algo"] == "pixel_classifier"]
    assert list(learned["image"]) == sides["test"]
    assert (learned["split"] == "test").all()
    assert (learned["n_train"] == len(sides["train"])).all()
    assert (learned["t_train_s"] > 0).all()
    assert learned["threshold"].isna().all()
    assert learned["mcc"].mean() > 0.9
    # Methods that learn nothing are scored on every image; each row states its side.
    otsu = table[table["algo"] == "otsu"]
    assert list(otsu["image"]) == [s.id for s in samples]
    assert list(otsu["split"]) == [RULE.of(s.id) for s in samples]
    assert (otsu["n_train"] == 0).all()
    assert (otsu["t_train_s"] == 0).all()
    # score_split="test": every method on the same held-out images.
    fair = bench.evaluate(samples, [FAST_PC, "otsu"], [None], split=RULE, score_split="test")
    assert set(fair["image"]) == set(sides["test"])
    assert (fair.groupby("algo").size() == len(sides["test"])).all()


def test_learned_model_sees_images_as_they_are_scored(monkeypatch) -> None:
    # Images are filtered (never inverted) before fitting, exactly as before scoring: a
    # learned method learns the objects from the truth, whatever their polarity.
    seen: list[np.ndarray] = []
    original = algorithms.learned.PixelClassifier._fit

    def spy(self, images, truths, fovs, progress):
        seen.extend(images)
        return original(self, images, truths, fovs, progress)

    monkeypatch.setattr(algorithms.learned.PixelClassifier, "_fit", spy)
    samples = _samples()
    bench.evaluate(samples, [FAST_PC], [{"name": "median", "size": 3}], split=RULE)
    median = algorithms.get_filter("median", size=3)
    train = [s for s in samples if RULE.of(s.id) == "train"]
    assert len(seen) == len(train)
    for image, sample in zip(seen, train, strict=True):
        np.testing.assert_array_equal(image, median(sample.image))


def test_scoring_training_images_needs_explicit_permission() -> None:
    samples = _samples()
    for score_split in ("all", "train"):
        with pytest.raises(ValueError, match=r"Refusing to score learned method.*allow_train_eval"):
            bench.evaluate(samples, [FAST_PC], [None], split=RULE, score_split=score_split)
    table = bench.evaluate(
        samples, [FAST_PC], [None], split=RULE, score_split="all", allow_train_eval=True
    )
    assert list(table["image"]) == [s.id for s in samples]
    assert list(table["split"]) == [RULE.of(s.id) for s in samples]
    # Thresholds learn nothing: they may be scored anywhere.
    assert len(bench.evaluate(samples, ["otsu"], [None], split=RULE, score_split="train")) > 0
    with pytest.raises(ValueError, match="score_split must be one of"):
        bench.evaluate(samples, ["otsu"], [None], score_split="everything")


def test_a_test_image_identical_to_a_training_image_is_refused() -> None:
    samples = _samples()
    sides = _sides(samples)
    train_sample = next(s for s in samples if s.id == sides["train"][0])
    test_id = sides["test"][0]
    leaked = [
        bench.Sample(s.id, train_sample.image, train_sample.truth, polarity="dark")
        if s.id == test_id
        else s
        for s in samples
    ]
    with pytest.raises(ValueError, match=f"on test image '{test_id}'.*identical"):
        bench.evaluate(leaked, [FAST_PC], [None], split=RULE)
    table = bench.evaluate(leaked, [FAST_PC], [None], split=RULE, allow_train_eval=True)
    assert table.set_index("image").loc[test_id, "split"] == "train"


def test_a_model_fitted_by_the_caller_is_scored_on_images_it_did_not_see() -> None:
    samples = _samples()
    params = {k: v for k, v in FAST_PC.items() if k != "name"}
    model = algorithms.get("pixel_classifier", **params)
    model.fit([s.image for s in samples[:3]], [s.truth for s in samples[:3]])
    table = bench.evaluate(samples, [model], [None], split=RULE)
    assert list(table["image"]) == [s.id for s in samples[3:]]
    assert (table["n_train"] == 3).all()
    assert table["t_train_s"].isna().all()


def test_empty_sides_of_the_split_are_clear_errors() -> None:
    samples = _samples()
    with pytest.raises(ValueError, match="train split is empty"):
        bench.evaluate(samples, [FAST_PC], [None], split={"test_fraction": 1.0})
    with pytest.raises(ValueError, match="No image to score pixel_classifier on"):
        bench.evaluate(samples, [FAST_PC, "otsu"], [None], split={"test_fraction": 0.0})


def test_fits_are_cached_by_data_and_config(tmp_path: Path) -> None:
    samples = _samples()
    first = bench.evaluate(samples, [FAST_PC], [None], split=RULE, cache_dir=tmp_path)
    files = list((tmp_path / "learned").glob("*.model.zip"))
    assert len(files) == 1
    assert files[0].name.startswith("arrays-pixel_classifier-")
    assert not first["train_cached"].any()
    again = bench.evaluate(samples, [FAST_PC], [None], split=RULE, cache_dir=tmp_path)
    assert again["train_cached"].all()
    counts = ["tp", "fp", "fn", "tn"]
    pd.testing.assert_frame_equal(first[counts], again[counts])
    assert (again["t_train_s"] == first["t_train_s"]).all()  # the recorded fit time
    # Another seed, another filter or other data: another model.
    bench.evaluate(
        samples, [{**FAST_PC, "random_state": 1}], [None], split=RULE, cache_dir=tmp_path
    )
    bench.evaluate(samples, [FAST_PC], ["median"], split=RULE, cache_dir=tmp_path)
    bench.evaluate(samples, [FAST_PC], [None], split={"seed": 5}, cache_dir=tmp_path)
    assert len(list((tmp_path / "learned").glob("*.model.zip"))) == 4
    # A damaged cache file is refitted over, never trusted.
    files[0].write_bytes(b"not a pickle")
    repaired = bench.evaluate(samples, [FAST_PC], [None], split=RULE, cache_dir=tmp_path)
    assert not repaired["train_cached"].any()
    assert bench.evaluate(samples, [FAST_PC], [None], split=RULE, cache_dir=tmp_path)[
        "train_cached"
    ].all()
    assert not list((tmp_path / "learned").glob(".*.tmp"))  # no half-written file left


def test_training_key_changes_with_every_input() -> None:
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    truth = image > 5
    model = algorithms.get("pixel_classifier")
    key = training_key(model, [image], [truth], [None])
    assert key == training_key(algorithms.get("pixel_classifier"), [image], [truth], [None])
    assert key != training_key(model, [image + 1], [truth], [None])
    assert key != training_key(model, [image], [~truth], [None])
    assert key != training_key(model, [image], [truth], [truth])
    assert key != training_key(
        algorithms.get("pixel_classifier", random_state=1), [image], [truth], [None]
    )


def test_fit_learned_leaves_the_given_instance_unfitted(blobs) -> None:
    image, truth = blobs
    model = algorithms.get("pixel_classifier", n_samples=500, n_estimators=3)
    fitted = fit_learned(model, [image], [truth], [None])
    assert not model.is_fitted()
    assert fitted.segmenter.is_fitted()
    assert fitted.n_train == 1
    assert not fitted.cached


def test_missing_torch_stops_evaluate_before_any_work(without_torch) -> None:
    with pytest.raises(algorithms.MissingDependencyError, match=r"pip install -e \.\[unet\]"):
        bench.evaluate(_samples(), ["unet"], [None])


def _write_dataset(folder: Path, samples: list[bench.Sample]) -> None:
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    for s in samples:
        Image.fromarray(s.image).save(folder / "images" / f"{s.id}.png")
        Image.fromarray((s.truth * 255).astype(np.uint8)).save(folder / "masks" / f"{s.id}.png")


NO_TORCH = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
"""


def _bench(cwd: Path, *args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = f"{prelude}\nimport runpy, sys\nsys.argv = ['bench', *sys.argv[1:]]\n"
    code += "runpy.run_module('bench', run_name='__main__')\n"
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]), *sys.path])
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip


def test_cli_without_torch_says_how_to_install(tmp_path: Path) -> None:
    done = _bench(
        tmp_path, "algo=unet", f"hydra.run.dir={tmp_path / 'run'}",
        prelude=NO_TORCH,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "install with `pip install -e .[unet]`" in done.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_cli_fits_scores_and_caches_a_learned_method(tmp_path: Path) -> None:
    samples = _samples()
    _write_dataset(tmp_path / "data", samples)
    args = [
        "algo=pixel_classifier", "algo.sigmas=[1.0,2.0]", "algo.n_samples=1500",
        "algo.n_estimators=5", "filter=none", "dataset.name=squares",
        f"dataset.root={tmp_path / 'data'}", "dataset.image_pattern='{id}.png'",
        "dataset.mask_pattern='{id}.png'", "dataset.polarity=dark",
        "output.overlays=false", "output.histograms=false",
    ]  # fmt: skip
    done = _bench(tmp_path, *args, f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 0, done.stderr
    assert " split " in done.stdout.splitlines()[0]
    assert "t_train_s" in done.stdout
    table = pd.read_parquet(tmp_path / "run" / "metrics.parquet")
    assert set(table["image"]) == set(_sides(samples)["test"])
    assert (table["split"] == "test").all()
    assert len(list((tmp_path / "results" / "cache" / "learned").glob("squares-*.model.zip"))) == 1
    refused = _bench(tmp_path, *args, "score_split=all", f"hydra.run.dir={tmp_path / 'run2'}")
    assert refused.returncode == 2
    assert "allow_train_eval=true" in refused.stderr


def test_unet_fit_survives_the_cache(tmp_path: Path, fast_params) -> None:
    pytest.importorskip("torch")
    samples = _samples(6)
    unet = {"name": "unet", **fast_params["unet"]}
    first = bench.evaluate(samples, [unet], [None], split=RULE, cache_dir=tmp_path)
    again = bench.evaluate(samples, [unet], [None], split=RULE, cache_dir=tmp_path)
    assert not first["train_cached"].any()
    assert again["train_cached"].all()
    counts = ["tp", "fp", "fn", "tn"]
    pd.testing.assert_frame_equal(first[counts], again[counts])


@pytest.mark.slow
def test_cli_trains_on_the_official_training_folder_and_scores_the_test_folder(
    tmp_path: Path,
) -> None:
    samples = _samples(5)
    official = {"s0": "training", "s1": "training", "s2": "training", "s3": "test", "s4": "test"}
    assert {s.id: RULE.of(s.id) for s in samples} != {  # the hash would split them otherwise
        k: "train" if v == "training" else "test" for k, v in official.items()
    }
    for s in samples:
        for role, array in (("images", s.image), ("masks", (s.truth * 255).astype(np.uint8))):
            folder = tmp_path / "data" / official[s.id] / role
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(array).save(folder / f"{s.id}.png")
    done = _bench(
        tmp_path, "algo=pixel_classifier", "algo.sigmas=[1.0,2.0]", "algo.n_samples=1500",
        "algo.n_estimators=5", "filter=none", "dataset=folder", "dataset.name=official",
        f"dataset.root={tmp_path / 'data'}", "dataset.images=.", "dataset.masks=.",
        "dataset.image_pattern='*/images/{id}.png'", "dataset.mask_pattern='*/masks/{id}.png'",
        "dataset.polarity=dark", "dataset.split_by=folder", "output.overlays=false",
        "output.histograms=false", f"hydra.run.dir={tmp_path / 'run'}",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pd.read_parquet(tmp_path / "run" / "metrics.parquet")
    assert sorted(table["image"]) == ["s3", "s4"]  # scored: the official test set only
    assert (table["split"] == "test").all()
    assert (table["n_train"] == 3).all()
    # Trained on exactly the three training images: the cache key hashes the training
    # arrays with the model's parameters (those the command line gave it).
    (cached,) = (tmp_path / "results" / "cache" / "learned").glob("official-*.model.zip")
    with zipfile.ZipFile(cached) as archive:
        entry = json.loads(archive.read("entry.json"))
    model = algorithms.get("pixel_classifier", sigmas=[1.0, 2.0], n_samples=1500, n_estimators=5)
    train = [s for s in samples if official[s.id] == "training"]
    key = training_key(model, [s.image for s in train], [s.truth for s in train], [None] * 3)
    assert entry["key"] == key
    assert entry["n_train"] == 3
