"""The registry, and the contract every registered segmenter must keep."""

from __future__ import annotations

import numpy as np
import pytest

import algorithms
from algorithms import (
    MissingDependencyError,
    NotFittedError,
    Registry,
    Segmenter,
    UnknownNameError,
)

ALL = algorithms.available()
LEARNED = algorithms.available(requires_fit=True)


def test_available_lists_sorted_names_with_wildcards() -> None:
    assert sorted(ALL) == ALL
    assert {"otsu", "li", "adaptive"} <= set(ALL)
    assert algorithms.available("ot*") == ["otsu"]
    assert "adaptive" in algorithms.available(kind="local")
    assert "adaptive" not in algorithms.available(kind="global")


def test_lookup_is_case_insensitive() -> None:
    assert type(algorithms.get("OTSU")) is type(algorithms.get("otsu"))


def test_unknown_name_lists_choices_and_closest_match() -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown segmenter 'lii'\. Did you mean 'li'\?"):
        algorithms.get("lii")
    with pytest.raises(UnknownNameError, match=r"Available: .*otsu"):
        algorithms.get("zzz")


def test_duplicate_registration_is_an_error() -> None:
    registry: Registry = Registry("thing")

    @registry.register("a", aliases=("alpha",))
    class A:
        pass

    with pytest.raises(ValueError, match="already registered"):
        registry.register("A")(type("B", (), {}))
    with pytest.raises(ValueError, match="already registered"):
        registry.register("c", aliases=("ALPHA",))(type("C", (), {}))
    assert registry.get_class("Alpha") is A


@pytest.mark.parametrize("name", ALL)
def test_segmenter_returns_boolean_mask_of_image_shape(name: str, blobs, ready_segmenter) -> None:
    image, truth = blobs
    segmenter = ready_segmenter(name, image, truth)  # learned methods: fitted first
    assert isinstance(segmenter, Segmenter)
    mask = segmenter(image)
    assert mask.dtype == bool
    assert mask.shape == image.shape
    np.testing.assert_array_equal(mask, segmenter(image.copy()))  # deterministic


@pytest.mark.parametrize("name", ALL)
def test_segmenter_declares_capabilities(name: str) -> None:
    segmenter = algorithms.get(name)
    assert segmenter.kind in ("global", "local", "learned")
    assert segmenter.requires_fit == (segmenter.kind == "learned")
    assert isinstance(segmenter.halo(), int)
    assert segmenter.halo() >= 0
    assert isinstance(segmenter.tileable, bool)
    assert type(segmenter)(**segmenter.get_params()).get_params() == segmenter.get_params()
    assert name in repr(segmenter).lower() or type(segmenter).__name__ in repr(segmenter)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((4, 4, 3), np.uint8), "2-D"),
        (np.zeros((4, 4), bool), "integer or floating"),
        (np.array([[0.0, np.nan]]), "NaN"),
        (np.zeros((0, 5), np.uint8), "empty"),
    ],
)
def test_segmenter_rejects_bad_images_clearly(name: str, bad: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        algorithms.get(name)(bad)


@pytest.mark.parametrize("name", algorithms.available(kind="global"))
def test_global_mask_is_image_above_threshold(name: str, blobs) -> None:
    image, _ = blobs
    result = algorithms.get(name).segment(image)
    np.testing.assert_array_equal(result.mask, image > result.threshold)


@pytest.mark.parametrize("name", algorithms.available(kind="global"))
def test_global_threshold_uses_only_pixels_in_field_of_view(name: str, blobs) -> None:
    image, _ = blobs
    fov = np.zeros(image.shape, bool)
    fov[:32] = True
    method = algorithms.get(name)
    inside = method.threshold_from_histogram(np.bincount(image[fov], minlength=256))
    assert method.threshold(image, fov=fov) == inside


def test_every_learned_method_has_a_fast_test_configuration(fast_params) -> None:
    assert set(LEARNED) == set(algorithms.available(kind="learned"))
    missing = set(LEARNED) - set(fast_params)
    assert not missing, f"add a seconds-long configuration to FAST_PARAMS for {missing}"


@pytest.mark.parametrize("name", LEARNED)
def test_learned_method_refuses_to_segment_before_fit(name: str, blobs) -> None:
    image, _ = blobs
    segmenter = algorithms.get(name)
    assert not segmenter.is_fitted()
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(images, truths\) first"):
        segmenter(image)


@pytest.mark.parametrize("name", LEARNED)
def test_learned_fit_returns_self_and_state_ending_in_underscore(
    name: str, blobs, ready_segmenter, fast_params
) -> None:
    image, truth = blobs
    segmenter = ready_segmenter(name, image, truth)
    fresh = algorithms.get(name, **fast_params[name])
    assert fresh.fit([image], [truth]) is fresh
    learned = set(vars(fresh)) - set(fresh.get_params())
    assert learned
    assert all(attribute.endswith("_") for attribute in learned)
    # Same seed, same data: the same mask.
    np.testing.assert_array_equal(fresh(image), segmenter(image))


@pytest.mark.parametrize("name", LEARNED)
def test_learned_fit_rejects_bad_training_sets(name: str, blobs, fast_params) -> None:
    image, truth = blobs
    segmenter = algorithms.get(name, **fast_params[name])
    try:
        segmenter.check_dependencies()
    except MissingDependencyError as error:
        pytest.skip(str(error))
    with pytest.raises(ValueError, match="wrap a single image in a list"):
        segmenter.fit(image, truth)
    with pytest.raises(ValueError, match="one truth"):
        segmenter.fit([image, image], [truth])
    with pytest.raises(ValueError, match="shape"):
        segmenter.fit([image], [truth[:10]])
    with pytest.raises(ValueError, match="at least one training image"):
        segmenter.fit([], [])
