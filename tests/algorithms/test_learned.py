"""Learned segmenters: filter features, the pixel classifier, the UNet."""

from __future__ import annotations

import numpy as np
import pytest

import algorithms
from algorithms import MissingDependencyError
from algorithms.learned import feature_names, features_halo, filter_features
from bench.data import FolderDataset, invert
from bench.metrics import confusion_counts, scores
from conftest import FAST_PARAMS, SHARED_DATA


def _mcc(truth: np.ndarray, mask: np.ndarray) -> float:
    return scores(confusion_counts(truth, mask))["mcc"]


# --- features -------------------------------------------------------------------------


def test_feature_names_match_the_feature_columns() -> None:
    image = np.arange(20 * 30, dtype=np.uint8).reshape(20, 30)
    features = filter_features(image, sigmas=[1.0, 2.5])
    assert features.dtype == np.float32
    assert features.shape == (20, 30, len(feature_names([1.0, 2.5])))
    assert feature_names([1.0, 2.5])[:3] == ["raw", "gaussian_1", "log_1"]
    np.testing.assert_array_equal(features[..., 0], image)


def test_features_of_analytic_images() -> None:
    rows, cols = np.mgrid[0:60, 0:60].astype(np.float64)
    index = {name: i for i, name in enumerate(feature_names([2.0]))}
    inner = (slice(20, 40), slice(20, 40))  # far from the border
    # Truncated Gaussian-derivative kernels are exact up to ~1e-4 of the local values.
    tolerance = {"rtol": 1e-3, "atol": 0.05}
    # A ramp of slope 3 along x: gradient 3, no curvature, structure tensor (9, 0).
    ramp = filter_features(3 * (cols - 30), sigmas=[2.0])[inner]
    np.testing.assert_allclose(ramp[..., index["gradient_2"]], 3, **tolerance)
    np.testing.assert_allclose(ramp[..., index["log_2"]], 0, **tolerance)
    np.testing.assert_allclose(ramp[..., index["structure_1_2"]], 9, **tolerance)
    np.testing.assert_allclose(ramp[..., index["structure_2_2"]], 0, **tolerance)
    # A saddle x² - y²/2: Hessian eigenvalues (2, -1), Laplacian 1.
    saddle = filter_features((cols - 30) ** 2 - (rows - 30) ** 2 / 2, sigmas=[2.0])[inner]
    np.testing.assert_allclose(saddle[..., index["hessian_1_2"]], 2, **tolerance)
    np.testing.assert_allclose(saddle[..., index["hessian_2_2"]], -1, **tolerance)
    np.testing.assert_allclose(saddle[..., index["log_2"]], 1, **tolerance)


def test_features_halo_is_exactly_the_reach_of_a_pixel() -> None:
    sigmas = [1.0, 2.0]
    image = np.zeros((61, 61), np.float32)
    base = filter_features(image, sigmas)
    image[30, 30] = 100
    changed = np.abs(filter_features(image, sigmas) - base).max(axis=-1) > 0
    rows, cols = np.nonzero(changed)
    reach = max(np.abs(rows - 30).max(), np.abs(cols - 30).max())
    assert reach == features_halo(sigmas)


@pytest.mark.parametrize("sigmas", [[], [1.0, -2.0], "1.0", [0.0]])
def test_bad_sigmas_are_clear_errors(sigmas) -> None:
    with pytest.raises(ValueError, match="sigma"):
        filter_features(np.zeros((5, 5)), sigmas)


# --- pixel classifier -------------------------------------------------------------------


def test_pixel_classifier_learns_texture_that_no_threshold_separates(rng) -> None:
    # Foreground: a noisy checker of period 2 around mid-grey; background: flat mid-grey.
    # Both have the same mean, so no global threshold separates them; local texture does.
    truth = np.zeros((80, 80), bool)
    truth[20:60, 10:40] = True
    checker = (np.indices(truth.shape).sum(axis=0) % 2) * 80 - 40
    image = (128 + np.where(truth, checker, 0) + rng.integers(-5, 6, truth.shape)).astype(np.uint8)
    model = algorithms.get("pixel_classifier", sigmas=[0.7, 1.6], n_estimators=10)
    model.fit([image], [truth])
    assert _mcc(truth, model(image)) > 0.9
    assert max(_mcc(truth, image > t) for t in range(256)) < 0.75  # the best threshold


