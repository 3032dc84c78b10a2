"""Window smoothing kernels: the symmetric windows of scipy.signal.windows, in numpy.

Each is scipy's ``sym=True`` window of ``size`` taps, normalised to unit sum. Several
(hann, blackman, bartlett, bohman, …) have zero end taps, as scipy's and numpy's do.
"""

from __future__ import annotations

import numpy as np

from convcli.kernels.library.smoothing import size_param
from convcli.kernels.registry import Param, register

_WINDOW = {"category": "window", "ndims": (1, 2, 3), "normalized": True, "separable": True}
_SIZE = (size_param(7),)


def _phase(size: int) -> np.ndarray:
    """2πn/(size−1) for n = 0…size−1 (0 for a single tap)."""
    return 2.0 * np.pi * np.arange(size) / max(size - 1, 1)


def cosine_sum(size: int, coefficients: tuple[float, ...]) -> np.ndarray:
    """Σ_k (−1)^k a_k cos(2πkn/(size−1)): the Hann/Hamming/Blackman family."""
    if size == 1:
        return np.ones(1)
    phase = _phase(size)
    return sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))


def _position(size: int) -> np.ndarray:
    """x from −1 to 1 evenly across the window (0 for a single tap)."""
    return np.linspace(-1.0, 1.0, size) if size > 1 else np.zeros(1)


@register(
    "hann",
    "Hann (raised cosine) window, 0.5 − 0.5cos(2πn/(N−1))",
    params=_SIZE,
    aliases=("hanning",),
    **_WINDOW,
)
def hann(size: int) -> np.ndarray:
    return cosine_sum(size, (0.5, 0.5))


@register("hamming", "Hamming window, 0.54 − 0.46cos(2πn/(N−1))", params=_SIZE, **_WINDOW)
def hamming(size: int) -> np.ndarray:
    return cosine_sum(size, (0.54, 0.46))


@register(
    "blackman", "Blackman window (3-term cosine sum 0.42, 0.5, 0.08)", params=_SIZE, **_WINDOW
)
def blackman(size: int) -> np.ndarray:
    return cosine_sum(size, (0.42, 0.50, 0.08))


@register(
    "blackmanharris",
    "Minimum 4-term Blackman–Harris window",
    params=_SIZE,
    aliases=("blackman-harris",),
    **_WINDOW,
)
def blackmanharris(size: int) -> np.ndarray:
    return cosine_sum(size, (0.35875, 0.48829, 0.14128, 0.01168))


@register("nuttall", "Nuttall 4-term window (continuous first derivative)", params=_SIZE, **_WINDOW)
def nuttall(size: int) -> np.ndarray:
    return cosine_sum(size, (0.3635819, 0.4891775, 0.1365995, 0.0106411))


@register(
    "cosine", "Cosine (sine) window, sin(π(n+½)/N)", params=_SIZE, aliases=("sine",), **_WINDOW
)
def cosine(size: int) -> np.ndarray:
    return np.sin(np.pi * (np.arange(size) + 0.5) / size)


@register(
    "triangle",
    "Triangle window with non-zero ends (scipy's triang)",
    params=_SIZE,
    aliases=("triang", "tent"),
    **_WINDOW,
)
def triangle(size: int) -> np.ndarray:
    span = size + 1 if size % 2 else size
    return 1.0 - np.abs(2.0 * np.arange(size) - (size - 1)) / span


@register(
    "bartlett",
    "Bartlett window: triangle with zero end taps (numpy's bartlett)",
    params=_SIZE,
    **_WINDOW,
)
def bartlett(size: int) -> np.ndarray:
    return 1.0 - np.abs(_position(size))


@register(
    "bohman",
    "Bohman window, the triangle convolved with itself in cosine form",
    params=_SIZE,
    **_WINDOW,
)
def bohman(size: int) -> np.ndarray:
    x = np.abs(_position(size))
    return (1.0 - x) * np.cos(np.pi * x) + np.sin(np.pi * x) / np.pi


@register(
    "parzen", "Parzen window: piecewise cubic (de la Vallée Poussin)", params=_SIZE, **_WINDOW
)
def parzen(size: int) -> np.ndarray:
    n = np.abs(np.arange(size) - (size - 1) / 2.0)
    a = n / (size / 2.0)
    return np.where(n <= (size - 1) / 4.0, 1 - 6 * a**2 + 6 * a**3, 2 * (1 - a) ** 3)


@register(
    "tukey",
    "Tukey (tapered cosine) window: flat middle, cosine tapers over a fraction alpha",
    params=(
        *_SIZE,
        Param("alpha", float, 0.5, "tapered fraction: 0 = box, 1 = hann", low=0.0, high=1.0),
    ),
    **_WINDOW,
)
def tukey(size: int, alpha: float) -> np.ndarray:
    if size == 1 or alpha <= 0:
        return np.ones(size)
    x = np.arange(size) / (size - 1.0)
    edge = np.minimum(x, 1.0 - x)
    taper = 0.5 * (1.0 + np.cos(np.pi * (2.0 * edge / alpha - 1.0)))
    return np.where(edge < alpha / 2.0, taper, 1.0)


@register(
    "kaiser",
    "Kaiser window I0(β√(1−x²))/I0(β); larger beta = narrower, lower side lobes",
    params=(
        *_SIZE,
        Param(
            "beta", float, 8.6, "shape: 0 = box, 5 ≈ hamming, 8.6 ≈ blackman", low=0.0, high=700.0
        ),
    ),
    **_WINDOW,
)
def kaiser(size: int, beta: float) -> np.ndarray:
    x = _position(size)
    return np.i0(beta * np.sqrt(np.clip(1.0 - x * x, 0.0, None))) / np.i0(beta)
