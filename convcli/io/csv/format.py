"""Numbers without noise: the one rule for writing a filtered value as text.

A value is rounded to ``precision`` significant digits (default ``PRECISION``, 15: what a
float64 carries through a sum of terms without noise; the last digit is within one unit, as
the rounding is one vectorised multiply, round and divide) and written as the shortest decimal that
reads back as that rounded value, Python's ``repr``: ``6930.519999999999`` → ``6930.52``,
``316.09999999999997`` → ``316.1``. In a column whose input cells are integers an integral
result is written as an integer (``1120``, not ``1120.0``). The polars writer in
:mod:`convcli.io.csv.polars` writes the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PRECISION = 15
"""Significant digits written by default."""
EXACT_POWERS = 22
"""10**k is exact in float64 for |k| ≤ this, so rounding through it is one correct step."""
_POWERS = np.array([float(f"1e{k}") for k in range(-340, 312)])
"""10**k for k from −340, correctly rounded (numpy's vector power is not, beyond 10**22)."""
INTEGRAL_BELOW = 2.0**53
"""Integral values below this magnitude are written without a fraction in integer columns."""


def round_significant(values: np.ndarray, precision: int = PRECISION) -> np.ndarray:
    """``values`` rounded to ``precision`` significant digits (NaN, ±0 and ±inf kept).

    >>> round_significant(np.array([6930.519999999999, 316.09999999999997, 1 / 3])).tolist()
    [6930.52, 316.1, 0.333333333333333]
    >>> round_significant(np.array([123456.0, 0.000123456]), 3).tolist()
    [123000.0, 0.000123]
    """
    values = np.asarray(values, dtype=np.float64)
    if precision >= 17:
        return values.copy()
    flat = values.ravel()
    if not len(flat):
        return flat.copy().reshape(values.shape)
    if len(flat) <= CHUNK:
        return _rounded(flat, precision).reshape(values.shape)
    out = np.empty_like(flat)
    for start in range(0, len(flat), CHUNK):  # in cache: a few times faster than whole
        out[start : start + CHUNK] = _rounded(flat[start : start + CHUNK], precision)
    return out.reshape(values.shape)


CHUNK = 1 << 13
"""Values rounded at a time (their temporaries stay in the CPU's cache)."""
PARALLEL_CHUNK = 1 << 16
"""Values of a column rounded at a time by each core in ``round_columns``: long numpy calls,
which hold the GIL little (3M values: ~13 ms on two cores against 24.7 ms on one)."""


def round_columns(data: np.ndarray, precision: int = PRECISION,
                  out: np.ndarray | None = None) -> np.ndarray:
    """``round_significant`` of each column of a rows × columns array, as a Fortran-ordered
    array (each column contiguous; ``out`` when given, of ``data``'s shape), pieces of the
    columns rounded on every core.

    >>> rounded = round_columns(np.array([[6930.519999999999, 1 / 3], [316.09999999999997, 2.0]]))
    >>> rounded.tolist(), rounded.flags.f_contiguous
    ([[6930.52, 0.333333333333333], [316.1, 2.0]], True)
    """
    from convcli import parallel

    if out is None:
        out = np.empty(data.shape, order="F")
    if precision >= 17:
        out[...] = data
        return out
    rows = data.shape[0]

    def piece(k: int, start: int) -> None:  # one long _rounded call: the GIL seldom held
        stop = min(start + PARALLEL_CHUNK, rows)
        out[start:stop, k] = _rounded(data[start:stop, k].astype(np.float64, copy=False),
                                      precision)

    parallel.run_all([lambda k=k, at=at: piece(k, at) for k in range(data.shape[1])
                      for at in range(0, rows, PARALLEL_CHUNK)])
    return out


_LOG10_2 = 78913
"""⌊log10(2)·2**18⌋: ``(n * _LOG10_2) >> 18`` is ⌊n·log10(2)⌋ for |n| < 2200."""


def _rounded(values: np.ndarray, precision: int) -> np.ndarray:
    """``round_significant`` of a 1-D array: the decimal exponent from the binary one (exact:
    one comparison with a power of ten settles it), then one scale when every value's fits."""
    magnitude = np.abs(values)
    twos = np.frexp(values)[1]  # values = m·2**twos, 0.5 ≤ |m| < 1 (twos 0 for 0, NaN, inf)
    exponent = ((twos - 1) * _LOG10_2) >> 18  # ⌊log10|v|⌋ or one less
    exponent += magnitude >= _POWERS[exponent + 341]
    if exponent.min() >= precision - 1 - EXACT_POWERS and exponent.max() <= precision - 1:
        scale = _POWERS[precision - 1 + 340 - exponent]  # 0, NaN and inf come through as they are
        return np.rint(values * scale) / scale
    finite = np.isfinite(values) & (magnitude > 0)
    shift = precision - 1 - exponent.astype(np.int64)
    out = values.copy()
    up = finite & (shift >= 0) & (shift <= EXACT_POWERS)
    down = finite & (shift < 0) & (shift >= -EXACT_POWERS)
    scale = _POWERS[shift[up] + 340]
    out[up] = np.rint(values[up] * scale) / scale
    scale = _POWERS[340 - shift[down]]
    out[down] = np.rint(values[down] / scale) * scale
    for i in np.flatnonzero(finite & ~up & ~down).tolist():  # tiny or huge: Python's rounding
        out[i] = float(f"{values[i]:.{precision}g}")
    overflow = np.isinf(out) & finite  # 1.7976931348623157e308 rounds up to inf: keep it
    out[overflow] = values[overflow]
    return out


def integral(values: np.ndarray) -> np.ndarray:
    """The mask of values written as integers in an integer column."""
    return (np.abs(values) < INTEGRAL_BELOW) & (values == np.round(values))


def format_columns(
    data: np.ndarray, na_rep: str, *, precision: int = PRECISION,
    integers: Sequence[bool] = (),
) -> list[list[str]]:
    """``format_floats`` of each column of a rows × columns array (rounded in one pass);
    ``integers`` says which columns are integer columns."""
    rounded = np.ascontiguousarray(round_significant(data, precision).T)  # column by column
    flat = rounded.ravel()
    cells = list(map(float.__repr__, flat.tolist()))
    if any(integers):
        whole = integral(rounded) & np.asarray(integers, dtype=bool)[:, None]
        for i in np.flatnonzero(whole.ravel()).tolist():
            cells[i] = str(int(flat[i]))
    for i in np.flatnonzero(np.isnan(flat)).tolist():
        cells[i] = na_rep
    rows = rounded.shape[1]
    return [cells[k * rows : (k + 1) * rows] for k in range(rounded.shape[0])]


def format_floats(
    values: np.ndarray, na_rep: str, *, precision: int = PRECISION, integer: bool = False
) -> list[str]:
    """Each value as text by the module's rule; NaN as ``na_rep``.

    >>> format_floats(np.array([1120.0, 6930.519999999999, np.nan]), "", integer=True)
    ['1120', '6930.52', '']
    >>> format_floats(np.array([1120.0, -0.0]), "NA")
    ['1120.0', '-0.0']
    """
    rounded = round_significant(values, precision)
    cells = list(map(float.__repr__, rounded.tolist()))
    if integer:
        for i in np.flatnonzero(integral(rounded)).tolist():
            cells[i] = str(int(rounded[i]))
    for i in np.flatnonzero(np.isnan(rounded)).tolist():
        cells[i] = na_rep
    return cells
