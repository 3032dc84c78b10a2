"""Algebraic properties of convolution, by hypothesis, on every backend."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import convcli
from tests.engine.conftest import BACKENDS, assert_close

SETTINGS = settings(max_examples=25, deadline=None)
values = st.floats(-100, 100, allow_nan=False, allow_subnormal=False, width=64)


def signals(max_len=24, ndim=1):
    sides = st.integers(1, max_len if ndim == 1 else 8)
    return st.tuples(*[sides] * ndim).flatmap(lambda s: arrays(np.float64, s, elements=values))


@pytest.mark.parametrize("backend", BACKENDS)
@SETTINGS
@given(x=signals(), y=signals(), k=signals(8), a=values, b=values,
       mode=st.sampled_from(["full", "same"]),
       boundary=st.sampled_from(["fill", "reflect", "mirror", "nearest", "wrap"]))
def test_linearity(backend, x, y, k, a, b, mode, boundary):
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    lhs = convcli.convolve(a * x + b * y, k, mode, backend=backend, boundary=boundary)
    rhs = a * convcli.convolve(x, k, mode, backend=backend, boundary=boundary) + \
        b * convcli.convolve(y, k, mode, backend=backend, boundary=boundary)
    assert_close(lhs, rhs)


@pytest.mark.parametrize("backend", BACKENDS)
@SETTINGS
@given(x=signals(ndim=2), k=signals(4, ndim=2), shift=st.tuples(st.integers(-5, 5),
                                                                  st.integers(-5, 5)))
def test_shift_equivariance(backend, x, k, shift):
    """Translating the input translates the feature map (periodic boundary: exact)."""
    shifted = convcli.convolve(np.roll(x, shift, (0, 1)), k, "same", boundary="wrap",
                               backend=backend)
    expected = np.roll(convcli.convolve(x, k, "same", boundary="wrap", backend=backend),
                       shift, (0, 1))
    assert_close(shifted, expected)


@pytest.mark.parametrize("backend", BACKENDS)
@SETTINGS
@given(x=signals(ndim=2), k=signals(ndim=2))
def test_full_convolution_commutes(backend, x, k):
    assert_close(convcli.convolve(x, k, backend=backend), convcli.convolve(k, x, backend=backend))


@pytest.mark.parametrize("backend", BACKENDS)
@SETTINGS
@given(a=signals(10), b=signals(10), c=signals(10))
def test_full_convolution_associates(backend, a, b, c):
    left = convcli.convolve(convcli.convolve(a, b, backend=backend), c, backend=backend)
    right = convcli.convolve(a, convcli.convolve(b, c, backend=backend), backend=backend)
    scale = np.abs(a).sum() * np.abs(b).sum() * np.abs(c).sum()
    assert np.max(np.abs(left - right), initial=0) <= 1e-10 * max(1.0, scale)


@pytest.mark.parametrize("backend", BACKENDS)
@SETTINGS
@given(x=signals(ndim=2), k=signals(5, ndim=2), mode=st.sampled_from(["full", "same", "valid"]))
def test_correlation_is_convolution_with_flipped_kernel(backend, x, k, mode):
    """The seed's kernel flipping: correlate(x, k) == convolve(x, flip(k))."""
    if mode == "valid":  # about flipping, not scipy's operand swap
        assume(all(a >= b for a, b in zip(x.shape, k.shape)))
    assert_close(convcli.correlate(x, k, mode, backend=backend),
                 convcli.convolve(x, np.flip(k), mode, backend=backend))


@SETTINGS
@given(x=signals(), k=signals(6), origin=st.integers(0, 5))
def test_causal_origin_uses_only_the_past(x, k, origin):
    """origin=0: s(t) depends on x(t), x(t−1), … only — changing the future changes nothing."""
    future = x.copy()
    cut = len(x) // 2
    future[cut + 1:] += 7.0
    a = convcli.convolve(x, k, "same", origin=0, boundary="nearest")
    b = convcli.convolve(future, k, "same", origin=0, boundary="nearest")
    assert_close(a[: cut + 1], b[: cut + 1])
