"""Reading image and mask files to arrays, whatever format users bring.

==========================  ==========  ==============================================
files                       read with   what comes back
==========================  ==========  ==============================================
PNG, PPM/PGM/PBM/PNM        OpenCV      8- or 16-bit, as stored: 16-bit colour stays
                                        16-bit (Pillow would cut it to 8 bits)
TIFF (``.tif``, ``.tiff``)  tifffile    any integer or float type; every plane of a
                                        stack is a page; memory-mapped (read-only)
                                        when the data are uncompressed and contiguous
GIF, JPEG, BMP, the rest    Pillow      8-bit; GIF frames are pages
==========================  ==========  ==============================================

Whatever the format:

* palette images are expanded to their colours, 1-bit images read as 0 and
  255 (as ImageJ shows them);
* colour becomes grey by one of :data:`GREY_RULES` (:func:`to_grey`), keeping
  the integer type: 16-bit stays 16-bit;
* an alpha channel carries no intensity and is dropped, not composited;
* a file with several pages (a TIFF stack, an animated GIF) gives one 2-D
  page at a time (``page=``); :func:`page_count` says how many there are.

Masks (ground truth, field of view) are read the same way and turned into
booleans by a value rule (:func:`value_mask`): the foreground value, or
``"nonzero"``.

Decompression bombs: a file's header says how large it is before anything is
decoded. :func:`image_header` reads only the header (the PNG ``IHDR`` chunk,
the TIFF page description, Pillow's lazy open), and :func:`read_image`
refuses a page of more than ``max_pixels`` pixels (:data:`MAX_PIXELS` by
default; the dataset setting ``dataset.max_pixels``) before decoding it, so
a 1 kB PNG that claims 100000×100000 pixels costs nothing.
"""

from __future__ import annotations

import contextlib
import struct
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = [
    "GREY_RULES",
    "MAX_PIXELS",
    "Header",
    "check_header",
    "image_header",
    "instance_files",
    "page_count",
    "read_image",
    "read_instances",
    "read_truth",
    "to_grey",
    "value_mask",
]

GREY_RULES = ("mean", "luminance")
"""``mean``: round((R + G + B) / 3), ImageJ's default RGB → 8-bit conversion
(checked against ImageJ 1.53t). ``luminance``: round(0.299 R + 0.587 G +
0.114 B), the ITU-R BT.601 luma that ImageJ uses with "weighted RGB
conversions", and Pillow's and OpenCV's grey conversion."""

MAX_PIXELS = 1 << 28
"""Default largest page, in pixels (16384 × 16384): larger headers are refused undecoded."""

_LUMA = np.array([0.299, 0.587, 0.114])
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TIFF = (".tif", ".tiff")
_OPENCV = (".png", ".ppm", ".pgm", ".pbm", ".pnm")


def to_grey(array: np.ndarray, rule: str = "mean") -> np.ndarray:
    """Convert an ``(H, W, C)`` colour array to 2-D grey by ``rule``; 2-D passes through.

    One channel, or grey plus alpha (C = 1, 2): the grey channel. RGB or RGBA
    (C = 3, 4): the :data:`GREY_RULES` rule on R, G, B, alpha ignored. Integer
    results are rounded half up and keep the input's type.

    Examples
    --------
    >>> import numpy as np
    >>> rgb = np.array([[[30, 60, 91], [0, 0, 255]]], dtype=np.uint8)
    >>> to_grey(rgb, "mean").tolist(), to_grey(rgb, "luminance").tolist()
    ([[60, 85]], [[55, 29]])
    """
    if rule not in GREY_RULES:
        msg = f"The grey rule must be one of {', '.join(GREY_RULES)}; got {rule!r}."
        raise ValueError(msg)
    if array.ndim == 2:
        return array
    channels = array.shape[-1] if array.ndim == 3 else 0
    if channels not in (1, 2, 3, 4):
        msg = (
            f"Expected a 2-D grey image or (rows, columns, channels) with 1 to 4 channels; "
            f"got shape {array.shape}."
        )
        raise ValueError(msg)
    if channels <= 2:
        return array[..., 0]
    rgb = array[..., :3].astype(np.float64)
    grey = rgb.sum(axis=-1) / 3 if rule == "mean" else rgb @ _LUMA
    if np.issubdtype(array.dtype, np.integer):
        grey = np.floor(grey + 0.5)
    return grey.astype(array.dtype)


class Header(NamedTuple):
    """What a file's header says, before any pixel is decoded."""

    rows: int
    cols: int
    pages: int
    dtype: np.dtype | None  # None where the header does not say (Pillow formats: 8-bit)


