"""Signal tables: reading a CSV into numbers to filter, and writing the result the same way.

A table keeps everything but the filtered numbers as text, so writing it back reproduces the
input (preamble comments, header, delimiter, column order, passthrough cells, line endings)
with only the filtered columns replaced. Those are written as Python's shortest round-trip
``repr`` of each float64; a missing value (NaN) is written as the input wrote its first
missing cell among the sniffed rows, else as an empty cell (``NaN`` in whitespace-separated
or one-column tables, where an empty cell cannot be seen). Not kept: a UTF-8 byte-order mark,
comment and blank lines after the header, and runs of blanks in whitespace-separated tables
(written as one space).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from convcli.errors import InputError
from convcli.io.atomic import atomic_output
from convcli.io.csvformat import SNIFF_ROWS, CsvFormat, is_skipped, sniff_format
from convcli.io.csvrows import format_rows, parse_text
from convcli.io.sources import Source, read_bytes, source_name

FAST_BYTES = 1 << 20
"""Inputs (and outputs) at least this large use polars when it is installed."""

_BOM = b"\xef\xbb\xbf"


@dataclass
class SignalTable:
    """A parsed signal table: the numbers to filter plus all it takes to write it back."""

    fmt: CsvFormat
    data: np.ndarray
    """float64, rows × filtered columns, NaN where a cell was missing."""
    passthrough: list[Sequence[str]]
    """The raw cells of each column in ``fmt.passthrough`` (the time column among them)."""
    encoding: str = "utf-8"
    final_newline: bool = True

    @property
    def header(self) -> list[str] | None:
        return list(self.fmt.names) if self.fmt.header is not None else None

    @property
    def delimiter(self) -> str:
        return self.fmt.delimiter

    @property
    def comments(self) -> list[str]:
        """The comment (and blank) lines before the header, written back verbatim."""
        return list(self.fmt.preamble)

    @property
    def filtered(self) -> list[str]:
        """The names of the filtered columns (0-based indices as text without a header)."""
        return [self.fmt.names[j] for j in self.fmt.filtered]

    def take_rows(self, rows: Sequence[int] | range) -> SignalTable:
        """The table reduced to ``rows`` (0-based data rows), e.g. one row per pooling window:
        its passthrough cells go with the numbers that will replace ``data``."""
        index = np.asarray(rows, dtype=np.intp)
        return replace(
            self,
            data=self.data[index],
            passthrough=[[cells[i] for i in index] for cells in self.passthrough],
        )


def read_signal(
    source: Source,
    *,
    time_column: str | int | None = None,
    columns: Sequence[str] | None = None,
) -> SignalTable:
    """Read a signal table from a path, ``-`` (stdin), bytes or a stream.

    See ``sniff_format`` for how the format, time column and filtered columns are chosen.
    Every problem raises InputError naming the source and the 1-based line at fault.
    """
    raw = read_bytes(source)
    raw = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    try:
        if len(raw) >= FAST_BYTES and _polars_installed():
            table = _read_fast(raw, time_column, columns)
            if table is not None:
                return table
        text, encoding = _decode(raw)
        del raw  # a large input is parsed in less memory, so faster
        return _read_core(text, encoding, time_column, columns)
    except InputError as e:
        raise InputError(f"{source_name(source)}: {e}") from None


def write_signal(table: SignalTable, values: np.ndarray, dest: str | os.PathLike[str]) -> None:
    """Write ``table`` to ``dest`` (a path or ``-``) with ``values`` in its filtered columns.

    ``values`` has the shape of ``table.data`` (a 1-D array for a single filtered column).
    """
    fmt = table.fmt
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if values.shape != table.data.shape:
        raise ValueError(f"values have shape {values.shape}, the table needs {table.data.shape}")
    head = "".join(line + fmt.newline for line in fmt.preamble)
    if fmt.header is not None:
        head += fmt.header + fmt.newline
    body = None
    if values.size >= FAST_BYTES // 10 and table.encoding == "utf-8" and _polars_installed():
        from convcli.io import polarscsv

        if polarscsv.WRITES_LIKE_REPR:
            body = polarscsv.format_body(fmt, values, table.passthrough)
    if body is None:
        body = format_rows(fmt, values, table.passthrough).encode(table.encoding)
    if not table.final_newline:
        body = body[: -len(fmt.newline.encode())]
    with atomic_output(dest) as out:
        out.write(head.encode(table.encoding))
        out.write(body)


def _polars_installed() -> bool:
    return importlib.util.find_spec("polars") is not None


def _decode(raw: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8, else Latin-1 (which reads any bytes)."""
    if b"\0" in raw:
        raise InputError("this is a binary file, not a text table")
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("latin-1"), "latin-1"
    return text, encoding


def _newline(text: str) -> str:
    """CRLF when the first line ends so, else LF."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _sniffed_enough(lines: list[str]) -> bool:
    """True when ``lines`` hold every line ``sniff_format`` looks at."""
    return sum(not is_skipped(line) for line in lines) > SNIFF_ROWS


def _sniff(
    text: str, time_column: str | int | None, columns: Sequence[str] | None
) -> tuple[CsvFormat, int, int]:
    """The format, sniffed from the first lines of ``text`` (LF line ends), and where the data
    rows start and end (trailing blank lines left out)."""
    end = text.find("\n", len(text.rstrip()))
    end = len(text) if end < 0 else end
    size = 1 << 16
    while True:
        head = text[:end] if size >= end else text[: text.rfind("\n", 0, size) + 1]
        lines = head.split("\n")
        if len(head) >= end or _sniffed_enough(lines):
            break
        size *= 4
    fmt = sniff_format(lines, time_column=time_column, columns=columns)
    start = 0
    for _ in range(fmt.skip):
        start = text.find("\n", start) + 1 or end
    return fmt, start, end


def _read_core(
    text: str, encoding: str, time_column: str | int | None, columns: Sequence[str] | None
) -> SignalTable:
    newline = _newline(text)
    if newline == "\r\n":
        text = text.replace("\r\n", "\n")
    fmt, start, end = _sniff(text, time_column, columns)
    final_newline = text.endswith("\n")
    body = text[start:end]
    del text
    data, passthrough = parse_text(body, fmt, fmt.skip + 1)
    fmt = replace(fmt, newline=newline)
    return SignalTable(fmt, data, list(passthrough), encoding, final_newline)


def _read_fast(
    raw: bytes, time_column: str | int | None, columns: Sequence[str] | None
) -> SignalTable | None:
    """The polars path, or None to leave the input to the core path."""
    try:
        head = raw[: raw.rfind(b"\n", 0, 1 << 16) + 1].decode("utf-8")
    except UnicodeDecodeError:
        return None
    newline = _newline(head)
    head = head.replace("\r\n", "\n")
    if not _sniffed_enough(head.split("\n")):
        return None  # the core path would sniff lines beyond this head
    fmt, _, _ = _sniff(head, time_column, columns)
    from convcli.io.polarscsv import parse_body

    start = 0
    for _ in range(fmt.skip):
        start = raw.index(b"\n", start) + 1
    parsed = parse_body(raw[start:], fmt)
    if parsed is None:
        return None
    data, passthrough = parsed
    fmt = replace(fmt, newline=newline)
    return SignalTable(fmt, data, list(passthrough), "utf-8", raw.endswith(b"\n"))
