"""The optional polars path for large tables: the core path's results, only faster.

Import this module only when polars is installed. Each reader returns None whenever the input
has anything the core path treats specially (quotes, indented comments, ragged or non-number
cells, infinities…): the caller then parses with the core path, which also words the errors.
"""

from __future__ import annotations

import inspect
import io
import re
from collections.abc import Sequence

import numpy as np
import polars as pl

from convcli.io.csv.format import PRECISION, integral, round_significant
from convcli.io.csv.sniff import DELIMITERS, CsvFormat

_MISSING_CELLS = ["", "NA", "N/A", "na", "n/a", "null", "NULL", "Null"]
_SKIPPED_LINE = re.compile(rb"(?:^|\n)[ \t\r]*(?:#|\n|$)")
_EMPTY_CELLS_AS_TEXT = (  # polars < 1.3x spelt it missing_utf8_is_empty_string
    {"empty_string_is_null": False}
    if "empty_string_is_null" in inspect.signature(pl.read_csv).parameters
    else {"missing_utf8_is_empty_string": True}
)
MAX_COLUMNS = 256
"""Wider tables take the core path: polars frames cost time growing faster than their width."""
_REPR_BELOW = 1e-4
"""polars 2 formats floats like ``repr`` except nonzero magnitudes below this."""


def _formats_like_repr() -> bool:
    """True when this polars writes zeros and magnitudes ≥ ``_REPR_BELOW`` as ``repr`` does."""
    probe = [0.0, -0.0, 1e-4, 2.5e-4, 0.1, 1 / 3, -2.5, 100.0, 1e15, 1e16, 1.5e16, 1e22]
    probe += [1.2345678901234568e17, 1.7976931348623157e308]
    expected = [repr(value) for value in probe]
    written = pl.DataFrame({"x": probe}).write_csv(include_header=False).split()
    return written == expected == pl.Series(probe).cast(pl.String).to_list()


WRITES_LIKE_REPR = _formats_like_repr()
"""Whether ``format_body`` may be used: its text must equal ``format_rows``'s."""
_ERRORS = (pl.exceptions.PolarsError, ValueError, TypeError, OverflowError)


def _maybe_skipped(body: bytes) -> bool:
    """False when ``body`` surely has no comment or blank line (quick substring tests)."""
    if b"#" in body or body[:1] in (b"\n", b"\r", b" ", b"\t", b""):
        return True
    marks = np.frombuffer(body, np.uint8)
    after = marks[np.flatnonzero(marks[:-1] == 10) + 1]  # the first byte of each later line
    return bool(np.isin(after, (10, 13, 32, 9)).any())


def parse_body(body: bytes, fmt: CsvFormat) -> tuple[np.ndarray, list[pl.Series]] | None:
    """Parse the data rows in ``body`` (the bytes after the header) like ``parse_rows``."""
    delimiter = fmt.delimiter
    if delimiter not in DELIMITERS or not 2 <= fmt.ncols <= MAX_COLUMNS:
        return None
    if b'"' in body or b"\0" in body:
        return None
    body = body[:-1] if body.endswith(b"\n") else body
    if _maybe_skipped(body) and _SKIPPED_LINE.search(body):  # the core path keeps them
        return None
    filtered = set(fmt.filtered)
    schema = {f"c{j}": pl.Float64 if j in filtered else pl.String for j in range(fmt.ncols)}
    options = {"has_header": False, "separator": delimiter, "quote_char": None,
               "raise_if_empty": False, **_EMPTY_CELLS_AS_TEXT}
    try:  # numbers parsed as they are read; a marker such as NA fails, then text and cast
        frame = pl.read_csv(body, schema=schema, **options)
        typed = True
    except _ERRORS:
        try:
            frame = pl.read_csv(body, infer_schema=False, **options)
            typed = False
        except _ERRORS:  # any complaint at all: the core path decides and explains
            return None
    if frame.width != fmt.ncols or body.count(delimiter.encode()) != frame.height * (fmt.ncols - 1):
        return None
    columns = frame.get_columns()
    data = np.empty((frame.height, len(fmt.filtered)))
    for k, j in enumerate(fmt.filtered):
        values = columns[j]
        if not typed:
            values = values.cast(pl.Float64, strict=False)
            if (values.is_null() & ~columns[j].is_in(_MISSING_CELLS)).any():
                return None
        data[:, k] = values.fill_null(float("nan")).to_numpy()
    if np.isinf(data).any():
        return None
    return data, [columns[j] for j in fmt.passthrough]


def format_body(
    fmt: CsvFormat,
    data: np.ndarray,
    passthrough: Sequence[Sequence[str]],
    precision: int = PRECISION,
) -> bytes:
    """UTF-8 bytes of ``format_rows(fmt, data, passthrough, precision=precision)``, when
    ``WRITES_LIKE_REPR``."""
    columns: list[pl.Series] = [pl.Series()] * fmt.ncols
    for k, j in enumerate(fmt.filtered):
        values = round_significant(data[:, k], precision)
        series = pl.Series(values, nan_to_null=True)
        whole = (
            np.flatnonzero(integral(values))
            if fmt.integers and fmt.integers[k]
            else np.empty(0, np.intp)
        )
        if len(whole) == len(values):
            series = pl.Series(values.astype(np.int64))
        elif len(whole):
            ints = pl.Series(values[whole].astype(np.int64)).cast(pl.String)
            series = series.cast(pl.String).scatter(whole, ints)
        magnitude = np.abs(values)
        small = np.flatnonzero((magnitude < _REPR_BELOW) & (magnitude > 0))
        if len(small):
            fixes = pl.Series(list(map(float.__repr__, values[small].tolist())))
            series = series.cast(pl.String).scatter(small, fixes)
        columns[j] = series
    for cells, j in zip(passthrough, fmt.passthrough):
        columns[j] = cells if isinstance(cells, pl.Series) else pl.Series(cells, dtype=pl.String)
    frame = pl.DataFrame({f"c{j}": column for j, column in enumerate(columns)})
    out = io.BytesIO()
    frame.write_csv(
        out,
        include_header=False,
        separator=fmt.delimiter,
        line_terminator=fmt.newline,
        quote_style="never",
        null_value=fmt.na_rep,
    )
    return out.getvalue()
