import numpy as np
import pytest

BACKENDS = ["direct", "fft", "scipy", "auto"]


def tolerance(dtype) -> float:
    """The documented agreement between backends, relative to max|result|."""
    dtype = np.dtype(dtype)
    if dtype.kind in "ui":
        return 0.0
    return 1e-4 if dtype in (np.float32, np.complex64, np.float16) else 1e-10


def assert_close(actual, expected, dtype=None):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    dtype = actual.dtype if dtype is None else dtype
    if np.dtype(dtype).kind in "ui":
        np.testing.assert_array_equal(actual, expected)
        return
    scale = max(1.0, float(np.max(np.abs(expected.astype(complex))))) if expected.size else 1.0
    err = float(np.max(np.abs(actual.astype(complex) - expected.astype(complex)))) \
        if expected.size else 0.0
    assert err <= tolerance(dtype) * scale, f"error {err} > {tolerance(dtype)} × {scale}"


def random_array(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return rng.integers(0, 8, size=shape).astype(dtype)
    if dtype.kind == "i":
        return rng.integers(-8, 8, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
