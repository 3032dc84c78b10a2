"""Parsing a table's data rows into numbers and text, and formatting them back."""

from __future__ import annotations

import gc
import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain

import numpy as np

from convcli.errors import InputError
from convcli.io.csvformat import (
    MISSING,
    WHITESPACE,
    CsvFormat,
    cell_value,
    is_skipped,
    ragged_message,
    split_fields,
)

_COMMENT = re.compile(r"^[ \t]*#", re.MULTILINE)


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
    lines: Sequence[str], fmt: CsvFormat, first_line_number: int = 1
) -> tuple[np.ndarray, list[list[str]]]:
    """Parse data lines (without terminators) into filtered values and passthrough cells.

    Returns a float64 array (rows × ``fmt.filtered``, NaN where missing) and, for each column
    of ``fmt.passthrough``, its raw cells. Blank and comment lines are skipped. Errors name the
    1-based file line: ``first_line_number`` is the number of ``lines[0]``.
    """
    return parse_text("\n".join(lines), fmt, first_line_number)


def parse_text(
    text: str, fmt: CsvFormat, first_line_number: int = 1
) -> tuple[np.ndarray, list[list[str]]]:
    """``parse_rows`` for data lines joined by LF (no final newline)."""
    with gc_paused():
        parsed = _parse_regular(text, fmt)
        if parsed is None:
            parsed = _parse_checked(text.split("\n"), fmt, first_line_number)
        return parsed


def _parse_regular(text: str, fmt: CsvFormat) -> tuple[np.ndarray, list[list[str]]] | None:
    """The quick parse of a table with no comments, quotes or ragged lines; else None."""
    ncols, delimiter = fmt.ncols, fmt.delimiter
    if delimiter == WHITESPACE:
        rows = list(map(str.split, text.split("\n")))
        if any(len(row) != ncols for row in rows) or any(row[0][0] == "#" for row in rows):
            return None
        return _columns(list(chain.from_iterable(rows)), fmt)
    if '"' in text or ("#" in text and _COMMENT.search(text)):
        return None
    if ncols == 1:
        cells = text.split("\n")
        return None if any(not cell or cell.isspace() for cell in cells) else _columns(cells, fmt)
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
        return _columns(text.replace("\n", delimiter).split(delimiter), fmt)
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


def _columns(cells: list[str], fmt: CsvFormat) -> tuple[np.ndarray, list[list[str]]] | None:
    """Columns from the flat cells, or None when a cell is not a finite number or missing."""
    ncols = fmt.ncols
    data = np.empty((len(cells) // ncols, len(fmt.filtered)))
    for k, j in enumerate(fmt.filtered):
        column = _to_floats(cells[j::ncols])
        if column is None:
            return None
        data[:, k] = column
    if np.isinf(data).any():
        return None
    return data, [cells[j::ncols] for j in fmt.passthrough]


def _to_floats(cells: list[str]) -> np.ndarray | None:
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        pass
    cells = ["nan" if cell.strip().lower() in MISSING else cell for cell in cells]
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        return None


def _parse_checked(
    lines: Sequence[str], fmt: CsvFormat, first_line_number: int
) -> tuple[np.ndarray, list[list[str]]]:
    """The line-by-line parse: slower, but it skips comments and names any line at fault."""
    values: list[list[float]] = [[] for _ in fmt.filtered]
    texts: list[list[str]] = [[] for _ in fmt.passthrough]
    ncols = fmt.ncols
    for number, line in enumerate(lines, first_line_number):
        if is_skipped(line):
            continue
        fields = split_fields(line, fmt.delimiter)
        if len(fields) != ncols:
            raise InputError(ragged_message(number, len(fields), ncols))
        for column, j in zip(values, fmt.filtered):
            column.append(_checked_value(fields[j], number, fmt, j))
        for column, j in zip(texts, fmt.passthrough):
            column.append(fields[j])
    data = np.array(values, dtype=np.float64).reshape(len(values), -1).T
    return np.ascontiguousarray(data), texts


def _checked_value(field: str, line_number: int, fmt: CsvFormat, column: int) -> float:
    value = cell_value(field)
    where = f"line {line_number}, column {fmt.label(column)}"
    if value is None:
        raise InputError(f"{where}: {field.strip()!r} is not a number")
    if math.isinf(value):
        raise InputError(
            f"{where}: {field.strip()!r} is infinite or out of range; "
            "use a finite number, or leave the cell empty for a missing value"
        )
    return value


def format_floats(values: np.ndarray, na_rep: str) -> list[str]:
    """Each value as Python's shortest round-trip repr (``repr(float)``); NaN as ``na_rep``."""
    cells = list(map(float.__repr__, values.tolist()))
    for i in np.flatnonzero(np.isnan(values)).tolist():
        cells[i] = na_rep
    return cells


def format_rows(fmt: CsvFormat, data: np.ndarray, passthrough: Sequence[Sequence[str]]) -> str:
    """The data lines (each ending in ``fmt.newline``): ``data`` fills the filtered columns,
    ``passthrough`` the others, in ``fmt``'s column order and delimiter."""
    data = np.asarray(data, dtype=np.float64).reshape(-1, len(fmt.filtered))
    if not len(data):
        return ""
    columns: list[Sequence[str]] = [()] * fmt.ncols
    with gc_paused():
        for k, j in enumerate(fmt.filtered):
            columns[j] = format_floats(data[:, k], fmt.na_rep)
        for cells, j in zip(passthrough, fmt.passthrough):
            columns[j] = cells if isinstance(cells, list) else list(cells)
        rows = columns[0] if fmt.ncols == 1 else map(fmt.delimiter.join, zip(*columns))
        return fmt.newline.join(rows) + fmt.newline
