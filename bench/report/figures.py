"""The report's figures (matplotlib/seaborn, Agg): each one titled, each axis named.

Every function returns a :class:`matplotlib.figure.Figure`; :func:`png_bytes`
turns it into the PNG that the HTML report embeds. Per-run figures (one
overlay, one histogram) live in :mod:`bench.report.plots`.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Mapping, Sequence

import matplotlib as mpl

mpl.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image

from bench._util import natural_key
from bench.run.curves import ThresholdCurve

__all__ = [
    "distributions",
    "heatmap",
    "method_family",
    "pareto",
    "pareto_front",
    "png_bytes",
    "threshold_curves",
    "threshold_histograms",
]

_MARKERS = "osD^vP*XhH<>p8"


def png_bytes(fig: Figure, dpi: int = 90, tight: bool = True) -> bytes:
    """The figure as a 256-colour PNG (a third of the RGBA size); the figure is closed.

    ``tight=False`` skips the extra draw that trims the margins, for figures
    laid out with fixed margins.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    plt.close(fig)
    buffer.seek(0)
    with Image.open(buffer) as image:
        palette = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    palette.save(out, format="PNG")
    return out.getvalue()


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _labels(texts: Sequence[str], width: int) -> dict[str, str]:
    """Short labels that stay distinct: a text whose shortening collides keeps its full form.

    Configs often differ only at the end ("adaptive(block_size=51, …) | median(size=3)"):
    cut the method part, keep the preprocessing, and never merge two configs into one label.
    """
    short = {}
    for text in texts:
        method, sep, rest = text.partition(" | ")
        short[text] = _short(method, max(width - len(rest) - 3, 12)) + sep + rest
    counts = pd.Series(list(short.values())).value_counts()
    return {t: (t if counts[s] > 1 else s) for t, s in short.items()}


def heatmap(board: pd.DataFrame, metric: str) -> Figure:
    """Mean per-image score of every method (rows) under every preprocessing (columns)."""
    ranked = board[~board["reference"]]
    table = ranked.pivot_table(
        index="method", columns="preprocessing", values="macro", aggfunc="max"
    )
    table = table.loc[table.max(axis=1).sort_values(ascending=False).index]
    table = table[sorted(table.columns, key=lambda c: (c not in ("", "none"), natural_key(c)))]
    table.index = list(_labels(list(table.index), 40).values())
    table.columns = [c or "none" for c in table.columns]
    rows, cols = table.shape
    fig, ax = plt.subplots(figsize=(2.5 + 1.1 * cols, 1.2 + 0.32 * rows))
    sns.heatmap(
        table,
        ax=ax,
        cmap="viridis",
        annot=rows * cols <= 600,
        fmt=".3f",
        annot_kws={"fontsize": 7},
        cbar_kws={"label": f"mean per-image {metric} (macro)"},
        linewidths=0.5,
        linecolor="white",
    )
    ax.set_xlabel("preprocessing (filter and its size)")
    ax.set_ylabel("method (with parameters)")
    ax.set_title(f"Mean per-image {metric} by method and preprocessing", fontsize=11)
    ax.tick_params(axis="y", labelsize=8)
    ax.tick_params(axis="x", labelsize=8, rotation=30)
    return fig


def pareto_front(runtime: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Boolean mask of the points no other point beats on both cost and score.

    A point is dominated when another is at least as fast and at least as
    good, and strictly better in one of the two.

    Examples
    --------
    >>> pareto_front(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.4, 0.9])).tolist()
    [True, False, True]
    """
    runtime, score = np.asarray(runtime, float), np.asarray(score, float)
    front = np.zeros(runtime.size, dtype=bool)
    for i in range(runtime.size):
        if np.isnan(runtime[i]) or np.isnan(score[i]):
            continue
        no_worse = (runtime <= runtime[i]) & (score >= score[i])
        better = (runtime < runtime[i]) | (score > score[i])
        front[i] = not (no_worse & better).any()
    return front


def pareto(board: pd.DataFrame, metric: str) -> Figure:
    """Median runtime per image against mean score, the Pareto front marked and named."""
    ranked = board[~board["reference"] & board["median_runtime_s"].gt(0)]
    runtime, score = ranked["median_runtime_s"].to_numpy(), ranked["macro"].to_numpy()
    front = pareto_front(runtime, score)
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    ax.scatter(runtime[~front], score[~front], s=22, color="0.6", label="dominated config")
    ax.scatter(
        runtime[front],
        score[front],
        s=40,
        color="#D55E00",
        zorder=3,
        label="Pareto front: nothing faster scores higher",
    )
    order = np.argsort(runtime[front])
    ax.step(runtime[front][order], score[front][order], where="post", color="#D55E00", lw=1)
    ax.set_xscale("log")
    names = list(ranked["config"][front])
    _place_labels(
        ax,
        list(zip(runtime[front], score[front], strict=True)),
        [_labels(names, 40)[n] for n in names],
    )
    for _, row in board[board["reference"]].iterrows():
        ax.axhline(row["macro"], color="#009E73", ls="--", lw=1, label=row["config"])
    ax.set_xlabel("median runtime per image, filter + segmenter (s, log scale)")
    ax.set_ylabel(f"mean per-image {metric} (macro)")
    ax.set_title(f"Cost against score: the Pareto front of runtime and {metric}", fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    return fig


def _place_labels(ax: plt.Axes, points: list[tuple[float, float]], texts: list[str]) -> None:
    """Label points so that no two labels overlap and none leaves the axes.

    Greedy: each label, in order of its point's x, takes the first of a ring
    of offsets (right/left, above/below, further out) whose box overlaps
    neither an earlier label nor the axes' edge; a label that fits nowhere
    is left out (the point stays; the table names it).
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed = []
    offsets = [(dx, dy) for r in (1, 2, 3, 4) for dy in (4 * r, -10 * r) for dx in (5, -5)]
    for (x, y), text in sorted(zip(points, texts, strict=True), key=lambda item: item[0][0]):
        for dx, dy in offsets:
            label = ax.annotate(
                text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=7,
                ha="left" if dx > 0 else "right", va="bottom" if dy > 0 else "top",
                arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "0.5"} if abs(dy) > 4 else None,
            )  # fmt: skip
            box = label.get_window_extent(renderer).expanded(1.05, 1.15)
            inside = (
                box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                and box.y1 <= frame.y1
            )  # fmt: skip
            if inside and not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            label.remove()


