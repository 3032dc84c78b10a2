"""Parsing a table's data rows into numbers and text, and formatting them back.

Comment and blank lines among the rows are kept as ``extras``: ``(row, line)`` pairs, the
line standing before data row ``row`` (``row`` may be the number of rows: after the last).
"""

from __future__ import annotations

import gc
import io
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import NamedTuple

import numpy as np

from convcli.errors import InputError
from convcli.io.csv.format import PRECISION, format_columns
from convcli.io.csv.sniff import (
    WHITESPACE,
    CsvFormat,
    cell_value,
    is_skipped,
    quoted,
    ragged_message,
    split_fields,
)

_SKIPPED = re.compile(r"^[ \t\r\f\v]*(?:#|$)", re.MULTILINE)
BAD_CELLS = ("error", "missing")
"""What a cell that is neither a number nor missing does in a numeric column."""

Extras = list[tuple[int, str]]


class Rows(NamedTuple):
    """Parsed data rows: the numbers, the passthrough cells and the comment/blank lines."""

    data: np.ndarray
    """float64, rows × ``fmt.filtered``, NaN where missing."""
    passthrough: list
    """For each column of ``fmt.passthrough``, its raw cells (a list or a polars Series)."""
    extras: Extras


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of cells are made (they hold no cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_rows(
    lines: Sequence[str], fmt: CsvFormat, first_line_number: int = 1, bad_cells: str = "error"
) -> Rows:
    """Parse data lines (without terminators) into filtered values and passthrough cells.

    Blank and comment lines become ``extras``. Errors name the 1-based file line:
    ``first_line_number`` is the number of ``lines[0]``. A cell in a filtered column that is
    neither a number nor missing is an error, or missing with ``bad_cells="missing"``.
    """
    return parse_text("\n".join(lines), fmt, first_line_number, bad_cells)


def parse_text(
    text: str, fmt: CsvFormat, first_line_number: int = 1, bad_cells: str = "error"
) -> Rows:
    """``parse_rows`` for data lines joined by LF (no final newline)."""
    extras: Extras = []
    if _maybe_skipped(text) and _SKIPPED.search(text):
        kept = []
        for line in text.split("\n"):
            if is_skipped(line):
                extras.append((len(kept), line))
            else:
                kept.append(line)
        text = "\n".join(kept)
        if not kept:
            return Rows(np.empty((0, len(fmt.filtered))), [[] for _ in fmt.passthrough], extras)
    def line_of(row: int) -> int:
        return line_number(row, extras, first_line_number)

    with gc_paused():
        parsed = _parse_regular(text, fmt, line_of, bad_cells)
        if parsed is None:
            parsed = _parse_checked(text.split("\n"), fmt, line_of, bad_cells)
        return Rows(*parsed, extras)


def _maybe_skipped(text: str) -> bool:
    """False when ``text`` surely has no comment or blank line (quick substring tests)."""
    return ("#" in text or "\n\n" in text or "\n\r" in text or "\n " in text
            or "\n\t" in text or text[:1] in ("\n", "\r", " ", "\t", "")
            or text[-1:] == "\n")  # the last line is blank


def line_number(row: int, extras: Extras, first_line_number: int) -> int:
    """The file line of data row ``row``, the rows starting at ``first_line_number`` with
    ``extras`` among them."""
    return first_line_number + row + bisect_right([r for r, _ in extras], row)


def missing_cell(data: np.ndarray, fmt: CsvFormat, extras: Extras, first_line_number: int
                 ) -> str | None:
    """Where the first missing value is ("line 7, column 'x'"), or None."""
    missing = np.isnan(data)
    if not missing.any():
        return None
    row, k = np.unravel_index(int(np.argmax(missing)), data.shape)
    line = line_number(int(row), extras, first_line_number)
    return f"line {line}, column {fmt.label(fmt.filtered[k])}"


def _parse_regular(
    text: str, fmt: CsvFormat, line_of: Callable[[int], int], bad_cells: str
) -> tuple[np.ndarray, list[list[str]]] | None:
    """The quick parse of a table with no quotes or ragged lines; else None."""
    ncols, delimiter = fmt.ncols, fmt.delimiter
    if delimiter == WHITESPACE:
        rows = list(map(str.split, text.split("\n")))
        if any(len(row) != ncols for row in rows):
            return None
        return _columns(list(chain.from_iterable(rows)), fmt, line_of, bad_cells)
    if '"' in text:
        return None
    if ncols == 1:
        return _columns(text.split("\n"), fmt, line_of, bad_cells)
    # Each line must hold ncols - 1 delimiters: every ncols-th separator is a newline.
    encoded = text.encode()
    marks = np.frombuffer(encoded, np.uint8)
    separators = np.flatnonzero((marks == ord("\n")) | (marks == ord(delimiter)))
    newlines = marks[separators] == ord("\n")
    nrows = int(np.count_nonzero(newlines)) + 1
    if len(separators) != nrows * ncols - 1 or not newlines[ncols - 1 :: ncols].all():
        return None
    try:  # numpy's C reader, when every filtered cell is a plain number
        data = np.loadtxt(
            io.BytesIO(encoded),
            delimiter=delimiter,
            usecols=fmt.filtered,
            comments=None,
            quotechar=None,
            ndmin=2,
            encoding="utf-8",
        )
    except ValueError:  # missing values and the like: cell by cell
        return _columns(text.replace("\n", delimiter).split(delimiter), fmt, line_of, bad_cells)
    if len(data) != nrows or np.isinf(data).any():  # a stray carriage return splits a row
        return None
    # Cell r of column j lies between separators r * ncols + j - 1 and r * ncols + j.
    bounds = np.concatenate(([-1], separators, [len(encoded)]))
    source = text if len(encoded) == len(text) else encoded  # offsets are bytes
    passthrough = []
    for j in fmt.passthrough:
        starts = (bounds[j : j + nrows * ncols : ncols] + 1).tolist()
        ends = bounds[j + 1 : j + 1 + nrows * ncols : ncols].tolist()
        cells = [source[a:b] for a, b in zip(starts, ends)]
        passthrough.append(cells if source is text else [c.decode() for c in cells])
    return data, passthrough


def _columns(
    cells: list[str], fmt: CsvFormat, line_of: Callable[[int], int], bad_cells: str
) -> tuple[np.ndarray, list[list[str]]]:
    """Columns from the flat cells; a cell that is not a finite number or missing is named."""
    ncols = fmt.ncols
    data = np.empty((len(cells) // ncols, len(fmt.filtered)))
    for k, j in enumerate(fmt.filtered):
        data[:, k] = _to_floats(cells[j::ncols], fmt, j, line_of, bad_cells)
    return data, [cells[j::ncols] for j in fmt.passthrough]


def _to_floats(
    cells: list[str], fmt: CsvFormat, column: int, line_of: Callable[[int], int], bad_cells: str
) -> np.ndarray:
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        values = None
    if values is None or np.isinf(values).any():
        values = np.array(
            [_checked_value(cell, row, fmt, column, line_of, bad_cells)
             for row, cell in enumerate(cells)],
            dtype=np.float64,
        )
    return values


def _parse_checked(
    lines: Sequence[str], fmt: CsvFormat, line_of: Callable[[int], int], bad_cells: str
) -> tuple[np.ndarray, list[list[str]]]:
    """The line-by-line parse (quoted fields, ragged lines): slower, names any line at fault."""
    values: list[list[float]] = [[] for _ in fmt.filtered]
    texts: list[list[str]] = [[] for _ in fmt.passthrough]
    ncols = fmt.ncols
    for row, line in enumerate(lines):
        fields = split_fields(line, fmt.delimiter)
        if len(fields) != ncols:
            raise InputError(ragged_message(line_of(row), len(fields), ncols))
        for column, j in zip(values, fmt.filtered):
            column.append(_checked_value(fields[j], row, fmt, j, line_of, bad_cells))
        for column, j in zip(texts, fmt.passthrough):
            column.append(fields[j])
    data = np.array(values, dtype=np.float64).reshape(len(values), -1).T
    return np.ascontiguousarray(data), texts


def _checked_value(
    field: str, row: int, fmt: CsvFormat, column: int, line_of: Callable[[int], int],
    bad_cells: str,
) -> float:
    value = cell_value(field)
    if value is None and bad_cells == "missing":
        return math.nan
    if value is not None and not math.isinf(value):
        return value
    where = f"line {line_of(row)}, column {fmt.label(column)}"
    if value is None:
        raise InputError(
            f"{where}: {quoted(field)} is not a number (--bad-cells missing reads such cells "
            "as missing)"
        )
    raise InputError(
        f"{where}: {quoted(field)} is infinite or out of range; "
        "use a finite number, or leave the cell empty for a missing value"
    )


def format_rows(
    fmt: CsvFormat,
    data: np.ndarray,
    passthrough: Sequence[Sequence[str]],
    extras: Extras = (),
    precision: int = PRECISION,
) -> str:
    """The data lines (each ending in ``fmt.newline``): ``data`` fills the filtered columns,
    ``passthrough`` the others, in ``fmt``'s column order and delimiter; ``extras`` go back
    in their places."""
    data = np.asarray(data, dtype=np.float64).reshape(-1, len(fmt.filtered))
    rows: Sequence[str] = []
    if len(data):
        columns: list[Sequence[str]] = [()] * fmt.ncols
        with gc_paused():
            numbers = format_columns(data, fmt.na_rep, precision=precision,
                                     integers=fmt.integers or (False,) * len(fmt.filtered))
            for j, cells in zip(fmt.filtered, numbers):
                columns[j] = cells
            for cells, j in zip(passthrough, fmt.passthrough):
                columns[j] = cells if isinstance(cells, list) else list(cells)
            rows = columns[0] if fmt.ncols == 1 else list(map(fmt.delimiter.join, zip(*columns)))
    if extras:
        rows = insert_extras(list(rows), extras)
    return "".join(line + fmt.newline for line in rows) if rows else ""


def insert_extras(lines: list[str], extras: Extras) -> list[str]:
    """``lines`` (one per data row) with the extra lines put back before their rows."""
    out: list[str] = []
    at = 0
    for row, line in extras:
        out += lines[at:row]
        at = max(at, row)
        out.append(line)
    return out + lines[at:]
