"""A repeated call reuses the decision its geometry made: same answers, same checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

import convcli
from convcli.engine import run
from convcli.engine.backends import DECISIONS
from tests.engine.conftest import assert_close


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16, np.complex128])
def test_repeated_calls_agree_with_scipy(rng, mode, dtype):
    for n, k in ((1000, 5), (7, 3), (6, 4), (4, 9)):
        for _ in range(3):  # the first call plans, the next ones reuse the decision
            x = (rng.standard_normal(n) * 50).astype(dtype)
            w = (rng.standard_normal(k) * 5).astype(dtype)
            for ours, theirs in ((convcli.convolve, ss.convolve),
                                 (convcli.correlate, ss.correlate)):
                got = ours(x, w, mode)
                assert got.dtype == np.result_type(x, w)
                assert_close(got, theirs(x, w, mode, method="direct"), dtype)


def test_a_decided_call_still_refuses_a_non_finite_kernel(rng):
    x = rng.standard_normal(100)
    convcli.convolve(x, np.ones(5), "same")
    assert any(key[:4] == (x.shape, x.dtype, (5,), np.dtype(float)) for key in DECISIONS)
    with pytest.raises(ValueError, match="non-finite"):
        convcli.convolve(x, np.array([1.0, np.nan, 1.0, 1.0, 1.0]), "same")


def test_a_decided_call_still_refuses_a_bad_option(rng):
    x = rng.standard_normal(100)
    convcli.convolve(x, np.ones(5), "same", stride=2)
    with pytest.raises(ValueError, match="stride must be integers"):
        convcli.convolve(x, np.ones(5), "same", stride=2.0)


def test_a_decision_resting_on_values_is_not_reused(rng):
    """A kernel of zeros but one tap makes the taps method cheaper: that choice looked at the
    values, so the next call (a dense kernel) is priced afresh."""
    x = rng.standard_normal(2000)
    sparse = np.zeros(301)
    sparse[7] = 1.0
    first = run(x, sparse, "same", flip=True)
    dense = rng.standard_normal(301)
    second = run(x, dense, "same", flip=True)
    assert_close(first.values, ss.convolve(x, sparse, "same", method="direct"))
    assert_close(second.values, ss.convolve(x, dense, "same", method="direct"))
