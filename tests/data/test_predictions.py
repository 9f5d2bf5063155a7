"""Another tool's predictions: pairing, value rules, score maps, and clear errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
import tifffile

from bench.data import DatasetWarning, Sample
from bench.data.predictions import PredictionFolder, reverse_scores


def _sample(key: str = "a", shape: tuple[int, int] = (6, 5)) -> Sample:
    truth = np.zeros(shape, bool)
    truth[1:4, 1:3] = True
    return Sample(key, np.zeros(shape, np.uint8), truth, meta={"image_path": f"img/{key}.png"})


def _write(folder: Path, name: str, array: np.ndarray) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.suffix == ".npy":
        np.save(path, array)
    elif path.suffix == ".tif":
        tifffile.imwrite(path, array, photometric="minisblack")
    else:
        assert cv2.imwrite(str(path), array)
    return path


@pytest.mark.parametrize(("stored", "value", "objects"), [
    ((0, 255), "nonzero", "bright"), ((0, 1), "nonzero", "bright"), ((255, 0), "nonzero", "dark"),
    ((0, 7), 7, "bright"), ((9, 3), 3, "bright"),
])  # fmt: skip
def test_binary_rules_read_the_object(tmp_path: Path, stored, value, objects) -> None:
    sample = _sample()
    background, obj = stored
    _write(tmp_path, "a.png", np.where(sample.truth, obj, background).astype(np.uint8))
    folder = PredictionFolder(tmp_path, value=value, objects=objects)
    np.testing.assert_array_equal(folder.read(sample).mask, sample.truth)


def test_a_non_binary_mask_names_the_values_found(tmp_path: Path) -> None:
    _write(tmp_path, "a.png", np.arange(30, dtype=np.uint8).reshape(6, 5) % 3)
    with pytest.raises(ValueError, match=r"found values 0, 1, 2.*algo.kind=scores"):
        PredictionFolder(tmp_path).read(_sample())
    with pytest.raises(ValueError, match="found values 0, 1, 2"):
        PredictionFolder(tmp_path, value=1).read(_sample())


def test_a_prediction_of_the_wrong_size_names_both_files(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.png", np.zeros((4, 5), np.uint8))
    with pytest.raises(ValueError, match=rf"{path} is 5×4 but img/a.png is 5×6"):
        PredictionFolder(tmp_path).read(_sample())


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="Cannot read"):
        PredictionFolder(tmp_path).read(_sample())


def test_missing_predictions_are_listed_or_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "a.png", np.zeros((6, 5), np.uint8))
    with pytest.raises(ValueError, match=r"2 of 3 image\(s\) have no prediction.*b, c"):
        PredictionFolder(tmp_path).check_pairs(["a", "b", "c"])
    with pytest.warns(DatasetWarning, match="b, c"):
        kept = PredictionFolder(tmp_path, unpaired="skip").check_pairs(["a", "b", "c"])
    assert kept == ["a"]
    with pytest.raises(FileNotFoundError, match="Predictions folder not found"):
        PredictionFolder(tmp_path / "nowhere").check_pairs(["a"])


@pytest.mark.parametrize(("dtype", "default"), [
    (np.uint8, 127.5), (np.uint16, 32767.5), (np.float32, 0.5), (np.float64, 0.5),
])  # fmt: skip
def test_score_maps_default_to_half_the_range(tmp_path: Path, dtype, default) -> None:
    sample = _sample()
    top = 1.0 if np.dtype(dtype).kind == "f" else np.iinfo(dtype).max
    scores = np.linspace(0, top, sample.truth.size).reshape(sample.truth.shape).astype(dtype)
    name = "a.npy" if dtype == np.float64 else "a.tif"
    _write(tmp_path, name, scores)
    prediction = PredictionFolder(tmp_path, pattern="{id}" + name[1:], kind="scores").read(sample)
    assert prediction.threshold == default
    np.testing.assert_array_equal(prediction.mask, scores > default)
    dark = PredictionFolder(tmp_path, pattern="{id}" + name[1:], kind="scores", objects="dark")
    np.testing.assert_array_equal(dark.read(sample).mask, scores <= default)


def test_a_float_map_outside_zero_one_needs_a_threshold(tmp_path: Path) -> None:
    _write(tmp_path, "a.npy", np.full((6, 5), 3.0))
    folder = PredictionFolder(tmp_path, pattern="{id}.npy", kind="scores")
    with pytest.raises(ValueError, match=r"values in \[3, 3\].*algo.threshold"):
        folder.read(_sample())
    given = PredictionFolder(tmp_path, pattern="{id}.npy", kind="scores", threshold=2.5)
    assert given.read(_sample()).mask.all()


def test_a_stack_page_is_read_from_the_stack_file(tmp_path: Path) -> None:
    stack = np.zeros((3, 6, 5), np.uint8)
    stack[2, 0, 0] = 255
    _write(tmp_path, "vol.tif", stack)
    folder = PredictionFolder(tmp_path, pattern="{id}.tif")
    assert folder.read(_sample("vol[2]")).mask.sum() == 1
    assert folder.read(_sample("vol[1]")).mask.sum() == 0


@pytest.mark.parametrize(("settings", "message"), [
    ({"kind": "soft"}, "kind must be one of binary, scores"),
    ({"objects": "auto"}, "objects must be one of bright, dark"),
    ({"value": 0, "objects": "dark"}, "already names the object's value"),
    ({"threshold": 0.5}, "a threshold applies to score maps"),
    ({"value": 1.5}, "value must be an integer"),
])  # fmt: skip
def test_contradictory_settings_are_refused(tmp_path: Path, settings, message) -> None:
    with pytest.raises(ValueError, match=message):
        PredictionFolder(tmp_path, **settings)


def test_reverse_scores_keeps_ties_and_order() -> None:
    for values in (np.array([0, 3, 3, 255], np.uint8), np.array([-2.0, 0.5, 0.5, 1.0])):
        reversed_ = reverse_scores(values)
        assert (np.argsort(-values.astype(float), kind="stable")
                == np.argsort(reversed_.astype(float), kind="stable")).all()  # fmt: skip


def test_nothing_is_guessed_silently(tmp_path: Path) -> None:
    """A prediction with object 0 read as bright is read as written: no warning, no flip."""
    sample = _sample()
    _write(tmp_path, "a.png", np.where(sample.truth, 0, 255).astype(np.uint8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mask = PredictionFolder(tmp_path).read(sample).mask
    np.testing.assert_array_equal(mask, ~sample.truth)


def test_the_config_schema_has_the_constructor_defaults() -> None:
    import dataclasses
    import inspect

    from bench.data.predictions import PREDICTIONS, PredictionsConfig

    schema = {f.name: f.default for f in dataclasses.fields(PredictionsConfig)}
    constructor = {
        name: param.default
        for name, param in inspect.signature(PredictionFolder).parameters.items()
        if name != "arrays"  # predictions held in memory: Python only
    }
    assert schema == {"name": PREDICTIONS, **constructor}
