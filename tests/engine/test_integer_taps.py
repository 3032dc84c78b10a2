"""direct:integer taps (sums in the output's integer type) against the int64 taps and
scipy.ndimage."""

import numpy as np
import pytest
from scipy import ndimage

from convcli.engine import run
from convcli.engine.backends.direct import DirectBackend, integer_correlate_valid
from convcli.engine.plan import make_plan

RNG = np.random.default_rng(5)
EDGE = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.int8)


def int64_taps(x, k, mode, **options):
    """The engine's int64 taps on the same call, cast to the call's result type."""
    out = run(x.astype(np.int64), k.astype(np.int64), mode, flip=True, backend="direct",
              **options)
    assert out.method == "direct:taps"
    return out.values.astype(np.result_type(x, k))


@pytest.mark.parametrize("boundary", ["fill", "reflect", "mirror", "nearest", "wrap"])
@pytest.mark.parametrize("mode", ["same", "valid", "full"])
def test_equals_the_int64_taps_every_mode_and_boundary(mode, boundary):
    x = RNG.integers(0, 256, (17, 21, 3)).astype(np.int16)
    got = run(x, EDGE[..., None], mode, flip=True, backend="direct", boundary=boundary,
              axes=(0, 1))
    assert got.method == "direct:integer taps" and got.values.dtype == np.int16
    np.testing.assert_array_equal(got.values, int64_taps(x, EDGE[..., None], mode,
                                                         boundary=boundary, axes=(0, 1)))


@pytest.mark.parametrize(("xtype", "ktype"), [(np.uint8, np.uint8), (np.uint8, np.int8),
                                              (np.int16, np.int8), (np.uint16, np.int8),
                                              (np.int32, np.int16)])
def test_wraps_as_the_int64_sum_cast_does(xtype, ktype):
    """Sums that overflow the result type wrap exactly as the int64 sum cast to it."""
    info = np.iinfo(xtype)
    x = RNG.integers(info.min, info.max, (30, 40), endpoint=True).astype(xtype)
    k = RNG.integers(np.iinfo(ktype).min, np.iinfo(ktype).max, (4, 3)).astype(ktype)
    for options in ({}, {"stride": 2}, {"dilation": (2, 1)}, {"stride": (1, 3),
                                                               "boundary": "wrap"}):
        got = run(x, k, "same", flip=True, backend="direct", **options)
        assert got.method == "direct:integer taps"
        np.testing.assert_array_equal(got.values, int64_taps(x, k, "same", **options))


def test_equals_scipy_ndimage_on_images():
    image = RNG.integers(0, 256, (40, 50, 3)).astype(np.int16)
    sobel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], np.int8)
    for kernel in (EDGE, sobel, np.ones((5, 5), np.int8)):
        got = run(image, kernel[..., None], "same", flip=True, boundary="reflect",
                  axes=(0, 1))
        expected = ndimage.convolve(image.astype(np.float64), kernel[..., None],
                                    mode="reflect")
        np.testing.assert_array_equal(got.values, expected)


def test_auto_chooses_it_and_the_price_counts_grouped_weights():
    x = np.zeros((64, 64), np.int16)
    plan = make_plan(x, EDGE, "same", flip=True, boundary="reflect")
    direct = DirectBackend()
    assert direct.estimate(plan).name == "direct:integer taps"
    assert direct._integer_taps(plan).seconds < direct._taps(plan).seconds
    assert run(x, EDGE, "same", flip=True).method == "direct:integer taps"
    wide = make_plan(x.astype(np.int64), EDGE, "same", flip=True)
    assert direct.estimate(wide).name != "direct:integer taps"  # 64-bit: the int64 taps


def test_one_weight_kernel_and_lone_tap():
    x = RNG.integers(0, 100, (9, 11)).astype(np.int16)
    for k in (np.array([[3]], np.int8), np.array([[0, 0], [0, -1]], np.int8)):
        plan = make_plan(x, k, "same", flip=True)
        np.testing.assert_array_equal(integer_correlate_valid(plan),
                                      int64_taps(x, k, "same"))


RANK_ONE = {
    "box": np.ones((3, 3), np.int64),
    "sobel": np.outer([1, 2, 1], [1, 0, -1]),
    "rank one and a tap": np.outer([1, 2, 1], [1, -2, 3]) + np.pad([[5]], ((0, 2), (2, 0))),
    "non-negative, negative correction": np.array([[2, 2], [2, 1]]),
    "not rank one": np.array([[1, 2, 3], [4, 5, 6], [7, 8, 10]]),
}


@pytest.mark.parametrize("name", RANK_ONE)
@pytest.mark.parametrize("xtype", [np.uint8, np.int16, np.uint16])
def test_rank_one_passes_equal_the_int64_taps(name, xtype):
    k = RANK_ONE[name]
    k = k.astype(np.uint8 if k.min() >= 0 and xtype == np.uint8 else np.int8)
    x = RNG.integers(0, np.iinfo(xtype).max, (19, 23, 2), endpoint=True).astype(xtype)
    for boundary in ("reflect", "fill", "wrap"):
        got = run(x, k[..., None], "same", flip=True, backend="direct", boundary=boundary,
                  axes=(0, 1))
        assert got.method == "direct:integer taps"
        np.testing.assert_array_equal(got.values, int64_taps(x, k[..., None], "same",
                                                             boundary=boundary, axes=(0, 1)))