def distributions(
    table: pd.DataFrame, board: pd.DataFrame, metric: str, max_configs: int = 25
) -> Figure:
    """Per-image scores of the leading configs: box (quartiles) and one point per image."""
    order = board["config"].tolist()[:max_configs]
    data = table[table["config"].isin(order)].assign(score=lambda t: t[metric].astype(float))
    labels = _labels(order, 52)
    data = data.assign(label=data["config"].map(labels))
    fig, ax = plt.subplots(figsize=(9, 1.0 + 0.34 * len(order)))
    with warnings.catch_warnings():
        # seaborn 0.13 passes matplotlib 3.11 the deprecated ``vert``: not ours to fix.
        warnings.simplefilter("ignore", mpl.MatplotlibDeprecationWarning)
        sns.boxplot(
            data=data,
            x="score",
            y="label",
            order=[labels[c] for c in order],
            ax=ax,
            color="#CFE8F3",
            fliersize=0,
            linewidth=0.8,
        )
    sns.stripplot(
        data=data,
        x="score",
        y="label",
        order=[labels[c] for c in order],
        ax=ax,
        color="#0072B2",
        size=3,
        alpha=0.7,
        jitter=0.2,
    )
    ax.set_xlabel(f"{metric} of one image")
    ax.set_ylabel("config (best mean first)")
    shown = f" (top {len(order)} of {len(board)})" if len(board) > len(order) else ""
    ax.set_title(f"Per-image {metric} of each config{shown}", fontsize=11)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _grid(n: int, panel: tuple[float, float], legend_rows: int) -> tuple[Figure, np.ndarray]:
    """A grid of ``n`` panels, with fixed room for a title and a legend below.

    Fixed margins instead of ``tight_layout``: laying out dozens of panels
    costs several draws, and these panels all look alike. The figure is at
    least 8 inches wide so that the title and the legend always fit.
    """
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    width = max(panel[0] * cols, 8.0)
    top, bottom = 0.6, 0.7 + 0.2 * legend_rows  # inches
    height = panel[1] * rows + top + bottom
    fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(
        left=0.8 / width,
        right=1 - 0.2 / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=0.35,
        hspace=0.75,
    )
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


# One marker shape per family, so a glance groups the methods; within a family the
# colours are the Okabe–Ito set (distinct for the common colour-vision deficiencies).
FAMILY_MARKERS = {
    "global/clustering": "o",
    "global/entropy": "s",
    "global/fuzzy": "D",
    "global/shape": "^",
    "global/statistics": "v",
    "local/moments": "P",
    "local/rank": "X",
    "local/other": "h",
    "learned": "*",
}
_OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
              "#000000"]  # fmt: skip


def method_family(name: str) -> str:
    """A segmenter's family from where its class is defined: ``global/entropy``, ``local/rank``…

    ``name`` may be a config label (``adaptive(offset=-20.0)``); an unknown
    name is family ``other``.
    """
    import algorithms

    try:
        cls = algorithms.get_class(name.split("(")[0].strip())
    except (algorithms.UnknownNameError, TypeError):
        return "other"
    module = cls.__module__.split(".")
    if cls.kind == "global" and len(module) > 2:
        return f"global/{module[-1]}"
    if cls.kind == "local":
        part = module[-1].removeprefix("local_").removeprefix("local")
        return f"local/{part or 'other'}"
    return cls.kind or module[-1]


