"""Enhancement kernels for images: sharpen, unsharp mask, emboss, motion blur."""

from __future__ import annotations

import math

import numpy as np

from convcli.kernels.library.smoothing import gaussian_profile, radius_param
from convcli.kernels.limits import MAX_SIDE, check_size
from convcli.kernels.registry import Param, register


@register(
    "sharpen",
    "Sharpen: centre 1+amount, the 8 neighbours −amount/8; amount=1 is Pillow's SHARPEN",
    category="enhance",
    params=(Param("amount", float, 1.0, "strength (0 = identity)", low=0),),
)
def sharpen(ndim: int, amount: float) -> np.ndarray:
    kernel = np.full((3, 3), -amount / 8.0)
    kernel[1, 1] = 1.0 + amount
    return kernel


@register(
    "unsharp",
    "Unsharp mask: identity + amount·(identity − gaussian(sigma)), sum 1",
    category="enhance",
    params=(
        Param("amount", float, 1.0, "strength (0 = identity)", low=0),
        Param("sigma", float, 1.0, "blur of the subtracted copy", low=0, low_open=True),
        radius_param("(scipy's truncate=4)"),
    ),
    ndims=(2, 1),
    aliases=("unsharp-mask", "usm"),
)
def unsharp(ndim: int, amount: float, sigma: float, radius: int | None) -> np.ndarray:
    profile = gaussian_profile(sigma, radius)
    check_size((profile.size,) * ndim, "kernel 'unsharp'")
    profile = profile / profile.sum()
    blur = np.ones(())
    for _ in range(ndim):
        blur = np.multiply.outer(blur, profile)
    kernel = -amount * blur
    kernel[(profile.size // 2,) * ndim] += 1.0 + amount
    return kernel


@register(
    "emboss",
    "Emboss: pixel minus its lower-left neighbour, as Pillow's EMBOSS (without its +128)",
    category="enhance",
)
def emboss(ndim: int) -> np.ndarray:
    # Pillow lists (-1 0 0, 0 1 0, 0 0 0) but applies kernels mirrored left-right;
    # as convolution weights the same filter is this.
    kernel = np.zeros((3, 3))
    kernel[1, 1] = 1.0
    kernel[0, 2] = -1.0
    return kernel


@register(
    "motion",
    "Motion blur: an anti-aliased centred line of length taps at angle degrees (unit sum)",
    category="enhance",
    params=(
        Param("length", int, 9, "line length in samples", low=1, high=MAX_SIDE),
        Param("angle", float, 0.0, "degrees counter-clockwise from +x (0 = horizontal)"),
    ),
    aliases=("motion-blur", "line"),
    normalized=True,
)
def motion(ndim: int, length: int, angle: float) -> np.ndarray:
    """Samples one apart along the line, each shared bilinearly among its 4 nearest taps."""
    theta = math.radians(angle)
    t = np.arange(length) - (length - 1) / 2.0
    x = np.round(t * math.cos(theta), 9)
    y = np.round(-t * math.sin(theta), 9)  # rows grow downwards
    half_x = int(np.ceil(np.abs(x).max())) + 1
    half_y = int(np.ceil(np.abs(y).max())) + 1
    check_size((2 * half_y - 1, 2 * half_x - 1), "kernel 'motion'")
    grid = np.zeros((2 * half_y + 1, 2 * half_x + 1))
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    cols, rows = x0.astype(int) + half_x, y0.astype(int) + half_y
    for dy, wy in ((0, 1.0 - fy), (1, fy)):
        for dx, wx in ((0, 1.0 - fx), (1, fx)):
            np.add.at(grid, (rows + dy, cols + dx), wy * wx)
    used_rows = np.flatnonzero(grid.any(axis=1))
    used_cols = np.flatnonzero(grid.any(axis=0))
    trim_y = min(used_rows[0], grid.shape[0] - 1 - used_rows[-1])
    trim_x = min(used_cols[0], grid.shape[1] - 1 - used_cols[-1])
    return grid[trim_y : grid.shape[0] - trim_y, trim_x : grid.shape[1] - trim_x]
