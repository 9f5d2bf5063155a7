"""Try every global method on one image, from one shared histogram, and the local ones.

Like Fiji's "Try all" (Auto Threshold's for the global methods, Auto Local
Threshold's for the local ones) and scikit-image's ``try_all_threshold``,
but covering every registered method of the kinds asked for, and a method
that cannot segment the image reports why instead of stopping the others.
The table and the montage figure are drawn by ``bench.try_all``; this module
only computes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ._base import GlobalThreshold, LocalThreshold, check_objects
from ._registry import SEGMENTERS
from ._validation import check_image, check_mask
from .histogram import Histogram, histogram

__all__ = ["Trial", "try_all"]


@dataclass(frozen=True, eq=False)
class Trial:
    """One method's outcome in :func:`try_all`.

    Attributes
    ----------
    name : str
        The method's registered name.
    threshold : float or None
        Intensity threshold of a global method (bright objects: ``image >
        threshold``, dark: ``image <= threshold``); None for a local method
        and for a method that raised an error.
    found : bool
        False when the method found no threshold (see ``reason``) or failed.
    reason : str
        Why not found, or the error message (starting with "error:").
    mask : ndarray of bool or None
        The object mask, when masks were asked for and the method gave one.
    kind : str
        "global" or "local".
    """

    name: str
    threshold: float | None
    found: bool
    reason: str
    mask: np.ndarray | None = None
    kind: str = "global"


def try_all(
    image: np.ndarray,
    fov: np.ndarray | None = None,
    *,
    methods: Iterable[str | GlobalThreshold | LocalThreshold] | None = None,
    kinds: Iterable[str] = ("global",),
    hist: Histogram | None = None,
    ignore_black: bool = False,
    ignore_white: bool = False,
    masks: bool = True,
    objects: str = "bright",
) -> list[Trial]:
    """Every method of the given kinds on ``image``; global ones from one histogram.

    Parameters
    ----------
    image : ndarray, 2-D
        Intensities, as acquired.
    fov : ndarray of bool, optional
        Field of view: global thresholds come from the pixels inside it only.
    methods : iterable of str or segmenter, optional
        Names (or instances) to try; by default every registered method of
        ``kinds``, global ones first, each in name order.
    kinds : iterable of {"global", "local"}
        Which families to try: ``("global",)`` (Fiji's Auto Threshold "Try
        all"), ``("local",)`` (Auto Local Threshold's, with each method's
        default parameters) or both.
    hist : Histogram, optional
        The histogram of ``image`` within ``fov``, if already computed.
    ignore_black, ignore_white : bool
        Passed to every global method given by name (Fiji's options).
    masks : bool
        Also return each object mask (False: global thresholds only, faster;
        local methods, which give nothing but a mask, are then not run).
    objects : {"bright", "dark"}
        Object polarity of every mask (see :data:`algorithms.OBJECTS`); the
        thresholds do not depend on it.

    Returns
    -------
    list of Trial
        One per method, in the order tried. A method that raises a
        ``ValueError`` (an unknown name, a kind not asked for, a bad
        parameter, an image it refuses) gives a Trial with
        ``threshold=None`` and the message as its reason.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[10, 10, 200], [12, 210, 205]], dtype=np.uint8)
    >>> [(t.name, t.threshold) for t in try_all(image, methods=["otsu", "mean"])]
    [('otsu', 199.0), ('mean', 107.0)]
    >>> [int(t.mask.sum()) for t in try_all(image, methods=["otsu"], objects="dark")]
    [3]
    """
    image = check_image(image)
    objects = check_objects(objects)
    kinds = tuple(kinds)
    for kind in kinds:
        if kind not in ("global", "local"):
            msg = f"kinds may hold 'global' and 'local'; got {kind!r}."
            raise ValueError(msg)
    if fov is not None:
        fov = check_mask(fov, image.shape, name="field of view")
    if hist is None and "global" in kinds:
        hist = histogram(image, fov)
    if methods is None:
        chosen: list = [n for kind in kinds for n in SEGMENTERS.available(kind=kind)]
    else:
        chosen = list(methods)
    options = {"ignore_black": ignore_black, "ignore_white": ignore_white}
    trials = []
    for spec in chosen:
        is_instance = isinstance(spec, (GlobalThreshold, LocalThreshold))
        name = spec.name if is_instance else str(spec)
        kind = kinds[0]  # until the method is known
        try:
            method = spec if is_instance else SEGMENTERS.get_class(name)
            kind = method.kind
            if kind not in kinds:
                what = "global" if kinds == ("global",) else " or ".join(kinds)
                msg = (
                    f"{name!r} is not a {what} method (it is {kind}); try_all covers kinds={kinds}."
                )
                raise ValueError(msg)
            if kind == "global":
                if not is_instance:
                    method = method(**options)
                result = method.find_threshold(hist)
            elif masks:
                if not is_instance:
                    method = method()
                mask = method.segment(image, fov=fov, objects=objects).mask
        except ValueError as error:
            trials.append(Trial(name, None, False, f"error: {error}", kind=kind))
            continue
        if kind == "local":
            reason = "" if masks else "not run: a local method gives only a mask (masks=False)"
            trials.append(Trial(method.name, None, True, reason, mask if masks else None, "local"))
            continue
        value = hist.value(result.bin)
        mask = None
        if masks:
            mask = image > value if objects == "bright" else image <= value
        trials.append(Trial(method.name, value, result.found, result.reason, mask))
    return trials
