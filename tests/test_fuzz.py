"""Fuzzing every registered method and filter: it works, or it says clearly why not.

Seeded and bounded: every case is drawn from a fixed product of methods ×
dtypes × shapes × degenerate histograms (constant, two levels, sparse,
saturated, the dtype's whole range, noise). The default run takes a seeded
sample of the cases; ``-m slow`` runs them all. For each case:

* the call returns a boolean mask of the image's shape, or raises a
  ``ValueError`` with a message — nothing else (no ``RuntimeError`` from a
  library, no ``OverflowError``, no crash);
* the same call again gives the same mask (determinism);
* the work is bounded: the number of Python and C function calls made during
  the call (counted with :func:`sys.setprofile`, a count of operations, not
  a clock) stays under a bound; an endless or quadratic Python loop exceeds it.
"""

from __future__ import annotations

import itertools
import sys
import zlib
from collections.abc import Callable

import numpy as np
import pytest

import algorithms
from algorithms import FILTERS, Segmenter
from algorithms._validation import check_image
from conftest import FAST_PARAMS

SEED = 20261130
DTYPES = (
    "uint8", "uint16", "int8", "int16", "int32", "uint32", "int64", "uint64",
    "float16", "float32", "float64", "bool", "complex128",
)  # fmt: skip
SHAPES = ((1, 1), (1, 19), (19, 1), (23, 31))
KINDS = ("constant", "two_levels", "sparse", "saturated", "full_range", "noise", "near_top")
MAX_CALLS = 60_000
"""Most function calls (Python and C, counted by a profile hook) one segmentation may make."""

# A warning of overflow or invalid values means a result computed from garbage.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

METHODS = algorithms.available()
FILTER_NAMES = FILTERS.available()


def _range(dtype: np.dtype) -> tuple[float, float]:
    if dtype.kind == "b":
        return 0, 1
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return int(info.min), int(info.max)
    if np.issubdtype(dtype, np.complexfloating):
        return -1e3, 1e3
    info = np.finfo(dtype)
    return float(info.min) / 4, float(info.max) / 4


