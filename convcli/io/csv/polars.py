"""The optional polars path for large tables: the core path's results, only faster.

Import this module only when polars is installed. Each reader returns None whenever the input
has anything the core path treats specially (quotes, indented comments, ragged or non-number
cells, infinities…): the caller then parses with the core path, which also words the errors.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import BinaryIO

import numpy as np
import polars as pl

from convcli.io.atomic import start_writeback
from convcli.io.csv.format import CHUNK, PRECISION, integral, round_columns
from convcli.io.csv.polars_parse import SKIPS_LINES, parse_frame
from convcli.io.csv.sniff import CsvFormat

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


def parse_body(
    body: bytes, fmt: CsvFormat, start: int = 0
) -> tuple[np.ndarray, list[pl.Series]] | None:
    """Parse the data rows in ``body[start:]`` (the bytes after the header; ``start`` after a
    newline) like ``parse_rows``; the numbers as a column-major rows × filtered array."""
    frame = read_frame(body, fmt, start)
    return None if frame is None else frame_columns(frame, fmt)


def read_frame(body: bytes, fmt: CsvFormat, start: int = 0,
               frame: pl.DataFrame | None = None) -> pl.DataFrame | None:
    """The first half of ``parse_body``: the rows as a frame, every check done (``body`` is
    no longer needed), its filtered columns Float64 (null where missing), the others text.
    ``frame``: :func:`~convcli.io.csv.polars_parse.parse_frame`'s of the same rows, when it
    already ran (on the early reader's thread)."""
    frame = parse_frame(body, fmt, start) if frame is None else frame
    if frame is None:
        return None
    if start and not SKIPS_LINES:
        body, start = body[start:], 0
    end = len(body) - body.endswith(b"\n")
    newlines, delimiters = _counts(body, start, end, (ord("\n"), ord(fmt.delimiter)))
    lines = newlines + 1 if end > start else 0
    if frame.width != fmt.ncols or frame.height != lines or \
            delimiters != lines * (fmt.ncols - 1):
        return None  # a blank line (skipped or read as a row), a ragged one: the core path's
    columns = [f"c{j}" for j in fmt.filtered]
    if frame.select(pl.any_horizontal(pl.col(columns).is_infinite().any())).item():
        return None
    return frame


def _counts(body: bytes, start: int, end: int, marks: Sequence[int]) -> list[int]:
    """How many times each byte of ``marks`` occurs in ``body[start:end]``: one pass in
    cache-sized pieces (a third of the time of one ``bytes.count`` per mark)."""
    view = np.frombuffer(body, np.uint8, end - start, start)
    totals = [0] * len(marks)
    for begin in range(0, len(view), COUNT_BYTES):
        piece = view[begin : begin + COUNT_BYTES]
        for k, mark in enumerate(marks):
            totals[k] += int(np.count_nonzero(piece == mark))
    return totals


COUNT_BYTES = 1 << 18


def frame_columns(frame: pl.DataFrame, fmt: CsvFormat) -> tuple[np.ndarray, list[pl.Series]]:
    """The second half of ``parse_body``: the numbers as one Fortran-ordered array (polars
    copies its chunks straight into it: 20 ms for 1M × 3 against 26–90 ms a column at a
    time), the frame's own numbers freed, and the passthrough columns."""
    passthrough = [frame.get_column(f"c{j}") for j in fmt.passthrough]
    names = [f"c{j}" for j in fmt.filtered]
    if not names:
        return np.empty((frame.height, 0), order="F"), passthrough
    data = frame.select(names).to_numpy(order="fortran")  # null → NaN
    for name in names:
        frame.drop_in_place(name)
    return data, passthrough


def format_body(
    fmt: CsvFormat,
    data: np.ndarray,
    passthrough: Sequence[Sequence[str]],
    precision: int = PRECISION,
    out: BinaryIO | None = None,
) -> bytes:
    """UTF-8 bytes of ``format_rows(fmt, data, passthrough, precision=precision)``, when
    ``WRITES_LIKE_REPR``; written to ``out`` instead when given (then ``b""`` is returned),
    ``SLICE_CELLS`` cells at a time, so that the text and the rounded values of a wide or
    long table are never all held."""
    if out is None:
        target = io.BytesIO()
        _write_rows(_frame(fmt, data, passthrough, precision), fmt, target)
        return target.getvalue()
    writer = _Writer(out)
    step = max(1, SLICE_CELLS // fmt.ncols)
    rounded = np.empty((min(step, len(data)), data.shape[1]), order="F")  # for every slice
    for start in range(0, max(len(data), 1), step):
        rows = slice(start, start + step)
        frame = _frame(fmt, data[rows], [cells[rows] for cells in passthrough], precision,
                       rounded[: len(data[rows])])
        try:
            _write_rows(frame, fmt, writer)
            start_writeback(out)
        except OSError:
            if writer.error is not None:
                raise writer.error from None  # polars keeps only its text: the original, typed
            raise
    return b""


SLICE_CELLS = 1 << 20
"""Cells formatted and written at a time (256K rows of a t,x,y,z table): a slice's text and
rounded values stay small, whatever the table's width (the whole 1M-row table at once wrote
no faster, with 40 % more page faults and 30 MB more)."""


def _frame(
    fmt: CsvFormat, data: np.ndarray, passthrough: Sequence[Sequence[str]], precision: int,
    out: np.ndarray | None = None,
) -> pl.DataFrame:
    """The rows as polars writes them: rounded numbers (integers, tiny values as text); the
    numbers rounded into ``out`` when given (the frame's columns are views of it)."""
    columns: list[pl.Series] = [pl.Series()] * fmt.ncols
    rounded = round_columns(data, precision, out)  # on every core
    for k, j in enumerate(fmt.filtered):
        values = rounded[:, k]
        # NaN as null (written as the table's missing cells): a copy, so only when there is one
        series = pl.Series(values, nan_to_null=bool(np.isnan(values).any()))
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
        small = _tiny(values)
        if len(small):
            fixes = pl.Series(list(map(float.__repr__, values[small].tolist())))
            series = series.cast(pl.String).scatter(small, fixes)
        columns[j] = series
    for cells, j in zip(passthrough, fmt.passthrough):
        columns[j] = cells if isinstance(cells, pl.Series) else pl.Series(cells, dtype=pl.String)
    return pl.DataFrame({f"c{j}": column for j, column in enumerate(columns)})


def _write_rows(frame: pl.DataFrame, fmt: CsvFormat, target: BinaryIO) -> None:
    frame.write_csv(
        target,
        include_header=False,
        separator=fmt.delimiter,
        line_terminator=fmt.newline,
        quote_style="never",
        null_value=fmt.na_rep,
    )


class _Writer:
    """A binary file as polars writes to it, keeping the first OSError its ``write`` raised
    (polars re-raises a plain OSError without the errno: a closed pipe must stay a
    BrokenPipeError, a full disk an ENOSPC)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        try:
            return self._out.write(data)
        except OSError as e:
            self.error = self.error or e
            raise

    def flush(self) -> None:
        self._out.flush()


def _tiny(values: np.ndarray) -> np.ndarray:
    """The indices of the nonzero values below ``_REPR_BELOW`` in magnitude (polars writes
    those unlike ``repr``), found a cache-sized chunk at a time."""
    found = []
    for start in range(0, len(values), CHUNK):
        magnitude = np.abs(values[start : start + CHUNK])
        hits = np.flatnonzero((magnitude < _REPR_BELOW) & (magnitude > 0))
        if len(hits):
            found.append(hits + start)
    return np.concatenate(found) if found else np.empty(0, np.intp)
