"""Every named kernel against an independent reference: scipy, Pillow, ImageMagick, formulas."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter
from scipy import ndimage as ndi
from scipy import signal
from scipy.signal import windows as sw
from scipy.stats import binom

from convcli.errors import KernelError
from convcli.kernels import named_kernels, parse_kernel

RNG = np.random.default_rng(1234)


def values(spec: str, ndim: int | None = None) -> np.ndarray:
    return parse_kernel(spec, ndim).values


def impulse_response(filt, shape: tuple[int, ...], **kwargs) -> np.ndarray:
    """Apply a scipy.ndimage filter to a unit impulse at the centre of ``shape``."""
    delta = np.zeros(shape)
    delta[tuple(n // 2 for n in shape)] = 1.0
    return filt(delta, mode="constant", **kwargs)


def crop(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The centred ``shape`` block of ``array`` (sizes odd)."""
    index = tuple(slice(n // 2 - k // 2, n // 2 + k // 2 + 1) for n, k in zip(array.shape, shape))
    return array[index]


# Every registered kernel must appear here, with at least one test below.
REFERENCED = {
    "identity", "box", "gaussian", "binomial", "disk",
    "hann", "hamming", "blackman", "blackmanharris", "nuttall", "cosine", "triangle",
    "bartlett", "bohman", "parzen", "tukey", "kaiser",
    "exponential", "savgol", "derivative",
    "laplacian", "edge", "sobel", "prewitt", "scharr", "roberts", "kirsch", "compass",
    "log", "dog",
    "sharpen", "unsharp", "emboss", "motion",
    "gabor",
}  # fmt: skip

NATURAL_NDIM = {name: 1 for name in REFERENCED} | {
    name: 2
    for name in (
        "disk", "laplacian", "edge", "sobel", "prewitt", "scharr", "roberts", "kirsch",
        "compass", "log", "dog", "sharpen", "unsharp", "emboss", "motion", "gabor",
    )
}  # fmt: skip


def test_every_named_kernel_has_a_reference_test():
    assert {e.name for e in named_kernels()} == REFERENCED


def test_every_named_kernel_is_documented():
    readme = (Path(__file__).parents[2] / "convcli" / "kernels" / "README.md").read_text("utf-8")
    for entry in named_kernels():
        assert f"| `{entry.name}`" in readme, entry.name
        assert entry.description in readme, entry.name


@pytest.mark.parametrize("name", sorted(REFERENCED))
def test_natural_dimension(name):
    assert parse_kernel(name).ndim == NATURAL_NDIM[name]


@pytest.mark.parametrize("entry", named_kernels(), ids=lambda e: e.name)
def test_every_kernel_has_a_one_line_description_and_defaults(entry):
    assert entry.description and "\n" not in entry.description
    assert len(entry.description) <= 120
    for param in entry.params:
        assert param.help and "\n" not in param.help
        assert param.default is None or isinstance(param.default, param.kind)


# --- smoothing --------------------------------------------------------------------------


def test_identity():
    assert values("identity").tolist() == [1.0]
    assert values("unity:size=5").tolist() == [0, 0, 1, 0, 0]
    expected = np.zeros((3, 3))
    expected[1, 1] = 1
    np.testing.assert_array_equal(values("identity:size=3", ndim=2), expected)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_box_matches_uniform_filter(size):
    np.testing.assert_allclose(values(f"box:size={size}"), np.full(size, 1 / size))
    if size % 2:
        ref = crop(impulse_response(ndi.uniform_filter, (15, 15), size=size), (size, size))
        np.testing.assert_allclose(values(f"box:size={size}", ndim=2), ref, atol=1e-15)


def test_box_raw_weights_when_not_normalised():
    np.testing.assert_array_equal(values("box:size=4,normalize=false"), np.ones(4))


@pytest.mark.parametrize("sigma", [0.3, 1.0, 1.7, 3.2])
def test_gaussian_matches_scipy_gaussian_filter(sigma):
    k1 = values(f"gaussian:sigma={sigma}")
    radius = int(4 * sigma + 0.5)
    assert k1.shape == (2 * radius + 1,)
    ref1 = crop(impulse_response(ndi.gaussian_filter1d, (41,), sigma=sigma), k1.shape)
    np.testing.assert_allclose(k1, ref1, atol=1e-15)
    k2 = values(f"gaussian:sigma={sigma}", ndim=2)
    ref2 = crop(impulse_response(ndi.gaussian_filter, (41, 41), sigma=sigma), k2.shape)
    np.testing.assert_allclose(k2, ref2, atol=1e-15)


def test_gaussian_explicit_radius_and_3d():
    k = values("gaussian:sigma=2.5,radius=8")
    assert k.shape == (17,)
    ref = crop(impulse_response(ndi.gaussian_filter1d, (41,), sigma=2.5, radius=8), (17,))
    np.testing.assert_allclose(k, ref, atol=1e-15)
    k3 = values("gaussian:sigma=1", ndim=3)
    ref3 = crop(impulse_response(ndi.gaussian_filter, (15, 15, 15), sigma=1.0), k3.shape)
    np.testing.assert_allclose(k3, ref3, atol=1e-15)


def test_gaussian_formula_and_imagemagick_2d_form():
    sigma, radius = 1.3, 4
    x = np.arange(-radius, radius + 1)
    yy, xx = np.meshgrid(x, x, indexing="ij")
    im_style = np.exp(-(xx**2 + yy**2) / (2 * sigma**2)) / (2 * np.pi * sigma**2)
    np.testing.assert_allclose(
        values(f"gaussian:sigma={sigma},radius={radius}", ndim=2), im_style / im_style.sum()
    )


@pytest.mark.parametrize("size", [1, 2, 3, 5, 9, 30])
def test_binomial_is_the_binomial_pmf(size):
    np.testing.assert_allclose(
        values(f"binomial:size={size}"), binom.pmf(range(size), size - 1, 0.5)
    )


def test_binomial_integers_and_huge_sizes():
    assert values("binomial:size=5,normalize=false").tolist() == [1, 4, 6, 4, 1]
    np.testing.assert_array_equal(
        values("binomial:size=3,normalize=false", ndim=2), [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    )
    big = values("binomial:size=2001")
    np.testing.assert_allclose(big, binom.pmf(range(2001), 2000, 0.5), rtol=1e-9, atol=1e-300)


def _imagemagick_disk(radius: float) -> np.ndarray:
    """ImageMagick's Disk rule, written as loops: width 2⌊r⌋+1, taps with u²+v² ≤ ⌊r²⌋."""
    half = math.floor(radius)
    limit = math.floor(radius * radius)
    out = [[1.0 if u * u + v * v <= limit else 0.0 for u in range(-half, half + 1)]
           for v in range(-half, half + 1)]  # fmt: skip
    return np.array(out)


@pytest.mark.parametrize("radius", [0.5, 1, 1.5, 2.5, 4.3, 7])
def test_disk_matches_imagemagick_rule(radius):
    ref = _imagemagick_disk(radius)
    np.testing.assert_allclose(values(f"disk:radius={radius}"), ref / ref.sum())


def test_disk_default_is_imagemagick_default():
    k = values("disk")
    assert k.shape == (9, 9)
    assert np.count_nonzero(k) == 61  # rows of 3, 7, 7, 9, 9, 9, 7, 7, 3 taps
    assert values("disk:radius=1,normalize=false").tolist() == [[0, 1, 0], [1, 1, 1], [0, 1, 0]]


# --- windows -----------------------------------------------------------------------------

WINDOWS = {
    "hann": "hann", "hamming": "hamming", "blackman": "blackman",
    "blackmanharris": "blackmanharris", "nuttall": "nuttall", "cosine": "cosine",
    "triangle": "triang", "bartlett": "bartlett", "bohman": "bohman", "parzen": "parzen",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(WINDOWS))
@pytest.mark.parametrize("size", [1, 3, 4, 5, 7, 10, 31])
def test_window_matches_scipy(name, size):
    ref = sw.get_window(WINDOWS[name], size, fftbins=False)
    np.testing.assert_allclose(values(f"{name}:size={size}"), ref / ref.sum(), atol=1e-14)


def test_window_raw_values_and_numpy_equivalents():
    np.testing.assert_allclose(values("hann:size=9,normalize=false"), np.hanning(9), atol=1e-15)
    np.testing.assert_allclose(values("hamming:size=9,normalize=false"), np.hamming(9))
    np.testing.assert_allclose(
        values("blackman:size=9,normalize=false"), np.blackman(9), atol=1e-15
    )
    np.testing.assert_allclose(values("bartlett:size=9,normalize=false"), np.bartlett(9))
    np.testing.assert_allclose(values("kaiser:size=9,beta=5,normalize=false"), np.kaiser(9, 5))


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5, 0.77, 1.0])
@pytest.mark.parametrize("size", [1, 3, 6, 11, 32])
def test_tukey_matches_scipy(alpha, size):
    ref = sw.tukey(size, alpha, sym=True)
    np.testing.assert_allclose(
        values(f"tukey:size={size},alpha={alpha}"), ref / ref.sum(), atol=1e-14
    )


@pytest.mark.parametrize("beta", [0.0, 2.5, 8.6, 14.0, 60.0])
@pytest.mark.parametrize("size", [1, 2, 7, 20])
def test_kaiser_matches_scipy(beta, size):
    ref = sw.kaiser(size, beta, sym=True)
    np.testing.assert_allclose(values(f"kaiser:size={size},beta={beta}"), ref / ref.sum())


def test_window_2d_is_the_outer_product():
    ref = sw.hann(7, sym=True)
    ref2 = np.outer(ref, ref)
    np.testing.assert_allclose(values("hann", ndim=2), ref2 / ref2.sum(), atol=1e-15)


# --- signal kernels ----------------------------------------------------------------------


@pytest.mark.parametrize("tau", [0.5, 1.0, 4.0, 10.0])
def test_exponential_formula_and_default_length(tau):
    kernel = parse_kernel(f"exponential:tau={tau}")
    assert kernel.origin == (0,)
    n = kernel.shape[0]
    assert math.exp(-n / tau) < 1e-6 <= math.exp(-(n - 1) / tau)
    expected = np.exp(-np.arange(n) / tau)
    np.testing.assert_allclose(kernel.values, expected / expected.sum())
    assert np.all(np.diff(kernel.values) < 0) and np.all(kernel.values > 0)
    assert kernel.sum == pytest.approx(1.0)


def test_exponential_default_tau_and_alpha_form():
    assert parse_kernel("exponential").params["tau"] == 4.0
    alpha = 1 - math.exp(-1 / 3)
    np.testing.assert_allclose(
        values(f"exponential:alpha={alpha},length=20"), values("exponential:tau=3,length=20")
    )
    np.testing.assert_allclose(values("ema:alpha=1"), [1.0])
    np.testing.assert_allclose(values("exp:alpha=0.5,length=3"), np.array([4, 2, 1]) / 7)


def test_exponential_is_a_truncated_ema():
    """Causal convolution equals the EMA recursion (scipy lfilter), up to the truncation."""
    alpha, length = 0.3, 12
    w = values(f"exponential:alpha={alpha},length={length}")
    x = RNG.normal(size=length)
    causal = np.convolve(x, w)[:length]  # s(t) = Σ_a w[a] x(t−a), origin 0
    ema = signal.lfilter([alpha], [1, -(1 - alpha)], x)
    np.testing.assert_allclose(causal, ema / (1 - (1 - alpha) ** length))


def test_exponential_length_is_capped():
    assert parse_kernel("exponential:tau=100000").shape == (4097,)


@pytest.mark.parametrize(
    "window,polyorder,deriv",
    [(1, 0, 0), (5, 2, 0), (7, 2, 1), (7, 3, 2), (9, 4, 3), (11, 2, 0), (21, 5, 1), (7, 0, 0)],
)
def test_savgol_matches_scipy_convolution_coefficients(window, polyorder, deriv):
    spec = f"savgol:window={window},polyorder={polyorder},deriv={deriv},delta=0.5"
    ref = signal.savgol_coeffs(window, polyorder, deriv=deriv, delta=0.5, use="conv")
    np.testing.assert_allclose(values(spec), ref, atol=1e-10)


def test_savgol_weights_are_the_correlation_coefficients_reversed():
    dot = signal.savgol_coeffs(7, 2, deriv=1, use="dot")  # applied as a dot product
    np.testing.assert_allclose(values("savgol:deriv=1"), dot[::-1], atol=1e-12)
    assert values("savgol:deriv=1")[0] > 0  # w[0] weighs the latest sample of the window


@pytest.mark.parametrize("deriv", [0, 1, 2])
def test_savgol_reproduces_polynomials_and_their_derivatives(deriv):
    t = np.arange(40) * 0.25
    poly = np.polynomial.Polynomial([0.5, -1.0, 0.3, 0.05])  # degree 3 = polyorder
    w = values(f"savgol:window=9,polyorder=3,deriv={deriv},delta=0.25")
    got = np.convolve(poly(t), w, mode="valid")  # true convolution, centred window
    np.testing.assert_allclose(got, poly.deriv(deriv)(t[4:-4]), atol=1e-9)


# Central-difference stencils (correlation form, f at −p…p), from the standard table.
STENCILS = {
    (1, 2): [-1 / 2, 0, 1 / 2],
    (1, 4): [1 / 12, -2 / 3, 0, 2 / 3, -1 / 12],
    (1, 6): [-1 / 60, 3 / 20, -3 / 4, 0, 3 / 4, -3 / 20, 1 / 60],
    (2, 2): [1, -2, 1],
    (2, 4): [-1 / 12, 4 / 3, -5 / 2, 4 / 3, -1 / 12],
    (3, 2): [-1 / 2, 1, 0, -1, 1 / 2],
    (4, 2): [1, -4, 6, -4, 1],
}


@pytest.mark.parametrize("order,accuracy", sorted(STENCILS))
def test_derivative_matches_the_difference_table(order, accuracy):
    # convolution weights are the stencil reversed
    expected = STENCILS[order, accuracy][::-1]
    np.testing.assert_allclose(values(f"derivative:order={order},accuracy={accuracy}"), expected)


def test_derivative_equals_numpy_gradient_and_has_2d_directions():
    x = RNG.normal(size=30)
    np.testing.assert_allclose(np.convolve(x, values("derivative"), "same")[1:-1],
                               np.gradient(x)[1:-1])  # fmt: skip
    img = RNG.normal(size=(8, 9))
    gx = signal.convolve2d(img, values("derivative", ndim=2), "same")
    gy = signal.convolve2d(img, values("derivative:direction=y", ndim=2), "same")
    np.testing.assert_allclose(gx[:, 1:-1], np.gradient(img, axis=1)[:, 1:-1])
    np.testing.assert_allclose(gy[1:-1], np.gradient(img, axis=0)[1:-1])


# --- edges -------------------------------------------------------------------------------


def test_laplacian_matches_scipy_laplace():
    for ndim in (1, 2, 3):
        ref = crop(impulse_response(ndi.laplace, (5,) * ndim), (3,) * ndim)
        np.testing.assert_array_equal(values("laplacian", ndim=ndim), ref)
    np.testing.assert_array_equal(
        values("laplacian:neighbors=8"), [[1, 1, 1], [1, -8, 1], [1, 1, 1]]
    )
    k26 = values("laplacian:neighbors=8", ndim=3)
    assert k26[1, 1, 1] == -26 and k26.sum() == 0 and np.count_nonzero(k26 == 1) == 26


def _pillow_kernel(name: str) -> np.ndarray:
    size, scale, _offset, kernel = getattr(ImageFilter, name).filterargs
    return np.array(kernel, dtype=float).reshape(size[1], size[0]) / scale


def test_edge_is_pillow_find_edges_and_imagemagick_laplacian_0():
    np.testing.assert_array_equal(values("edge"), _pillow_kernel("FIND_EDGES"))
    imagemagick = parse_kernel("3: -1,-1,-1  -1,8,-1  -1,-1,-1").values  # Laplacian:0
    np.testing.assert_array_equal(values("edge"), imagemagick)
    np.testing.assert_array_equal(values("edge"), -values("laplacian:neighbors=8"))


@pytest.mark.parametrize("name,filt", [("sobel", ndi.sobel), ("prewitt", ndi.prewitt)])
def test_gradients_match_scipy_ndimage(name, filt):
    img = RNG.normal(size=(12, 13))
    for direction, axis in (("x", 1), ("y", 0)):
        got = signal.convolve2d(img, values(f"{name}:direction={direction}"), "same")
        np.testing.assert_allclose(got[1:-1, 1:-1], filt(img, axis=axis)[1:-1, 1:-1])
    vol = RNG.normal(size=(6, 7, 8))
    for direction, axis in (("x", 2), ("y", 1), ("z", 0)):
        got = signal.convolve(vol, values(f"{name}:direction={direction}", ndim=3), "same")
        np.testing.assert_allclose(got[1:-1, 1:-1, 1:-1], filt(vol, axis=axis)[1:-1, 1:-1, 1:-1])


def test_gradients_match_imagemagick_and_textbook_values():
    np.testing.assert_array_equal(values("sobel"), parse_kernel("3: 1,0,-1 2,0,-2 1,0,-1").values)
    np.testing.assert_array_equal(values("prewitt"), parse_kernel("3: 1,0,-1 1,0,-1 1,0,-1").values)
    scharr_gx_correlation = np.array([[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]])  # OpenCV's Scharr
    np.testing.assert_array_equal(values("scharr"), np.rot90(scharr_gx_correlation, 2))
    np.testing.assert_array_equal(
        values("scharr:direction=y"), np.rot90(scharr_gx_correlation, 2).T
    )


def test_gradient_sign_is_positive_uphill():
    ramp = np.tile(np.arange(7.0), (7, 1))  # grows to the right
    for name in ("sobel", "prewitt", "scharr"):
        assert signal.convolve2d(ramp, values(name), "valid").min() > 0
        assert signal.convolve2d(ramp.T, values(f"{name}:direction=y"), "valid").min() > 0


COMPASS = ("n", "ne", "e", "se", "s", "sw", "w", "nw")
UNIT = {"n": (-1, 0), "ne": (-1, 1), "e": (0, 1), "se": (1, 1),
        "s": (1, 0), "sw": (1, -1), "w": (0, -1), "nw": (-1, -1)}  # fmt: skip


@pytest.mark.parametrize("name", ["kirsch", "compass", "roberts"])
@pytest.mark.parametrize("bright", COMPASS)
def test_compass_kernels_respond_most_to_their_bright_side(name, bright):
    dy, dx = UNIT[bright]
    yy, xx = np.mgrid[-3:4, -3:4]
    ramp = (dy * yy + dx * xx) / math.hypot(dy, dx)  # brighter towards `bright`
    response = {
        d: signal.convolve2d(ramp, values(f"{name}:direction={d}"), "valid")[2, 2] for d in COMPASS
    }
    best = max(response.values())
    assert response[bright] == pytest.approx(best) and best > 0
    winners = [d for d in COMPASS if response[d] > best - 1e-9]
    # Roberts differences reach √2 further on a diagonal, so axis ramps tie with diagonals
    assert winners == [bright] or (name == "roberts" and len(bright) == 1)


def test_compass_kernels_match_imagemagick_at_angle_0():
    im = {
        "kirsch": "3: 5,-3,-3  5,0,-3  5,-3,-3",
        "compass": "3: 1,1,-1  1,-2,-1  1,1,-1",
        "roberts": "3: 0,0,0  1,-1,0  0,0,0",
        "sobel": "3: 1,0,-1  2,0,-2  1,0,-1",
    }
    for name, text in im.items():
        direction = "x" if name == "sobel" else "e"
        np.testing.assert_array_equal(values(f"{name}:direction={direction}"),
                                      parse_kernel(text).values)  # fmt: skip


def test_compass_kernels_turn_with_their_direction():
    for name in ("kirsch", "compass", "roberts"):
        for a, b in (("e", "n"), ("n", "w"), ("se", "ne"), ("sw", "se")):
            np.testing.assert_array_equal(np.rot90(values(f"{name}:direction={a}")),
                                          values(f"{name}:direction={b}"))  # fmt: skip
        np.testing.assert_array_equal(np.flipud(values(f"{name}:direction=ne")),
                                      values(f"{name}:direction=se"))  # fmt: skip
    kirsch_north_template = np.array([[5, 5, 5], [-3, 0, -3], [-3, -3, -3]])  # correlation form
    np.testing.assert_array_equal(values("kirsch:direction=n"), np.rot90(kirsch_north_template, 2))


def test_roberts_cross_is_the_classic_pair():
    # classic 2×2 masks [[1,0],[0,-1]] and [[0,1],[-1,0]], one-pixel difference on a diagonal
    se = values("roberts")  # default direction se
    assert se[0, 0] == 1 and se[1, 1] == -1 and np.count_nonzero(se) == 2
    sw = values("roberts:direction=sw")
    assert sw[0, 2] == 1 and sw[1, 1] == -1 and np.count_nonzero(sw) == 2


@pytest.mark.parametrize("sigma", [0.8, 1.4, 2.0])
def test_log_matches_scipy_gaussian_laplace(sigma):
    for ndim in (1, 2, 3):
        k = values(f"log:sigma={sigma}", ndim=ndim)
        ref = crop(impulse_response(ndi.gaussian_laplace, (21,) * ndim, sigma=sigma), k.shape)
        np.testing.assert_allclose(k, ref, atol=1e-15)
    k = values(f"log:sigma={sigma},radius=3")
    ref = crop(impulse_response(ndi.gaussian_laplace, (21, 21), sigma=sigma, radius=3), k.shape)
    np.testing.assert_allclose(k, ref, atol=1e-15)


def test_dog_is_a_difference_of_scipy_gaussians():
    for ndim in (1, 2):
        k = values("dog:sigma1=1,sigma2=2", ndim=ndim)
        assert k.shape == (17,) * ndim  # radius from the larger sigma
        shape = (31,) * ndim
        g1 = impulse_response(ndi.gaussian_filter, shape, sigma=1.0, radius=8)
        g2 = impulse_response(ndi.gaussian_filter, shape, sigma=2.0, radius=8)
        np.testing.assert_allclose(k, crop(g1 - g2, k.shape), atol=1e-15)
        assert abs(k.sum()) < 1e-12
    assert values("dog")[6, 6] > 0  # default sigma1 < sigma2: a positive centre


# --- enhancement -------------------------------------------------------------------------


def _pillow_filter(img: np.ndarray, name: str) -> np.ndarray:
    return np.asarray(Image.fromarray(img.astype(np.uint8), "L").filter(getattr(ImageFilter, name)))


def test_sharpen_is_pillow_sharpen():
    np.testing.assert_allclose(values("sharpen"), _pillow_kernel("SHARPEN"))
    img = RNG.integers(90, 160, size=(10, 11)).astype(float)
    ours = np.clip(np.round(signal.convolve2d(img, values("sharpen"), "valid")), 0, 255)
    np.testing.assert_allclose(ours, _pillow_filter(img, "SHARPEN")[1:-1, 1:-1], atol=1)
    np.testing.assert_allclose(values("sharpen:amount=0"), values("identity:size=3", ndim=2))


def test_emboss_reproduces_pillow_emboss_without_its_offset():
    img = RNG.integers(50, 150, size=(10, 11)).astype(float)
    ours = signal.convolve2d(img, values("emboss"), "valid")
    pillow = _pillow_filter(img, "EMBOSS")[1:-1, 1:-1].astype(float) - 128
    np.testing.assert_array_equal(ours, pillow)


@pytest.mark.parametrize("amount,sigma", [(1.0, 1.0), (0.5, 2.0), (2.0, 0.7)])
def test_unsharp_is_image_plus_amount_times_detail(amount, sigma):
    img = RNG.normal(size=(30, 31))
    k = values(f"unsharp:amount={amount},sigma={sigma}")
    got = signal.convolve2d(img, k, "same")
    expected = img + amount * (img - ndi.gaussian_filter(img, sigma, mode="constant"))
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert values(f"unsharp:amount={amount},sigma={sigma}").sum() == pytest.approx(1.0)
    x = RNG.normal(size=40)
    k1 = values(f"unsharp:amount={amount},sigma={sigma}", ndim=1)
    expected1 = x + amount * (x - ndi.gaussian_filter1d(x, sigma, mode="constant"))
    np.testing.assert_allclose(np.convolve(x, k1, "same"), expected1, atol=1e-12)


def test_motion_axis_aligned_lines():
    np.testing.assert_allclose(values("motion:length=5"), np.full((1, 5), 0.2))
    np.testing.assert_allclose(values("motion:length=5,angle=90"), np.full((5, 1), 0.2))
    np.testing.assert_allclose(values("motion:length=5,angle=180"), np.full((1, 5), 0.2))
    np.testing.assert_allclose(values("motion:length=4"), [[0.125, 0.25, 0.25, 0.25, 0.125]])


@pytest.mark.parametrize("angle", [10.0, 30.0, 45.0, 60.0, 100.0, 135.0, 200.0])
def test_motion_is_a_centred_line_at_its_angle(angle):
    k = values(f"motion:length=15,angle={angle}")
    assert k.sum() == pytest.approx(1.0) and k.min() >= 0
    np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-15)  # centred: point-symmetric
    rows, cols = np.indices(k.shape)
    y = rows - (k.shape[0] - 1) / 2
    x = cols - (k.shape[1] - 1) / 2
    cov = np.array([[np.sum(k * x * x), np.sum(k * x * y)], [np.sum(k * x * y), np.sum(k * y * y)]])
    direction = np.linalg.eigh(cov)[1][:, -1]
    theta = math.radians(angle)
    assert abs(direction @ [math.cos(theta), -math.sin(theta)]) > 0.999  # y grows downwards


def test_motion_45_degrees_runs_from_lower_left_to_upper_right():
    k = values("motion:length=5,angle=45")
    assert k[0, -1] > 0 and k[-1, 0] > 0 and k[0, 0] == 0 and k[-1, -1] == 0


def test_smoothing_kernels_refuse_all_zero_windows():
    with pytest.raises(KernelError, match="all zero"):
        parse_kernel("hann:size=2")
