"""Long lines (the columns of a big CSV) are correlated one per core: the same values as one
numpy.convolve per column."""

import numpy as np
import pytest

from convcli.engine import run
from convcli.engine.backends.direct import PARALLEL_LINE_MACS


@pytest.mark.parametrize("mode", ["same", "valid", "full"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_long_columns_equal_numpy_per_column(mode, order):
    rng = np.random.default_rng(5)
    taps = 56
    rows = PARALLEL_LINE_MACS // taps + 1000  # above the threshold: the threaded path
    x = np.asarray(rng.standard_normal((rows, 3)), order=order)
    k = rng.standard_normal(taps)
    outcome = run(x, k, mode, flip=True, backend="direct", axes=(0,))
    assert outcome.method == "direct:numpy.correlate"
    out = outcome.values
    expected = np.stack([np.convolve(x[:, j], k, mode) for j in range(3)], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
