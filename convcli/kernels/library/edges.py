"""Derivative and edge kernels for images.

Values are convolution weights. Gradient kernels (sobel, prewitt, scharr) give a positive
response where values grow along +x (to the right) or +y (downwards), as scipy.ndimage's do.
Compass kernels (kirsch, compass, roberts) respond most where the named side is brighter.
"""

from __future__ import annotations

import numpy as np

from convcli.errors import KernelError
from convcli.kernels.library.smoothing import gaussian_profile, gaussian_radius, radius_param
from convcli.kernels.limits import check_size
from convcli.kernels.registry import Param, register

COMPASS = ("e", "se", "s", "sw", "w", "nw", "n", "ne")
"""Clockwise on screen (rows grow downwards), from east."""
_OFFSETS = ((0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1))
_AXIS = {"x": -1, "y": -2, "z": -3}


def _direction(default: str) -> Param:
    return Param(
        "direction", str, default, "the brighter side: n, ne, e, se, s, sw, w, nw", choices=COMPASS
    )


def compass_kernel(ring: tuple[float, ...], centre: float, direction: str) -> np.ndarray:
    """A 3×3 kernel from its ring of neighbour weights listed for direction 'e'.

    ``ring[p]`` weighs the neighbour at compass point ``COMPASS[p]``; other directions turn
    the ring in 45° steps. A neighbour at offset o gets convolution index 1 − o.
    """
    turn = COMPASS.index(direction)
    kernel = np.full((3, 3), float(centre))
    for p, (dy, dx) in enumerate(_OFFSETS):
        kernel[1 - dy, 1 - dx] = ring[(p - turn) % 8]
    return kernel


def gradient_kernel(smooth: tuple[float, ...], ndim: int, direction: str) -> np.ndarray:
    """Outer product: the central difference [1 0 −1] along one axis, ``smooth`` on the rest."""
    if -_AXIS[direction] > ndim:
        raise KernelError(f"direction {direction} needs a 3-D kernel")
    axis = ndim + _AXIS[direction]
    kernel = np.ones(())
    for a in range(ndim):
        kernel = np.multiply.outer(kernel, [1.0, 0.0, -1.0] if a == axis else smooth)
    return kernel


_GRADIENT_DIRECTION = Param(
    "direction",
    str,
    "x",
    "x: d/dx (along rows), y: d/dy (down columns), z: 3-D only",
    choices=("x", "y", "z"),
)


@register(
    "laplacian",
    "Laplacian ∇² (centre negative, as scipy.ndimage.laplace); 4- or 8-neighbour",
    category="edge",
    params=(
        Param(
            "neighbors", int, 4, "4: axis neighbours (6 in 3-D); 8: all (26 in 3-D)", choices=(4, 8)
        ),
    ),
    ndims=(2, 1, 3),
)
def laplacian(ndim: int, neighbors: int) -> np.ndarray:
    kernel = np.zeros((3,) * ndim)
    centre = (1,) * ndim
    if neighbors == 8:
        kernel[:] = 1.0
        kernel[centre] = 1.0 - kernel.size
        return kernel
    for axis in range(ndim):
        for step in (0, 2):
            index = list(centre)
            index[axis] = step
            kernel[tuple(index)] = 1.0
    kernel[centre] = -2.0 * ndim
    return kernel


@register(
    "edge",
    "Everyday edge finder: one linear kernel for all directions "
    "(Pillow FIND_EDGES = ImageMagick Laplacian:0)",
    category="edge",
    aliases=("edges", "find_edges", "find-edges"),
)
def edge(ndim: int) -> np.ndarray:
    """[−1 −1 −1; −1 8 −1; −1 −1 −1]: the negated 8-neighbour Laplacian.

    Chosen as *the* edge kernel because it is what Pillow's FIND_EDGES and ImageMagick's
    default Laplacian apply, it finds edges of every orientation with one convolution, and
    it keeps bright detail positive. The Sobel gradient magnitude √(gx² + gy²) is the other
    everyday answer, but it is not linear, so it cannot be one kernel.
    """
    kernel = -np.ones((3, 3))
    kernel[1, 1] = 8.0
    return kernel


@register(
    "sobel",
    "Sobel gradient: [1 2 1] smoothing ⊗ central difference (= scipy.ndimage.sobel)",
    category="edge",
    params=(_GRADIENT_DIRECTION,),
    ndims=(2, 3),
)
def sobel(ndim: int, direction: str) -> np.ndarray:
    return gradient_kernel((1.0, 2.0, 1.0), ndim, direction)


