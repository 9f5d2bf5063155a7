"""Collection rules for the whole repository (pytest reads this before collecting)."""

from __future__ import annotations

import importlib.util


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module blocked in sys.modules
        return False


# The UNet's PyTorch code is an optional extra (`pip install -e .[unet]`): without torch,
# --doctest-modules must not import it. Its tests skip themselves.
collect_ignore = [] if _installed("torch") else ["algorithms/learned/_unet_torch.py"]
