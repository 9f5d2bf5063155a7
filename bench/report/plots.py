"""Per-image figures: the TP/FP/FN/TN overlay and the thresholded histogram.

Overlay colours come from the Okabe–Ito palette, chosen to stay distinct for
the common colour-vision deficiencies (deuteranopia, protanopia,
tritanopia):

=====  ==============  =========================================
class  colour          meaning
=====  ==============  =========================================
TP     sky blue        foreground in truth and in the mask
FP     orange          mask says foreground, truth says background
FN     reddish purple  truth says foreground, the mask missed it
TN     (grey image)    background in both: the image shows through
=====  ==============  =========================================

Pixels outside the field of view are darkened.

Both figures are written straight from arrays (no plotting library: a run draws
one of each per image, and a figure must cost less than scoring the image):

* the overlay at the image's **native resolution**, one PNG pixel per image
  pixel, encoded in strips of rows so a lazily read whole slide never holds
  more than a strip in memory (:func:`save_overlay`). Its legend — the
  classes, their colours and the run's exact counts — is in the PNG's text
  (``Title``, ``Description``), the counts also in ``metrics.csv``. An image
  longer than :data:`PREVIEW_SIDE` pixels also gets ``…_overlay_preview.png``,
  the same picture shrunk by the area average of n×n blocks: a one-pixel error
  stays visible as a tint, where sampling 1 pixel in n would drop it;
* the histogram as one filled outline on a symlog count axis with the
  threshold marked (:func:`save_histogram`), rasterised by numpy and Pillow.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from algorithms import histogram as build_histogram
from bench.metrics import ConfusionCounts, confusion_counts
from bench.results import atomic_path

__all__ = [
    "OVERLAY_COLOURS",
    "PREVIEW_SIDE",
    "overlay_rgb",
    "preview_path",
    "save_histogram",
    "save_overlay",
]

OVERLAY_COLOURS: dict[str, tuple[int, int, int]] = {
    "TP": (86, 180, 233),  # sky blue  #56B4E9
    "FP": (230, 159, 0),  # orange    #E69F00
    "FN": (204, 121, 167),  # reddish purple #CC79A7
}
_COLOUR_NAMES = {"TP": "sky blue", "FP": "orange", "FN": "reddish purple"}

PREVIEW_SIDE = 2048
"""Longest side of an overlay's preview; only images longer than this get one."""

STRIP_PIXELS = 1 << 19
"""Pixels per strip of rows read, coloured and deflated at a time (0.5 Mpx: 1.5 MB of RGB;
strips are deflated on all cores at once, so a page of 1 Mpx already uses two)."""

_ALPHA = 0.75
_OUTSIDE = 0.3  # the darkening of pixels outside the field of view


