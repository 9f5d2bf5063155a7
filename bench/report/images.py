"""What a report needs from the pixels, gathered in one pass over a board's images.

For each image of a board, read once from the dataset config the run
recorded, and for each preprocessing its rows used (re-applied once):

* the exact threshold curve (:mod:`bench.run.curves`), giving every
  global row its best achievable score — after checking that the curve at
  the row's threshold reproduces the row's recorded counts;
* the overlays asked for (a config's best and worst image), redrawn by
  re-running the row's segmenter (or re-reading another tool's prediction),
  again checked against the row's counts;
* the second-observer row, when the dataset declares one.

Anything that cannot be done (images moved, a learned method whose trained
state is not in the table, a method not registered in this checkout) is a
note in the report, never a crash: the tables do not need the pixels.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from algorithms import UnknownNameError, histogram
from bench.data.predictions import PREDICTIONS, PredictionFolder
from bench.metrics import confusion_counts
from bench.report.leaderboard import with_labels
from bench.report.model import Explorer
from bench.report.plots import overlay_rgb
from bench.report.replay import iter_samples, prepared_image, rebuild_segmenter
from bench.report.second_observer import observer_masks, observer_row
from bench.run.curves import ThresholdCurve, threshold_curve

__all__ = [
    "EXPLORER_SIDE",
    "ImageEvidence",
    "gather_evidence",
    "image_threshold_rows",
    "thumbnail",
]

_COUNTS = ["tp", "fp", "fn", "tn"]


@dataclass
class ImageEvidence:
    """Pixel-derived facts about a board's rows.

    Attributes
    ----------
    best_score : Series
        Best score of any global threshold on the row's image and
        preprocessing, indexed like the board's table (NaN: not a global row,
        or not reproducible).
    curves : dict
        ``(image, preprocessing)`` → :class:`ThresholdCurve`, for the
        preprocessings asked for.
    overlays : dict
        ``(config, image)`` → RGB thumbnail (uint8) of the TP/FP/FN/TN overlay.
    observer_rows : list of dict
        Second-observer rows (empty when the dataset has no second annotation).
    notes : list of str
        What could not be done, and why.
    """

    best_score: pd.Series
    curves: dict[tuple[str, str], ThresholdCurve] = field(default_factory=dict)
    overlays: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    observer_rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    explorers: dict[tuple[str, str], Explorer] = field(default_factory=dict)


EXPLORER_SIDE = 1024
"""Longest side of an explorer's picture; larger images are sampled (scores stay exact)."""


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _explorer(
    sample: Any, preprocessing: str, image: np.ndarray, curve: ThresholdCurve,
    rows: pd.DataFrame, metric: str,
) -> Explorer | None:  # fmt: skip
    """The threshold explorer of one image (8-bit prepared images only; else None)."""
    if image.dtype != np.uint8 or not curve.hist.integer:
        return None
    step = max(1, -(-max(image.shape) // EXPLORER_SIDE))
    fov = sample.fov
    methods = tuple(
        (str(row["config"]), float(row["threshold"]), float(row[metric]))
        for _, row in rows.iterrows()
    )
    return Explorer(
        image=str(sample.id),
        preprocessing=preprocessing,
        grey_png=_png(np.ascontiguousarray(image[::step, ::step])),
        truth_png=_png(np.ascontiguousarray(sample.truth[::step, ::step]).astype(np.uint8) * 255),
        fov_png=None if fov is None else _png(np.ascontiguousarray(fov[::step, ::step]) * 255),
        dark=rows["polarity"].iloc[0] == "dark",
        step=step,
        values=tuple(float(v) for v in curve.values),
        scores=tuple(float(s) for s in curve.scores(metric)),
        methods=methods,
    )


def image_threshold_rows(table: pd.DataFrame) -> pd.Series:
    """Rows whose threshold is one of the image's (global methods), not a score map's."""
    return table["threshold"].notna() & (table["algo"] != PREDICTIONS)


def thumbnail(rgb: np.ndarray, size: int = 360) -> np.ndarray:
    """Shrink an RGB picture so its longer side is at most ``size``: each pixel the area
    average of those it covers, so a one-pixel error stays visible as a tint."""
    image = Image.fromarray(rgb)
    image.thumbnail((size, size), Image.Resampling.BOX, reducing_gap=None)
    return np.asarray(image)


def _same_counts(counts: Any, row: Mapping[str, Any]) -> bool:
    return [int(row[c]) for c in _COUNTS] == [counts.tp, counts.fp, counts.fn, counts.tn]


def gather_evidence(
    table: pd.DataFrame,
    dataset_config: Mapping[str, Any] | None,
    metric: str = "mcc",
    curve_preprocessings: frozenset[str] = frozenset(),
    overlays: frozenset[tuple[str, str]] = frozenset(),
    thumbnail_size: int = 360,
) -> ImageEvidence:
    """One pass over the images of a board (see the module docstring).

    Parameters
    ----------
    table : DataFrame
        The board's rows.
    dataset_config : mapping or None
        The dataset config node the rows were run with; None: not recorded.
    metric : str
        Score of the curves.
    curve_preprocessings : frozenset of str
        Preprocessing labels whose curves to keep for figures (every global
        row gets its best score regardless).
    overlays : frozenset of (config, image)
        Overlays to redraw.
    """
    evidence = ImageEvidence(best_score=pd.Series(np.nan, index=table.index))
    if dataset_config is None:
        evidence.notes.append(
            "Images not drawn: no dataset config was recorded with these results "
            "(pass --dataset-config); no threshold curves, regret or overlays."
        )
        return evidence
    table = with_labels(table)
    failures: dict[str, list[str]] = {}
    mismatched: list[str] = []
    seen: set[str] = set()
    # A second annotation that cannot be read costs its own rows, loudly, never the
    # curves, regret and overlays of the methods (they do not depend on it).
    observer_failures: list[str] = []
    try:
        observers = observer_masks(dataset_config)
    except (FileNotFoundError, ValueError) as error:
        observers = None
        observer_failures.append(str(error))
    try:
        samples = iter_samples(dataset_config, set(table["image"]))
        for sample in samples:
            seen.add(sample.id)
            rows = table[table["image"] == sample.id]
            if observers is not None and sample.id not in observers:
                observer_failures.append(f"{sample.id}: no second-observer file")
            elif observers is not None:
                try:
                    row = observer_row(
                        sample,
                        observers[sample.id],
                        dataset_config.get("truth_value", 255),
                        str(rows["dataset"].iloc[0]),
                    )
                except (FileNotFoundError, ValueError) as error:
                    observer_failures.append(f"{sample.id}: {error}")
                else:
                    for column in ("split", "dataset_hash"):
                        if column in rows:
                            row[column] = rows[column].iloc[0]
                    evidence.observer_rows.append(row)
            for preprocessing, group in rows.groupby("preprocessing", sort=False):
                _one_image(
                    sample,
                    preprocessing,
                    group,
                    metric,
                    evidence,
                    failures,
                    mismatched,
                    keep_curve=preprocessing in curve_preprocessings,
                    overlays=overlays,
                    thumbnail_size=thumbnail_size,
                )
    except (FileNotFoundError, ValueError) as error:
        evidence.notes.append(
            f"Images not reachable ({error}); no threshold curves, regret or overlays."
        )
        return evidence
    finally:
        if observer_failures:
            evidence.notes.insert(0, _observer_note(dataset_config, observer_failures))
    missing = sorted(set(table["image"]) - seen)
    if missing:
        evidence.notes.append(
            f"{len(missing)} image(s) of the results are not in the dataset any more: "
            + ", ".join(missing[:10])
            + (" …" if len(missing) > 10 else "")
        )
    if mismatched:
        evidence.notes.append(
            f"{len(mismatched)} row(s) not reproduced from the re-read images (the data or "
            "the code changed since the run?); no regret or overlay for them: "
            + "; ".join(mismatched[:5])
            + (" …" if len(mismatched) > 5 else "")
        )
    for reason, configs in failures.items():
        evidence.notes.append(f"No overlay for {', '.join(sorted(set(configs)))}: {reason}")
    return evidence


def _observer_note(dataset_config: Mapping[str, Any], failures: list[str]) -> str:
    """The note that says which second-observer annotations are not in the report, and why."""
    more = f"; … ({len(failures) - 5} more)" if len(failures) > 5 else ""
    shown = "; ".join(failures[:5]) + more
    return (
        f"SECOND OBSERVER INCOMPLETE: the dataset declares a second annotation "
        f"({dataset_config.get('second_observer')!r}) but {len(failures)} of its files could "
        f"not be used, so its reference row leaves them out: {shown}. Fix the files or the "
        "dataset's second_observer / second_observer_pattern / truth_value."
    )


def _one_image(
    sample: Any,
    preprocessing: str,
    rows: pd.DataFrame,
    metric: str,
    evidence: ImageEvidence,
    failures: dict[str, list[str]],
    mismatched: list[str],
    *,
    keep_curve: bool,
    overlays: frozenset[tuple[str, str]],
    thumbnail_size: int,
) -> None:
    """Curve and overlays of one image under one preprocessing."""
    image = prepared_image(sample, rows.iloc[0])
    objects = str(rows.iloc[0]["polarity"])  # the segmenters' object rule (Fiji's)
    # Global methods may estimate their threshold in another mask than the
    # scored field of view (a dataset's fov_for_threshold): use theirs.
    threshold_fov = getattr(sample, "threshold_fov", sample.fov)
    global_rows = rows[image_threshold_rows(rows)]
    if len(global_rows):
        hist = histogram(image, threshold_fov)
        curve = threshold_curve(image, sample.truth, sample.fov, hist, objects=objects)
        best = curve.best(metric)[1]
        for index, row in global_rows.iterrows():
            position = curve.index_of(float(row["threshold"]))
            if position is None or not _same_counts(curve.counts(position), row):
                mismatched.append(f"{sample.id}: {row['config']}")
                continue
            evidence.best_score[index] = best
        if keep_curve:
            evidence.curves[(sample.id, preprocessing)] = curve
            found = _explorer(sample, preprocessing, image, curve, global_rows, metric)
            if found is not None:
                evidence.explorers[(sample.id, preprocessing)] = found
    for _, row in rows.iterrows():
        if (row["config"], sample.id) not in overlays:
            continue
        try:
            segmenter = rebuild_segmenter(row)
        except (UnknownNameError, TypeError, ValueError) as error:
            failures.setdefault(f"cannot rebuild the method ({error})", []).append(row["config"])
            continue
        if segmenter.requires_fit:
            reason = "a trained method: its fitted state is not part of the results table"
            failures.setdefault(reason, []).append(row["config"])
            continue
        if isinstance(segmenter, PredictionFolder):
            try:
                mask = segmenter.read(sample).mask
            except (FileNotFoundError, ValueError) as error:
                failures.setdefault(f"predictions not readable ({error})", []).append(row["config"])
                continue
        else:
            mask = segmenter.segment(image, fov=threshold_fov, objects=objects).mask
        if not _same_counts(confusion_counts(sample.truth, mask, sample.fov), row):
            mismatched.append(f"{sample.id}: {row['config']} (overlay)")
            continue
        # The methods see the original intensities (Fiji's rule): the picture shows the image
        # in its own polarity, ink dark on a page.
        rgb = overlay_rgb(image, sample.truth, mask, sample.fov)
        evidence.overlays[(row["config"], sample.id)] = thumbnail(rgb, thumbnail_size)
