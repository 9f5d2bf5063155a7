"""Small helpers shared by several bench modules."""

from __future__ import annotations

import re


def natural_key(text: str) -> list[object]:
    """Sort key that orders ``"2"`` before ``"10"`` (numbers compared as numbers)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
