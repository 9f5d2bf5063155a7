"""Each field metric against the code its field uses, on the shared datasets.

References, imported where they install (skipped when absent): doxapy
(FM, PSNR, NRM, and DRD with its known deviation), MONAI (HD95, ASSD, NSD),
scikit-image (Betti numbers through the Euler number; V_rand / V_info where
the definitions match), and the literal implementations of
``tests/metrics/metric_reference.py`` (DRD, pFM, clDice, DSB AP, PQ, ISBI scores).
Masks come from an Otsu threshold of each image: the point is the metric,
not the segmentation.

Each comparison also runs against a deliberately wrong variant of the metric
(:data:`MUTANTS`) and must *fail* there, so an error of that size would be
caught.
"""

from __future__ import annotations

import math

import metric_reference as literal
import numpy as np
import pytest
from PIL import Image
from skimage.filters import threshold_otsu

import bench.metrics as bm
from bench.metrics import document, instances, segments, surface, topology
from bench.metrics.pair import MaskPair
from conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared data absent")

TOLERANCE = 1e-9
# MONAI's distances are float32 and torch.quantile interpolates in float32, where
# the fractional rank of a few thousand boundary pixels carries ~1e-4 of error.
MONAI_PRECISION = 1e-4


def _grey(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"))


def _dark_objects(image: np.ndarray) -> np.ndarray:
    return image <= threshold_otsu(image)


def dibco_pairs(count: int = 2) -> list[tuple[str, np.ndarray, np.ndarray]]:
    pairs = []
    for year in ("2009", "2010"):
        for path in sorted((SHARED_DATA / "dibco" / year / "images").glob("*.png"))[:count]:
            truth_path = path.parent.parent / "masks" / path.name.replace("_source", "_target")
            truth = _grey(truth_path) == 0  # ink is black in DIBCO's truth
            pairs.append((path.name, truth, _dark_objects(_grey(path))))
    return pairs


def kesm_pairs() -> list[tuple[str, np.ndarray, np.ndarray]]:
    image = _grey(SHARED_DATA / "kesm" / "images" / "grayscale.png")
    truth = _grey(SHARED_DATA / "kesm" / "masks" / "groundtruth.png") > 0
    pred = _dark_objects(image)  # vessels are dark in the image
    crops = {"whole": np.s_[:, :], "top-left": np.s_[:256, :256], "bottom-right": np.s_[256:, 256:]}
    return [(name, truth[c], pred[c]) for name, c in crops.items()]


def dsb_pairs(count: int = 4) -> list[tuple[str, np.ndarray, np.ndarray]]:
    pairs = []
    for path in sorted((SHARED_DATA / "dsb2018" / "images").glob("*.png"))[:count]:
        image = _grey(path)
        truth = _grey(SHARED_DATA / "dsb2018" / "masks" / path.name) > 0
        pairs.append((path.name[:12], truth, image > threshold_otsu(image)))
    return pairs


def isbi_pairs(count: int = 3) -> list[tuple[str, np.ndarray, np.ndarray]]:
    pairs = []
    for i in range(count):
        image = _grey(SHARED_DATA / "isbi2012" / "images" / f"{i}.png")
        truth = _grey(SHARED_DATA / "isbi2012" / "masks" / f"{i}.png") == 0  # membranes black
        pairs.append((str(i), truth, _dark_objects(image)))
    return pairs


def _ids(pairs):
    return [name for name, _, _ in pairs]


def _close(ours: float, reference: float, tolerance: float = TOLERANCE) -> bool:
    return math.isclose(ours, reference, rel_tol=tolerance, abs_tol=tolerance)


# --------------------------------------------------------------------------- DIBCO
def _doxa(truth: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    doxapy = pytest.importorskip("doxapy")
    # doxapy's convention: 0 = ink, 255 = background; ground truth first.
    gt = np.where(truth, 0, 255).astype(np.uint8)
    binary = np.where(prediction, 0, 255).astype(np.uint8)
    return doxapy.calculate_performance(gt, binary)


DIBCO = dibco_pairs() if SHARED_DATA.is_dir() else []


@pytest.mark.parametrize(("name", "truth", "pred"), DIBCO, ids=_ids(DIBCO))
def test_fm_psnr_nrm_match_doxapy(name, truth, pred) -> None:
    ref = _doxa(truth, pred)
    c = bm.confusion_counts(truth, pred)
    assert _close(100 * bm.f1(c), ref["fm"])
    assert _close(bm.psnr(truth, pred), ref["psnr"])
    assert _close(bm.nrm(truth, pred), ref["nrm"])


@pytest.mark.parametrize(("name", "truth", "pred"), DIBCO, ids=_ids(DIBCO))
def test_drd_matches_a_literal_reading_of_the_paper(name, truth, pred) -> None:
    assert _close(bm.drd(truth, pred), literal.drd(truth, pred))
    assert document._nubn(truth) == literal.nubn(truth)


@pytest.mark.parametrize(("name", "truth", "pred"), DIBCO, ids=_ids(DIBCO))
def test_doxapy_drd_differs_only_by_its_block_count(name, truth, pred) -> None:
    """doxapy's DRD is ours with NUBN counted over 7×7 of each 8×8 block, full blocks only.

    Its weights are rounded to six decimals, hence the 1e-6 tolerance. The
    7×7 check misses ink in a block's last row and column, so its NUBN is
    smaller than the paper's and its DRD larger (by 5–9 % on these images).
    """
    doxa_nubn = literal.nubn(truth, checked=7, partial=False)
    explained = document._drd_total(truth, pred) / doxa_nubn
    assert _close(explained, _doxa(truth, pred)["drdm"], 1e-6)


def test_doxapy_drd_is_not_the_papers() -> None:
    # One ink pixel in the last row of a block: the paper counts that block.
    truth = np.zeros((32, 32), bool)
    truth[7, 3] = truth[11, 11] = True
    pred = truth.copy()
    pred[20, 20] = True
    assert bm.drd(truth, pred) == pytest.approx(0.5)  # 2 non-uniform blocks
    assert _doxa(truth, pred)["drdm"] == pytest.approx(1.0, abs=1e-6)  # doxapy sees 1


@pytest.mark.parametrize(("name", "truth", "pred"), DIBCO, ids=_ids(DIBCO))
def test_pseudo_f_measure_matches_the_literal_definition(name, truth, pred) -> None:
    assert _close(bm.pseudo_f_measure(truth, pred), literal.pseudo_f_measure(truth, pred))


# --------------------------------------------------------------------------- thin structures
KESM = kesm_pairs() if SHARED_DATA.is_dir() else []


@pytest.mark.parametrize(("name", "truth", "pred"), KESM, ids=_ids(KESM))
def test_cldice_matches_the_literal_definition(name, truth, pred) -> None:
    assert _close(bm.cldice(truth, pred), literal.cldice(truth, pred))


@pytest.mark.parametrize(("name", "truth", "pred"), KESM, ids=_ids(KESM))
def test_betti_numbers_match_scikit_image(name, truth, pred) -> None:
    from skimage.measure import euler_number, label

    for mask in (truth, pred):
        b0, b1 = bm.betti_numbers(mask)
        # 8-connected object, 4-connected background: connectivity=2 in both.
        assert b0 == label(mask, connectivity=2).max()
        assert b0 - b1 == euler_number(mask, connectivity=2)


# --------------------------------------------------------------------------- boundaries
def _monai(truth, pred, spacing=(1.0, 1.0), tolerance=1.0) -> tuple[float, float, float]:
    pytest.importorskip("monai")
    import torch
    from monai.metrics import (
        compute_average_surface_distance,
        compute_hausdorff_distance,
        compute_surface_dice,
    )

    y = torch.from_numpy(truth[None, None].astype(np.float64))
    y_pred = torch.from_numpy(pred[None, None].astype(np.float64))
    kwargs = {"include_background": True, "spacing": list(spacing)}
    hd = compute_hausdorff_distance(y_pred, y, percentile=95, **kwargs)
    asd = compute_average_surface_distance(y_pred, y, symmetric=True, **kwargs)
    nsd = compute_surface_dice(y_pred, y, class_thresholds=[tolerance], **kwargs)
    return float(hd), float(asd), float(nsd)


BOUNDARY = (dibco_pairs(1) + kesm_pairs()[1:]) if SHARED_DATA.is_dir() else []


@pytest.mark.filterwarnings("ignore::FutureWarning")  # MONAI's own deprecations
@pytest.mark.parametrize("spacing", [(1.0, 1.0), (0.5, 1.25)])
@pytest.mark.parametrize(("name", "truth", "pred"), BOUNDARY, ids=_ids(BOUNDARY))
def test_hd95_assd_nsd_match_monai(name, truth, pred, spacing) -> None:
    hd, asd, nsd = _monai(truth, pred, spacing, tolerance=1.5)
    # MONAI casts the distance maps to float32 (monai.metrics.utils.get_surface_distance)
    # and takes percentiles and means in float32: agreement to its own precision.
    assert _close(bm.hd95(truth, pred, spacing), hd, MONAI_PRECISION)
    assert _close(bm.assd(truth, pred, spacing), asd, MONAI_PRECISION)
    assert _close(bm.nsd(truth, pred, 1.5, spacing), nsd, MONAI_PRECISION)


@pytest.mark.parametrize("spacing", [(1.0, 1.0), (0.5, 1.25)])
@pytest.mark.parametrize(("name", "truth", "pred"), KESM[1:], ids=_ids(KESM[1:]))
def test_hd95_assd_nsd_match_exact_distance_maps(name, truth, pred, spacing) -> None:
    hd, asd, nsd = literal.surface_scores(truth, pred, spacing, tolerance=1.5)
    assert _close(bm.hd95(truth, pred, spacing), hd)
    assert _close(bm.assd(truth, pred, spacing), asd)
    assert _close(bm.nsd(truth, pred, 1.5, spacing), nsd)


# --------------------------------------------------------------------------- instances
DSB = dsb_pairs() if SHARED_DATA.is_dir() else []


@pytest.mark.parametrize(("name", "truth", "pred"), DSB, ids=_ids(DSB))
def test_dsb_ap_and_pq_match_the_literal_definitions(name, truth, pred) -> None:
    assert _close(bm.average_precision_dsb(truth, pred), literal.dsb_average_precision(truth, pred))
    assert _close(bm.panoptic_quality(truth, pred), literal.panoptic_quality(truth, pred))


def test_iou_exactly_on_a_threshold_is_not_a_match() -> None:
    # IoU = 3/4 exactly: a hit at 0.5…0.7, not at 0.75 (strictly greater).
    truth = np.zeros((4, 8), bool)
    truth[:, :4] = True
    pred = np.zeros_like(truth)
    pred[:, 1:4] = True
    assert bm.average_precision_dsb(truth, pred) == pytest.approx(5 / 10)


# --------------------------------------------------------------------------- ISBI 2012
ISBI = isbi_pairs() if SHARED_DATA.is_dir() else []


def _singletons(proposal_labels: np.ndarray) -> np.ndarray:
    """Give each label-0 pixel of a proposal a label of its own."""
    out = proposal_labels.astype(np.int64).copy()
    zeros = out == 0
    out[zeros] = out.max() + 1 + np.arange(int(zeros.sum()))
    return out


@pytest.mark.parametrize(("name", "truth", "pred"), ISBI, ids=_ids(ISBI))
def test_isbi_scores_match_the_challenge_formulas(name, truth, pred) -> None:
    t_labels, _ = segments.segments(truth)
    p_labels, _ = segments.segments(pred)
    v_rand, v_info = literal.isbi_scores(t_labels, p_labels)
    assert _close(bm.v_rand(truth, pred), v_rand)
    assert _close(bm.v_info(truth, pred), v_info)


@pytest.mark.parametrize(("name", "truth", "pred"), ISBI, ids=_ids(ISBI))
def test_isbi_scores_against_scikit_image_where_definitions_match(name, truth, pred) -> None:
    from skimage.metrics import adapted_rand_error, variation_of_information

    t_labels, _ = segments.segments(truth)
    p_single = _singletons(segments.segments(pred)[0]) * (t_labels > 0)
    # V_info: scikit-image's conditional entropies with the proposal's membrane
    # pixels as singletons give the challenge's score exactly.
    # It returns (H(image1 | image0), H(image0 | image1)).
    h_s_given_t, h_t_given_s = variation_of_information(t_labels, p_single, ignore_labels=(0,))
    # H(T) = H(T | a constant), over the truth's foreground as well.
    h_t = variation_of_information(t_labels, np.ones_like(t_labels), ignore_labels=(0,))[1]
    mutual = h_t - h_t_given_s
    h_pred = mutual + h_s_given_t
    assert _close(bm.v_info(truth, pred), 2 * mutual / (h_t + h_pred))
    # V_rand: scikit-image counts pairs of distinct pixels, the challenge N².
    error, _, _ = adapted_rand_error(t_labels, p_single, ignore_labels=(0,))
    assert _close(segments.v_rand(truth, pred, normalization="pairs"), 1 - error)
    assert not _close(bm.v_rand(truth, pred), 1 - error)


# --------------------------------------------------------------------------- mutants
def _wrong_weights_drd(truth, pred):
    # Unnormalised weights: a classic slip.
    raw = document.DRD_WEIGHTS * (1 / document.DRD_WEIGHTS[2, 1])
    saved = document.DRD_WEIGHTS.copy()
    document.DRD_WEIGHTS[...] = raw
    try:
        return bm.drd(truth, pred)
    finally:
        document.DRD_WEIGHTS[...] = saved


def _hd90(truth, pred):
    pair = MaskPair(truth, pred)
    d = surface._directed(pair)
    return float(max(np.percentile(d[0], 90), np.percentile(d[1], 90)))


def _ap_at_or_above(truth, pred):
    pair = MaskPair(truth, pred)
    inter, union, _, n_t, n_p = instances._overlaps(pair)
    total = 0.0
    for k in range(10, 20):
        tp = int(np.count_nonzero(20 * inter >= k * union))
        total += tp / (tp + (n_p - tp) + (n_t - tp))
    return total / 10


def _cldice_swapped(truth, pred):
    # Skeleton of each mask inside *itself*: always 1, blind to breaks.
    return topology._cldice(MaskPair(truth, truth))


def _v_rand_pairs(truth, pred):
    return segments.v_rand(truth, pred, normalization="pairs")


def _pfm_recall_unweighted(truth, pred):
    return bm.f1(bm.confusion_counts(truth, pred))


MUTANTS = {
    "drd with unnormalised weights": (_wrong_weights_drd, literal.drd, lambda: DIBCO[:1]),
    "pfm as plain F": (_pfm_recall_unweighted, literal.pseudo_f_measure, lambda: DIBCO[:1]),
    "clDice of the truth with itself": (_cldice_swapped, literal.cldice, lambda: KESM[:1]),
    "HD90 for HD95": (_hd90, lambda t, p: _monai(t, p)[0], lambda: BOUNDARY[:1]),
    "HD95 of one direction only": (
        lambda t, p: float(np.percentile(MaskPair(t, p).boundary_distances[0], 95)),
        lambda t, p: literal.surface_scores(t, p)[0],
        lambda: KESM[1:],
    ),
    "AP with IoU >= t": (_ap_at_or_above, literal.dsb_average_precision, lambda: DSB[:4]),
    "V_rand over distinct pairs": (
        _v_rand_pairs,
        lambda t, p: literal.isbi_scores(segments.segments(t)[0], segments.segments(p)[0])[0],
        lambda: ISBI[:1],
    ),
}


@pytest.mark.parametrize("mutant", MUTANTS)
def test_a_wrong_metric_is_caught(mutant: str) -> None:
    wrong, reference, data = MUTANTS[mutant]
    caught = [not _close(wrong(t, p), reference(t, p), 1e-6) for _, t, p in data()]
    assert any(caught), f"the reference comparison does not see {mutant!r}"
