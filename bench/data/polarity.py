"""Deciding from the image alone whether its objects are bright or dark.

Rule (``polarity: auto``): split the image's pixels in two by Otsu's
threshold (within the field of view, when there is one) and take the
**smaller class to be the objects**: objects are bright when the pixels
above the threshold are at most as many as those at or below it, dark
otherwise. It suits images where objects cover less than half of the
field (nuclei, vessels, ink); where they cover more, set the polarity.

The ground truth is never looked at. On the 47 DSB 2018 images of the
shared data the rule agrees with the truth on all 47 (the truth side:
objects brighter on average than the background, or darker);
``tests/test_polarity.py`` checks that.
"""

from __future__ import annotations

import numpy as np

import algorithms
from bench.data.sample import POLARITIES

__all__ = ["POLARITY_RULES", "decide_polarity", "resolve_polarity"]

POLARITY_RULES = (*POLARITIES, "auto")


def decide_polarity(image: np.ndarray, fov: np.ndarray | None = None) -> str:
    """``"bright"`` or ``"dark"``: the polarity of the smaller Otsu class.

    Examples
    --------
    >>> import numpy as np
    >>> spots = np.full((8, 8), 50, np.uint8); spots[2:4, 2:4] = 200
    >>> decide_polarity(spots), decide_polarity(255 - spots)
    ('bright', 'dark')
    """
    bright = algorithms.get("otsu").segment(image, fov=fov).mask
    if fov is not None:
        bright = bright & fov
    total = int(np.count_nonzero(fov)) if fov is not None else bright.size
    n_bright = int(np.count_nonzero(bright))
    return "bright" if n_bright <= total - n_bright else "dark"


def resolve_polarity(rule: str, image: np.ndarray, fov: np.ndarray | None = None) -> str:
    """The polarity of ``image`` under a dataset's rule: ``bright``, ``dark`` or ``auto``."""
    if rule == "auto":
        return decide_polarity(image, fov)
    if rule not in POLARITIES:
        msg = f"polarity must be one of {', '.join(POLARITY_RULES)}; got {rule!r}."
        raise ValueError(msg)
    return rule
