"""The whole-image executor: each sample in memory, every configuration of the plan.

Work shared between configurations is done once per sample: each filter
prepares the image once (:func:`bench.run.stages.prepare`), and the
histogram of each prepared image feeds every global method of that filter.
:func:`evaluate` is :func:`bench.run.loop.run_plan` with this
executor.

Learned methods (``requires_fit``) are first fitted on the train side of the
split (:mod:`bench.data.splits`), through the cache of :mod:`bench.run.learned`, and
then scored on the test side only, unless told otherwise explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from algorithms import GlobalThreshold, Segmentation, histogram
from algorithms.learned import image_digest
from bench.data import Sample, Split
from bench.data.predictions import PredictionFolder
from bench.metrics import confusion_counts
from bench.run.learned import Fitted
from bench.run.loop import Fits, run_plan
from bench.run.plan import (
    SCORE_SPLITS,
    Config,
    FilterSpec,
    MethodSpec,
    Plan,
    as_filter,
    as_samples,
    as_segmenter,
    build_configs,
    make_plan,
)
from bench.run.stages import (
    COLUMNS,
    Result,
    extra_scores,
    prepare,
    ranking_columns,
    result_row,
    segment,
    timed,
    warm_up,
)

__all__ = [
    "COLUMNS",
    "SCORE_SPLITS",
    "Result",
    "WholeImage",
    "as_filter",
    "as_segmenter",
    "build_configs",
    "evaluate",
]


def _learned_side(
    fitted: Fitted, image: np.ndarray, side: str, sample_id: str, allow_train_eval: bool
) -> str:
    """The image's side for a learned model: "train" when the model was trained on it."""
    seen = image_digest(image) in fitted.segmenter.train_digests_
    if not fitted.key:  # fitted by the caller: its own training images are its train side
        return "train" if seen else "test"
    if seen and side == "test":
        if not allow_train_eval:
            msg = (
                f"Refusing to score {fitted.segmenter.name!r} on test image {sample_id!r}: "
                "the model was trained on an identical image (a duplicate across the split), "
                "so its score would be optimistic. Remove the duplicate, or pass "
                "allow_train_eval=True to score it anyway (the row says split=train)."
            )
            raise ValueError(msg)
        return "train"
    return side


