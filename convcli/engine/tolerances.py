"""The engine's two tolerances on a kernel's weights, in one place (the kernel library uses
them too): when a kernel counts as rank 1, and when its weights count as summing to zero.

>>> sums_to_zero([1.0, -2.0, 1.0]), sums_to_zero([1.0, 2.0, 1.0])
(True, False)
>>> default_rtol(np.float32), default_rtol(np.float64)
(1e-06, 1e-12)
"""

from __future__ import annotations

from typing import Any

import numpy as np

ZERO_SUM_RTOL = 1e-12


def default_rtol(dtype: Any) -> float:
    """How far from rank 1 a kernel may be (σ₂ ≤ rtol·σ₁ on every unfolding): below the
    precision of its own type."""
    return 1e-6 if np.dtype(dtype) in (np.float16, np.float32, np.complex64) else 1e-12


def zero_scale(weights: Any) -> float:
    """The magnitude below which a weighted sum of ``weights`` counts as zero: 1e-12 Σ|w|."""
    return ZERO_SUM_RTOL * float(np.sum(np.abs(weights)))


def sums_to_zero(weights: Any) -> bool:
    """True when the weights sum to zero within rounding (a derivative, an edge kernel):
    such a kernel is neither normalised nor renormalised around missing samples."""
    return abs(float(np.sum(weights).real)) <= zero_scale(weights)