def _grey_uint8(image: np.ndarray, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """8-bit grey: uint8 as is, other types stretched from [lo, hi] (default: the image's)."""
    if image.dtype == np.uint8:
        return image
    lo = float(image.min()) if lo is None else lo
    hi = float(image.max()) if hi is None else hi
    scaled = (image.astype(np.float64) - lo) / (hi - lo) if hi > lo else np.zeros(image.shape)
    return np.round(scaled * 255).astype(np.uint8)


def _blend(
    grey: np.ndarray, truth: np.ndarray, mask: np.ndarray, fov: np.ndarray | None, alpha: float
) -> np.ndarray:
    """The overlay's arithmetic, pixel by pixel (float32): the definition the table follows."""
    rgb = np.repeat(grey.astype(np.float32)[..., None], 3, axis=2)
    classes = {
        "TP": truth & mask,
        "FP": ~truth & mask,
        "FN": truth & ~mask,
    }
    for name, where in classes.items():
        colour = np.array(OVERLAY_COLOURS[name], dtype=np.float32)
        rgb[where] = (1 - alpha) * rgb[where] + alpha * colour
    if fov is not None:
        rgb[~fov] *= _OUTSIDE
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


@lru_cache(maxsize=4)
def _colour_table(alpha: float) -> np.ndarray:
    """RGB of every (truth, mask, inside, grey) as a (8, 256, 3) table, made by :func:`_blend`.

    Row ``truth + 2·mask + 4·inside``; a pixel's colour depends on nothing else, so
    looking it up gives :func:`_blend`'s value bit for bit at a fraction of its cost.
    """
    code = np.arange(8)[:, None]
    grey = np.broadcast_to(np.arange(256, dtype=np.uint8), (8, 256))
    truth = np.broadcast_to((code & 1).astype(bool), (8, 256))
    mask = np.broadcast_to((code & 2).astype(bool), (8, 256))
    inside = np.broadcast_to((code & 4).astype(bool), (8, 256))
    return _blend(grey, truth, mask, inside, alpha)


def overlay_rgb(
    image: np.ndarray,
    truth: np.ndarray,
    mask: np.ndarray,
    fov: np.ndarray | None = None,
    alpha: float = _ALPHA,
    *,
    grey_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """RGB uint8 picture of the grey image with TP/FP/FN blended in colour.

    Images that are not 8-bit are stretched from their minimum to their maximum
    (``grey_range``: the range to stretch from instead, e.g. a whole slide's when
    ``image`` is one strip of it).

    >>> overlay_rgb(np.array([[0, 100]], np.uint8), np.array([[True, True]]),
    ...             np.array([[True, False]])).tolist()
    [[[64, 135, 175], [178, 116, 150]]]
    """
    grey = _grey_uint8(np.asarray(image), *(grey_range or (None, None)))
    truth, mask = np.asarray(truth, bool), np.asarray(mask, bool)
    code = truth.view(np.uint8) | (mask.view(np.uint8) << 1)
    code |= 4 if fov is None else np.asarray(fov, bool).view(np.uint8) << 2
    index = (code.astype(np.intp) << 8) | grey
    return np.take(_colour_table(float(alpha)).reshape(-1, 3), index, axis=0)


# --- PNG, written strip by strip ---------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _text_chunk(key: str, value: str) -> bytes:
    # iTXt: keyword, no compression, no language tag, no translated keyword, UTF-8 text
    return _chunk(b"iTXt", key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8"))


def _filtered(strip: np.ndarray) -> np.ndarray:
    """PNG scanlines of an (n, columns, 3) strip, each with the *Sub* filter (type 1)."""
    rows = strip.reshape(strip.shape[0], -1)
    filtered = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    filtered[:, 0] = 1  # each byte minus the byte one pixel to its left
    filtered[:, 1:4] = rows[:, :3]
    np.subtract(rows[:, 3:], rows[:, :-3], out=filtered[:, 4:])
    return filtered


def _deflated(data: np.ndarray, level: int) -> bytes:
    """Raw deflate blocks of ``data`` ending on a byte boundary (``Z_SYNC_FLUSH``).

    Such pieces, compressed apart (on several threads), concatenate into one
    valid deflate stream: what pigz does.
    """
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush(zlib.Z_SYNC_FLUSH)


def write_png(
    path: str | Path,
    shape: tuple[int, int],
    strips: Iterable[np.ndarray],
    text: Mapping[str, str] | None = None,
    level: int = 1,
) -> Path:
    """Write an RGB PNG of ``shape`` (rows, columns) from consecutive strips of rows.

    Each strip is an (n, columns, 3) uint8 array; its rows are filtered with
    PNG's *Sub* filter and deflated apart, on as many threads as there are
    cores (zlib releases the GIL), and written in order, so memory holds a few
    strips at any image size. ``text``: ``iTXt`` entries (``Title``,
    ``Description``, …). Readers see an ordinary PNG.
    """
    path = Path(path)
    height, width = shape
    written, checksum = 0, 1  # adler32 of the whole filtered image: zlib's trailer

    def piece(strip: np.ndarray) -> tuple[int, bytes, int]:
        data = _filtered(strip)
        return strip.shape[0], _deflated(data, level), zlib.adler32(data)

    with atomic_path(path) as tmp, open(tmp, "wb") as file:
        file.write(b"\x89PNG\r\n\x1a\n")
        file.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        for key, value in (text or {}).items():
            file.write(_text_chunk(key, value))
        file.write(_chunk(b"IDAT", b"\x78\x01"))  # zlib header: deflate, 32 KiB window
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        with ThreadPoolExecutor(max_workers=threads) as pool:
            pending: deque = deque()
            for strip in chain(strips, [None]):
                if strip is not None:
                    pending.append(pool.submit(piece, strip))
                while pending and (strip is None or len(pending) > threads):
                    rows, data, adler = pending.popleft().result()
                    file.write(_chunk(b"IDAT", data))
                    checksum = _adler32_combine(checksum, adler, rows * (width * 3 + 1))
                    written += rows
        final = zlib.compressobj(level, zlib.DEFLATED, -15).flush()  # the last, empty block
        file.write(_chunk(b"IDAT", final + struct.pack(">I", checksum)))
        file.write(_chunk(b"IEND", b""))
        if written != height:
            msg = f"PNG {path.name}: {written} rows written for a height of {height}"
            raise ValueError(msg)
    return path


_ADLER = 65521


def _adler32_combine(first: int, second: int, length: int) -> int:
    """adler32 of A + B from adler32(A), adler32(B) and len(B) (zlib's adler32_combine)."""
    rem = length % _ADLER
    a1, b1 = first & 0xFFFF, first >> 16
    a2, b2 = second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % _ADLER
    b = (b1 + b2 + rem * a1 - rem) % _ADLER
    return (b << 16) | a


def _block_means(rgb: np.ndarray, factor: int) -> np.ndarray:
    """Mean of each ``factor``×``factor`` block (edge blocks: of the pixels they hold), rounded."""
    height, width = rgb.shape[:2]
    rows, cols = -(-height // factor), -(-width // factor)
    if (rows * factor, cols * factor) != (height, width):
        padded = np.zeros((rows * factor, cols * factor, 3), np.uint8)
        padded[:height, :width] = rgb
        rgb = padded
    sums = rgb.reshape(rows, factor, cols * factor, 3).sum(axis=1, dtype=np.uint32)
    sums = sums.reshape(rows, cols, factor, 3).sum(axis=2, dtype=np.uint32)
    heights = np.minimum(factor, height - factor * np.arange(rows))
    widths = np.minimum(factor, width - factor * np.arange(cols))
    counts = (heights[:, None] * widths[None, :])[..., None].astype(np.uint32)
    return ((sums + counts // 2) // counts).astype(np.uint8)


def preview_path(path: str | Path) -> Path:
    """The preview file written beside an overlay ``…_overlay.png``: ``…_overlay_preview.png``."""
    path = Path(path)
    return path.with_name(f"{path.stem}_preview{path.suffix}")


def _legend(counts: Mapping[str, Any]) -> str:
    parts = [f"{k} {_COLOUR_NAMES[k]} ({_count(counts[k])})" for k in ("TP", "FP", "FN")]
    return "; ".join([*parts, f"TN grey image ({_count(counts['TN'])})"])


def save_overlay(
    path: str | Path,
    image: Any,
    truth: Any,
    mask: Any,
    fov: Any = None,
    title: str = "",
    *,
    counts: Mapping[str, int] | None = None,
    preview_side: int = PREVIEW_SIDE,
) -> Path:
    """Save the overlay at native resolution (one PNG pixel per image pixel).

    ``image``, ``truth``, ``mask`` and ``fov`` may be arrays or lazily read 2-D
    volumes (a whole slide): they are read, coloured and encoded in strips of
    :data:`STRIP_PIXELS`, so memory holds one strip at any size. The legend
    (classes, colours, pixel counts) and ``title`` are the PNG's ``Title`` and
    ``Description`` text; the counts are ``counts`` (``{"TP": …, "FP": …,
    "FN": …, "TN": …}``, the run's exact counts) when given, else counted here.
    An image longer than ``preview_side`` also gets :func:`preview_path`: the
    overlay shrunk by the area average of n×n blocks (n the smallest that fits).
    """
    height, width = truth.shape[-2:]
    factor = max(1, -(-max(height, width) // preview_side))
    # Strips hold whole preview blocks, so each strip's block means are final.
    strip = max(1, STRIP_PIXELS // max(width, 1))
    strip = max(factor, strip // factor * factor)
    grey_range = None
    if getattr(image, "dtype", np.uint8) != np.uint8:  # stretched by the whole image's range
        lo, hi = math.inf, -math.inf
        for start in range(0, height, strip):
            part = np.asarray(image[start : start + strip])
            lo, hi = min(lo, float(part.min())), max(hi, float(part.max()))
        grey_range = (lo, hi)
    previews: list[np.ndarray] = []

    def strips() -> Iterator[np.ndarray]:
        for start in range(0, height, strip):
            rows = slice(start, start + strip)
            t, m = np.asarray(truth[rows], bool), np.asarray(mask[rows], bool)
            f = None if fov is None else np.asarray(fov[rows], bool)
            rgb = overlay_rgb(np.asarray(image[rows]), t, m, f, grey_range=grey_range)
            if factor > 1:
                previews.append(_block_means(rgb, factor))
            yield rgb

    # The counts go in the text, written before the pixels: count first when not given.
    if counts is None:
        total = ConfusionCounts(0, 0, 0, 0)
        for start in range(0, height, strip):
            rows = slice(start, start + strip)
            total = total + confusion_counts(
                np.asarray(truth[rows], bool), np.asarray(mask[rows], bool),
                None if fov is None else np.asarray(fov[rows], bool),
            )  # fmt: skip
        counts = {name.upper(): value for name, value in total.as_dict().items()}
    text = {"Title": title or "overlay", "Description": _legend(counts), "Software": "segbench"}
    path = write_png(path, (height, width), strips(), text)
    if factor > 1:
        small = np.concatenate(previews)
        shrunk = f"{title} (area average of {factor}×{factor} pixels of {height}×{width})"
        write_png(
            preview_path(path), small.shape[:2], [small],
            {**text, "Title": shrunk.strip()},
        )  # fmt: skip
    return path


def _count(value: Any) -> str:
    return value if isinstance(value, str) else f"{int(value):,}"


# --- the histogram ---------------------------------------------------------------------------

_SIZE = (700, 320)  # the figure in pixels
_PLOT = (72, 34, 684, 272)  # left, top, right, bottom of the plotting area
_FILL = (89, 89, 89)  # grey 0.35
_THRESHOLD = (213, 94, 0)  # vermillion #D55E00


def histogram_columns(counts: np.ndarray, edges: np.ndarray, columns: int) -> np.ndarray:
    """The tallest count under each of ``columns`` pixel columns spanning ``edges``.

    One value per column, so a 16-bit image's 65,536 levels cost no more than 256,
    and a level of a few pixels between empty ones still shows (its column's maximum).
    """
    step = (edges[-1] - edges[0]) / columns
    centres = edges[0] + (np.arange(columns) + 0.5) * step
    covering = np.clip(np.searchsorted(edges, centres, side="right") - 1, 0, counts.size - 1)
    tallest = counts[covering].astype(np.int64)
    bin_centres = 0.5 * (edges[:-1] + edges[1:])
    column = np.clip(((bin_centres - edges[0]) // step).astype(np.int64), 0, columns - 1)
    np.maximum.at(tallest, column, counts.astype(np.int64))
    return tallest


def _symlog(values: np.ndarray | float) -> np.ndarray:
    """matplotlib's symlog with a linear range of 1: v for v ≤ 1, 1 + log10(v) above."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(v <= 1, v, 1 + np.log10(np.maximum(v, 1)))


def _nice_ticks(lo: float, hi: float, most: int = 8) -> list[float]:
    span = max(hi - lo, 1e-12)
    step = 10 ** math.floor(math.log10(span / most))
    for factor in (1, 2, 2.5, 5, 10):
        if span / (step * factor) <= most:
            step *= factor
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _label(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


@lru_cache(maxsize=1)
def _font() -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=11)


def histogram_picture(
    counts: np.ndarray,
    edges: np.ndarray,
    threshold: float | None,
    title: str,
    marker: float,
    objects: str = "bright",
) -> np.ndarray:
    """The histogram figure as an RGB array (see :func:`save_histogram`)."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = _PLOT
    width, height = right - left, bottom - top
    column_counts = histogram_columns(np.asarray(counts), np.asarray(edges, float), width)
    decades = max(1, math.ceil(float(_symlog(max(int(np.max(counts, initial=0)), 1)))))
    y_top = float(decades) + 0.05
    heights = np.rint(_symlog(column_counts) / y_top * height).astype(int)
    canvas = np.full((_SIZE[1], _SIZE[0], 3), 255, np.uint8)
    filled = np.arange(height)[::-1, None] < heights[None, :]
    canvas[top:bottom, left:right][filled] = _FILL
    picture = Image.fromarray(canvas)
    draw = ImageDraw.Draw(picture)
    font = _font()
    draw.rectangle((left - 1, top - 1, right, bottom), outline=(0, 0, 0))
    x_lo, x_hi = float(edges[0]), float(edges[-1])

    def x_of(value: float) -> float:
        return left + (value - x_lo) / (x_hi - x_lo) * width

    for tick in _nice_ticks(x_lo, x_hi):
        x = round(x_of(tick))
        draw.line((x, bottom, x, bottom + 4), fill=(0, 0, 0))
        draw.text((x, bottom + 6), _label(tick), fill=(0, 0, 0), font=font, anchor="mt")
    for power in range(decades + 1):
        value = 0 if power == 0 else 10 ** (power - 1)
        y = round(bottom - float(_symlog(value)) / y_top * height)
        draw.line((left - 5, y, left - 1, y), fill=(0, 0, 0))
        text = "0" if power == 0 else (f"{10 ** (power - 1)}" if power <= 4 else f"1e{power - 1}")
        draw.text((left - 8, y), text, fill=(0, 0, 0), font=font, anchor="rm")
    draw.text((left + width / 2, bottom + 22), "intensity (after the filter)",
              fill=(0, 0, 0), font=font, anchor="mt")  # fmt: skip
    label = Image.new("RGB", (height, 14), (255, 255, 255))
    ImageDraw.Draw(label).text((height / 2, 7), "pixels (symlog)", fill=(0, 0, 0), font=font,
                               anchor="mm")  # fmt: skip
    picture.paste(label.rotate(90, expand=True), (6, top))
    draw.text((_SIZE[0] / 2, 12), title, fill=(0, 0, 0), font=font, anchor="mt")
    if threshold is not None and np.isfinite(threshold):
        x = round(x_of(marker))
        if left <= x <= right:
            draw.line((x, top, x, bottom - 1), fill=_THRESHOLD, width=2)
        side = "<=" if objects == "dark" else ">"  # Fiji's rule: dark objects at or below t
        legend = f"threshold {threshold:g}: {objects} objects {side} {threshold:g}"
        box = draw.textbbox((right - 8, top + 8), legend, font=font, anchor="rt")
        draw.rectangle((box[0] - 24, box[1] - 4, box[2] + 4, box[3] + 4), fill=(255, 255, 255),
                       outline=(200, 200, 200))  # fmt: skip
        draw.line((box[0] - 20, (box[1] + box[3]) // 2, box[0] - 6, (box[1] + box[3]) // 2),
                  fill=_THRESHOLD, width=2)  # fmt: skip
        draw.text((right - 8, top + 8), legend, fill=(0, 0, 0), font=font, anchor="rt")
    return np.asarray(picture)


def save_histogram(
    path: str | Path,
    image: np.ndarray,
    threshold: float | None,
    fov: np.ndarray | None = None,
    title: str = "",
    objects: str = "bright",
) -> Path:
    """Save the intensity histogram (symlog counts) with the threshold marked.

    The legend says which side of the threshold the objects are: ``> t``
    for bright objects, ``<= t`` for dark ones (``objects="dark"``, Fiji's rule).

    Drawn as one filled outline, the tallest count under each pixel column
    (:func:`histogram_columns`): a 16-bit image's 65,536 levels cost what 256 do.
    """
    hist = build_histogram(image, fov)
    # Bin k is centred on its level (offset + k·width) and spans one width.
    edges = hist.offset + hist.width * (np.arange(hist.counts.size + 1) - 0.5)
    marker = None if threshold is None else threshold + 0.5 * hist.width
    rgb = histogram_picture(hist.counts, edges, threshold, title, marker, objects)
    return write_png(path, rgb.shape[:2], [rgb], {"Title": title or "histogram"}, level=6)
