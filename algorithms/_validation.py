"""Input checks shared by every method: one wording for every message.

What every method accepts, and the limits that keep a call bounded:

* **dtypes**: every integer type (``uint64`` beyond 2**63 and ``int64`` near
  2**63 included: thresholds and histograms of integer images are exact
  integers), ``float32`` and ``float64``, and ``float16``, widened exactly to
  ``float32`` on entry (no method computes in half precision). Booleans
  (a mask is not an intensity image), complex numbers, and NaN or infinite
  values are refused, as are floats beyond :data:`MAX_FLOAT_MAGNITUDE`
  (about 3e144), whose window sums of squares would overflow.
* **memory**: a window method pads the image by its reach (``halo``) and
  keeps a few full-size working arrays; :func:`check_window_cost` estimates
  that memory before anything is allocated and refuses a call that needs
  more than :data:`MEMORY_LIMIT`, giving the number.
* **work per pixel**: a filter or window that would spend more than
  :data:`MAX_PIXEL_WORK` operations on each pixel is refused
  (``filter.sigma=1e6`` would otherwise convolve every pixel with a
  kernel of 8 million taps).
"""

from __future__ import annotations

import difflib
import inspect
import numbers
import os
from collections.abc import Iterable, Mapping

import numpy as np


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return 8 << 30


MEMORY_LIMIT = _physical_memory() // 2
"""Most bytes one method call may plan to allocate: half the machine's physical memory."""

MAX_PIXEL_WORK = 1 << 14
"""Most operations a filter or window may spend per pixel (a kernel of 16,384 taps)."""

MAX_FLOAT_MAGNITUDE = 2.0**480
"""Largest magnitude of a float image: squares (2**960) summed over up to 2**60 pixels fit."""

WORKING_ARRAYS = 4
"""Full-size 8-byte arrays a window method keeps at once (padded image, sums, squares, result)."""


def _gib(nbytes: float) -> str:
    return f"{nbytes / (1 << 30):,.1f} GiB"


def check_window_cost(shape: tuple[int, ...], halo: int, *, name: str) -> None:
    """Refuse a window of reach ``halo`` on an image of ``shape`` that memory cannot hold.

    The estimate is the padded image ``(rows + 2 halo) × (cols + 2 halo)``
    times :data:`WORKING_ARRAYS` arrays of 8 bytes; it must stay within
    :data:`MEMORY_LIMIT`. The work per pixel, ``2 halo + 1`` (a window row
    at a time), must stay within :data:`MAX_PIXEL_WORK`.

    Raises
    ------
    ValueError
        Naming the parameter, the estimate and the limit.
    """
    rows, cols = shape[-2:]
    need = (rows + 2 * halo) * (cols + 2 * halo) * 8 * WORKING_ARRAYS
    if need > MEMORY_LIMIT:
        msg = (
            f"{name}: a window reaching {halo:,} pixels around each pixel of a {cols}×{rows} "
            f"image needs about {_gib(need)} of memory (the image padded by {halo:,} on every "
            f"side, {WORKING_ARRAYS} working arrays); the limit is {_gib(MEMORY_LIMIT)} (half "
            "the physical memory). Use a smaller window."
        )
        raise ValueError(msg)
    if 2 * halo + 1 > MAX_PIXEL_WORK:
        msg = (
            f"{name}: a window reaching {halo:,} pixels costs {2 * halo + 1:,} operations per "
            f"pixel; the limit is {MAX_PIXEL_WORK:,} (a reach of {(MAX_PIXEL_WORK - 1) // 2:,}). "
            "Use a smaller window."
        )
        raise ValueError(msg)


def check_image(image: object, *, name: str = "image") -> np.ndarray:
    """Return ``image`` as a 2-D numeric array, or raise a clear error.

    Booleans are refused (a mask is not an intensity image), as are complex
    numbers, empty arrays and floats with NaN or infinity. ``float16`` is
    returned widened to ``float32`` (exactly: every half-precision value is a
    single-precision value), so no method computes in half precision.
    ``name`` says what the image is in messages (a file path, say).
    """
    if not isinstance(image, np.ndarray):
        image = np.asarray(image)
    if image.ndim != 2:
        msg = (
            f"{name} must be a 2-D array (rows, columns); got shape {image.shape}. "
            "Convert colour images to grey first and pass 3-D stacks slice by slice."
        )
        raise ValueError(msg)
    if image.size == 0:
        msg = f"{name} is empty (shape {image.shape}); pass an image with at least one pixel."
        raise ValueError(msg)
    if image.dtype == bool or not (
        np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)
    ):
        msg = (
            f"{name} must hold integer or floating-point intensities; got dtype {image.dtype}. "
            "Convert it with image.astype(np.uint8) or similar."
        )
        raise ValueError(msg)
    if image.dtype == np.float16:
        image = image.astype(np.float32)
    elif np.issubdtype(image.dtype, np.floating) and image.dtype.itemsize > 8:
        msg = (
            f"{name} has dtype {image.dtype}, wider than float64, which the methods compute "
            "in; convert it with image.astype(np.float64) (it keeps 53 bits of precision)."
        )
        raise ValueError(msg)
    if np.issubdtype(image.dtype, np.floating):
        if not np.isfinite(image).all():
            bad = int(np.count_nonzero(~np.isfinite(image)))
            msg = (
                f"{name} contains {bad:,} NaN or infinite value(s); replace them "
                "(np.nan_to_num) first."
            )
            raise ValueError(msg)
        largest = float(np.abs(image).max())
        if largest > MAX_FLOAT_MAGNITUDE:
            msg = (
                f"{name} holds values up to {largest:.3g} in magnitude; the limit is "
                f"{MAX_FLOAT_MAGNITUDE:.3g} (2**480), beyond which sums of squares over a "
                "window overflow float64. Rescale the image (e.g. divide by its maximum)."
            )
            raise ValueError(msg)
    return image


