"""Slow, obviously-correct window helpers shared by the local-method tests.

Written independently of ``algorithms.windows``: explicit loops over each
pixel's window, out-of-image positions taking the nearest edge pixel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def in_window(dy: int, dx: int, radius: int, shape: str) -> bool:
    """Whether offset (dy, dx) belongs to the window."""
    if shape == "square":
        return max(abs(dy), abs(dx)) <= radius
    return dx * dx + dy * dy <= radius * radius + 1  # ImageJ RankFilters


def window_values(image: np.ndarray, y: int, x: int, radius: int, shape: str) -> list:
    """The window of pixel (y, x) as Python numbers."""
    rows, cols = image.shape
    return [
        image[min(max(y + dy, 0), rows - 1), min(max(x + dx, 0), cols - 1)].item()
        for dy in range(-radius, radius + 1)
        for dx in range(-radius, radius + 1)
        if in_window(dy, dx, radius, shape)
    ]


def per_pixel(
    image: np.ndarray, radius: int, shape: str, statistic: Callable[[list], object]
) -> np.ndarray:
    """``statistic(window values)`` for every pixel."""
    rows, cols = image.shape
    return np.array(
        [[statistic(window_values(image, y, x, radius, shape)) for x in range(cols)]
         for y in range(rows)]
    )  # fmt: skip
