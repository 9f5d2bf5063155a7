"""Input checks shared by every method: one wording for every message."""

from __future__ import annotations

import difflib
import inspect
import numbers
from collections.abc import Iterable, Mapping

import numpy as np


def check_image(image: object, *, name: str = "image") -> np.ndarray:
    """Return ``image`` as a 2-D numeric array, or raise a clear error.

    Booleans are refused (a mask is not an intensity image), as are complex
    numbers, empty arrays and floats with NaN or infinity.
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
    if np.issubdtype(image.dtype, np.floating) and not np.isfinite(image).all():
        msg = f"{name} contains NaN or infinite values; replace them (np.nan_to_num) first."
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


def check_odd_window(value: object, *, name: str) -> int:
    """Return a window size that is an odd positive integer, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            msg = f"{name} must be an odd positive integer; got {value!r}."
            raise ValueError(msg)
    value = int(value)
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
