"""Every backend against the textbook sum (Python loops) and against scipy."""

import itertools

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal as ss

import convcli
from tests.engine.conftest import BACKENDS, assert_close, random_array
from tests.engine.naive import naive

DTYPES = ["uint8", "int16", "int64", "float32", "float64", "complex128"]
SHAPES = [  # (input, kernel)
    ((1,), (1,)), ((7,), (3,)), ((9,), (4,)), ((5,), (8,)), ((12,), (1,)),
    ((6, 5), (3, 2)), ((4, 7), (1, 3)), ((5, 5), (5, 5)), ((3, 4), (4, 6)),
    ((4, 3, 5), (2, 3, 2)), ((3, 3, 3), (1, 1, 1)),
]
BOUNDARIES = ["fill", "reflect", "mirror", "nearest", "wrap"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_scipy_signal_modes(backend, dtype, shapes, rng):
    """full/same/valid with fill: values and dtypes exactly as scipy.signal."""
    x = random_array(rng, shapes[0], dtype)
    k = random_array(rng, shapes[1], dtype)
    for mode in ("full", "same", "valid"):
        for ours, theirs in ((convcli.convolve, ss.convolve), (convcli.correlate, ss.correlate)):
            try:
                expected = theirs(x, k, mode, method="direct")
            except ValueError:
                with pytest.raises(ValueError):
                    ours(x, k, mode, backend=backend)
                continue
            got = ours(x, k, mode, backend=backend)
            assert got.dtype == expected.dtype
            assert_close(got, expected)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("flip", [True, False])
@pytest.mark.parametrize("case", [
    # (x shape, k shape, mode, boundary, origin, stride, dilation)
    ((11,), (3,), "same", "reflect", None, 1, 1),
    ((11,), (4,), "same", "mirror", 0, 2, 1),
    ((10,), (3,), "full", "nearest", None, 3, 2),
    ((10,), (2,), "valid", "fill", None, 2, 3),
    ((9,), (5,), "same", "wrap", 4, 1, 2),
    ((3,), (7,), "same", "reflect", None, 1, 1),
    ((2,), (6,), "same", "mirror", 2, 1, 1),
    ((1,), (4,), "same", "wrap", None, 1, 1),
    ((6, 7), (3, 2), "same", "reflect", (0, 1), (2, 1), (1, 2)),
    ((6, 7), (2, 3), "full", "wrap", None, 2, 1),
    ((7, 6), (3, 3), "valid", "fill", None, (1, 2), (2, 1)),
    ((5, 6), (3, 4), "same", "fill", None, 1, 1),
    ((4, 4, 5), (2, 3, 2), "same", "nearest", (1, 0, 1), (1, 2, 2), 1),
])
def test_textbook_sum(backend, flip, case, rng):
    xs, ks, mode, boundary, origin, stride, dilation = case
    for dtype in ("int16", "float64", "complex128"):
        x = random_array(rng, xs, dtype)
        k = random_array(rng, ks, dtype)
        fn = convcli.convolve if flip else convcli.correlate
        got = fn(x, k, mode, backend=backend, boundary=boundary, fillvalue=2, origin=origin,
                 stride=stride, dilation=dilation)
        expected = naive(x, k, mode, flip=flip, boundary=boundary, fillvalue=2, origin=origin,
                         stride=stride, dilation=dilation)
        assert_close(got, expected.astype(got.dtype), got.dtype)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("ks", [(3,), (4,), (3, 3), (2, 5), (3, 1, 2)])
def test_ndimage_boundaries(backend, boundary, ks, rng):
    """'same' with a boundary equals scipy.ndimage.convolve/correlate (origin K//2 for the
    convolution's even sizes: ndimage's centring)."""
    shape = {1: (13,), 2: (9, 8), 3: (5, 6, 4)}[len(ks)]
    x = rng.standard_normal(shape)
    k = rng.standard_normal(ks)
    mode = "constant" if boundary == "fill" else boundary
    got = convcli.convolve(x, k, "same", backend=backend, boundary=boundary, fillvalue=0.5,
                           origin=tuple(n // 2 for n in ks))
    assert_close(got, ndi.convolve(x, k, mode=mode, cval=0.5))
    got = convcli.correlate(x, k, "same", backend=backend, boundary=boundary, fillvalue=0.5)
    assert_close(got, ndi.correlate(x, k, mode=mode, cval=0.5))


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_overflow_wraps_like_numpy(backend):
    x = np.full(20, 200, dtype=np.uint8)
    k = np.full(3, 3, dtype=np.uint8)
    got = convcli.convolve(x, k, "same", backend=backend)
    expected = naive(x, k, "same").astype(np.int64).astype(np.uint8)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_float32_stays_float32(backend, rng):
    x = rng.standard_normal((40, 30)).astype(np.float32)
    k = rng.standard_normal((5, 5)).astype(np.float32)
    got = convcli.convolve(x, k, "same", backend=backend)
    assert got.dtype == np.float32
    assert_close(got, ss.convolve(x.astype(float), k.astype(float), "same"), np.float32)


@pytest.mark.parametrize("backend", BACKENDS)
def test_axes_broadcast_like_fftconvolve(backend, rng):
    x = rng.standard_normal((3, 20, 4))
    k = rng.standard_normal((3, 5, 1))
    for mode in ("full", "same", "valid"):
        expected = ss.fftconvolve(x, k, mode, axes=[1])
        assert_close(convcli.convolve(x, k, mode, axes=[1], backend=backend), expected)
    image = rng.standard_normal((12, 10, 3))
    k2 = rng.standard_normal((3, 3))
    got = convcli.convolve(image, k2, "same", axes=(0, 1), backend=backend, boundary="reflect")
    for c in range(3):
        assert_close(got[..., c], ndi.convolve(image[..., c], k2, mode="reflect"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_separable_kernel_matches_dense(backend, rng):
    g = np.exp(-0.5 * (np.arange(-7, 8) / 2.0) ** 2)
    k = np.outer(g, g) / g.sum() ** 2
    x = rng.standard_normal((40, 50)).astype(np.float32)
    got = convcli.convolve(x, k, "same", boundary="nearest", backend=backend, stride=(2, 3))
    expected = ndi.convolve(x.astype(float), k, mode="nearest")[::2, ::3]
    assert_close(got, expected, np.float32)


def test_zero_dimensional_and_single_element():
    assert convcli.convolve(3, 4) == 12
    assert convcli.convolve(np.array(2.5), np.array(2.0)).ndim == 0
    for backend in BACKENDS:
        np.testing.assert_array_equal(convcli.convolve([5], [2], "same", backend=backend), [10])


@pytest.mark.parametrize("backend", BACKENDS)
def test_backends_agree_on_random_cases(backend, rng):
    for _ in range(20):
        nd = int(rng.integers(1, 4))
        xs = tuple(int(v) for v in rng.integers(1, 12, nd))
        ks = tuple(int(v) for v in rng.integers(1, 6, nd))
        dtype = rng.choice(["int64", "float32", "float64", "complex128"])
        x, k = random_array(rng, xs, dtype), random_array(rng, ks, dtype)
        mode = str(rng.choice(["full", "same"]))
        boundary = str(rng.choice(BOUNDARIES))
        stride = int(rng.integers(1, 3))
        dilation = int(rng.integers(1, 3))
        options = dict(boundary=boundary, stride=stride, dilation=dilation)
        ref = convcli.convolve(x, k, mode, backend="direct", **options)
        assert_close(convcli.convolve(x, k, mode, backend=backend, **options), ref, ref.dtype)


@pytest.mark.parametrize("backend", BACKENDS)
def test_long_signal_overlap_add(backend, rng):
    x = rng.standard_normal(20000)
    k = rng.standard_normal(101)
    for mode in ("full", "same", "valid"):
        assert_close(convcli.convolve(x, k, mode, backend=backend), np.convolve(x, k, mode))
    x2 = rng.standard_normal((300, 2))
    assert_close(convcli.convolve(x2, k[:, None], "same", backend=backend),
                 ss.fftconvolve(x2, k[:, None], "same", axes=0))


@pytest.mark.parametrize("case", list(itertools.product(["fft", "auto"], [np.nan, np.inf])))
def test_nonfinite_input(case):
    backend, bad = case
    x = np.arange(50, dtype=float)
    x[10] = bad
    k = np.ones(3)
    if backend == "fft":
        with pytest.raises(ValueError, match="NaN or inf"):
            convcli.convolve(x, k, "same", backend="fft")
    else:
        got = convcli.convolve(x, k, "same")
        assert np.isfinite(got[:9]).all() and np.isfinite(got[12:]).all()
