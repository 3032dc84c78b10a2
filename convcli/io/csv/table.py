"""Signal tables: reading a CSV into numbers to filter, and writing the result the same way.

A table keeps everything but the filtered numbers as text, so writing it back reproduces the
input (preamble comments, header, delimiter, column order, passthrough cells, comment and
blank lines among the rows, line endings) with only the filtered columns replaced. Those are
written by :mod:`convcli.io.csv.format`'s rule; a missing value (NaN) is written as the input
wrote its first missing cell among the sniffed rows, else as an empty cell (``NaN`` in
whitespace-separated or one-column tables, where an empty cell cannot be seen). Not kept: a
UTF-8 byte-order mark, and runs of blanks in whitespace-separated tables (written as one space).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from convcli.errors import InputError
from convcli.io.atomic import atomic_output
from convcli.io.csv.early import FAST_BYTES, EarlyParse, parse_soon, polars_installed, table_bytes
from convcli.io.csv.format import PRECISION, format_floats
from convcli.io.csv.rows import Extras, format_rows, missing_cell, parse_text
from convcli.io.csv.sniff import CsvFormat, TimeColumns, newline_of, sniff_head, sniff_text
from convcli.io.csv.timeaxis import TimeSteps
from convcli.io.sources import Source, source_name


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
    extras: Extras = field(default_factory=list)
    """Comment and blank lines among the rows: (row, line), the line before data row ``row``."""
    warnings: list[str] = field(default_factory=list)
    """What the reader noticed but did not refuse (a time column with uneven steps)."""

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

    def take_rows(self, rows: Sequence[int] | range | np.ndarray) -> SignalTable:
        """The table at ``rows`` (0-based data rows, in order), e.g. one row per pooling
        window or output sample: its passthrough cells go with the numbers that will replace
        ``data``. A row before the first or after the last gets time cells extended at the
        time column's step (empty when it is not numeric) and empty text cells; comment
        lines stay before the first output row at or after theirs."""
        index = np.asarray(rows, dtype=np.intp)
        nrows = len(self.data)
        inside = np.clip(index, 0, max(nrows - 1, 0))
        outside = np.flatnonzero((index < 0) | (index >= nrows))
        passthrough = []
        for j, cells in zip(self.fmt.passthrough, self.passthrough):
            taken = (cells.gather(inside).to_list() if hasattr(cells, "gather")
                     else [cells[i] for i in inside.tolist()])
            if len(outside):
                extended = _extended(cells, index[outside]) if j in self.fmt.time_columns else None
                for i, cell in zip(outside.tolist(), extended or [""] * len(outside)):
                    taken[i] = cell
            passthrough.append(taken)
        extras = [(int(np.searchsorted(index, row)), line) for row, line in self.extras]
        data = np.full((len(index), self.data.shape[1]), np.nan)
        data[index == inside] = self.data[inside[index == inside]]
        return replace(self, data=data, passthrough=passthrough, extras=extras)


def _extended(cells: Sequence[str], positions: np.ndarray) -> list[str] | None:
    """Time cells at row ``positions`` outside the table, at its first or last step."""
    try:
        first, last = float(cells[0]), float(cells[-1])
        before = float(cells[1]) - first if len(cells) > 1 else 1.0
        after = last - float(cells[-2]) if len(cells) > 1 else 1.0
    except ValueError:
        return None
    integer = all(str(c).strip().lstrip("+-").isdigit() for c in (cells[0], cells[-1]))
    n = len(cells)
    values = np.where(positions < 0, first + positions * before, last + (positions - n + 1) * after)
    return format_floats(values, "", integer=integer)


def _load_polars_paths() -> None:
    """What a large table's reader and writer import, loaded while polars still parses:
    the polars reader and writer, and numpy.ma (polars asks for it on a Series made from
    numpy: 14 ms of the write's)."""
    import numpy.ma  # noqa: F401

    from convcli.io.csv import polars  # noqa: F401


def read_signal(
    source: Source,
    *,
    time_column: TimeColumns = None,
    columns: Sequence[str] | None = None,
    bad_cells: str = "error",
    early: EarlyParse | None = None,
) -> SignalTable:
    r"""Read a signal table from a path, ``-`` (stdin), bytes or a stream.

    See ``sniff_format`` for how the format, time columns and filtered columns are chosen,
    ``parse_rows`` for ``bad_cells``. Every problem raises InputError naming the source and
    the 1-based line at fault; a time column with uneven steps is noted in ``warnings``.
    ``early``: the :func:`~convcli.io.csv.early.parse_soon` of ``source`` with the same
    ``time_column`` and ``columns``, begun while the caller loaded (else begun here, for a
    file large enough for polars: read while polars imports).

    >>> table = read_signal(b"year,flow\n1871,1120\n1872,1160\n# gap\n1874,963\n")
    >>> table.filtered, table.data[:, 0].tolist(), table.extras
    (['flow'], [1120.0, 1160.0, 963.0], [(2, '# gap')])
    >>> table.warnings[0][:55]
    "input: time column 'year' steps by 2 at line 5, after s"
    """
    name = source_name(source)
    early = early or parse_soon(source, time_column, columns)  # a large file: while polars loads
    if early is not None:
        early.while_busy(_load_polars_paths)
    raw, parsed = (table_bytes(source), None) if early is None else early.result()
    try:
        table = None
        if len(raw) >= FAST_BYTES and polars_installed():
            fast = _read_fast(raw, time_column, columns, parsed, name)
            if fast is not None:
                del raw  # parsed: its memory is free before the numbers are copied out
                table = _fast_table(*fast)
        if table is None:
            text, encoding = _decode(raw)
            del raw  # a large input is parsed in less memory, so faster
            table = _read_core(text, encoding, time_column, columns, bad_cells)
            table.warnings.extend(_time_warnings(table.fmt, table.passthrough, table.extras,
                                                 name))
    except InputError as e:
        raise InputError(f"{name}: {e}") from None
    return table


def _time_warnings(fmt: CsvFormat, passthrough: Sequence[Sequence[str]],
                   extras: Extras, name: str) -> list[str]:
    """The warning about the time column's steps (see :mod:`convcli.io.csv.timeaxis`), if any."""
    message = TimeSteps(fmt, name).feed(passthrough, extras, fmt.skip + 1)
    return [message] if message else []


def missing_cell_message(table: SignalTable, source: Source) -> str | None:
    r"""The error for ``--nan error`` naming the first missing cell, or None when none is.

    >>> missing_cell_message(read_signal(b"t,x\n0,1\n1,\n"), "in.csv")
    "in.csv: line 3, column 'x': a missing value (--nan error)"
    """
    where = missing_cell(table.data, table.fmt, table.extras, table.fmt.skip + 1)
    if where is None:
        return None
    return f"{source_name(source)}: {where}: a missing value (--nan error)"


def write_signal(
    table: SignalTable,
    values: np.ndarray,
    dest: str | os.PathLike[str],
    *,
    precision: int = PRECISION,
) -> None:
    """Write ``table`` to ``dest`` (a path or ``-``) with ``values`` in its filtered columns,
    to ``precision`` significant digits (see :mod:`convcli.io.csv.format`).

    ``values`` has the shape of ``table.data`` (a 1-D array for a single filtered column).
    """
    fmt = table.fmt
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if values.shape != table.data.shape:
        raise ValueError(f"values have shape {values.shape}, the table needs {table.data.shape}")
    head = head_bytes(table)
    fast = values.size >= FAST_BYTES // 10 and table.encoding == "utf-8" and not table.extras
    if fast and polars_installed():
        from convcli.io.csv import polars as polars_csv
        from convcli.io.csv.polars_parse import MAX_COLUMNS

        if polars_csv.WRITES_LIKE_REPR and fmt.ncols <= MAX_COLUMNS:
            with atomic_output(dest) as out:
                out.write(head)
                if table.final_newline:  # straight to the file: the text is never held
                    polars_csv.format_body(fmt, values, table.passthrough, precision, out)
                else:
                    body = polars_csv.format_body(fmt, values, table.passthrough, precision)
                    out.write(body[: -len(fmt.newline)])
            return
    body = format_rows(fmt, values, table.passthrough, table.extras, precision)
    body = body.encode(table.encoding)
    if not table.final_newline and body:
        body = body[: -len(fmt.newline.encode())]
    with atomic_output(dest) as out:
        out.write(head)
        out.write(body)


def head_bytes(table: SignalTable) -> bytes:
    """The lines before the data rows as written: the preamble and the header."""
    fmt = table.fmt
    head = "".join(line + fmt.newline for line in fmt.preamble)
    if fmt.header is not None:
        head += fmt.header + fmt.newline
    return head.encode(table.encoding)


def _decode(raw: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8, else Latin-1 (which reads any bytes)."""
    if b"\0" in raw:
        raise InputError("this is a binary file, not a text table")
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("latin-1"), "latin-1"
    return text, encoding


def _read_core(
    text: str, encoding: str, time_column: TimeColumns, columns: Sequence[str] | None,
    bad_cells: str,
) -> SignalTable:
    newline = newline_of(text)
    if newline == "\r\n":
        text = text.replace("\r\n", "\n")
    fmt, start, end = sniff_text(text, time_column, columns)
    final_newline = text.endswith("\n")
    body = text[start:end]
    del text
    data, passthrough, extras = parse_text(body, fmt, fmt.skip + 1, bad_cells)
    fmt = replace(fmt, newline=newline)
    return SignalTable(fmt, data, list(passthrough), encoding, final_newline, extras)


def _read_fast(
    raw: bytes, time_column: TimeColumns, columns: Sequence[str] | None,
    parsed: tuple[CsvFormat, int, object] | None, name: str,
) -> tuple[CsvFormat, object, bool, list[str]] | None:
    """The polars path's parse (the format, the frame, whether the input ends in a newline,
    the time column's warnings), or None to leave the input to the core path; ``parsed``: the
    early reader's sniff and parse of ``raw`` (its frame None when polars left the input to
    the core path). The checks of the frame and of the time column run side by side."""
    from convcli import parallel
    from convcli.io.csv.polars_parse import parse_frame

    if parsed is None:
        head = sniff_head(raw, time_column, columns)
        frame = None if head is None else parse_frame(raw, *head)
    else:
        *head, frame = parsed
    if frame is None:
        return None
    fmt, start = head
    from convcli.io.csv.polars import read_frame

    cells = [frame.get_column(f"c{j}") for j in fmt.passthrough]
    frame, warnings = parallel.run_all([lambda: read_frame(raw, fmt, start, frame),
                                        lambda: _time_warnings(fmt, cells, [], name)])
    if frame is None:
        return None
    return fmt, frame, raw.endswith(b"\n"), warnings


def _fast_table(fmt: CsvFormat, frame, final_newline: bool, warnings: list[str]) -> SignalTable:
    """The table of a frame ``_read_fast`` parsed."""
    from convcli.io.csv.polars import frame_columns

    data, passthrough = frame_columns(frame, fmt)
    return SignalTable(fmt, data, list(passthrough), "utf-8", final_newline, warnings=warnings)
