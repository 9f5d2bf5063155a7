"""Per-image figures: the TP/FP/FN/TN overlay and the thresholded histogram.

Overlay colours come from the Okabe–Ito palette, chosen to stay distinct for
the common colour-vision deficiencies (deuteranopia, protanopia,
tritanopia), and the legend names each class:

=====  ==============  =========================================
class  colour          meaning
=====  ==============  =========================================
TP     sky blue        foreground in truth and in the mask
FP     orange          mask says foreground, truth says background
FN     reddish purple  truth says foreground, the mask missed it
TN     (grey image)    background in both: the image shows through
=====  ==============  =========================================

Pixels outside the field of view are darkened.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from algorithms import histogram as build_histogram
from bench.results import atomic_path

__all__ = ["OVERLAY_COLOURS", "overlay_rgb", "save_histogram", "save_overlay"]

OVERLAY_COLOURS: dict[str, tuple[int, int, int]] = {
    "TP": (86, 180, 233),  # sky blue  #56B4E9
    "FP": (230, 159, 0),  # orange    #E69F00
    "FN": (204, 121, 167),  # reddish purple #CC79A7
}


def _grey_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    lo, hi = float(image.min()), float(image.max())
    scaled = (image.astype(np.float64) - lo) / (hi - lo) if hi > lo else np.zeros(image.shape)
    return np.round(scaled * 255).astype(np.uint8)


def overlay_rgb(
    image: np.ndarray,
    truth: np.ndarray,
    mask: np.ndarray,
    fov: np.ndarray | None = None,
    alpha: float = 0.75,
) -> np.ndarray:
    """RGB uint8 picture of the grey image with TP/FP/FN blended in colour."""
    grey = _grey_uint8(image).astype(np.float32)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    classes = {
        "TP": truth & mask,
        "FP": ~truth & mask,
        "FN": truth & ~mask,
    }
    for name, where in classes.items():
        colour = np.array(OVERLAY_COLOURS[name], dtype=np.float32)
        rgb[where] = (1 - alpha) * rgb[where] + alpha * colour
    if fov is not None:
        rgb[~fov] *= 0.3
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def _save(fig: plt.Figure, path: str | Path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=100)
    plt.close(fig)
    return path


MAX_OVERLAY_SIDE = 2048
"""Pixels on the long side of a drawn overlay; larger images are sampled (the figure is
800 px wide, so nothing visible is lost)."""


def _sampled(array: Any, step: int) -> np.ndarray:
    # Slicing works on arrays and on lazily read volumes (bench.scale.volumes), which read
    # only the rows asked for; np.asarray alone would not turn a volume into pixels.
    return np.asarray(array[::step, ::step])


def save_overlay(
    path: str | Path,
    image: Any,
    truth: Any,
    mask: Any,
    fov: Any = None,
    title: str = "",
    *,
    counts: Mapping[str, int] | None = None,
    max_side: int = MAX_OVERLAY_SIDE,
) -> Path:
    """Save the overlay with a legend of the four classes and their pixel counts.

    ``image``, ``truth``, ``mask`` and ``fov`` may be arrays or lazily read
    2-D volumes (a whole slide). An image longer than ``max_side`` pixels is
    drawn from every n-th pixel (the title says so); the legend's counts are
    then ``counts`` (``{"TP": …, "FP": …, "FN": …, "TN": …}``, the run's
    exact counts) when given, else those of the sampled pixels, marked so.
    """
    height, width = truth.shape[-2:]
    step = max(1, -(-max(height, width) // max_side))
    image, truth, mask = (_sampled(a, step) for a in (image, truth, mask))
    fov = None if fov is None else _sampled(fov, step)
    if step > 1:
        title = f"{title} (1 pixel in {step} per axis of {height}×{width})".strip()
    rgb = overlay_rgb(image, truth, mask, fov)
    inside = np.ones_like(truth) if fov is None else fov
    sampled = counts is None and step > 1
    counts = dict(counts) if counts is not None else {
        "TP": np.count_nonzero(truth & mask & inside),
        "FP": np.count_nonzero(~truth & mask & inside),
        "FN": np.count_nonzero(truth & ~mask & inside),
        "TN": np.count_nonzero(~truth & ~mask & inside),
    }  # fmt: skip
    if sampled:
        counts = {k: f"{v:,} sampled" for k, v in counts.items()}  # type: ignore[misc]
    height, width = truth.shape
    scale = 8 / max(height, width)
    fig, ax = plt.subplots(figsize=(max(width * scale, 4), max(height * scale, 4) + 0.8))
    ax.imshow(rgb, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    handles = [
        Patch(color=np.array(OVERLAY_COLOURS[k]) / 255, label=f"{k} ({_count(counts[k])})")
        for k in ("TP", "FP", "FN")
    ]
    handles.append(
        Patch(facecolor="0.5", edgecolor="k", label=f"TN ({_count(counts['TN'])}): image")
    )
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _save(fig, path)


def _count(value: Any) -> str:
    return value if isinstance(value, str) else f"{int(value):,}"


def save_histogram(
    path: str | Path,
    image: np.ndarray,
    threshold: float | None,
    fov: np.ndarray | None = None,
    title: str = "",
) -> Path:
    """Save the intensity histogram (log counts) with the threshold marked.

    Drawn as one filled outline (``stairs``), not one bar per bin: the same
    picture, and a 16-bit image's 65,536 levels cost one artist instead of
    65,536 (about 145 s per image with bars).
    """
    hist = build_histogram(image, fov)
    # Bin k is centred on its level (offset + k·width) and spans one width.
    edges = hist.offset + hist.width * (np.arange(hist.counts.size + 1) - 0.5)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.stairs(hist.counts, edges, fill=True, color="0.35", linewidth=0)
    ax.set_yscale("symlog")
    ax.set_xlabel("intensity (after polarity and filter)")
    ax.set_ylabel("pixels (symlog)")
    if threshold is not None and np.isfinite(threshold):
        ax.axvline(threshold + 0.5 * hist.width, color="#D55E00", linewidth=1.5,
                   label=f"threshold {threshold:g}: foreground > {threshold:g}")  # fmt: skip
        ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
