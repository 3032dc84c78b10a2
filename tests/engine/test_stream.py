"""StreamConvolver: block by block, the batch engine's answer."""

import re
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcli.engine.missing import convolve_missing
from convcli.engine.stream import STREAMABLE_BOUNDARIES, StreamConvolver
from convcli.errors import InputError
from convcli.kernels import parse_kernel
from tests.engine.conftest import assert_close


def streamed(x, blocks, kernel, **options):
    """The convolver's outputs for ``x`` fed in pieces of the given sizes, then the rest."""
    convolver = StreamConvolver(kernel, **options)
    cuts = np.cumsum([0, *blocks, len(x)]).clip(max=len(x))
    parts = [convolver.feed(x[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    return np.concatenate([*parts, convolver.finish()])


def batch(x, kernel, *, mode="same", nan="propagate", fill_gaps=False, **options):
    return convolve_missing(x, kernel, mode, policy=nan, fill_gaps=fill_gaps, axes=0,
                            **options).values


def assert_same(actual, expected):
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    present = ~np.isnan(expected)
    assert_close(actual[present], expected[present])


@st.composite
def cases(draw):
    taps = draw(st.integers(1, 7))
    mode = draw(st.sampled_from(["same", "full", "valid"]))
    options = {
        "mode": mode,
        "flip": draw(st.booleans()),
        "boundary": draw(st.sampled_from(STREAMABLE_BOUNDARIES)),
        "fillvalue": draw(st.sampled_from([0.0, 2.5])),
        "origin": draw(st.none() | st.integers(0, taps - 1)) if mode == "same" else None,
        "stride": draw(st.integers(1, 3)),
        "dilation": draw(st.integers(1, 3)),
        "nan": draw(st.sampled_from(["ignore", "propagate", "zero"])),
        "fill_gaps": draw(st.booleans()),
    }
    seed = draw(st.integers(0, 2**32 - 1))
    rows, columns = draw(st.integers(1, 60)), draw(st.integers(1, 3))
    blocks = draw(st.lists(st.integers(0, 20), max_size=8))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, columns)) * 10
    x[rng.random(x.shape) < draw(st.sampled_from([0.0, 0.1, 0.4]))] = np.nan
    return x, rng.standard_normal(taps), blocks, options


@settings(max_examples=300, deadline=None)
@given(cases())
def test_streamed_equals_batch(case):
    x, kernel, blocks, options = case
    if options["nan"] == "ignore" and options["boundary"] == "fill" and np.isnan(x).any():
        # The documented exception: under ignore, the outputs over fill padding follow the
        # batch rule when the first missing value comes before they are returned.
        first = int(np.argwhere(np.isnan(x))[0, 0])
        blocks = [first + 1, *blocks]
    try:
        expected = batch(x, kernel, **options)
    except InputError as error:  # a 'valid' kernel longer than the signal
        with pytest.raises(InputError, match=re.escape(str(error))):
            streamed(x, blocks, kernel, **options)
        return
    assert_same(streamed(x, blocks, kernel, **options), expected)


@pytest.mark.parametrize("backend", ["direct", "fft", "scipy", "auto"])
@pytest.mark.parametrize("boundary", STREAMABLE_BOUNDARIES)
def test_long_signal_in_uneven_blocks(backend, boundary):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6000, 2)).cumsum(axis=0)
    kernel = parse_kernel("gaussian:sigma=9", ndim=1).values
    blocks = rng.integers(1, 900, size=30)
    options = {"backend": backend, "boundary": boundary, "fillvalue": 1.0}
    assert_same(streamed(x, blocks, kernel, **options), batch(x, kernel, **options))


def test_missing_values_ignored_across_blocks():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3000, 3))
    x[rng.random(x.shape) < 0.05] = np.nan
    x[1000:1100, 1] = np.nan  # a gap longer than the kernel: missing outputs
    kernel = parse_kernel("exponential", ndim=1)
    for fill_gaps in (False, True):
        options = {"boundary": "nearest", "origin": kernel.origin, "nan": "ignore",
                   "fill_gaps": fill_gaps}
        expected = batch(x, kernel.values, **options)
        assert np.isnan(expected[1060:1100, 1]).all()
        assert_same(streamed(x, [7, 500, 1, 1200], kernel.values, **options), expected)


def test_causal_kernel_outputs_each_row_as_it_comes():
    kernel = parse_kernel("exponential", ndim=1)
    convolver = StreamConvolver(kernel.values, boundary="nearest", origin=kernel.origin)
    x = np.arange(10.0)[:, None]
    assert [len(convolver.feed(x[i : i + 1])) for i in range(10)] == [1] * 10
    assert len(convolver.finish()) == 0


@pytest.mark.parametrize("boundary", STREAMABLE_BOUNDARIES)
def test_centred_kernel_waits_for_half_the_kernel(boundary):
    convolver = StreamConvolver(np.ones(5) / 5, boundary=boundary)
    counts = [len(convolver.feed(np.full((1, 1), float(i)))) for i in range(6)]
    assert counts == [0, 0, 1, 1, 1, 1]
    assert len(convolver.finish()) == 2


def test_reflect_waits_for_the_rows_its_start_mirrors():
    """A causal kernel's start under reflect needs as many rows as its history."""
    convolver = StreamConvolver(np.ones(4), boundary="reflect", origin=0)
    counts = [len(convolver.feed(np.ones((1, 1)))) for _ in range(6)]
    assert counts == [0, 0, 0, 4, 1, 1]


def test_memory_does_not_grow_with_the_stream():
    convolver = StreamConvolver(np.ones(101) / 101, boundary="reflect", nan="ignore")
    block = np.random.default_rng(7).standard_normal((500, 3))
    tracemalloc.start()
    try:
        for _ in range(50):
            convolver.feed(block)
        settled = tracemalloc.get_traced_memory()[0]
        for _ in range(500):
            convolver.feed(block)
        grown = tracemalloc.get_traced_memory()[0] - settled
    finally:
        tracemalloc.stop()
    assert grown < 100_000


def test_wrap_cannot_stream():
    with pytest.raises(InputError, match="'wrap' cannot stream"):
        StreamConvolver(np.ones(3), boundary="wrap")


def test_missing_value_error_names_its_row_like_batch():
    x = np.ones((50, 2))
    x[37, 1] = np.nan
    with pytest.raises(InputError) as expected:
        batch(x, np.ones(3), nan="error")
    convolver = StreamConvolver(np.ones(3), nan="error")
    convolver.feed(x[:30])
    with pytest.raises(InputError) as actual:
        convolver.feed(x[30:])
    assert str(actual.value) == str(expected.value) == "missing value at row 38, column 2"
    assert (actual.value.option, actual.value.value) == ("nan", "error")  # the CLI's hint


def test_column_count_must_not_change():
    convolver = StreamConvolver(np.ones(3))
    convolver.feed(np.ones((4, 2)))
    with pytest.raises(InputError, match="3 columns, expected 2"):
        convolver.feed(np.ones((4, 3)))