def test_pixel_classifier_learns_only_inside_the_field_of_view(blobs) -> None:
    image, truth = blobs
    fov = np.ones(truth.shape, bool)
    fov[:, 40:] = False
    lying = truth.copy()
    lying[:, 40:] = ~truth[:, 40:]  # outside the field of view the truth is inverted
    params = {"sigmas": [1.0], "n_estimators": 10, "n_samples": 3000}
    honest = algorithms.get("pixel_classifier", **params).fit([image], [lying], [fov])
    assert _mcc(truth, honest(image)) > 0.95


def test_pixel_classifier_needs_both_classes(blobs) -> None:
    image, _ = blobs
    with pytest.raises(ValueError, match="all background"):
        algorithms.get("pixel_classifier", n_samples=100).fit([image], [np.zeros_like(image, bool)])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_jobs": 0}, "n_jobs must be an integer >= 1"),
        ({"n_estimators": 2.5}, "n_estimators"),
        ({"max_depth": 0}, "max_depth"),
        ({"random_state": -1}, "random_state"),
    ],
)
def test_pixel_classifier_bad_parameters(blobs, params: dict, message: str) -> None:
    image, truth = blobs
    with pytest.raises(ValueError, match=message):
        algorithms.get("pixel_classifier", n_samples=100, **params).fit([image], [truth])


def test_pixel_classifier_halo_reproduces_tiles(blobs) -> None:
    image, truth = blobs
    model = algorithms.get("pixel_classifier", sigmas=[1.0, 2.0], n_estimators=5).fit(
        [image], [truth]
    )
    halo = model.halo()
    whole = model.predict_proba(image)
    # A tile plus its halo gives the whole-image result in the tile's interior.
    tile = model.predict_proba(image[:, : 30 + halo])[:, :30]
    np.testing.assert_array_equal(tile, whole[:, :30])


# --- UNet -------------------------------------------------------------------------------

TINY = FAST_PARAMS["unet"]  # seconds-long, one thread


