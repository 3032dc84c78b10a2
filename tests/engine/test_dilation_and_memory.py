"""Huge dilations (taps gathered through the boundary's index map, no padded copy) and work
refused above the memory budget before anything is allocated."""

import time

import numpy as np
import pytest

import convcli
from convcli.engine.backends.direct import DirectBackend
from convcli.engine.plan import make_plan
from convcli.errors import ResourceError
from tests.engine.conftest import assert_close
from tests.engine.naive import naive

BOUNDARIES = ["fill", "reflect", "mirror", "nearest", "wrap"]


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", ["same", "full"])
def test_gathered_taps_match_the_naive_sum(boundary, mode, rng):
    """Dilations far beyond the input: the padding is many times the signal."""
    x = rng.standard_normal((6, 5))
    w = rng.standard_normal((3, 2))
    options = {"boundary": boundary, "fillvalue": 0.5, "dilation": (9, 13), "stride": (2, 1)}
    plan = make_plan(x, w, mode, flip=True, **options)
    got = DirectBackend()._gathered(plan).run()
    assert_close(got, naive(x, w, mode, **options).astype(float))


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_gathered_separable_passes_match_the_naive_sum(boundary, rng):
    x = rng.standard_normal((7, 6))
    w = np.outer([1.0, 2.0, 1.0], [1.0, -1.0])
    options = {"boundary": boundary, "dilation": (5, 11)}
    plan = make_plan(x, w, "same", flip=True, **options)
    got = DirectBackend()._gathered_separable(plan).run()
    assert_close(got, naive(x, w, "same", **options).astype(float))


def test_a_huge_dilation_is_fast_and_priced_so():
    """Issue 11: a 3×3 kernel dilated by 1500 on a 512² RGB image took 28 s."""
    image = np.random.default_rng(0).random((512, 512, 3)).astype(np.float32)
    kernel = np.arange(9, dtype=np.float32).reshape(3, 3)
    begin = time.perf_counter()
    outcome = convcli.engine.run(image, kernel, "same", flip=True, axes=(0, 1),
                                 boundary="reflect", dilation=1500)
    assert time.perf_counter() - begin < 5
    assert "gathered" in outcome.method
    plan = make_plan(image, kernel, "same", flip=True, axes=(0, 1), boundary="reflect",
                     dilation=1500)
    expected = DirectBackend()._taps(plan).run()  # numpy.pad's copy and strided views
    assert_close(outcome.values, expected, np.float32)


@pytest.fixture
def budget_8_gib(monkeypatch):
    from convcli.settings import settings

    monkeypatch.setattr(settings(), "memory_budget", 8 << 30)


def test_full_mode_too_large_is_refused_before_allocating(budget_8_gib):
    x = np.broadcast_to(np.zeros((), np.float64), (1, 10**8))  # no memory behind it
    with pytest.raises(ResourceError, match=r"\(1, 100000000\).*'full' mode.*needs 1\d\.\d GiB"):
        convcli.convolve(x, np.ones((5, 5)), "full")


def test_an_absurd_dilation_is_refused_in_one_line(budget_8_gib):
    with pytest.raises(ResourceError, match=r"kernel of \(4000000001,\).*needs .*GiB") as info:
        convcli.convolve(np.ones(1000), np.ones(5), "same", boundary="nearest",
                         dilation=10**9)
    assert "\n" not in str(info.value)
