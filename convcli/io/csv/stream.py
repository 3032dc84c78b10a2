"""A signal table read and written incrementally: bytes in, the same layout's bytes out.

:class:`StreamTable` sniffs the format from the first SNIFF_ROWS rows (or the rows that have
come when the input first pauses), parses complete lines as they arrive, hands the numbers to
a filter (anything with the ``feed``/``finish`` of :class:`convcli.engine.stream.StreamConvolver`)
and holds each row's passthrough cells and the comment lines before it until the filter has
determined that row's output. The bytes written are :func:`convcli.io.csv.table.write_signal`'s.
A line longer than MAX_LINE_BYTES is refused, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from convcli.errors import InputError
from convcli.io.csv import table
from convcli.io.csv.format import PRECISION
from convcli.io.csv.rows import Extras, format_rows, missing_cell, parse_text
from convcli.io.csv.sniff import (
    BOM,
    SNIFF_ROWS,
    CsvFormat,
    TimeColumns,
    is_skipped,
    newline_of,
    sniff_format,
)
from convcli.io.csv.timeaxis import TimeSteps

POLARS_VALUES = 1 << 14
"""Blocks of at least this many values are formatted by polars when it is installed."""
POLARS_BYTES = 1 << 18
"""Blocks of at least this many bytes are parsed by polars when it is installed."""
SNIFF_BYTES = 1 << 16
"""The format is sniffed from the lines in about this many first bytes (or more, when they
hold fewer than SNIFF_ROWS rows)."""
MAX_LINE_BYTES = 1 << 24
"""The longest line a stream takes (16 MiB)."""


class RowFilter(Protocol):
    def feed(self, block: np.ndarray) -> np.ndarray: ...

    def finish(self) -> np.ndarray: ...


class StreamTable:
    """Input bytes in (``feed``, then ``finish``), output bytes out.

    ``missing_is_error`` refuses the first missing cell, naming its line and column.
    ``warnings`` collects what the reader noticed (a time column with uneven steps); the
    caller shows new ones as they come.
    """

    def __init__(self, row_filter: RowFilter, name: str, *, time_column: TimeColumns = None,
                 columns: Sequence[str] | None = None, bad_cells: str = "error",
                 precision: int = PRECISION, missing_is_error: bool = False) -> None:
        self.filter = row_filter
        self.name = name
        self.time_column = time_column
        self.columns = columns
        self.bad_cells = bad_cells
        self.precision = precision
        self.missing_is_error = missing_is_error
        self.fmt: CsvFormat | None = None
        self.rows = 0
        self.warnings: list[str] = []
        self._steps: TimeSteps | None = None
        self._partial = b""  # the start of a line whose end has not come
        self._head: list[str] = []  # the lines before the format is sniffed
        self._line = 1  # the number of the next line
        self._newline: str | None = None
        self._encoding = "utf-8"  # Latin-1 from the first line that is not UTF-8 on
        self._held: list[list] = []  # per passthrough column: chunks of cells
        self._extras: Extras = []  # row numbers counted from the first row not yet written
        self._parsed = 0  # rows parsed

    def feed(self, data: bytes, due: bool) -> bytes:
        """The output of the complete lines in ``data`` (``due``: the input paused)."""
        data = self._partial + data if self._partial else data
        cut = data.rfind(b"\n") + 1
        self._partial = data[cut:]
        if len(self._partial) > MAX_LINE_BYTES:
            line = self._line + data.count(b"\n", 0, cut)
            raise InputError(f"{self.name}: line {line} is longer than {MAX_LINE_BYTES >> 20} "
                             "MiB: not a signal table")
        if self.fmt is None and cut > SNIFF_BYTES:  # sniff from the head, the rest in bulk
            split = data.rfind(b"\n", 0, SNIFF_BYTES) + 1
            if split:
                head = self._lines(data[:split], False)
                return head + self._lines(data[split:cut], due)
        return self._lines(data[:cut], due) if cut else b""

    def finish(self) -> bytes:
        """The output of the last line and of the rows that waited for the end."""
        final_newline = not self._partial
        out = self._lines(self._partial, True, end=True) + self._emit(self.filter.finish())
        out += self._emit_extras()
        if not final_newline and out.endswith(self.fmt.newline.encode()):
            out = out[: -len(self.fmt.newline)]
        return out

    def _lines(self, raw: bytes, due: bool, end: bool = False) -> bytes:
        """The output of complete lines (``end``: the last line, complete or not)."""
        if self.fmt is not None and len(raw) >= POLARS_BYTES and self._encoding == "utf-8" \
                and table.polars_installed() and raw.endswith(b"\n"):
            from convcli.io.csv.polars import parse_body

            parsed = parse_body(raw, self.fmt)
            if parsed is not None:
                first = self._line
                self._line += raw.count(b"\n")
                return self._rows(parsed[0], parsed[1], [], first)
        text = self._decode(raw)
        body = text[:-1] if text.endswith("\n") else text
        out = b""
        first = self._line
        self._line += body.count("\n") + 1 if raw else 0
        if self.fmt is None:
            if raw:
                self._head += body.split("\n")
            rows = sum(not is_skipped(line) for line in self._head)
            if not (end or rows > SNIFF_ROWS or (due and rows > 1)):
                return b""
            out = self._sniff()
            first = self.fmt.skip + 1
            if len(self._head) == self.fmt.skip:
                self._head = []
                return out
            body = "\n".join(self._head[self.fmt.skip:])
            self._head = []
        elif not raw:
            return out
        try:
            data, passthrough, extras = parse_text(body, self.fmt, first, self.bad_cells)
        except InputError as e:
            raise InputError(f"{self.name}: {e}") from None
        return out + self._rows(data, passthrough, extras, first)

    def _rows(self, data: np.ndarray, passthrough: list, extras: Extras, first: int) -> bytes:
        """The output of parsed rows, the first on line ``first``."""
        if self.missing_is_error:
            where = missing_cell(data, self.fmt, extras, first)
            if where:
                raise InputError(f"{self.name}: {where}: a missing value (--nan error)")
        message = self._steps.feed(passthrough, extras, first)
        if message:
            self.warnings.append(message)
        pending = self._parsed - self.rows
        self._extras += [(row + pending, line) for row, line in extras]
        self._parsed += len(data)
        for chunks, cells in zip(self._held, passthrough):
            chunks.append(cells)
        return self._emit(self.filter.feed(data))

    def _decode(self, raw: bytes) -> str:
        """Text with ``\\n`` line ends, from UTF-8, or Latin-1 once a line is not UTF-8 (the
        text already read but not written is converted, so every byte is written back)."""
        if self._newline is None and raw.startswith(BOM):
            raw = raw[len(BOM):]
        if b"\0" in raw:
            raise InputError(f"{self.name}: this is a binary file, not a text table")
        try:
            text = raw.decode(self._encoding)
        except UnicodeDecodeError:
            self._encoding = "latin-1"
            self._head = [_latin1(line) for line in self._head]
            self._held = [[[_latin1(cell) for cell in _take(chunks, None)]]
                          for chunks in self._held]
            self._extras = [(row, _latin1(line)) for row, line in self._extras]
            text = raw.decode(self._encoding)
        if self._newline is None and "\n" in text:
            self._newline = newline_of(text)
        return text.replace("\r\n", "\n") if self._newline == "\r\n" else text

    def _sniff(self) -> bytes:
        """Sniff the format from the head lines; the preamble and header to write."""
        try:
            fmt = sniff_format(self._head, time_column=self.time_column, columns=self.columns,
                               newline=self._newline or "\n")
        except InputError as e:
            raise InputError(f"{self.name}: {e}") from None
        self.fmt = fmt
        self._steps = TimeSteps(fmt, self.name)
        self._held = [[] for _ in fmt.passthrough]
        head = "".join(line + fmt.newline for line in fmt.preamble)
        if fmt.header is not None:
            head += fmt.header + fmt.newline
        return head.encode(self._encoding)

    def _emit(self, values: np.ndarray) -> bytes:
        """The formatted rows of ``values``, the next outputs, with their held cells and the
        comment lines before them."""
        count = len(values)
        if not count:
            return b""
        cells = [_take(chunks, count) for chunks in self._held]
        extras = [(row, line) for row, line in self._extras if row < count]
        self._extras = [(row - count, line) for row, line in self._extras if row >= count]
        self.rows += count
        if (not extras and self._encoding == "utf-8" and values.size >= POLARS_VALUES
                and table.polars_installed()):
            from convcli.io.csv.polars import WRITES_LIKE_REPR, format_body
            from convcli.io.csv.polars_parse import MAX_COLUMNS

            if WRITES_LIKE_REPR and self.fmt.ncols <= MAX_COLUMNS:
                return format_body(self.fmt, values, cells, self.precision)
        text = format_rows(self.fmt, values, cells, extras, self.precision)
        return text.encode(self._encoding)

    def _emit_extras(self) -> bytes:
        """The comment and blank lines after the last row."""
        lines = "".join(line + self.fmt.newline for _, line in self._extras)
        self._extras = []
        return lines.encode(self._encoding)


def _take(chunks: list, count: int | None) -> Sequence[str]:
    """The first ``count`` cells (all with None) of a column held as chunks (lists or polars
    Series), removed from ``chunks``: a Series when every chunk taken is one."""
    taken, need = [], count
    while chunks and (need is None or need > 0):
        chunk = chunks[0]
        if need is not None and len(chunk) > need:
            taken.append(chunk[:need])
            chunks[0] = chunk[need:]
            break
        taken.append(chunks.pop(0))
        need = None if need is None else need - len(chunk)
    if len(taken) == 1:
        return taken[0]
    if taken and not any(isinstance(chunk, list) for chunk in taken):
        import polars as pl

        return pl.concat(taken)
    return [cell for chunk in taken for cell in (chunk if isinstance(chunk, list)
                                                 else chunk.to_list())]


def _latin1(text: str) -> str:
    """UTF-8 text as Latin-1 would have read its bytes."""
    return text.encode("utf-8").decode("latin-1")
