"""Try all global (and local) methods on one image: a table, scores against truth, a montage.

From Python::

    from bench.try_all import try_all_table, save_montage   # or bench.cli.try_all
    table, trials = try_all_table(image, truth=truth)     # one row per method
    save_montage("try_all.png", image, trials, truth=truth)

From the shell (writes ``try_all.csv`` and ``try_all.png`` into ``--out``,
by default ``results/try_all/<image>/``)::

    segbench try-all ../shared/data/kesm/images/grayscale.png \\
        --truth ../shared/data/kesm/masks/groundtruth.png --dark --median 3 --local

``--dark`` applies Fiji's rule (objects ``image <= t`` on the original
intensities, the same thresholds); ``--local`` adds every local method, as
Fiji's Auto Local Threshold "Try all" does.

A method that finds no threshold, or fails, keeps its row and its panel: the
panel shows the reason instead of a mask.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import algorithms
from algorithms import GlobalThreshold, Trial, try_all
from bench.cli.help import command_parser
from bench.data import VALUE_RULES, read_image, read_truth
from bench.metrics import METRICS, confusion_counts, scores
from bench.report.plots import overlay_rgb
from bench.results import atomic_path
from bench.run.stages import prepare

__all__ = ["main", "save_montage", "try_all_table"]


def try_all_table(
    image: np.ndarray,
    truth: np.ndarray | None = None,
    fov: np.ndarray | None = None,
    *,
    methods: Iterable[str | GlobalThreshold] | None = None,
    ignore_black: bool = False,
    ignore_white: bool = False,
    objects: str = "bright",
    kinds: Iterable[str] = ("global",),
) -> tuple[pd.DataFrame, list[Trial]]:
    """Every method's result on ``image`` (:func:`algorithms.try_all`), scored with ``truth``.

    ``objects`` is the object rule of every mask, ``kinds`` the families
    tried (``("global", "local")`` adds the local methods).

    Returns
    -------
    table : pandas.DataFrame
        One row per method: ``algo``, ``threshold``, ``found``, ``reason``,
        and with ``truth`` the confusion counts and every metric of
        :data:`bench.METRICS` (NaN for a method that failed).
    trials : list of algorithms.Trial
        The masks behind the table, for :func:`save_montage`.
    """
    trials = try_all(
        image, fov, methods=methods, ignore_black=ignore_black, ignore_white=ignore_white,
        objects=objects, kinds=kinds,
    )  # fmt: skip
    rows = []
    for trial in trials:
        row: dict[str, object] = {
            "algo": trial.name,
            "threshold": np.nan if trial.threshold is None else trial.threshold,
            "found": trial.found,
            "reason": trial.reason,
        }
        if truth is not None:
            if trial.mask is None:
                row.update(dict.fromkeys(("tp", "fp", "fn", "tn", *METRICS), np.nan))
            else:
                counts = confusion_counts(truth, trial.mask, fov)
                row.update(counts.as_dict())
                row.update(scores(counts))
        rows.append(row)
    return pd.DataFrame(rows), trials


def _panel_text(trial: Trial) -> str:
    if trial.threshold is None:
        return trial.reason  # a failure's message; empty for a local method's mask
    return f"not found: {trial.reason}" if not trial.found else ""


def _threshold_text(trial: Trial) -> str:
    return "  (local)" if trial.threshold is None else f"  t={trial.threshold:g}"


def save_montage(
    path: str | Path,
    image: np.ndarray,
    trials: Sequence[Trial],
    truth: np.ndarray | None = None,
    fov: np.ndarray | None = None,
    *,
    title: str = "",
    columns: int = 5,
    dark: bool = False,
) -> Path:
    """Save a grid: the image, then one panel per method.

    With ``truth`` each panel is the TP/FP/FN overlay (colours of
    :func:`bench.report.plots.overlay_rgb`) titled with the method, its threshold and
    its MCC; without, the foreground mask in white. A method without a
    threshold shows its reason in its panel; one whose threshold was "not
    found" shows its mask and the reason. With ``dark`` (the objects are
    dark: ink on a page) masks are drawn as dark objects on white, so a page
    reads as a page.
    """
    shown = image  # the methods see the original intensities (Fiji's rule)
    mask_map = "gray_r" if dark else "gray"
    panels = len(trials) + 1
    height, width = image.shape
    aspect = height / width
    # A wide image (a page) gets wider panels and fewer columns, so each panel stays
    # readable: up to 3x the width of a square one, the montage about 15 inches wide.
    size = 2.6 * min(max(1.0 / aspect, 1.0), 3.0)
    columns = max(1, min(columns, panels, int(15 // size)))
    rows = math.ceil(panels / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(columns * size, rows * size * aspect + 0.5), squeeze=False
    )
    for ax in axes.flat:
        ax.set_axis_off()
    axes.flat[0].imshow(shown, cmap="gray", interpolation="nearest")
    axes.flat[0].set_title("image", fontsize=9)
    for ax, trial in zip(axes.flat[1:], trials, strict=False):
        label = trial.name
        if trial.mask is None:
            ax.imshow(np.full((height, width), 0.85), cmap="gray", vmin=0, vmax=1)
        elif truth is not None:
            ax.imshow(overlay_rgb(shown, truth, trial.mask, fov), interpolation="nearest")
            counts = confusion_counts(truth, trial.mask, fov)
            label += f"{_threshold_text(trial)}  MCC={scores(counts)['mcc']:.3f}"
        else:
            ax.imshow(trial.mask, cmap=mask_map, interpolation="nearest", vmin=0, vmax=1)
            label += _threshold_text(trial)
        ax.set_title(label, fontsize=8)
        note = _panel_text(trial)
        if note:
            ax.text(
                0.5, 0.5, "\n".join(textwrap.wrap(note, 28)), transform=ax.transAxes,
                ha="center", va="center", fontsize=7, color="#D55E00",
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "#D55E00"},
            )  # fmt: skip
    if truth is not None:
        legend = "TP sky blue, FP orange, FN reddish purple; TN shows the image"
        fig.text(0.5, 0.005, legend, ha="center", fontsize=8)
    fig.suptitle(title or "try all methods (objects: image > t, or image <= t when dark)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=100)
    plt.close(fig)
    return path


def parser(prog: str = "python -m bench.try_all") -> argparse.ArgumentParser:
    """The command line of ``segbench try-all``."""
    parser = command_parser(
        prog,
        "Every global threshold method on one image: a table (threshold, and with --truth\n"
        "the confusion counts and scores) and a montage of the masks or TP/FP/FN overlays.\n"
        "Writes try_all.csv and try_all.png into --out (default results/try_all/<image>/).",
        [
            (f"{prog} ../shared/data/kesm/images/grayscale.png", "thresholds and masks only"),
            (
                f"{prog} ../shared/data/kesm/images/grayscale.png "
                "--truth ../shared/data/kesm/masks/groundtruth.png --dark --median 3",
                "scored",
            ),
            (f"{prog} page.png --dark --ignore-white --out /tmp/page", "a page, elsewhere"),
        ],
    )
    parser.add_argument("image", type=Path, help="image file (colour is averaged to grey)")
    parser.add_argument("--truth", type=Path, help="ground-truth mask file, to score each method")
    parser.add_argument(
        "--truth-value", default="255", help="foreground value of the mask, nonzero or two_valued"
    )
    parser.add_argument(
        "--dark", action="store_true", help="objects are dark: image <= t (Fiji's rule)"
    )
    parser.add_argument("--local", action="store_true", help="also every local method")
    parser.add_argument("--median", type=int, default=1, help="median filter size first (1: none)")
    parser.add_argument("--ignore-black", action="store_true", help="do not count level 0")
    parser.add_argument("--ignore-white", action="store_true", help="do not count the top level")
    parser.add_argument(
        "--out", type=Path, help="folder for try_all.csv/.png (default: results/try_all/<image>/)"
    )
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "python -m bench.try_all") -> int:
    """``segbench try-all IMAGE [--truth MASK] [--dark] [--median N] [--out DIR]``."""
    args = parser(prog).parse_args(argv)
    try:
        image = read_image(args.image)
        value = args.truth_value if args.truth_value in VALUE_RULES else int(args.truth_value)
        truth = None if args.truth is None else read_truth(args.truth, value)
        median = algorithms.get_filter("median", size=args.median)
        image = prepare(image, median)
        table, trials = try_all_table(
            image, truth, ignore_black=args.ignore_black, ignore_white=args.ignore_white,
            objects="dark" if args.dark else "bright",
            kinds=("global", "local") if args.local else ("global",),
        )  # fmt: skip
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.out is None:
        args.out = Path("results") / "try_all" / args.image.stem
    args.out.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.out / "try_all.csv") as tmp:
        table.to_csv(tmp, index=False)
    save_montage(
        args.out / "try_all.png", image, trials, truth, title=args.image.name, dark=args.dark
    )
    shown = [c for c in ("algo", "threshold", "found", "f1", "mcc", "reason") if c in table]
    print(table[shown].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"\nwritten: {args.out / 'try_all.csv'}, {args.out / 'try_all.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
