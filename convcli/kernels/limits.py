"""Size limits: a kernel larger than this is a mistake, not a filter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from convcli.errors import KernelError

MAX_SIDE = 4097
"""Most taps along any one axis."""

MAX_TAPS = 2**20
"""Most taps in all (1,048,576)."""


def check_size(shape: tuple[int, ...], what: str) -> None:
    """Raise KernelError if a kernel of ``shape`` would be larger than the limits."""
    if any(n > MAX_SIDE for n in shape) or math.prod(shape) > MAX_TAPS:
        dims = "×".join(str(n) for n in shape)
        raise KernelError(
            f"{what} would be {dims} taps, too large: the limit is {MAX_SIDE} taps per side "
            f"and {MAX_TAPS} in all"
        )


MAX_GAIN = 1e100
"""Largest sum of absolute kernel values: beyond it, ordinary data overflows float64."""

MAX_DEPTH = 3
"""Deepest nesting of written lists: a kernel has at most 3 axes."""

MAX_NUMBER_CHARS = 400
"""Longest number a spec or kernel file may write (float64 has 17 significant digits)."""


def check_gain(values: Any, what: str) -> None:
    """Raise KernelError if the kernel's gain (Σ|k|) is not finite or above MAX_GAIN.

    >>> check_gain([1e308, 1.0], "scale=1e308")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convcli.errors.KernelError: scale=1e308: the kernel's gain ... would be 1e+308, above ...
    """
    with np.errstate(over="ignore", invalid="ignore"):
        gain = float(np.abs(np.asarray(values, dtype=float)).sum())
    if not gain <= MAX_GAIN:
        raise KernelError(f"{what}: the kernel's gain (sum of |values|) would be {gain:.3g}, "
                          f"above {MAX_GAIN:.0e}: its outputs would overflow")


def shortened(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters with its length said.

    >>> shortened("1" * 5000)
    "'1111111111…' (5000 characters)"
    """
    if len(text) <= limit:
        return repr(text)
    return f"{text[:10]!r}"[:-1] + f"…' ({len(text)} characters)"
