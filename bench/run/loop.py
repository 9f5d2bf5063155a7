"""The one sample loop: fit what must be fitted, run each sample on an executor, make the table.

Every executor — :class:`bench.run.whole_image.WholeImage` (images in
memory) and :class:`bench.run.tiled.Tiled` (tile by tile, on threads or
Dask) — is driven by :func:`run_plan`, so they share the loop over samples,
the training of learned methods, the check that every learned method was
scored, and the table's columns and order.

A new executor is a class with ``rows(plan, sample, side, fits, on_result)``
returning that sample's rows (built with :func:`bench.run.stages.result_row`),
and ``finish()`` for what it writes once at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from algorithms import LearnedSegmenter
from bench.data import Sample
from bench.progress import Progress
from bench.run.learned import Fitted, fit_learned
from bench.run.plan import Plan
from bench.run.stages import COLUMNS, Result, prepare

__all__ = ["Executor", "Fits", "fit_all", "run_plan", "table_of"]

Fits = dict[tuple[int, int], Fitted]
"""Fitted learned models by (filter index, segmenter index) of the plan."""


class Executor(Protocol):
    """How the rows of one sample are computed (see the module's docstring)."""

    def rows(
        self,
        plan: Plan,
        sample: Sample,
        side: str,
        fits: Fits,
        on_result: Callable[[Result], None] | None,
    ) -> list[dict[str, Any]]: ...

    def finish(self) -> None: ...


def fit_all(
    plan: Plan, train: list[Sample], cache_dir: str | Path | None, progress: bool = False
) -> Fits:
    """Fit every learned method once per filter, on the train samples as they will be seen."""
    fits: Fits = {}
    learned = [(i, s) for i, s in enumerate(plan.segmenters) if isinstance(s, LearnedSegmenter)]
    if not learned:
        return fits
    for f, filt in enumerate(plan.filters):
        if all(s.is_fitted() for _, s in learned):
            images = []
        else:
            images = [prepare(sample.image, filt) for sample in train]
        truths = [sample.truth for sample in train]
        fovs = [sample.fov for sample in train]
        for i, seg in learned:
            if seg.is_fitted():  # fitted by the caller: use as given, training unknown
                fits[f, i] = Fitted(seg, float("nan"), False, seg.n_train_images_, "")
            else:
                fits[f, i] = fit_learned(
                    seg, images, truths, fovs, cache_dir=cache_dir, label=plan.dataset,
                    progress=progress,
                )  # fmt: skip
    return fits


def table_of(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The results table: :data:`~bench.run.stages.COLUMNS` first, then the rest as they came."""
    table = pd.DataFrame(rows)
    extra = [c for c in table.columns if c not in COLUMNS]
    return table.reindex(columns=[*COLUMNS, *extra])


def _name_the_sample(error: ValueError, sample: Sample) -> None:
    """Prefix the message of ``error`` with the file (or id) of the sample it is about."""
    where = sample.meta.get("image_path") or f"sample {sample.id!r}"
    if error.args and isinstance(error.args[0], str) and str(where) not in error.args[0]:
        error.args = (f"{where}: {error.args[0]}", *error.args[1:])


def run_plan(
    plan: Plan,
    samples: Iterable[Sample],
    executor: Executor,
    *,
    on_result: Callable[[Result], None] | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Score every configuration of ``plan`` on every sample with ``executor``; one row each.

    ``progress``: training and the samples done are reported on stderr
    (:mod:`bench.progress`).

    Prediction folders in the plan are paired with the samples first: a
    sample without a prediction is an error listing them all before any
    work (or left out, with a warning, under ``unpaired="skip"``).
    """
    if plan.predictions:
        if hasattr(samples, "pairs"):
            ids = [str(entry[0]) for entry in samples.pairs()]
        else:
            samples = list(samples)
            ids = [sample.id for sample in samples]
        for folder in plan.predictions:
            folder.check_pairs(ids)
    fits: Fits = {}
    if plan.learned:
        samples = list(samples)
        train = [s for s in samples if plan.side_of(s) == "train"]
        fits = fit_all(plan, train, cache_dir, progress)
    rows: list[dict[str, Any]] = []
    total = len(samples) if hasattr(samples, "__len__") else None  # type: ignore[arg-type]
    with Progress(f"run {plan.dataset}", total, unit="images", enabled=progress) as bar:
        for sample in samples:
            try:
                rows.extend(executor.rows(plan, sample, plan.side_of(sample), fits, on_result))
            except ValueError as error:
                _name_the_sample(error, sample)
                raise  # the same error and traceback: a bug stays a bug (bench.cli.errors)
            bar.update()
    executor.finish()
    scored = {row["algo"] for row in rows}
    unscored = sorted({fitted.segmenter.name for fitted in fits.values()} - scored)
    if unscored:
        msg = (
            f"No image to score {', '.join(unscored)} on (score_split={plan.score_split!r}): the "
            "test side of the split is empty. Raise dataset.test_fraction (or the split's "
            "test_fraction), or use a dataset with more images."
        )
        raise ValueError(msg)
    return table_of(rows)
