"""Global thresholds: one threshold picked from the image histogram.

Every method of ImageJ 1.53t's ``AutoThresholder`` and Fiji's Huang2, each a
:class:`~algorithms.GlobalThreshold` registered under its lower-case name
(ImageJ's spelling works too: ``algorithms.get("RenyiEntropy")``). On an
8-bit histogram every method returns ImageJ's threshold: the last level of
the background, foreground ``image > t``. The modules group the methods by
the idea behind them:

=================  ==========================================================
``clustering``     Otsu, IsoData, IJ_IsoData, Default, MinError
``entropy``        Li, MaxEntropy, RenyiEntropy, Yen, Shanbhag
``fuzzy``          Huang, Huang2
``shape``          Intermodes, Minimum, Triangle
``statistics``     Mean, Moments, Percentile
=================  ==========================================================

Known, deliberate differences from ImageJ 1.53t (tested in
``tests/test_imagej_parity.py``): sums that overflow ImageJ's 32-bit ``int``
(MinError, IsoData, Otsu, Default on very large counts) are exact here, and
Intermodes returns 0 (not found) on an empty histogram where ImageJ throws.
"""

from __future__ import annotations

from .clustering import Default, IJIsoData, IsoData, MinError, Otsu
from .entropy import Li, MaxEntropy, RenyiEntropy, Shanbhag, Yen
from .fuzzy import Huang, Huang2
from .shape import Intermodes, Minimum, Triangle
from .statistics import Mean, Moments, Percentile

__all__ = [
    "IMAGEJ_METHODS",
    "Default",
    "Huang",
    "Huang2",
    "IJIsoData",
    "Intermodes",
    "IsoData",
    "Li",
    "MaxEntropy",
    "Mean",
    "MinError",
    "Minimum",
    "Moments",
    "Otsu",
    "Percentile",
    "RenyiEntropy",
    "Shanbhag",
    "Triangle",
    "Yen",
]

IMAGEJ_METHODS = (
    "Default", "Huang", "Intermodes", "IsoData", "IJ_IsoData", "Li", "MaxEntropy", "Mean",
    "MinError", "Minimum", "Moments", "Otsu", "Percentile", "RenyiEntropy", "Shanbhag",
    "Triangle", "Yen",
)  # fmt: skip
"""ImageJ 1.53t's ``AutoThresholder.getMethods()``, in its order; each is a registered name."""
