"""Try every global method on one image, from one shared histogram.

Like Fiji's "Try all" and scikit-image's ``try_all_threshold``, but covering
every registered global method, and a method that cannot threshold the image
reports why instead of stopping the others. The table and the montage figure
are drawn by ``bench.try_all``; this module only computes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ._base import GlobalThreshold
from ._registry import SEGMENTERS
from ._validation import check_image, check_mask
from .histogram import Histogram, foreground, histogram

__all__ = ["Trial", "try_all"]


@dataclass(frozen=True, eq=False)
class Trial:
    """One method's outcome in :func:`try_all`.

    Attributes
    ----------
    name : str
        The method's registered name.
    threshold : float or None
        Intensity threshold (foreground: ``image > threshold``); None if the
        method raised an error.
    found : bool
        False when the method found no threshold (see ``reason``) or failed.
    reason : str
        Why not found, or the error message (starting with "error:").
    mask : ndarray of bool or None
        ``image > threshold``, when masks were asked for and a threshold exists.
    """

    name: str
    threshold: float | None
    found: bool
    reason: str
    mask: np.ndarray | None = None


def try_all(
    image: np.ndarray,
    fov: np.ndarray | None = None,
    *,
    methods: Iterable[str | GlobalThreshold] | None = None,
    hist: Histogram | None = None,
    ignore_black: bool = False,
    ignore_white: bool = False,
    masks: bool = True,
) -> list[Trial]:
    """Every global method on ``image``, its histogram computed once.

    Parameters
    ----------
    image : ndarray, 2-D
        Intensities, foreground bright.
    fov : ndarray of bool, optional
        Field of view: thresholds come from the pixels inside it only.
    methods : iterable of str or GlobalThreshold, optional
        Names (or instances) to try; by default every registered global
        method, in name order.
    hist : Histogram, optional
        The histogram of ``image`` within ``fov``, if already computed.
    ignore_black, ignore_white : bool
        Passed to every method given by name (Fiji's options).
    masks : bool
        Also return each foreground mask (False: thresholds only, faster).

    Returns
    -------
    list of Trial
        One per method, in the order tried. A method that raises a
        ``ValueError`` (an unknown name, a local method, a bad parameter)
        gives a Trial with ``threshold=None`` and the message as its reason.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[10, 10, 200], [12, 210, 205]], dtype=np.uint8)
    >>> [(t.name, t.threshold) for t in try_all(image, methods=["otsu", "mean"])]
    [('otsu', 199.0), ('mean', 107.0)]
    """
    image = check_image(image)
    if fov is not None:
        fov = check_mask(fov, image.shape, name="field of view")
    if hist is None:
        hist = histogram(image, fov)
    chosen = list(SEGMENTERS.available(kind="global") if methods is None else methods)
    options = {"ignore_black": ignore_black, "ignore_white": ignore_white}
    trials = []
    for spec in chosen:
        name = spec.name if isinstance(spec, GlobalThreshold) else str(spec)
        try:
            method = spec if isinstance(spec, GlobalThreshold) else SEGMENTERS.get_class(name)
            if not (isinstance(method, GlobalThreshold) or issubclass(method, GlobalThreshold)):
                msg = f"{name!r} is not a global method (it has no histogram threshold)."
                raise ValueError(msg)
            if not isinstance(method, GlobalThreshold):
                method = method(**options)
            result = method.find_threshold(hist)
        except ValueError as error:
            trials.append(Trial(name, None, False, f"error: {error}"))
            continue
        value = hist.value(result.bin)
        mask = foreground(image, value) if masks else None
        trials.append(Trial(method.name, value, result.found, result.reason, mask))
    return trials