def _method_styles(methods: Sequence[str]) -> dict[str, tuple[object, str]]:
    """Colour and marker of each method, grouped by family (legend order: family, name)."""
    families: dict[str, list[str]] = {}
    for method in methods:
        families.setdefault(method_family(method), []).append(method)
    styles: dict[str, tuple[object, str]] = {}
    extra = iter(_MARKERS)
    for family in sorted(families):
        marker = FAMILY_MARKERS.get(family) or next(extra)
        for i, method in enumerate(sorted(families[family], key=natural_key)):
            styles[method] = (_OKABE_ITO[i % len(_OKABE_ITO)], marker)
    return styles


def _legend(
    fig: Figure,
    styles: Mapping[str, tuple[object, str]],
    best_label: str,
    lines: bool = False,
    extra: Sequence[Artist] = (),
) -> None:
    handles = [
        Line2D(
            [],
            [],
            color=c,
            marker=None if lines else m,
            ls="-" if lines else "",
            markersize=7,
            label=f"{_short(name, 34)} · {method_family(name).split('/')[-1]}",
        )
        for name, (c, m) in styles.items()
    ]
    handles.append(
        Line2D([], [], color="k", ls="--", lw=1.2, marker="*", markersize=11, label=best_label)
    )
    handles += list(extra)
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=min(4, len(handles)),
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )


def _legend_rows(methods: Sequence[str], extra: int = 0) -> int:
    return math.ceil((len(methods) + 1 + extra) / 4)


def threshold_curves(
    curves: Mapping[str, ThresholdCurve],
    chosen: Mapping[str, Mapping[str, float]],
    metric: str,
    title: str,
) -> Figure:
    """Score of every global threshold on each image, each method's choice and the best.

    Parameters
    ----------
    curves : mapping
        Image id → its :class:`ThresholdCurve` (after the preprocessing).
    chosen : mapping
        Image id → {method: intensity threshold it chose}.
    """
    methods = sorted({m for picks in chosen.values() for m in picks})
    styles = _method_styles(methods)
    fig, axes = _grid(len(curves), (3.6, 2.5), _legend_rows(methods))
    for ax, (image, curve) in zip(axes, curves.items(), strict=False):
        scores = curve.scores(metric)
        ax.plot(curve.values, scores, color="0.25", lw=1)
        best, best_score = curve.best(metric)
        ax.axvline(curve.values[best], color="k", ls="--", lw=0.8)
        ax.plot(curve.values[best], best_score, "k*", markersize=11, zorder=4)
        for method, threshold in chosen.get(image, {}).items():
            position = curve.index_of(threshold)
            if position is not None:
                colour, marker = styles[method]
                ax.plot(
                    threshold,
                    scores[position],
                    marker=marker,
                    color=colour,
                    ls="",
                    markersize=6,
                    zorder=5,
                    markeredgecolor="k",
                    markeredgewidth=0.4,
                )
        ax.set_title(f"{image}: best {best_score:.3f} at t={curve.values[best]:g}", fontsize=8)
        ax.set_xlabel("threshold t (foreground: intensity > t)", fontsize=7)
        ax.set_ylabel(metric, fontsize=7)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=11)
    _legend(fig, styles, "best achievable threshold")
    return fig


def threshold_histograms(
    curves: Mapping[str, ThresholdCurve],
    chosen: Mapping[str, Mapping[str, float]],
    metric: str,
    title: str,
) -> Figure:
    """Each image's histogram split by the truth, with every method's threshold and the best."""
    methods = sorted({m for picks in chosen.values() for m in picks})
    styles = _method_styles(methods)
    fig, axes = _grid(len(curves), (3.6, 2.3), _legend_rows(methods, extra=2))
    for ax, (image, curve) in zip(axes, curves.items(), strict=False):
        # One bar per interval between consecutive thresholds (for integer images:
        # one per level), so a threshold line sits exactly on a bar edge.
        # (Pixels above the top threshold — a float image's maximum — join the last bar.)
        neg, pos = curve.neg[1:-1].copy(), curve.pos[1:-1].copy()
        neg[-1] += curve.neg[-1]
        pos[-1] += curve.pos[-1]
        ax.stairs(neg + pos, curve.values, fill=True, color="#0072B2")
        ax.stairs(neg, curve.values, fill=True, color="0.65")
        ax.set_yscale("symlog")
        for method, threshold in chosen.get(image, {}).items():
            colour, _ = styles[method]
            ax.axvline(threshold, color=colour, lw=1.1)
        best = curve.best(metric)[0]
        ax.axvline(curve.values[best], color="k", ls="--", lw=1.2)
        ax.set_title(str(image), fontsize=8)
        ax.set_xlabel("intensity (after polarity and filter)", fontsize=7)
        ax.set_ylabel("pixels (symlog)", fontsize=7)
        ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=11)
    classes = [
        Patch(color="0.65", label="truth-background pixels"),
        Patch(color="#0072B2", label="truth-foreground pixels (stacked)"),
    ]
    _legend(fig, styles, f"best {metric} threshold", lines=True, extra=classes)
    return fig