def image_header(path: str | Path) -> Header:
    """Size (and, for TIFF, the data type) of an image file from its header alone.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the header cannot be read, naming the file.
    """
    path = _existing(path)
    suffix = path.suffix.lower()
    if suffix in _TIFF:
        tif = _open_tiff(path)
        with tif, _decoding(path):
            series = tif.series[0]
            keyframe = series.keyframe
            axes = keyframe.axes
            shape = keyframe.shape
            rows, cols = (shape[1], shape[2]) if axes.startswith("S") else shape[:2]
            return Header(int(rows), int(cols), series.size // keyframe.size, series.dtype)
    if suffix == ".png":
        with path.open("rb") as file:
            head = file.read(24)
        if head[:8] == _PNG_SIGNATURE and head[12:16] == b"IHDR":
            cols, rows = struct.unpack(">II", head[16:24])
            return Header(rows, cols, 1, None)
    from PIL import Image

    with _decoding(path), warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as img:  # lazy: reads the header only
                cols, rows = img.size
                return Header(rows, cols, int(getattr(img, "n_frames", 1)), None)
        except Image.DecompressionBombError as error:
            msg = f"{path}: its header claims too many pixels to decode ({error})"
            raise ValueError(msg) from error


def check_header(path: str | Path, max_pixels: int = MAX_PIXELS) -> Header:
    """Read ``path``'s header and refuse a page larger than ``max_pixels`` or a foreign dtype.

    Raises
    ------
    ValueError
        Naming the file, the size its header claims and the limit (or the
        dtype), and the setting that changes it.
    """
    if (
        isinstance(max_pixels, bool)
        or not isinstance(max_pixels, (int, np.integer))
        or (max_pixels < 1)
    ):
        msg = f"dataset.max_pixels must be a positive integer; got {max_pixels!r}."
        raise ValueError(msg)
    header = image_header(path)
    pixels = header.rows * header.cols
    if pixels > max_pixels:
        msg = (
            f"{path}: its header claims {header.cols:,}×{header.rows:,} = {pixels:,} pixels per "
            f"page, more than dataset.max_pixels = {int(max_pixels):,}; refused before "
            "decoding (a decompression bomb, or a genuinely huge image: raise "
            "dataset.max_pixels, or read it tile by tile with runner=tiled)."
        )
        raise ValueError(msg)
    if header.dtype is not None and (header.dtype.kind not in "uifb" or header.dtype.itemsize > 8):
        msg = (
            f"{path} stores {header.dtype} pixels; images must hold integers or floats of at "
            "most 64 bits. Convert the file (e.g. to float32 or uint16)."
        )
        raise ValueError(msg)
    return header


def page_count(path: str | Path) -> int:
    """Number of 2-D pages in an image file (1 for single-image formats)."""
    path = _existing(path)
    suffix = path.suffix.lower()
    if suffix in _TIFF:
        tif = _open_tiff(path)
        with tif:
            series = tif.series[0]
            return series.size // series.keyframe.size
    if suffix == ".gif":
        from PIL import Image

        with _decoding(path), Image.open(path) as img:
            return int(getattr(img, "n_frames", 1))
    return 1


def read_image(
    path: str | Path,
    *,
    page: int = 0,
    grey: str = "mean",
    mmap: bool = True,
    max_pixels: int = MAX_PIXELS,
) -> np.ndarray:
    """Read one page of an image file to a 2-D array.

    Parameters
    ----------
    path : str or Path
        Any format of the module table.
    page : int
        Which page of a multi-page file (0-based).
    grey : {"mean", "luminance"}
        How colour becomes grey (:data:`GREY_RULES`).
    mmap : bool
        Memory-map uncompressed, contiguous TIFF data instead of reading it.
    max_pixels : int
        Largest page accepted, checked from the header before decoding
        (:func:`check_header`).

    Returns
    -------
    ndarray
        2-D; uint8, uint16 or whatever integer/float type the file stores.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it cannot be decoded, has no such page, is not a 2-D image, or
        its header claims more than ``max_pixels`` pixels.
    """
    path = _existing(path)
    check_header(path, max_pixels)
    suffix = path.suffix.lower()
    if suffix in _TIFF:
        array = _read_tiff(path, page, mmap)
    elif suffix in _OPENCV and page == 0:
        array = _read_opencv(path)
    else:
        array = _read_pillow(path, page)
    if not array.dtype.isnative:  # big-endian TIFF data: native order for the methods
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype == bool:  # a 1-bit TIFF: 0 and 255, as Pillow's 1-bit images read
        array = array.astype(np.uint8) * np.uint8(255)
    array = to_grey(array, grey)
    if array.ndim != 2:  # pragma: no cover - to_grey returns 2-D or raises
        msg = f"{path} holds an array of shape {array.shape}; expected a 2-D image."
        raise ValueError(msg)
    return array


def value_mask(values: np.ndarray, rule: int | str, source: str) -> np.ndarray:
    """Boolean mask of ``values`` under a value rule (``"nonzero"`` or the foreground value).

    With an integer rule the array may hold that value and one other (the
    background); anything else is an error naming the values found.
    """
    if rule == "nonzero":
        return values != 0
    if isinstance(rule, bool) or not isinstance(rule, (int, np.integer)):
        msg = f"A mask value rule must be an integer or 'nonzero'; got {rule!r}."
        raise ValueError(msg)
    found = np.unique(values)
    if found.size > 2 or (found.size == 2 and rule not in found):
        shown = ", ".join(str(v) for v in found[:12]) + (" …" if found.size > 12 else "")
        msg = (
            f"{source} is not binary under the rule foreground == {rule}: found values "
            f"{shown}. Set the dataset's value rule (truth_value / fov_value) to one of "
            "them or to 'nonzero'."
        )
        raise ValueError(msg)
    return values == rule


def read_truth(
    path: str | Path, truth_value: int | str = 255, *, page: int = 0, max_pixels: int = MAX_PIXELS
) -> np.ndarray:
    """Read a ground-truth file (one page of it) to a boolean mask.

    Parameters
    ----------
    truth_value : int or "nonzero"
        The value that marks foreground. Any value other than it and one
        background value is an error naming the values found.
    """
    image = read_image(path, page=page, max_pixels=max_pixels)
    return value_mask(image, truth_value, f"Ground truth {path}")


def instance_files(folder: str | Path) -> list[Path]:
    """The per-object mask files of an instance-mask folder: every visible file in it."""
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"Instance-mask folder not found: {folder}"
        raise FileNotFoundError(msg)
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def read_instances(folder: str | Path, truth_value: int | str = "nonzero") -> np.ndarray:
    """The union of a folder of per-object masks (one file per object).

    Every file in ``folder`` except hidden ones (``.name``) is one object's
    mask, read by the ``truth_value`` rule; all must have the same size.

    Raises
    ------
    FileNotFoundError
        If ``folder`` is not a folder, or holds no mask file.
    ValueError
        If two masks differ in size (both are named).
    """
    files = instance_files(folder)
    if not files:
        msg = (
            f"Instance-mask folder {folder} holds no file; an image without objects still "
            "needs one empty mask."
        )
        raise FileNotFoundError(msg)
    union = read_truth(files[0], truth_value)
    for path in files[1:]:
        mask = read_truth(path, truth_value)
        if mask.shape != union.shape:
            msg = (
                f"Instance masks differ in size: {files[0]} is {union.shape[1]}×{union.shape[0]}"
                f" but {path} is {mask.shape[1]}×{mask.shape[0]}."
            )
            raise ValueError(msg)
        union |= mask
    return union


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        msg = f"Image file not found: {path}"
        raise FileNotFoundError(msg)
    return path


class _PageError(ValueError):
    """A page that does not exist (raised as is, not as a decoding failure)."""


@contextlib.contextmanager
def _decoding(path: Path) -> Iterator[None]:
    """Turn a decoder's failure into ``ValueError("Cannot read PATH as an image: …")``."""
    from PIL import Image

    try:
        yield
    except (FileNotFoundError, _PageError):
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        msg = f"Cannot read {path} as an image: {error}"
        raise ValueError(msg) from error


def _check_page(path: Path, page: int, pages: int) -> None:
    if isinstance(page, bool) or not isinstance(page, (int, np.integer)) or not 0 <= page < pages:
        msg = f"{path} has {pages} page(s); page {page!r} does not exist (pages count from 0)."
        raise _PageError(msg)


def _open_tiff(path: Path):  # -> tifffile.TiffFile
    import tifffile

    with _decoding(path):
        return tifffile.TiffFile(path)


def _read_tiff(path: Path, page: int, mmap: bool) -> np.ndarray:
    import tifffile

    tif = _open_tiff(path)
    with tif, _decoding(path):
        series = tif.series[0]
        keyframe = series.keyframe
        pages = series.size // keyframe.size
        _check_page(path, page, pages)
        if mmap and series.dataoffset is not None:
            # Uncompressed and contiguous: map the file, touch only this page.
            stack = tifffile.memmap(path, series=0, mode="r")
            array = stack.reshape(pages, *keyframe.shape)[page]
        else:
            array = tif.asarray(series=0, key=page)
        axes = keyframe.axes
        photometric = int(keyframe.photometric)
    if axes.startswith("S"):  # planar-separate samples: move them last
        array = np.moveaxis(array, 0, -1)
        axes = axes[1:] + "S"
    if axes not in ("YX", "YXS"):
        msg = f"{path}: TIFF pages with axes {axes!r} are not 2-D images (expected YX or YXS)."
        raise ValueError(msg)
    if axes == "YXS" and photometric != int(tifffile.PHOTOMETRIC.RGB):
        array = array[..., 0]  # grey with extra samples (alpha, …): the first is the grey
    return array


def _read_opencv(path: Path) -> np.ndarray:
    import cv2

    array = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if array is None:
        # OpenCV gives no reason; Pillow either reads the file or says why not.
        return _read_pillow(path, 0)
    if array.ndim == 3 and array.shape[-1] in (3, 4):
        array = array[..., [2, 1, 0, 3][: array.shape[-1]]]  # BGR(A) → RGB(A)
    return array


def _read_pillow(path: Path, page: int) -> np.ndarray:
    from PIL import Image

    # The size was checked against max_pixels from the header (check_header); Pillow's own
    # warning for large images would only repeat it.
    with _decoding(path), warnings.catch_warnings(), Image.open(path) as img:
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        _check_page(path, page, int(getattr(img, "n_frames", 1)))
        img.seek(page)
        if img.mode == "1":
            img = img.convert("L")
        elif img.mode in ("P", "PA"):
            img = img.convert("RGBA")
        elif img.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
            img = img.convert("RGB")
        array = np.asarray(img)
    return array
