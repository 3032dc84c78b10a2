"""Gabor kernels against their formula, and against scikit-image's gabor_kernel if installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convcli.errors import KernelError
from convcli.kernels import parse_kernel


def formula(sigma, theta_deg, frequency, phase_deg, gamma, x0, y0):
    """The Gabor formula written out tap by tap (x: column, y: row, from the centre)."""
    t, p = math.radians(theta_deg), math.radians(phase_deg)
    sx, sy = sigma, sigma / gamma
    out = np.empty((2 * y0 + 1, 2 * x0 + 1), dtype=complex)
    for r in range(2 * y0 + 1):
        for c in range(2 * x0 + 1):
            x, y = c - x0, r - y0
            xr = x * math.cos(t) + y * math.sin(t)
            yr = -x * math.sin(t) + y * math.cos(t)
            env = math.exp(-0.5 * (xr**2 / sx**2 + yr**2 / sy**2)) / (2 * math.pi * sx * sy)
            out[r, c] = env * complex(math.cos(2 * math.pi * frequency * xr + p),
                                      math.sin(2 * math.pi * frequency * xr + p))
    return out


@pytest.mark.parametrize("sigma,theta,frequency,phase,gamma", [
    (3.0, 0.0, 0.1, 0.0, 1.0), (2.5, 30.0, 0.2, 90.0, 0.5), (4.0, 135.0, 0.05, 45.0, 2.0),
])
def test_values_equal_the_formula(sigma, theta, frequency, phase, gamma):
    spec = f"gabor:sigma={sigma},theta={theta},frequency={frequency},phase={phase},gamma={gamma}"
    real = parse_kernel(spec).values
    imag = parse_kernel(spec + ",part=imag").values
    y0, x0 = (n // 2 for n in real.shape)
    want = formula(sigma, theta, frequency, phase, gamma, x0, y0)
    np.testing.assert_allclose(real, want.real, rtol=0, atol=1e-15)
    np.testing.assert_allclose(imag, want.imag, rtol=0, atol=1e-15)


def test_default_size_covers_three_sigma_along_each_rotated_axis():
    k = parse_kernel("gabor:sigma=4,gamma=0.5,theta=0")
    assert k.shape == (2 * 24 + 1, 2 * 12 + 1)  # σy = 8 → 24 rows each side, σx = 4 → 12
    assert parse_kernel("gabor:sigma=4,radius=5").shape == (11, 11)


def test_theta_turns_the_stripes():
    # theta=0: the carrier runs along x, so the stripes are vertical: columns vary, rows not
    k = parse_kernel("gabor:sigma=3,frequency=0.25,gamma=1e-3,radius=4").values
    centre_row = k[4]
    assert centre_row[4] > 0 and centre_row[6] < 0  # cos(2π·0.25·2) = −1
    turned = parse_kernel("gabor:sigma=3,frequency=0.25,gamma=1e-3,radius=4,theta=90").values
    np.testing.assert_allclose(turned, k.T, atol=1e-15)


def test_default_sigma_is_the_one_octave_bandwidth():
    k = parse_kernel("gabor:frequency=0.2")
    sigma = math.sqrt(math.log(2) / 2) / math.pi * 3 / 0.2
    x0 = math.ceil(3 * sigma)
    np.testing.assert_allclose(k.values, formula(sigma, 0, 0.2, 0, 1, x0, x0).real, atol=1e-15)


def test_too_wide_a_gabor_is_refused():
    with pytest.raises(KernelError, match="limit"):
        parse_kernel("gabor:sigma=5000")


@pytest.mark.parametrize("theta", [0.0, 20.0, 90.0, 160.0])
@pytest.mark.parametrize("gamma", [1.0, 0.6])
def test_equal_to_scikit_image(theta, gamma):
    filters = pytest.importorskip("skimage.filters")
    sigma, frequency, phase = 3.0, 0.15, 30.0
    want = filters.gabor_kernel(frequency, theta=math.radians(theta), sigma_x=sigma,
                                sigma_y=sigma / gamma, offset=math.radians(phase))
    spec = f"gabor:sigma={sigma},theta={theta},frequency={frequency},phase={phase},gamma={gamma}"
    np.testing.assert_allclose(parse_kernel(spec).values, want.real, atol=1e-15)
    np.testing.assert_allclose(parse_kernel(spec + ",part=imag").values, want.imag, atol=1e-15)