def check_mask(mask: object, shape: tuple[int, ...], *, name: str = "mask") -> np.ndarray:
    """Return ``mask`` as a boolean array of ``shape``, or raise a clear error."""
    mask = np.asarray(mask)
    if mask.shape != tuple(shape):
        msg = f"{name} has shape {mask.shape} but the image has {tuple(shape)}; they must match."
        raise ValueError(msg)
    if mask.dtype != bool:
        values = np.unique(mask)
        if not np.isin(values, (0, 1)).all():
            shown = ", ".join(str(v) for v in values[:10])
            msg = f"{name} must be boolean (or 0/1); found values {shown}."
            raise ValueError(msg)
        mask = mask.astype(bool)
    return mask


def check_int(value: object, *, name: str, minimum: int | None = None, hint: str = "") -> int:
    """Return ``value`` as an int, or raise: the one integer rule of the package.

    Integers (Python or NumPy) pass; so do whole-number floats such as ``3.0``,
    which YAML files and command-line overrides produce; booleans and other
    floats are refused. ``hint`` explains the unit in the message.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or (minimum is not None and value < minimum)
    ):
        bound = "" if minimum is None else f" >= {minimum}"
        msg = f"{name} must be an integer{bound}{f' ({hint})' if hint else ''}; got {value!r}."
        raise ValueError(msg)
    return int(value)


def check_finite(value: object, *, name: str) -> float:
    """Return ``value`` as a finite float (booleans refused), or raise."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not np.isfinite(number):
        msg = f"{name} must be a finite number; got {value!r}."
        raise ValueError(msg)
    return number


def check_odd_window(value: object, *, name: str) -> int:
    """Return a window size that is an odd positive integer, or raise."""
    try:
        value = check_int(value, name=name)
    except ValueError:
        msg = f"{name} must be an odd positive integer; got {value!r}."
        raise ValueError(msg) from None
    if value < 1 or value % 2 == 0:
        suggestion = max(1, value + 1 if value % 2 == 0 else 1)
        msg = (
            f"{name} must be an odd positive integer; got {value}. "
            f"Windows are centred on the pixel, so use e.g. {suggestion}."
        )
        raise ValueError(msg)
    return value


def check_positive(value: object, *, name: str) -> float:
    """Return ``value`` as a float > 0, or raise."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not number > 0 or not np.isfinite(number):
        msg = f"{name} must be a positive number; got {value!r}."
        raise ValueError(msg)
    return number


def check_choice(value: object, choices: tuple[str, ...], *, name: str) -> str:
    """Return ``value`` if it is one of ``choices``, or raise listing them."""
    if value not in choices:
        msg = f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}."
        raise ValueError(msg)
    return str(value)


def unknown_name_message(
    what: str,
    name: str,
    choices: Iterable[str],
    *,
    where: str = "",
    listing: str = "Available",
    aliases: Mapping[str, str] | None = None,
) -> str:
    """The one wording of "unknown name": the closest match, then every choice.

    ``where`` follows the name (" for algo 'li'"); ``aliases`` maps other
    accepted spellings to the name they stand for, and a close alias suggests
    its name. Matching ignores case.

    Examples
    --------
    >>> unknown_name_message("segmenter", "lii", ["li", "otsu"])
    "Unknown segmenter 'lii'. Did you mean 'li'? Available: li, otsu."
    >>> unknown_name_message("parameter", "x", ["name"], where=" for algo 'li'", listing="Valid")
    "Unknown parameter 'x' for algo 'li'. Valid: name."
    """
    choices = list(choices)
    aliases = dict(aliases or {})
    candidates = {c.lower(): c for c in [*choices, *aliases]}
    close = difflib.get_close_matches(str(name).lower(), list(candidates), n=1, cutoff=0.6)
    hint = ""
    if close:
        match = candidates[close[0]]
        hint = f" Did you mean {aliases.get(match, match)!r}?"
    return f"Unknown {what} {name!r}{where}.{hint} {listing}: {', '.join(choices)}."


def parameter_names(cls: type) -> list[str]:
    """The keyword parameters of ``cls``'s constructor, in order (its configurable names)."""
    return [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
