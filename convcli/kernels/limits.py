"""Size limits: a kernel larger than this is a mistake, not a filter."""

from __future__ import annotations

import math

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
