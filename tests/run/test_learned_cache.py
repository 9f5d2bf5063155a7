"""The learned-model cache holds data, never code, and never leaves its folder."""

from __future__ import annotations

import hashlib
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import algorithms
from algorithms.learned import FittedState, StateError
from bench.run.learned import CACHE_SUFFIX, cache_path, fit_learned, safe_name, training_key
from conftest import FAST_PARAMS

LEARNED = [name for name in algorithms.available() if algorithms.get(name).requires_fit]


class _Payload:
    """Unpickling this creates ``marker``: proof that loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _training(seed: int = 3) -> tuple[list[np.ndarray], list[np.ndarray], list[None]]:
    rng = np.random.default_rng(seed)
    images, truths = [], []
    for _ in range(2):
        truth = np.zeros((32, 40), bool)
        truth[8:20, 10:30] = True
        images.append(
            (np.where(truth, 180, 60) + rng.integers(-20, 21, truth.shape)).astype(np.uint8)
        )
        truths.append(truth)
    return images, truths, [None, None]


def _model(name: str) -> algorithms.LearnedSegmenter:
    model = algorithms.get(name, **FAST_PARAMS[name])
    try:
        model.check_dependencies()
    except algorithms.MissingDependencyError as error:
        pytest.skip(str(error))
    return model


def _zip(path: Path, entry: dict, blobs: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("entry.json", json.dumps(entry))
        for name, data in blobs.items():
            archive.writestr(f"blobs/{name}", data)


@pytest.mark.parametrize("name", LEARNED)
def test_a_planted_pickle_runs_nothing_and_the_model_is_refitted(name: str, tmp_path: Path) -> None:
    model = _model(name)
    images, truths, fovs = _training()
    key = training_key(model, images, truths, fovs)
    marker = tmp_path / "owned"
    payload = pickle.dumps(_Payload(marker))
    cache = tmp_path / "cache"
    # Where the old (pickle) cache lived, and where the new one lives, as a raw pickle ...
    old = cache / "learned" / f"data-{name}-{key[:20]}.pkl"
    old.parent.mkdir(parents=True)
    old.write_bytes(payload)
    new = cache_path(cache, "data", name, key)
    new.write_bytes(payload)
    fitted = fit_learned(model, images, truths, fovs, cache_dir=cache, label="data")
    assert not marker.exists()
    assert not fitted.cached
    # ... and as a well-formed cache entry with the right key whose blobs are pickles.
    blob_names = list(fitted.segmenter.fitted_state().blobs)
    entry = json.loads(zipfile.ZipFile(new).read("entry.json"))
    blobs = dict.fromkeys(blob_names, payload)
    entry["blobs"] = {b: hashlib.sha256(payload).hexdigest() for b in blobs}
    _zip(new, entry, blobs)
    again = fit_learned(model, images, truths, fovs, cache_dir=cache, label="data")
    assert not marker.exists()
    assert not again.cached
    # The honest entry written by the refit is read back.
    assert fit_learned(model, images, truths, fovs, cache_dir=cache, label="data").cached
    assert old.read_bytes() == payload  # the old file is left alone, never read


@pytest.mark.parametrize("name", LEARNED)
def test_fitted_state_round_trips_to_the_same_model(name: str) -> None:
    model = _model(name)
    images, truths, _ = _training()
    model.fit(images, truths)
    state = model.fitted_state()
    json.dumps(state.fields)  # plain data
    restored = type(model)(**model.get_params()).restore(state)
    assert restored.train_digests_ == model.train_digests_
    np.testing.assert_array_equal(restored.predict_proba(images[0]), model.predict_proba(images[0]))
    with pytest.raises(ValueError, match="unfitted"):
        restored.restore(state)


@pytest.mark.parametrize("name", LEARNED)
def test_a_state_of_another_shape_is_refused(name: str) -> None:
    model = _model(name)
    images, truths, _ = _training()
    state = model.fit(images, truths).fitted_state()
    fresh = type(model)(**model.get_params())
    with pytest.raises(StateError):
        fresh.restore(FittedState(state.fields, {k: b"\x00" * 64 for k in state.blobs}))
    with pytest.raises(StateError):
        fresh.restore(FittedState({**state.fields, "train_digests_": "x"}, state.blobs))
    assert not fresh.is_fitted()


def test_a_forest_whose_nodes_leave_their_arrays_is_refused() -> None:
    # skops reads a tree's node arrays as data; scikit-learn would index them unchecked.
    import skops.io as sio

    model = _model("pixel_classifier")
    images, truths, _ = _training()
    state = model.fit(images, truths).fitted_state()
    forest = sio.loads(state.blobs["forest"], trusted=["sklearn.tree._tree.Tree"])
    tree_state = forest.estimators_[0].tree_.__getstate__()
    nodes = tree_state["nodes"].copy()
    nodes["left_child"][0] = 10**6
    tree_state["nodes"] = nodes
    forest.estimators_[0].tree_.__setstate__(tree_state)
    bad = FittedState(state.fields, {"forest": sio.dumps(forest)})
    with pytest.raises(StateError, match="node indices"):
        algorithms.get("pixel_classifier", **FAST_PARAMS["pixel_classifier"]).restore(bad)


@pytest.mark.parametrize(
    "label",
    ["../../../../elsewhere/evil", "/abs/olute", "..", ".hidden", "a\\b", "x" * 500, "<b>&</b>"],
)
def test_cache_paths_stay_inside_the_cache_folder(label: str, tmp_path: Path) -> None:
    cache = tmp_path / "deep" / "cache"
    path = cache_path(cache, label, "pixel_classifier", "0" * 64)
    assert path.parent == cache / "learned"
    assert path.name.endswith(CACHE_SUFFIX)
    assert "/" not in path.name
    assert not path.name.startswith(".")
    assert len(path.name) < 100
    model = _model("pixel_classifier")
    images, truths, fovs = _training()
    fit_learned(model, images, truths, fovs, cache_dir=cache, label=label)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 1
    assert written[0].parent == cache / "learned"


def test_safe_name_keeps_only_plain_characters() -> None:
    assert safe_name("kesm") == "kesm"
    assert safe_name("../x/../y") == "x_.._y"
    assert safe_name("...") == ""
    assert safe_name("αβ γ") == ""
    with pytest.raises(ValueError, match="SHA-256"):
        cache_path("c", "d", "m", "../../evil")
