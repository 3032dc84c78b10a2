"""Smoothing kernels: identity, box, gaussian, binomial, disk (normalised to unit sum)."""

from __future__ import annotations

import math

import numpy as np

from convcli.errors import KernelError
from convcli.kernels.limits import MAX_SIDE, MAX_TAPS, check_size
from convcli.kernels.registry import Param, register

SIZE_HELP = "taps per side"


def size_param(default: int, help: str = SIZE_HELP) -> Param:
    """A size in taps: a whole number from 1 to the size limit."""
    return Param("size", int, default, help, low=1, high=MAX_SIDE)


def radius_param(what: str) -> Param:
    return Param(
        "radius",
        int,
        None,
        f"taps each side of the centre; default round(4σ) {what}",
        low=0,
        high=(MAX_SIDE - 1) // 2,
    )


def gaussian_radius(sigma: float, what: str) -> int:
    """scipy.ndimage's default radius, round(4σ) (truncate=4), checked against the limit."""
    radius = 4.0 * sigma + 0.5
    if 2.0 * radius + 1.0 > MAX_SIDE + 1:
        raise KernelError(
            f"{what} with sigma={sigma:g} would be wider than {MAX_SIDE} taps, too large: "
            f"the limit is {MAX_SIDE} taps per side and {MAX_TAPS} in all"
        )
    return int(radius)


def gaussian_profile(sigma: float, radius: int | None = None) -> np.ndarray:
    """The sampled Gaussian exp(−x²/2σ²) for x = −radius…radius (peak 1, not normalised).

    The default radius, round(4σ), is scipy.ndimage's (truncate=4).
    """
    if radius is None:
        radius = gaussian_radius(sigma, "a gaussian")
    check_size((2 * radius + 1,), "a gaussian of this sigma")
    x = np.arange(-radius, radius + 1, dtype=float)
    return np.exp(-0.5 * (x / sigma) ** 2)


@register(
    "identity",
    "The unit impulse: output equals input (ImageMagick's Unity)",
    category="smoothing",
    params=(size_param(1, "taps per side, the 1 at the centre"),),
    ndims=(1, 2, 3),
    aliases=("unity", "delta"),
    normalized=True,
    separable=True,
)
def identity(size: int) -> np.ndarray:
    profile = np.zeros(size)
    profile[(size - 1) // 2] = 1.0
    return profile


@register(
    "box",
    "Moving average: equal weights over size taps (mean filter)",
    category="smoothing",
    params=(size_param(3),),
    ndims=(1, 2, 3),
    aliases=("mean", "average", "boxcar"),
    normalized=True,
    separable=True,
)
def box(size: int) -> np.ndarray:
    return np.ones(size)


@register(
    "gaussian",
    "Gaussian bell exp(−x²/2σ²), sampled; 2-D is the outer product (= scipy gaussian_filter)",
    category="smoothing",
    params=(
        Param("sigma", float, 1.0, "standard deviation in samples", low=0, low_open=True),
        radius_param("(scipy's truncate=4)"),
    ),
    ndims=(1, 2, 3),
    aliases=("gauss",),
    normalized=True,
    separable=True,
)
def gaussian(sigma: float, radius: int | None) -> np.ndarray:
    return gaussian_profile(sigma, radius)


@register(
    "binomial",
    "Binomial coefficients C(size−1, k): the discrete Gaussian of repeated [1 1] averaging",
    category="smoothing",
    params=(size_param(5),),
    ndims=(1, 2, 3),
    aliases=("pascal",),
    normalized=True,
    separable=True,
)
def binomial(size: int) -> np.ndarray:
    coefficients = [math.comb(size - 1, k) for k in range(size)]
    peak = max(coefficients)
    if peak <= 2**53:  # exact as floats: keep the integers (normalize=false shows them)
        return np.array(coefficients, dtype=float)
    return np.array([c / peak for c in coefficients])


@register(
    "disk",
    "Flat disk of taps with x²+y² ≤ ⌊radius²⌋, as ImageMagick's Disk (default 9×9)",
    category="smoothing",
    params=(
        Param(
            "radius",
            float,
            4.3,
            "disk radius in samples",
            low=0,
            low_open=True,
            high=(MAX_SIDE - 1) // 2,
        ),
    ),
    ndims=(2,),
    aliases=("circle", "pillbox"),
    normalized=True,
)
def disk(ndim: int, radius: float) -> np.ndarray:
    half = int(radius)
    limit = int(radius * radius)
    check_size((2 * half + 1,) * 2, "kernel 'disk'")
    y, x = np.mgrid[-half : half + 1, -half : half + 1]
    return (x * x + y * y <= limit).astype(float)
