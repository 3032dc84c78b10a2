"""Long lines (the columns of a big CSV) are correlated in pieces on every core, without a padded
copy: the same values as one numpy.convolve per column or per padded line."""

import numpy as np
import pytest

from convcli.engine import run
from convcli.engine.backends import DECISIONS, direct
from convcli.engine.backends.direct import PARALLEL_LINE_MACS, PIECE_OUTPUTS


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


BOUNDARIES = ["fill", "reflect", "mirror", "nearest", "wrap"]


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_long_columns_in_pieces_equal_ndimage(boundary, order):
    """The pieces at the ends gather the boundary rule as scipy.ndimage extends the input."""
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(7)
    taps = 57
    rows = PARALLEL_LINE_MACS // taps + PIECE_OUTPUTS // 3  # pieces: ends and a short last one
    x = np.asarray(rng.standard_normal((rows, 3)), order=order)
    k = rng.standard_normal(taps)
    outcome = run(x, k, "same", flip=True, backend="direct", axes=(0,), boundary=boundary,
                  fillvalue=2.5)
    assert outcome.method == "direct:numpy.correlate"
    expected = ndimage.convolve1d(x, k, axis=0, mode=boundary.replace("fill", "constant"),
                                  cval=2.5)
    np.testing.assert_allclose(outcome.values, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", ["same", "valid", "full"])
@pytest.mark.parametrize("case", ["lone", "stride", "dilation", "origin", "complex", "int"])
def test_long_lines_in_pieces_equal_whole_lines(monkeypatch, boundary, mode, case):
    """Every geometry of a long line gives the values of one numpy.correlate per padded line
    (the path below the threshold, itself checked against the textbook sum)."""
    rng = np.random.default_rng(11)
    taps = 31
    rows = PARALLEL_LINE_MACS // taps + 2 * PIECE_OUTPUTS + 17
    x = rng.standard_normal(rows if case == "lone" else (2, rows))
    k = rng.standard_normal(taps)
    options = {"boundary": boundary, "fillvalue": -1.5, "axes": (-1,)}
    if case == "stride":
        options["stride"] = 3
    if case == "dilation":
        options["dilation"] = 2
    if case == "origin" and mode == "same":
        options["origin"] = 9
    if case == "complex":
        x = x + 1j * rng.standard_normal(x.shape)
        k = k - 0.5j
    if case == "int":
        x, k = (x * 100).astype(np.int32), (k * 10).astype(np.int16)
        options["fillvalue"] = 3
    outcome = run(x, k, mode, flip=True, backend="direct", **options)
    assert outcome.method == "direct:numpy.correlate"
    monkeypatch.setattr(direct, "PARALLEL_LINE_MACS", 1 << 62)  # whole padded lines
    DECISIONS.clear()
    expected = run(x, k, mode, flip=True, backend="direct", **options)
    assert expected.method == "direct:numpy.correlate"
    assert outcome.values.dtype == expected.values.dtype
    np.testing.assert_allclose(outcome.values, expected.values, rtol=1e-12, atol=1e-9)


def test_boundary_window_equals_padding():
    from convcli.engine.plan import pad_array

    line = np.arange(1.0, 6.0)
    for boundary in BOUNDARIES:
        padded = pad_array(line, ((12, 13),), boundary, 7.0)
        for first, last in [(-12, 3), (-3, 8), (2, 18), (-12, 18), (1, 4)]:
            window = direct.boundary_window(line, first, last, boundary, 7.0)
            assert window.tolist() == padded[first + 12 : last + 12].tolist(), boundary
