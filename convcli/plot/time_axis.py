"""A signal's time column as numbers, and its sample step when regular (for per-time-unit
frequencies and delays in the figures)."""

from __future__ import annotations

import numpy as np


def regular_step(time: np.ndarray | None) -> float | None:
    """The sample step of a time column when it is regular (within 1e-6 relative), else None.

    >>> regular_step(np.array([0.0, 0.5, 1.0, 1.5]))
    0.5
    >>> regular_step(np.array([0.0, 0.5, 1.5])) is None
    True
    """
    if time is None or time.size < 2 or not np.all(np.isfinite(time)):
        return None
    steps = np.diff(time)
    step = float(np.median(steps))
    if step <= 0 or np.max(np.abs(steps - step)) > 1e-6 * abs(step):
        return None
    return step


def time_axis(cells: list[str] | None) -> np.ndarray | None:
    """A time column's cells as numbers, or None when they are not all numbers (dates…).

    >>> time_axis(["0", "0.5", "1"])
    array([0. , 0.5, 1. ])
    >>> time_axis(["2024-01-01"]) is None
    True
    """
    if not cells:
        return None
    try:
        return np.array([float(c) for c in cells])
    except ValueError:
        return None
