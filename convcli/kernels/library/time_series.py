"""Time-series kernels: causal exponential smoothing, Savitzky–Golay, finite differences."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from convcli.errors import KernelError
from convcli.kernels.limits import MAX_SIDE
from convcli.kernels.registry import Param, register

TAIL = 1e-6
"""The default exponential length leaves less than this much weight beyond its last tap."""


@register(
    "exponential",
    "Causal decay w(a) ∝ exp(−a/τ) for ages a ≥ 0 (an EMA; unit sum); convcli smooth's default",
    category="signal",
    params=(
        Param("tau", float, 4.0, "time constant in samples", low=0, low_open=True),
        Param(
            "alpha",
            float,
            None,
            "instead of tau: w ∝ (1−α)^a, α = 1 − exp(−1/τ)",
            low=0,
            low_open=True,
            high=1,
            unset="unset",
        ),
        Param(
            "length",
            int,
            None,
            f"taps; default: the tail beyond is < {TAIL:g} (at most {MAX_SIDE})",
            low=1,
            high=MAX_SIDE,
        ),
    ),
    ndims=(1,),
    aliases=("exp", "ema"),
    normalized=True,
    causal=True,
    exclusive=(("tau", "alpha"),),
)
def exponential(ndim: int, tau: float, alpha: float | None, length: int | None) -> np.ndarray:
    """w[a] = r^a with r = exp(−1/τ) (or 1 − α); tap 0 weighs the newest sample."""
    ratio = 1.0 - alpha if alpha is not None else math.exp(-1.0 / tau)
    if length is None:
        if ratio <= 0.0:
            length = 1
        elif ratio >= 1.0:
            length = MAX_SIDE
        else:  # smallest n with ratio**n < TAIL
            length = int(min(MAX_SIDE, math.floor(math.log(TAIL) / math.log(ratio)) + 1))
    return ratio ** np.arange(length, dtype=float)


@register(
    "savgol",
    "Savitzky–Golay: least-squares polynomial fit over a window (smoothing or derivative)",
    category="signal",
    params=(
        Param("window", int, 7, "taps (odd)", low=1, high=MAX_SIDE, odd=True),
        Param("polyorder", int, 2, "degree of the fitted polynomial (< window)", low=0, high=64),
        Param("deriv", int, 0, "derivative order (0 = smoothing; ≤ polyorder)", low=0),
        Param("delta", float, 1.0, "sample spacing, for derivatives", low=0, low_open=True),
    ),
    ndims=(1,),
    aliases=("savitzky-golay", "sg"),
)
def savgol(ndim: int, window: int, polyorder: int, deriv: int, delta: float) -> np.ndarray:
    """Convolution weights (scipy's savgol_coeffs with use='conv')."""
    if polyorder >= window:
        raise KernelError(
            f"savgol: polyorder must be less than window (polyorder={polyorder}, window={window})"
        )
    if deriv > polyorder:
        raise KernelError(
            f"savgol: deriv must be at most polyorder (deriv={deriv}, polyorder={polyorder}); "
            "a degree-p fit has no higher derivative"
        )
    half = window // 2
    scale = max(half, 1)
    u = np.arange(-half, half + 1, dtype=float) / scale  # in [−1, 1] for conditioning
    design = np.vander(u, polyorder + 1, increasing=True)
    fit = np.linalg.pinv(design)  # row k: coefficient of u^k from the window's samples
    step = (scale * delta) ** deriv
    if step == 0.0 or not math.isfinite(step):
        raise KernelError(f"savgol: delta={delta:g} is out of range for deriv={deriv}")
    correlation = fit[deriv] * math.factorial(deriv) / step
    return correlation[::-1]


def central_difference(order: int, points: range) -> list[Fraction]:
    """Exact weights c_j with f⁽ᵒʳᵈᵉʳ⁾(0) ≈ Σ c_j f(t_j) on the points t_j (Fornberg 1988)."""
    nodes = [Fraction(t) for t in points]
    n = len(nodes)
    weights = [[Fraction(0)] * (order + 1) for _ in range(n)]
    weights[0][0] = Fraction(1)
    c1 = Fraction(1)
    c4 = nodes[0]
    for i in range(1, n):
        c2 = Fraction(1)
        c5, c4 = c4, nodes[i]
        for j in range(i):
            c3 = nodes[i] - nodes[j]
            c2 *= c3
            if j == i - 1:
                for k in range(min(i, order), 0, -1):
                    weights[i][k] = c1 * (k * weights[i - 1][k - 1] - c5 * weights[i - 1][k]) / c2
                weights[i][0] = -c1 * c5 * weights[i - 1][0] / c2
            for k in range(min(i, order), 0, -1):
                weights[j][k] = (c4 * weights[j][k] - k * weights[j][k - 1]) / c3
            weights[j][0] = c4 * weights[j][0] / c3
        c1 = c2
    return [w[order] for w in weights]


@register(
    "derivative",
    "Central finite difference of the given order and accuracy (d/dx = [½ 0 −½] as weights)",
    category="signal",
    params=(
        Param("order", int, 1, "derivative order", low=1, high=10),
        Param(
            "accuracy", int, 2, "order of accuracy (even): more taps, smaller error", low=2, high=16
        ),
        Param(
            "direction",
            str,
            "x",
            "axis for 2-D: x (along a row) or y (down a column)",
            choices=("x", "y"),
        ),
    ),
    ndims=(1, 2),
    aliases=("diff", "difference"),
)
def derivative(ndim: int, order: int, accuracy: int, direction: str) -> np.ndarray:
    """Convolution weights: the stencil reversed, so odd orders change sign."""
    if accuracy % 2:
        raise KernelError(f"derivative: accuracy must be even (2, 4, 6, …), got {accuracy}")
    half = (order + 1) // 2 - 1 + accuracy // 2
    stencil = central_difference(order, range(-half, half + 1))
    weights = np.array([float(c) for c in reversed(stencil)])
    if ndim == 1:
        return weights
    return weights[np.newaxis, :] if direction == "x" else weights[:, np.newaxis]