class WholeImage:
    """Executor: each sample whole, in memory; ``repeat`` timed runs of each segmenter."""

    def __init__(self, repeat: int = 1) -> None:
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            msg = f"repeat must be a positive integer; got {repeat!r}."
            raise ValueError(msg)
        self.repeat = repeat
        self._warmed: set[tuple[int, str]] = set()

    def rows(
        self,
        plan: Plan,
        sample: Sample,
        side: str,
        fits: Fits,
        on_result: Callable[[Result], None] | None,
    ) -> list[dict[str, Any]]:
        """The rows of one sample: per filter, prepare once, histogram once, each segmenter."""
        rows = []
        repeat, warmed = self.repeat, self._warmed
        truth_features: dict = {}  # the truth's skeleton, distances, …: once per sample
        for group in plan.groups():
            warm_up(group.filter, sample.image, warmed)
            filtered, t_pre = timed(1, prepare, sample.image, group.filter)
            hist, t_hist = None, 0.0
            if group.needs_histogram:
                warm_up(histogram, filtered, warmed)
                hist, t_hist = timed(repeat, histogram, filtered, sample.threshold_fov)
            for config in group.configs:
                seg = config.segmenter
                if isinstance(seg, PredictionFolder):
                    row = self._prediction_row(
                        plan, sample, side, config, filtered, on_result, truth_features
                    )
                    rows.extend([] if row is None else [row])
                    continue
                fitted = fits.get((config.f, config.s))
                row_side = side
                if fitted is not None:
                    row_side = _learned_side(
                        fitted, filtered, side, sample.id, plan.allow_train_eval
                    )
                # The split decides what is scored; a caller's model has its own train side.
                chosen_by = row_side if fitted is not None and not fitted.key else side
                if not plan.scored(chosen_by, fitted is not None):
                    continue
                model = seg if fitted is None else fitted.segmenter
                warm_up(model, filtered, warmed)
                result, t_seg = timed(
                    repeat, segment, model, filtered, sample.polarity,
                    fov=sample.threshold_fov, hist=hist,
                )  # fmt: skip
                if isinstance(seg, GlobalThreshold):
                    t_seg += t_hist  # the histogram is shared, but part of each method's cost
                counts, t_metrics = timed(
                    1, confusion_counts, sample.truth, result.mask, sample.fov
                )
                extra, t_extra = timed(
                    1, extra_scores, plan.extra_metrics, counts, sample.truth, result.mask,
                    sample.fov, truth_features,
                )  # fmt: skip
                row = result_row(
                    plan.dataset, plan.dataset_hash, sample, config, result.threshold,
                    result.found, counts, filtered.shape,
                    {"t_preprocess_s": t_pre, "t_segment_s": t_seg,
                     "t_metrics_s": t_metrics + t_extra},
                    repeat, side=row_side, fitted=fitted, extra=extra,
                )  # fmt: skip
                if result.scores is not None:  # a learned method's probabilities
                    row.update(ranking_columns(
                        result.scores, sample.truth, sample.fov, plan.best_metric
                    ))  # fmt: skip
                rows.append(row)
                if on_result is not None:
                    on_result(Result(sample, filtered, result, row))
        return rows

    @staticmethod
    def _prediction_row(
        plan: Plan,
        sample: Sample,
        side: str,
        config: Config,
        image: np.ndarray,
        on_result: Callable[[Result], None] | None,
        truth_features: dict | None = None,
    ) -> dict[str, Any] | None:
        """The row of another tool's prediction of ``sample`` (None: not scored, or no file).

        Nothing is segmented or timed (``t_segment_s`` is NaN: the tool's
        runtime is not known); the mask is read and counted as any method's.
        """
        folder = config.segmenter
        if not plan.scored(side, False) or (
            folder.unpaired == "skip" and folder.file_of(sample.id) is None
        ):
            return None
        prediction = folder.read(sample)
        counts, t_metrics = timed(1, confusion_counts, sample.truth, prediction.mask, sample.fov)
        extra, t_extra = timed(
            1, extra_scores, plan.extra_metrics, counts, sample.truth, prediction.mask,
            sample.fov, truth_features,
        )  # fmt: skip
        timings = {
            "t_preprocess_s": np.nan, "t_segment_s": np.nan, "t_metrics_s": t_metrics + t_extra
        }  # fmt: skip
        row = result_row(
            plan.dataset, plan.dataset_hash, sample, config, prediction.threshold, True, counts,
            prediction.mask.shape, timings, 1, side=side, extra=extra,
        )  # fmt: skip
        row["prediction_path"] = str(prediction.path)
        if prediction.scores is not None:
            # dark objects: the map was reversed (reverse_scores), thresholds are given back
            reversed_from = prediction.scores.dtype if folder.objects == "dark" else None
            row.update(ranking_columns(
                prediction.scores, sample.truth, sample.fov, plan.best_metric, reversed_from
            ))  # fmt: skip
        if on_result is not None:
            segmentation = Segmentation(prediction.mask, prediction.threshold,
                                        scores=prediction.scores)  # fmt: skip
            on_result(Result(sample, image, segmentation, row))
        return row

    def finish(self) -> None:
        """Nothing to write at the end."""


