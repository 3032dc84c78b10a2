"""Gabor kernels: a Gaussian envelope times a sinusoidal carrier (models of V1 simple cells).

The complex kernel, with x the column and y the row offset from the centre (rows grow
downwards) and θ the carrier's direction::

    x' =  x cos θ + y sin θ        y' = −x sin θ + y cos θ
    g(x, y) = 1/(2π σx σy) · exp(−x'²/2σx² − y'²/2σy²) · exp(i (2π f x' + φ))

with σx = sigma and σy = sigma/gamma. These are scikit-image's ``gabor_kernel`` values
(sigma_x=sigma, sigma_y=sigma/gamma, theta and offset in radians, n_stds=3), used as
convolution weights as scikit-image's ``gabor`` does. The mapping to OpenCV's
``getGaborKernel`` is in ``convcli/kernels/README.md``.
"""

from __future__ import annotations

import math

import numpy as np

from convcli.errors import KernelError
from convcli.kernels.limits import MAX_SIDE, check_size
from convcli.kernels.registry import Param, register

N_STDS = 3.0
"""The default half-width covers this many σ along each rotated axis (scikit-image's n_stds)."""


def bandwidth_sigma(frequency: float, octaves: float = 1.0) -> float:
    """The σ giving a half-magnitude bandwidth of ``octaves`` (scikit-image's default rule).

    >>> round(bandwidth_sigma(0.1), 4)
    5.6217
    """
    b = 2.0**octaves
    return math.sqrt(math.log(2.0) / 2.0) / math.pi * (b + 1.0) / (b - 1.0) / frequency


def gabor_complex(
    sigma: float, theta: float, frequency: float, phase: float, gamma: float,
    radius: int | None = None,
) -> np.ndarray:
    """The complex Gabor kernel (θ and φ in radians); rows are y, columns x.

    >>> g = gabor_complex(2.0, 0.0, 0.25, 0.0, 1.0)
    >>> g.shape, bool(np.isclose(g[6, 6], 1 / (2 * np.pi * 4)))
    ((13, 13), True)
    """
    sigma_x, sigma_y = sigma, sigma / gamma
    c, s = math.cos(theta), math.sin(theta)
    if radius is None:
        x0 = math.ceil(max(abs(N_STDS * sigma_x * c), abs(N_STDS * sigma_y * s), 1))
        y0 = math.ceil(max(abs(N_STDS * sigma_y * c), abs(N_STDS * sigma_x * s), 1))
    else:
        x0 = y0 = radius
    if 2 * max(x0, y0) + 1 > MAX_SIDE:
        raise KernelError(
            f"gabor: sigma={sigma:g}, gamma={gamma:g} needs {2 * max(x0, y0) + 1} taps per "
            f"side, more than the limit of {MAX_SIDE}; give a smaller sigma or a radius"
        )
    check_size((2 * y0 + 1, 2 * x0 + 1), "kernel 'gabor'")
    y = np.arange(-y0, y0 + 1, dtype=float)[:, None]
    x = np.arange(-x0, x0 + 1, dtype=float)[None, :]
    xr = x * c + y * s
    yr = -x * s + y * c
    envelope = np.exp(-0.5 * (xr**2 / sigma_x**2 + yr**2 / sigma_y**2))
    carrier = np.exp(1j * (2.0 * math.pi * frequency * xr + phase))
    return envelope * carrier / (2.0 * math.pi * sigma_x * sigma_y)


@register(
    "gabor",
    "Gabor filter: Gaussian envelope × cosine carrier (= skimage gabor_kernel's real part); "
    "a bank: gabor:orientations=8",
    category="gabor",
    params=(
        Param("frequency", float, 0.1, "carrier frequency, cycles per pixel", low=0,
              low_open=True, high=0.5),
        Param("theta", float, 0.0, "carrier direction, degrees from +x towards +y (rows grow "
              "downwards, so clockwise on screen); 0: vertical stripes"),
        Param("sigma", float, None, "envelope σ along the carrier, pixels; default: a "
              "one-octave bandwidth, 0.56/frequency", low=0, low_open=True),
        Param("gamma", float, 1.0, "aspect ratio σ_along/σ_across (OpenCV's gamma)", low=0,
              low_open=True),
        Param("phase", float, 0.0, "carrier phase offset, degrees (90: odd, edge-like)"),
        Param("part", str, "real", "real (cosine) or imag (sine) part", choices=("real", "imag")),
        Param("radius", int, None, "taps each side of the centre; default: 3σ along each "
              "rotated axis (scikit-image's n_stds=3)", low=1, high=(MAX_SIDE - 1) // 2),
    ),
)
def gabor(
    ndim: int, frequency: float, theta: float, sigma: float | None, gamma: float,
    phase: float, part: str, radius: int | None,
) -> np.ndarray:
    if sigma is None:
        sigma = bandwidth_sigma(frequency)
    g = gabor_complex(sigma, math.radians(theta), frequency, math.radians(phase), gamma, radius)
    return g.real if part == "real" else g.imag
