"""polars' parse of a table's rows, without numpy: it can run while numpy loads.

:func:`parse_frame` returns None whenever the rows hold anything the core path treats
specially (quotes, comments, NUL bytes, a cell polars reads unlike it): the caller then
parses with the core path, which also words the errors. :mod:`convcli.io.csv.polars` checks
what is left (the lines' shape, infinities) and takes the numbers out.
"""

from __future__ import annotations

import inspect
import re

import polars as pl

from convcli.io.csv.sniff import DELIMITERS, CsvFormat

MISSING_CELLS = ["", "NA", "N/A", "na", "n/a", "null", "NULL", "Null"]
"""The missing-value markers polars is told of (the core path's, as they are spelt)."""
_SKIPPED_LINE = re.compile(rb"(?:^|\n)[ \t\r]*(?:#|\n|$)")
_EMPTY_CELLS_AS_TEXT = (  # polars < 1.3x spelt it missing_utf8_is_empty_string
    {"empty_string_is_null": False}
    if "empty_string_is_null" in inspect.signature(pl.read_csv).parameters
    else {"missing_utf8_is_empty_string": True}
)
SKIPS_LINES = "skip_lines" in inspect.signature(pl.read_csv).parameters
"""Whether this polars skips a header's lines itself (older ones are given the rest)."""
MAX_COLUMNS = 256
"""Wider tables take the core path: polars frames cost time growing faster than their width."""
ERRORS = (pl.exceptions.PolarsError, ValueError, TypeError, OverflowError)
"""What polars raises for input it cannot take."""


def parse_frame(body: bytes, fmt: CsvFormat, start: int = 0) -> pl.DataFrame | None:
    """The data rows in ``body[start:]`` (``start`` after a newline) as a frame named c0, c1…:
    its filtered columns Float64 (null where missing), the others text; None for the core
    path. The checks of the result are :func:`convcli.io.csv.polars.read_frame`'s."""
    delimiter = fmt.delimiter
    if delimiter not in DELIMITERS or not 2 <= fmt.ncols <= MAX_COLUMNS:
        return None
    if body.find(b'"', start) >= 0 or body.find(b"\0", start) >= 0:
        return None
    if start and not SKIPS_LINES:
        body, start = body[start:], 0
    end = len(body) - body.endswith(b"\n")
    if body.find(b"#", start, end) >= 0 and _SKIPPED_LINE.search(body, max(start - 1, 0), end):
        return None  # comments: the core path keeps them (from start - 1, a newline, as ^)
    filtered = set(fmt.filtered)
    schema = {f"c{j}": pl.Float64 if j in filtered else pl.String for j in range(fmt.ncols)}
    options = {"has_header": False, "separator": delimiter, "quote_char": None,
               "raise_if_empty": False, **_EMPTY_CELLS_AS_TEXT}
    if start:
        options["skip_lines"] = body.count(b"\n", 0, start)
    try:  # numbers parsed as they are read; a marker such as NA fails, then text and cast
        return pl.read_csv(body, schema=schema, **options)
    except ERRORS:
        try:
            frame = pl.read_csv(body, infer_schema=False, **options)
        except ERRORS:  # any complaint at all: the core path decides and explains
            return None
    frame = frame.rename(dict(zip(frame.columns, schema)))
    for j in fmt.filtered:
        cells = frame.get_column(f"c{j}")
        values = cells.cast(pl.Float64, strict=False)
        if (values.is_null() & ~cells.is_in(MISSING_CELLS)).any():
            return None
        frame = frame.with_columns(values)
    return frame