@register(
    "prewitt",
    "Prewitt gradient: [1 1 1] smoothing ⊗ central difference (= scipy.ndimage.prewitt)",
    category="edge",
    params=(_GRADIENT_DIRECTION,),
    ndims=(2, 3),
)
def prewitt(ndim: int, direction: str) -> np.ndarray:
    return gradient_kernel((1.0, 1.0, 1.0), ndim, direction)


@register(
    "scharr",
    "Scharr gradient: [3 10 3] smoothing ⊗ central difference (better rotation symmetry)",
    category="edge",
    params=(_GRADIENT_DIRECTION,),
    ndims=(2, 3),
)
def scharr(ndim: int, direction: str) -> np.ndarray:
    return gradient_kernel((3.0, 10.0, 3.0), ndim, direction)


@register(
    "roberts",
    "Roberts cross: a pixel's diagonal neighbour minus itself (3×3 as ImageMagick's Roberts)",
    category="edge",
    params=(_direction("se"),),
)
def roberts(ndim: int, direction: str) -> np.ndarray:
    return compass_kernel((1, 0, 0, 0, 0, 0, 0, 0), -1, direction)


@register(
    "kirsch",
    "Kirsch compass edge: 5 on the bright side's three neighbours, −3 on the rest",
    category="edge",
    params=(_direction("e"),),
)
def kirsch(ndim: int, direction: str) -> np.ndarray:
    return compass_kernel((5, 5, -3, -3, -3, -3, -3, 5), 0, direction)


@register(
    "compass",
    "Prewitt compass edge: 1 on the bright side's five neighbours, −1 on three, −2 centre",
    category="edge",
    params=(_direction("e"),),
)
def compass(ndim: int, direction: str) -> np.ndarray:
    return compass_kernel((1, 1, 1, -1, -1, -1, 1, 1), -2, direction)


def _normalized_gaussians(sigma: float, radius: int) -> list[np.ndarray]:
    """1-D Gaussian, unit sum, and its second derivative, sampled on −radius…radius."""
    g = gaussian_profile(sigma, radius)
    g = g / g.sum()
    x = np.arange(-radius, radius + 1, dtype=float)
    return [g, g * (x * x - sigma * sigma) / sigma**4]


@register(
    "log",
    "Laplacian of Gaussian ∇²G (centre negative, = scipy.ndimage.gaussian_laplace)",
    category="edge",
    params=(
        Param("sigma", float, 1.4, "Gaussian standard deviation", low=0, low_open=True),
        radius_param("(scipy's truncate=4)"),
    ),
    ndims=(2, 1, 3),
    aliases=("laplacian-of-gaussian",),
)
def log(ndim: int, sigma: float, radius: int | None) -> np.ndarray:
    if radius is None:
        radius = gaussian_radius(sigma, "kernel 'log'")
    check_size((2 * radius + 1,) * ndim, "kernel 'log'")
    g, g2 = _normalized_gaussians(sigma, radius)
    total = np.zeros((g.size,) * ndim)
    for axis in range(ndim):
        term = np.ones(())
        for a in range(ndim):
            term = np.multiply.outer(term, g2 if a == axis else g)
        total += term
    return total


@register(
    "dog",
    "Difference of Gaussians G(σ1) − G(σ2), each of unit sum: a band-pass, ≈ −LoG",
    category="edge",
    params=(
        Param("sigma1", float, 1.0, "the narrower Gaussian", low=0, low_open=True),
        Param("sigma2", float, 1.6, "the wider Gaussian", low=0, low_open=True),
        radius_param("of the larger sigma"),
    ),
    ndims=(2, 1, 3),
    aliases=("difference-of-gaussians",),
)
def dog(ndim: int, sigma1: float, sigma2: float, radius: int | None) -> np.ndarray:
    if sigma1 == sigma2:
        raise KernelError("dog: sigma1 and sigma2 must differ (their difference would be zero)")
    if radius is None:
        radius = gaussian_radius(max(sigma1, sigma2), "kernel 'dog'")
    check_size((2 * radius + 1,) * ndim, "kernel 'dog'")
    result = []
    for sigma in (sigma1, sigma2):
        g = gaussian_profile(sigma, radius)
        g = g / g.sum()
        blur = np.ones(())
        for _ in range(ndim):
            blur = np.multiply.outer(blur, g)
        result.append(blur)
    return result[0] - result[1]