def make_image(kind: str, dtype_name: str, shape: tuple[int, int], seed: int) -> np.ndarray:
    """A degenerate (or plain) image of ``kind``; values chosen in Python integers, exactly."""
    dtype = np.dtype(dtype_name)
    rng = np.random.default_rng(seed)
    lo, hi = _range(dtype)
    size = shape[0] * shape[1]
    integer = np.issubdtype(dtype, np.integer) or dtype.kind == "b"

    def pick(values: list, p=None) -> np.ndarray:
        idx = rng.choice(len(values), size=size, p=p)
        return np.array([values[i] for i in idx], dtype=dtype).reshape(shape)

    if kind == "constant":
        return np.full(shape, hi if integer else 0.5, dtype=dtype)
    if kind == "two_levels":
        return pick([lo, hi] if integer else [0.25, 0.75])
    if kind == "sparse":
        if integer:
            levels = sorted({int(lo + (hi - lo) * k // 7) for k in range(8)})
        else:
            levels = [lo * f for f in (0.0, 1e-3, 0.5)] + [hi * f for f in (1e-3, 0.5, 1.0)]
        return pick(levels)
    if kind == "saturated":
        return pick([hi, hi, hi, lo] if integer else [1.0, 1.0, 1.0, 0.0], p=None)
    if kind == "full_range":
        return pick([lo, hi] + ([lo + 1, hi - 1] if integer and hi - lo > 2 else []))
    if kind == "near_top":  # wide integers near their top: 2**60, 2**63 and beyond
        if integer and hi - lo > 1:
            top = [hi - k for k in (0, 1, 2, 1000)] if hi > 1000 else [hi, hi - 1]
            return pick(top)
        return pick([hi, hi * (1 - 1e-6)] if not integer else [lo, hi])
    if integer:
        if hi - lo > 2**32:
            values = [int(v) for v in rng.integers(0, 2**31, size=size)]
            return np.array([lo + v * ((hi - lo) >> 31) for v in values], dtype=dtype).reshape(
                shape
            )
        return rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)
    if dtype.kind == "c":
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
    return rng.normal(0.5, 0.2, size=shape).astype(dtype)


class _Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, frame, event, arg) -> None:
        if event in ("call", "c_call"):
            self.calls += 1


def counted(function: Callable[[], np.ndarray]) -> tuple[np.ndarray, int]:
    """Run ``function`` counting the function calls it makes (Python and C)."""
    counter = _Counter()
    sys.setprofile(counter)
    try:
        result = function()
    finally:
        sys.setprofile(None)
    return result, counter.calls


_FITTED: dict[str, Segmenter] = {}


def _method(name: str) -> Segmenter:
    """A fresh method; learned ones in their fast configuration, fitted once per session."""
    if name in _FITTED:
        return _FITTED[name]
    method = algorithms.get(name, **FAST_PARAMS.get(name, {}))
    if method.requires_fit:
        try:
            method.check_dependencies()
        except algorithms.MissingDependencyError as error:
            pytest.skip(str(error))
        image = make_image("noise", "uint8", (32, 32), SEED)
        method.fit([image], [image > 127])
        _FITTED[name] = method
    return method


def _check(run: Callable[[], np.ndarray], shape: tuple[int, int], what: str) -> None:
    """First call: a mask or a ValueError with a message. Second call, counted: the same."""
    try:
        mask = run()
    except ValueError as error:
        message = str(error)
    else:
        message = None
    if message is not None:
        assert message.strip(), f"{what}: ValueError without a message"
        return
    assert isinstance(mask, np.ndarray), what
    assert mask.shape == shape, what
    # Counted on the second call: one-time costs (imports, compiled kernels) are not work.
    again, calls = counted(run)
    assert calls <= MAX_CALLS, f"{what}: {calls:,} function calls (bound {MAX_CALLS:,})"
    assert mask.dtype == again.dtype, what
    np.testing.assert_array_equal(mask, again, err_msg=f"{what}: not deterministic")


def _cases(names: list[str]) -> list[tuple[str, str, tuple[int, int], str]]:
    return list(itertools.product(names, DTYPES, SHAPES, KINDS))


def _sample(cases: list, per_name: int) -> list:
    """A seeded sample of ``per_name`` cases for each name (the full product runs as slow)."""
    rng = np.random.default_rng(SEED)
    chosen = []
    for name in sorted({c[0] for c in cases}):
        own = [c for c in cases if c[0] == name]
        picks = rng.choice(len(own), size=min(per_name, len(own)), replace=False)
        chosen += [own[i] for i in sorted(picks)]
    return chosen


def _id(case: tuple) -> str:
    name, dtype, shape, kind = case
    return f"{name}-{dtype}-{shape[0]}x{shape[1]}-{kind}"


def _seed(case: tuple) -> int:
    return zlib.crc32(_id(case).encode()) ^ SEED


METHOD_CASES = _cases(METHODS)
FILTER_CASES = _cases(FILTER_NAMES)
SAMPLED = set(map(_id, _sample(METHOD_CASES, 12) + _sample(FILTER_CASES, 40)))


KNOWN: dict[str, str] = {}
"""Cases that fail today, each with why: strict, so a fix makes them fail until removed."""


def _params(cases: list) -> list:
    params = []
    for case in cases:
        marks = [] if _id(case) in SAMPLED else [pytest.mark.slow]
        if _id(case) in KNOWN:
            marks.append(pytest.mark.xfail(reason=KNOWN[_id(case)], strict=True))
        params.append(pytest.param(*case, id=_id(case), marks=marks))
    return params


@pytest.mark.parametrize(("name", "dtype", "shape", "kind"), _params(METHOD_CASES))
def test_every_method_works_or_refuses_clearly(name, dtype, shape, kind) -> None:
    image = make_image(kind, dtype, shape, _seed((name, dtype, shape, kind)))
    method = _method(name)
    _check(lambda: method(image), shape, _id((name, dtype, shape, kind)))


@pytest.mark.parametrize(("name", "dtype", "shape", "kind"), _params(FILTER_CASES))
def test_every_filter_works_or_refuses_clearly(name, dtype, shape, kind) -> None:
    image = make_image(kind, dtype, shape, _seed((name, dtype, shape, kind)))
    filt = algorithms.get_filter(name)

    def run() -> np.ndarray:
        out = filt(image)
        assert out.shape == image.shape
        return out

    _check(run, shape, _id((name, dtype, shape, kind)))


@pytest.mark.parametrize("dtype", ["bool", "complex128"])
def test_booleans_and_complex_numbers_are_refused_by_name(dtype: str) -> None:
    image = make_image("noise", dtype, (5, 6), SEED)
    with pytest.raises(ValueError, match=f"my_file.tif must hold.*got dtype {dtype}"):
        check_image(image, name="my_file.tif")
