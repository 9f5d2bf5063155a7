"""doxapy (C++ Doxa) as an independent oracle for the document-binarisation methods.

Conventions checked against Doxa's source (``LocalWindow``,
``ChanMeanVarianceCalc``) and confirmed by these tests:

* window: Doxa's ``window=w`` is the square of half-width ``w // 2`` (odd
  ``w``: side ``w``), i.e. ``radius=w // 2, window="square"`` here;
* border: Doxa *shrinks* the window at the image edge (only pixels inside the
  image count), this package *replicates* the edge pixels; pixels at least
  ``w // 2`` from every edge see identical windows, and only they are
  compared ("away from the border");
* polarity: Doxa writes black (0) where ``p <= t`` — Fiji's dark-object rule,
  ``objects="dark"`` here;
* statistics: population mean and variance (divisor ``n``), as here.

On every shared DIBCO 2009 and 2010 image (grey by luminance, as the contest
converts colour), the masks agree on 100 % of the interior pixels for
Sauvola, Niblack, Wolf–Jolion (given Doxa's largest deviation, see below) and
the methods of :mod:`algorithms.local_document`; where the definitions
differ (NICK, Bernsen, Wolf's ``R``) the difference is tested explicitly.
"""

from __future__ import annotations

import numpy as np
import pytest

import algorithms
from algorithms.windows import square_sum, window_max, window_min, window_moments
from bench.data import read_image
from conftest import SHARED_DATA

doxapy = pytest.importorskip("doxapy", reason="doxapy is the oracle (pip install -e .[test])")

DIBCO = sorted((SHARED_DATA / "dibco").glob("*/images/*.png"))
pytestmark = pytest.mark.skipif(not DIBCO, reason="shared DIBCO images absent")


@pytest.fixture(scope="module", params=DIBCO, ids=lambda p: p.stem.removesuffix("_source"))
def page(request) -> np.ndarray:
    """A DIBCO image, grey by luminance (0.299 R + 0.587 G + 0.114 B)."""
    return read_image(request.param, grey="luminance")


def doxa(name: str, image: np.ndarray, **params: float) -> np.ndarray:
    """Doxa's ink mask (its output is 0 where ``p <= t``)."""
    binarizer = doxapy.Binarization(getattr(doxapy.Binarization.Algorithms, name))
    binarizer.initialize(np.ascontiguousarray(image, dtype=np.uint8))
    out = np.empty(image.shape, dtype=np.uint8)
    binarizer.to_binary(out, params)
    assert set(np.unique(out)) <= {0, 255}
    return out == 0


def interior(mask: np.ndarray, margin: int) -> np.ndarray:
    """The pixels at least ``margin`` from every edge."""
    return mask[margin:-margin, margin:-margin]


def assert_interior_equal(
    ours: np.ndarray,
    theirs: np.ndarray,
    margin: int,
    *,
    image: np.ndarray | None = None,
    threshold: np.ndarray | None = None,
) -> None:
    """Equal interiors; with ``threshold``, except at exact ties ``p == t``.

    At a tie the side depends on rounding: this package decides it exactly
    for the float values of the parameters (``k = -0.2`` is slightly below
    −0.2), Doxa by evaluating ``t`` in floating point. Such pixels are
    allowed to differ, no others.
    """
    differ = interior(ours != theirs, margin)
    if threshold is not None:
        pixels, t = interior(image.astype(np.float64), margin), interior(threshold, margin)
        differ &= np.abs(pixels - t) > 1e-9 * np.maximum(1.0, np.abs(t))
    count = int(differ.sum())
    assert count == 0, f"{count} of {differ.size} interior pixels differ"


# (our name, our parameters, Doxa's name, Doxa's parameters), windows of 15 and 75 pixels.
SAME_DEFINITION = [
    ("sauvola", {"k": 0.5, "r": 128.0}, "SAUVOLA", {"k": 0.5}),  # Sauvola & Pietikäinen's k
    ("sauvola", {"k": 0.2, "r": 128.0}, "SAUVOLA", {"k": 0.2}),  # the DIBCO literature's k
    ("niblack", {"k": -0.2}, "NIBLACK", {"k": -0.2}),  # Niblack's k for dark text
]


@pytest.mark.parametrize("window", [15, 75])
@pytest.mark.parametrize(("name", "params", "theirs", "their_params"), SAME_DEFINITION)
def test_same_definition_same_ink_away_from_the_border(
    page, name, params, theirs, their_params, window
) -> None:
    radius = window // 2
    method = algorithms.get(name, radius=radius, window="square", **params)
    expected = doxa(theirs, page, window=window, **their_params)
    moments = window_moments(page, radius, "square")
    mean, std = moments.mean(), np.sqrt(moments.variance_numerator()) / moments.count
    if name == "sauvola":
        threshold = mean * (1 + params["k"] * (std / params["r"] - 1))
    else:
        threshold = mean + params["k"] * std
    ours = method(page, objects="dark")
    assert_interior_equal(ours, expected, radius, image=page, threshold=threshold)