def evaluate(
    data: Any,
    methods: Iterable[MethodSpec] | Plan = ("otsu",),
    filters: Iterable[FilterSpec] = ({"name": "median", "size": 3},),
    *,
    truth: np.ndarray | None = None,
    fov: np.ndarray | None = None,
    polarity: str = "bright",
    dataset: str | None = None,
    repeat: int = 1,
    on_result: Callable[[Result], None] | None = None,
    split: Split | Mapping[str, Any] | None = None,
    score_split: str = "auto",
    allow_train_eval: bool = False,
    cache_dir: str | Path | None = None,
    progress: bool = False,
    metrics: str | Iterable[str] = (),
    best_metric: str = "mcc",
) -> pd.DataFrame:
    """Score every method × filter on every sample; one row per combination.

    Parameters
    ----------
    data : ndarray, Sample or iterable of Sample (e.g. a dataset)
        An image array needs ``truth`` (and optionally ``fov``, ``polarity``).
    methods : iterable or Plan
        Segmenter names, ``{"name": ..., **params}`` mappings or instances,
        or :class:`~bench.data.predictions.PredictionFolder` (another tool's
        masks, ``{"name": "predictions", "path": ...}``);
        or a :class:`~bench.run.plan.Plan` already built (then ``filters``,
        ``dataset``, ``split``, ``score_split`` and ``allow_train_eval`` are
        the plan's).
    filters : iterable
        Preprocessing filters, likewise; ``None`` or ``"none"`` for no filter.
    polarity : {"bright", "dark", "auto"}
        For an image array: "dark" objects are ``p <= t`` on the original
        intensities (every segmenter gets ``objects="dark"``, Fiji's rule);
        "auto" decides from the image (``bench.data.decide_polarity``).
    dataset : str, optional
        Name written in the ``dataset`` column; by default the dataset's
        ``name`` attribute, or "arrays".
    repeat : int
        Run each segmenter this many times and report the median time.
    on_result : callable, optional
        Called with a :class:`Result` for each row (e.g. to draw overlays).
    split : Split or mapping, optional
        The train/test rule. By default each sample's own side (a dataset's
        samples carry the dataset's split), else ``Split(seed=0,
        test_fraction=0.3)``. Learned methods are fitted on the train side;
        every row states its image's side in the ``split`` column.
    score_split : {"auto", "test", "train", "all"}
        Which images are scored: "auto" scores learned methods on the test
        side and the others on every image; "test" scores every method on
        the test side only (the fair comparison); "train" and "all" score
        learned methods on their training images, which needs
        ``allow_train_eval``.
    allow_train_eval : bool
        Allow scoring learned methods on their training images. Without it
        such a request, or a test image identical to a training image, is an
        error.
    cache_dir : path, optional
        Where fitted learned models are cached (e.g. ``"results/cache"``);
        None fits them anew.
    progress : bool
        Report training and the images done on stderr (:mod:`bench.progress`:
        a bar on a terminal, a few lines in a log).
    metrics : str or iterable of str
        Metrics or metric groups of :mod:`bench.metrics` computed besides the
        eight count-based scores (``"dibco"``, ``["pfm", "drd"]``), one
        column each; ignored when ``methods`` is a Plan (the plan's own).
    best_metric : str
        Methods with a score map (learned probabilities, predictions of
        ``kind="scores"``) get the best threshold of the map in this metric
        and its score (``best_threshold``, ``best_score``), besides ``auc``
        and ``ap`` (:data:`~bench.run.stages.RANKING_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` then ``algo_*`` and ``filter_*`` parameters.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[10, 200], [12, 220]], dtype=np.uint8)
    >>> table = evaluate(image, ["otsu"], [None], truth=image > 100)
    >>> table[["algo", "threshold", "f1"]].to_dict("records")
    [{'algo': 'otsu', 'threshold': 199.0, 'f1': 1.0}]
    """
    executor = WholeImage(repeat)
    plan = methods if isinstance(methods, Plan) else make_plan(
        data, methods, filters, dataset=dataset, split=split, score_split=score_split,
        allow_train_eval=allow_train_eval, metrics=metrics, best_metric=best_metric,
    )  # fmt: skip
    samples = as_samples(data, truth, fov, polarity)
    return run_plan(
        plan, samples, executor, on_result=on_result, cache_dir=cache_dir, progress=progress
    )
