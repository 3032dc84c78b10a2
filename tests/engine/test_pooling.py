"""Pooling against a naive loop over windows, every op × NaN policy × size/stride per axis."""

import itertools
import math

import numpy as np
import pytest

from convcli.engine.pooling import OPS, pool
from convcli.errors import ConvcliError


def naive_pool(x, sizes, strides, axes, op, nan):
    """One window at a time, in Python."""
    counts = [(x.shape[a] - n) // s + 1 for a, n, s in zip(axes, sizes, strides)]
    out_shape = list(x.shape)
    for a, c in zip(axes, counts):
        out_shape[a] = c
    out = np.empty(out_shape)
    for position in np.ndindex(*out_shape):
        index = list(position)
        for i, a in enumerate(axes):
            start = position[a] * strides[i]
            index[a] = slice(start, start + sizes[i])
        window = np.asarray(x[tuple(index)], dtype=float).ravel()
        if nan == "ignore":
            window = window[~np.isnan(window)]
            if window.size == 0:
                out[position] = np.nan
                continue
        elif np.isnan(window).any():
            out[position] = np.nan
            continue
        out[position] = {"max": np.max, "min": np.min, "mean": np.mean, "sum": np.sum,
                         "median": np.median,
                         "l2": lambda w: math.sqrt(float(np.sum(w * w)))}[op](window)
    return out


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("nan", ["ignore", "propagate"])
@pytest.mark.parametrize("sizes, strides", [((2, 3), None), ((2, 3), (1, 2)), ((3, 1), (2, 1)),
                                            ((1, 1), None)])
def test_matches_a_naive_loop(op, nan, sizes, strides, rng):
    x = rng.standard_normal((9, 10))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[0:2, 0:3] = np.nan  # one window with no present cell
    got = pool(x, sizes, stride=strides, op=op, nan=nan, axes=(0, 1)).values
    expected = naive_pool(x, sizes, strides or sizes, (0, 1), op, nan)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("op", OPS)
def test_image_channels_pool_separately(op, rng):
    x = rng.integers(0, 255, size=(8, 6, 3)).astype(np.uint8)
    got = pool(x, 2, op=op, axes=(0, 1)).values
    expected = naive_pool(x, (2, 2), (2, 2), (0, 1), op, "ignore")
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    if op in ("max", "min", "sum"):
        assert got.dtype.kind in "ui"


def test_bad_arguments_are_one_clear_error():
    for kwargs, message in (({"op": "mode"}, "unknown pooling op"),
                            ({"nan": "zero"}, "choose one of ignore, propagate"),
                            ({"size": (2, 3, 4)}, "one per axis"),
                            ({"size": 20}, "larger than the input"),
                            ({"size": 0}, ">= 1")):
        with pytest.raises(ConvcliError, match=message):
            pool(np.ones((4, 5)), **{"size": 2, **kwargs})


def test_strides_default_to_the_size():
    x = np.arange(24.0).reshape(4, 6)
    for a, b in itertools.product((1, 2), (2, 3)):
        assert pool(x, (a, b)).values.shape == (4 // a, 6 // b)