def _doxa_largest_std(image: np.ndarray, window: int) -> float:
    """Wolf's ``R`` as Doxa takes it: over every window, border windows shrunk."""
    half = window // 2
    values = image.astype(np.float64)
    padded = np.pad(values, ((1, 0), (1, 0)))
    sums = padded.cumsum(0).cumsum(1)
    squares = np.pad(values**2, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    rows, cols = image.shape
    top = np.clip(np.arange(rows) - half, 0, rows)[:, None]
    bottom = np.clip(np.arange(rows) + half + 1, 0, rows)[:, None]
    left = np.clip(np.arange(cols) - half, 0, cols)[None, :]
    right = np.clip(np.arange(cols) + half + 1, 0, cols)[None, :]

    def box(table: np.ndarray) -> np.ndarray:
        return table[bottom, right] - table[top, right] - table[bottom, left] + table[top, left]

    count = (bottom - top) * (right - left)
    mean = box(sums) / count
    return float(np.sqrt(np.max(box(squares) / count - mean * mean)))


@pytest.mark.parametrize("window", [15, 75])
def test_wolf_jolion_agrees_given_dokas_largest_deviation(page, window) -> None:
    """Same formula; ``R`` differs: Doxa takes it over shrunken border windows too.

    With ``max_std`` set to Doxa's ``R`` the interiors agree exactly. With our
    own ``R`` (edge-replicated windows, :meth:`WolfJolion.image_statistics`)
    the masks differ wherever the two ``R`` differ enough to move a pixel.
    """
    k = 0.5  # Wolf & Jolion's value
    radius = window // 2
    expected = doxa("WOLF", page, window=window, k=k)
    their_r = _doxa_largest_std(page, window)
    ours = algorithms.get("wolf_jolion", radius=radius, k=k, window="square", max_std=their_r)
    assert_interior_equal(ours(page, objects="dark"), expected, radius)
    own_r = algorithms.get("wolf_jolion", radius=radius, window="square").image_statistics(page)
    assert own_r["max_std"] <= their_r + 1e-9  # a shrunken window can only spread more


@pytest.mark.parametrize("window", [19, 75])
def test_nick_differs_from_doxa_by_the_printed_m2_over_n(page, window) -> None:
    """NICK as printed, ``√((Σp² − m²)/n)``, vs Doxa's ``√(Σp²/n)`` (= ``√(s² + m²)``).

    Doxa's mask equals ours computed with Doxa's root; ours (the paper's
    printed formula) differs only where the ``m²/n`` term moves ``t`` past
    ``p``.
    """
    k, radius = -0.1, window // 2
    expected = doxa("NICK", page, window=window, k=k)
    moments = window_moments(page, radius, "square")
    mean = moments.total / moments.count
    pixels = page.astype(np.float64)
    doxa_rule = pixels <= mean + k * np.sqrt(moments.total_sq / moments.count)
    assert_interior_equal(doxa_rule, expected, radius)
    ours = algorithms.get("nick", radius=radius, k=k, window="square")(page, objects="dark")
    printed = pixels <= mean + k * np.sqrt((moments.total_sq - mean**2) / moments.count)
    assert_interior_equal(ours, printed, radius)
    between = np.abs(pixels - (mean + k * np.sqrt(moments.total_sq / moments.count)))
    differ = interior(ours != expected, radius)
    # t moves by at most |k|·(√(Σp²/n) − √((Σp² − m²)/n)) ≤ |k|·m/√n: only pixels that close.
    bound = abs(k) * mean / np.sqrt(moments.count) + 1e-9
    assert (interior(between, radius)[differ] <= interior(bound, radius)[differ]).all()


def test_bernsen_rules_differ_as_documented(page) -> None:
    """Doxa's Bernsen is another variant than Fiji's (ours); both rules are checked.

    Doxa: ``t = mid`` where ``hi − lo > L`` else ``t = GT``; ink ``p <= t``.
    Ours (Fiji): ink ``p < mid`` where ``hi − lo >= contrast_threshold``, else
    the whole window is ink when ``mid < uniform_level``. With ``L = 14`` and
    ``contrast_threshold = 15`` the contrasted windows coincide; there the
    masks differ exactly at ``p == mid``; the low-contrast rules differ.
    """
    window, radius = 31, 15  # Bernsen's window and contrast limit (as Fiji cites them)
    expected = doxa("BERNSEN", page, window=window, threshold=100, **{"contrast-limit": 14})
    low = window_min(page, radius, "square").astype(np.int32)
    high = window_max(page, radius, "square").astype(np.int32)
    mid = (low + high) // 2
    pixels = page.astype(np.int32)
    contrasted = high - low > 14
    assert_interior_equal(np.where(contrasted, pixels <= mid, pixels <= 100), expected, radius)
    ours = algorithms.get(
        "bernsen", radius=radius, contrast_threshold=15, uniform_level=128, window="square"
    )(page, objects="dark")
    differ = interior(ours != expected, radius)
    explained = interior((contrasted & (pixels == mid)) | ~contrasted, radius)
    assert not (differ & ~explained).any()


# --- the document methods of algorithms.local_document ---------------------------------


@pytest.mark.parametrize("window", [15, 75])
def test_wan_agrees_away_from_the_border(page, window) -> None:
    k, radius = 0.2, window // 2  # the paper's k
    expected = doxa("WAN", page, window=window, k=k)
    ours = algorithms.get("wan", radius=radius, k=k)(page, objects="dark")
    moments = window_moments(page, radius, "square")
    base = (window_max(page, radius, "square") + moments.mean()) / 2
    threshold = base * (1 + k * (moments.std() / 128 - 1))
    assert_interior_equal(ours, expected, radius, image=page, threshold=threshold)


def _framed(image: np.ndarray, margin: int) -> np.ndarray:
    """``image`` inside a uniform frame of its median grey, ``margin`` pixels wide.

    Windows that reach the outer edge then hold one grey level whether they
    shrink (Doxa) or replicate the edge (here), so the two border rules give
    the same statistics everywhere, image-wide averages included: whole
    masks can be compared.
    """
    return np.pad(image, margin, mode="constant", constant_values=int(np.median(image)))


def test_isauvola_agrees_on_the_framed_page(page) -> None:
    """Sauvola's components kept where they touch a high-contrast pixel: identical masks."""
    framed = _framed(page, 2 * 37 + 2)
    expected = doxa("ISAUVOLA", framed, window=75, k=0.2)
    ours = algorithms.get("isauvola", radius=37, k=0.2)(framed, objects="dark")
    assert int((ours != expected).sum()) == 0


def test_su_differs_from_doxapy_only_by_its_zero_deviation(page) -> None:
    """doxapy 0.9.2's ``E_std`` is 0: its ink is ``Ne >= n_min and p <= E_mean``.

    That rule, from our contrast image, Otsu level and window sums, equals
    doxapy's mask on every interior pixel; ours (``p <= E_mean + E_std/2``)
    adds exactly the pixels between the two thresholds.
    """
    radius, n_min = 5, 11
    expected = doxa("SU", page, window=2 * radius + 1, minN=n_min)
    method = algorithms.get("su", radius=radius, n_min=n_min)
    ours = method(page, objects="dark")
    high = method._high_contrast(page)
    count = square_sum(high.astype(np.int64), radius)
    total = square_sum(np.where(high, page, 0).astype(np.int64), radius)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / count
    doxa_rule = (count >= n_min) & (page <= mean)
    assert_interior_equal(doxa_rule, expected, radius + 1, image=page, threshold=mean)
    differ = interior(ours != doxa_rule, radius + 1)
    assert not interior(doxa_rule & ~ours, radius + 1).any()  # ours only adds ink
    assert (interior(page > mean, radius + 1)[differ]).all()


def test_gatos_differs_from_doxapy_only_by_where_it_evaluates_d(page) -> None:
    """doxapy 0.9.2 evaluates ``d(B)`` at the rough mask's grey (0 or 255), not at ``B``.

    On the framed page every intermediate surface agrees: with ``d`` taken at
    the rough mask's grey our pipeline gives doxapy's mask on every pixel;
    the paper's ``d(B)`` differs only where the two thresholds straddle
    ``B − I``.
    """
    framed = _framed(page, 2 * 60 + 2)
    expected = doxa("GATOS", framed, window=75, k=0.2, glyph=60)
    method = algorithms.get("gatos", radius=37, k=0.2, background_radius=60)
    filtered, rough, background, _ = method._surfaces(framed)
    averages = method._averages(filtered, rough, background)
    delta, b = averages["delta"], averages["background_mean"]

    def d(level: np.ndarray) -> np.ndarray:
        return 0.6 * delta * (0.2 / (1 + np.exp(-4 * level / (b * 0.5) + 6)) + 0.8)

    distance = background - filtered.astype(np.int64)
    assert int((expected != (distance > d(np.where(rough, 0.0, 255.0)))).sum()) == 0
    ours = method(framed, objects="dark")
    np.testing.assert_array_equal(ours, distance > d(background.astype(np.float64)))
    low, high = (
        np.minimum(d(background), d(np.where(rough, 0.0, 255.0))),
        np.maximum(d(background), d(np.where(rough, 0.0, 255.0))),
    )
    differ = ours != expected
    assert ((distance[differ] > low[differ]) & (distance[differ] <= high[differ])).all()