def test_unet_without_torch_says_how_to_install(without_torch, blobs) -> None:
    image, truth = blobs
    model = algorithms.get("unet", **TINY)  # registered and configurable without torch
    assert model.halo() == 9
    with pytest.raises(MissingDependencyError, match=r"install with `pip install -e \.\[unet\]`"):
        model.fit([image], [truth])
    with pytest.raises(ImportError, match="torch"):
        model.check_dependencies()


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_unet_halo_is_exactly_the_reach_of_the_network(depth: int) -> None:
    torch = pytest.importorskip("torch")
    from algorithms.learned._unet_torch import UNetNetwork

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread is fastest, and on busy machines too
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        network = UNetNetwork(depth, 4).eval()
    halo = algorithms.get("unet", depth=depth).halo()
    grid = 2 ** (depth - 1)
    size = grid * -(-(4 * halo + 16) // grid)  # the input must tile the pooling grid
    generator = torch.Generator().manual_seed(1)
    background = torch.randn(1, 1, size, size, generator=generator)
    reach = 0
    with torch.no_grad():
        base = network(background)
        for offset in range(grid):  # every phase of the pooling grid
            centre = size // 2 + offset
            for value in (100.0, -100.0):  # on a random background every path is alive
                probe = background.clone()
                probe[0, 0, centre, centre] = value
                rows, cols = np.nonzero((network(probe) - base)[0, 0].abs().numpy() > 0)
                reach = max(reach, np.abs(rows - centre).max(), np.abs(cols - centre).max())
    torch.set_num_threads(threads)
    assert reach == halo


def test_unet_result_does_not_depend_on_tiling_or_image_size(blobs) -> None:
    pytest.importorskip("torch")
    image, truth = blobs
    model = algorithms.get("unet", **{**TINY, "depth": 3}).fit([image], [truth])
    whole = model.predict_proba(image)
    model.tile_size = 16
    np.testing.assert_allclose(model.predict_proba(image), whole, atol=1e-5)
    # Odd sizes and images smaller than the tiles and crops work.
    for shape in ((37, 53), (5, 3), (1, 1)):
        assert model(image[: shape[0], : shape[1]]).shape == shape


def test_unet_fit_is_reproducible_and_learns(blobs) -> None:
    pytest.importorskip("torch")
    image, truth = blobs
    params = {**TINY, "base_channels": 8, "crop_size": 32, "batch_size": 4, "steps": 60}
    params["learning_rate"] = 0.01
    first = algorithms.get("unet", **params).fit([image], [truth])
    second = algorithms.get("unet", **params).fit([image], [truth])
    assert first.loss_history_ == second.loss_history_
    np.testing.assert_array_equal(first.predict_proba(image), second.predict_proba(image))
    assert np.mean(first.loss_history_[-5:]) < np.mean(first.loss_history_[:5])
    assert _mcc(truth, first(image)) > 0.9


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"crop_size": 21}, r"crop_size must be a multiple of 2 \*\* \(depth - 1\) = 2.*Use 20"),
        ({"depth": 1}, "depth must be an integer >= 2"),
        ({"device": "tpu"}, "device must be one of"),
        ({"learning_rate": 0}, "learning_rate must be a positive number"),
        ({"steps": 0}, "steps must be an integer >= 1"),
    ],
)
def test_unet_bad_parameters(blobs, params: dict, message: str) -> None:
    pytest.importorskip("torch")
    image, truth = blobs
    with pytest.raises(ValueError, match=message):
        algorithms.get("unet", **{**TINY, **params}).fit([image], [truth])


# --- real data (slow) ---------------------------------------------------------------


def _isbi(train_ids: list[str], test_ids: list[str]):
    root = SHARED_DATA / "isbi2012"
    if not root.is_dir():
        pytest.skip(f"shared data not found at {root}")
    dataset = FolderDataset("isbi2012", root / "images", root / "masks", truth_value=0)
    samples = {s.id: s for s in dataset}
    # Membranes are dark: invert so that they are bright, as the harness does.
    prepare = [(invert(samples[i].image), samples[i].truth) for i in train_ids + test_ids]
    return prepare[: len(train_ids)], prepare[len(train_ids) :]


def _best_threshold_mcc(test) -> float:
    best = 0.0
    for name in ("otsu", "li"):
        for size in (1, 3, 5):
            median = algorithms.get_filter("median", size=size)
            mean = np.mean([_mcc(t, algorithms.get(name)(median(i))) for i, t in test])
            best = max(best, mean)
    return best


@pytest.mark.slow
def test_pixel_classifier_beats_thresholds_on_isbi_membranes() -> None:
    train, test = _isbi(["0", "10", "20"], ["5", "25"])
    model = algorithms.get("pixel_classifier", n_samples=30_000, n_estimators=20)
    model.fit([i for i, _ in train], [t for _, t in train])
    learned = np.mean([_mcc(t, model(i)) for i, t in test])
    assert learned > _best_threshold_mcc(test) + 0.05


@pytest.mark.slow
def test_unet_beats_thresholds_on_isbi_membranes() -> None:
    pytest.importorskip("torch")
    train, test = _isbi(["0", "10", "20"], ["5", "25"])
    model = algorithms.get("unet", depth=3, base_channels=8, crop_size=64, batch_size=4, steps=150)
    model.fit([i for i, _ in train], [t for _, t in train])
    learned = np.mean([_mcc(t, model(i)) for i, t in test])
    assert learned > _best_threshold_mcc(test) + 0.05
