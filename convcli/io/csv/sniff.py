"""Sniffing a delimited text table: delimiter, header, preamble and which columns to filter."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import islice

from convcli.errors import InputError

BOM = b"\xef\xbb\xbf"
"""A UTF-8 byte-order mark, which a table's first bytes may hold (not written back)."""

TimeColumns = str | int | Sequence[str | int] | None
"""The ``time_column`` a reader takes: a name, a 0-based index, several, or None (by name)."""

SNIFF_ROWS = 100
"""Rows (besides a header) that decide the format; a streaming reader should sniff as many."""

DELIMITERS = ("\t", ";", ",")
"""Tried in this order: the first that splits every sniffed line into the same ≥2 fields wins."""

WHITESPACE = " "
"""The delimiter of whitespace-separated tables: any run of blanks; written back as one space."""

MISSING = frozenset({"", "nan", "na", "n/a", "null"})
"""Cells (stripped, lower-cased) that read as a missing value (NaN)."""

TIME_NAMES = (
    "t", "time", "timestamp", "ts", "date", "datetime", "date_time", "index", "idx", "epoch",
    "year", "yr", "quarter", "qtr", "month", "week", "day", "doy", "dayofyear", "day_of_year",
    "hour", "minute", "second", "period", "mjd", "jd", "unix", "utc", "unnamed: 0",
)
"""Header names (any case) of time/index columns, which pass through unchanged; a name may
carry a unit after a blank, ``_``, ``(`` or ``[`` (``time_s``, ``t (s)``, ``Year [AD]``)."""

_TIME_NAME = re.compile(
    "(?:" + "|".join(re.escape(name) for name in TIME_NAMES) + r")(?:[\s_(\[].*)?",
    re.IGNORECASE | re.DOTALL,
)
_INTEGER = re.compile(r"[+-]?\d+")
MAX_QUOTED = 40
"""A cell quoted in a message is cut to this many characters."""


def is_time_name(name: str) -> bool:
    """True for a header name that marks a time/index column.

    >>> [is_time_name(n) for n in ("Year", "time (s)", "DATE", "temperature", "x")]
    [True, True, True, False, False]
    """
    return _TIME_NAME.fullmatch(name.strip()) is not None


def quoted(text: str) -> str:
    """``text`` stripped and quoted for a message, shortened when long.

    >>> quoted(" 29.37x ")
    "'29.37x'"
    >>> quoted("9" * 100)
    "'9999999999999999999999999999999999999999…' (100 characters)"
    """
    text = text.strip()
    if len(text) <= MAX_QUOTED:
        return repr(text)
    return f"{text[:MAX_QUOTED]!r}"[:-1] + f"…' ({len(text)} characters)"


@dataclass(frozen=True)
class CsvFormat:
    """What it takes to parse a table's data rows and write them back the same way.

    ``filtered`` are the numeric columns a filter replaces; every other column passes through
    as its original text. ``header`` and ``preamble`` (comment and blank lines before it) are
    the raw lines, written back verbatim. ``na_rep`` is how a missing value is written.
    """

    delimiter: str
    names: tuple[str, ...]
    filtered: tuple[int, ...]
    time_columns: tuple[int, ...] = ()
    header: str | None = None
    preamble: tuple[str, ...] = ()
    na_rep: str = ""
    newline: str = "\n"
    integers: tuple[bool, ...] = ()
    """For each filtered column: its sniffed cells are all integers (so are integral results)."""

    @property
    def ncols(self) -> int:
        return len(self.names)

    @property
    def time_column(self) -> int | None:
        """The first time/index column, if any."""
        return self.time_columns[0] if self.time_columns else None

    @cached_property
    def passthrough(self) -> tuple[int, ...]:
        """The columns written back as their original text."""
        filtered = set(self.filtered)
        return tuple(j for j in range(self.ncols) if j not in filtered)

    @property
    def skip(self) -> int:
        """How many leading lines (preamble and header) come before the data rows."""
        return len(self.preamble) + (self.header is not None)

    def label(self, column: int) -> str:
        """How messages name a column: its header name, or its 0-based index."""
        if self.header is None:
            return f"{column} (counting from 0)"
        return quoted(self.names[column])


def is_skipped(line: str) -> bool:
    """True for a blank line or a comment (first non-blank character ``#``)."""
    stripped = line.lstrip()
    return not stripped or stripped[0] == "#"


def split_fields(line: str, delimiter: str) -> list[str]:
    """A line's raw fields; in delimited tables a delimiter inside double quotes is text."""
    if delimiter == WHITESPACE:
        return line.split()
    if '"' not in line:
        return line.split(delimiter)
    fields, start, quoted = [], 0, False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            fields.append(line[start:i])
            start = i + 1
    fields.append(line[start:])
    return fields


def unquote(field: str) -> str:
    """A field's text without surrounding blanks and double quotes."""
    text = field.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return text


def is_integer(field: str) -> bool:
    """True for a cell holding an integer literal (``12``, ``-3``), quotes and blanks aside."""
    return _INTEGER.fullmatch(unquote(field)) is not None


def cell_value(field: str) -> float | None:
    """A field's number (NaN for a missing value), or None when it is not a number."""
    text = unquote(field)
    if text.lower() in MISSING:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        return None


def ragged_message(line_number: int, found: int, expected: int) -> str:
    return f"line {line_number} has {found} fields, expected {expected}"


def sniff_format(
    lines: Sequence[str],
    *,
    time_column: str | int | Sequence[str | int] | None = None,
    columns: Sequence[str] | None = None,
    newline: str = "\n",
) -> CsvFormat:
    """Detect the format from a table's first lines (without line terminators).

    ``lines`` should hold the preamble, the header if any and ``SNIFF_ROWS`` data rows. The
    time columns are ``time_column`` (names or 0-based indices) or else the columns named
    like ``TIME_NAMES`` and a pandas index (an unnamed first column); ``columns`` names the
    columns to filter (default: every other numeric one). A column is numeric when at least
    half its sniffed cells are numbers (missing-value markers aside); others pass through.
    """
    start = 0
    while start < len(lines) and is_skipped(lines[start]):
        start += 1
    numbered = (
        (number, line)
        for number, line in enumerate(islice(lines, start, None), start + 1)
        if not is_skipped(line)
    )
    sample = list(islice(numbered, SNIFF_ROWS + 1))
    if not sample:
        raise InputError("no data: the input is empty or holds only comments")
    delimiter = _sniff_delimiter([line for _, line in sample])
    rows = [(number, split_fields(line, delimiter)) for number, line in sample]
    ncols = len(rows[0][1])
    for number, fields in rows:
        if len(fields) != ncols:
            raise InputError(ragged_message(number, len(fields), ncols))
    has_header = _has_header([[unquote(f) for f in fields] for _, fields in rows])
    if has_header:
        header, rows = lines[sample[0][0] - 1], rows[1:]
        names = tuple(unquote(f) for f in split_fields(header, delimiter))
        if not rows:
            raise InputError("the input has a header but no data rows")
    else:
        header, names = None, tuple(str(j) for j in range(ncols))
    fmt = CsvFormat(delimiter, names, (), header=header, preamble=tuple(lines[:start]))
    times = _time_columns(fmt, time_column)
    filtered = _filtered(fmt, rows, times, columns, explicit_time=time_column is not None)
    times = tuple(j for j in times if j not in set(filtered))
    na_rep = "" if ncols > 1 and delimiter != WHITESPACE else "NaN"
    na_rep = next(
        (
            unquote(fields[j])
            for _, fields in rows
            for j in filtered
            if unquote(fields[j]).lower() in MISSING
        ),
        na_rep,
    )
    integers = tuple(
        all(is_integer(f[j]) for _, f in rows if cell_value(f[j]) is not None
            and unquote(f[j]).lower() not in MISSING)
        for j in filtered
    )
    return CsvFormat(
        delimiter,
        names,
        filtered,
        time_columns=times,
        header=header,
        preamble=fmt.preamble,
        na_rep=na_rep,
        newline=newline,
        integers=integers,
    )


def _sniff_delimiter(lines: list[str]) -> str:
    for delimiter in (*DELIMITERS, WHITESPACE):
        counts = {len(split_fields(line, delimiter)) for line in lines}
        if len(counts) == 1 and counts.pop() > 1:
            return delimiter
    # No delimiter is consistent: take the first line's, so that parsing names the odd line.
    return max((*DELIMITERS, WHITESPACE), key=lambda d: len(split_fields(lines[0], d)))


def _is_numeric(text: str) -> bool:
    return cell_value(text) is not None


def _mostly_numbers(cells: Sequence[str]) -> bool:
    """True when at least half of the cells that are not missing are numbers."""
    present = [text for text in cells if unquote(text).lower() not in MISSING]
    return 2 * sum(map(_is_numeric, present)) >= len(present) > 0


def _has_header(rows: list[list[str]]) -> bool:
    """A header's first line has a non-number where the later lines have mostly numbers."""
    first, rest = rows[0], rows[1:]
    if not rest:
        return not all(_is_numeric(text) for text in first)
    return any(
        not _is_numeric(text) and _mostly_numbers([row[j] for row in rest])
        for j, text in enumerate(first)
    )


def _resolve(fmt: CsvFormat, key: str | int, what: str) -> int:
    """The index of the column named ``key`` (exactly, else in any case) or numbered ``key``
    (an int or digits, from 0)."""
    if isinstance(key, int):
        if 0 <= key < fmt.ncols:
            return key
        raise InputError(
            f"{what} {key} is out of range: the input has {fmt.ncols} columns (0–{fmt.ncols - 1})"
        )
    if key in fmt.names:
        return fmt.names.index(key)
    folded = [name.lower() for name in fmt.names]
    if key.lower() in folded:
        return folded.index(key.lower())
    if key.isdigit():
        return _resolve(fmt, int(key), what)
    available = ", ".join(fmt.names)
    if fmt.header is None:
        raise InputError(
            f"no {what} {key!r}: the input has no header, so name columns by 0-based index "
            f"({available})"
        )
    raise InputError(f"no {what} {key!r}; the columns are: {available}")


def _time_columns(
    fmt: CsvFormat, time_column: str | int | Sequence[str | int] | None
) -> tuple[int, ...]:
    if time_column is not None:
        keys = [time_column] if isinstance(time_column, (str, int)) else list(time_column)
        return tuple(sorted({_resolve(fmt, key, "time column") for key in keys}))
    if fmt.header is None:
        return ()
    return tuple(
        j
        for j, name in enumerate(fmt.names)
        if is_time_name(name) or (j == 0 and not name.strip())
    )


def _filtered(
    fmt: CsvFormat,
    rows: list[tuple[int, list[str]]],
    times: tuple[int, ...],
    columns: Sequence[str] | None,
    *,
    explicit_time: bool,
) -> tuple[int, ...]:
    """The columns to filter, in file order; a named one must hold at least half numbers."""

    def first_non_number(j: int) -> tuple[int, str] | None:
        if _mostly_numbers([fields[j] for _, fields in rows]):
            return None
        return next(
            ((number, fields[j]) for number, fields in rows if cell_value(fields[j]) is None),
            None,
        )

    if columns is None:
        chosen = [j for j in range(fmt.ncols) if j not in times and not first_non_number(j)]
        if not chosen:
            names = ", ".join(fmt.names)
            raise InputError(f"no numeric column to filter; the columns are: {names}")
        return tuple(chosen)
    if not columns:
        raise InputError("no columns named to filter")
    chosen = []
    for key in columns:
        j = _resolve(fmt, key, "column")
        if j in times and explicit_time:
            raise InputError(
                f"column {fmt.label(j)} is the time column, which passes through unchanged"
            )
        bad = first_non_number(j)
        if bad:
            number, text = bad
            raise InputError(
                f"line {number}, column {fmt.label(j)}: {quoted(text)} is not a number"
            )
        chosen.append(j)
    return tuple(sorted(set(chosen)))


def newline_of(text: str) -> str:
    """CRLF when the first line ends so, else LF."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def sniffed_enough(lines: list[str]) -> bool:
    """True when ``lines`` hold every line ``sniff_format`` looks at."""
    return sum(not is_skipped(line) for line in lines) > SNIFF_ROWS


def sniff_text(
    text: str, time_column: TimeColumns, columns: Sequence[str] | None
) -> tuple[CsvFormat, int, int]:
    """The format, sniffed from the first lines of ``text`` (LF line ends), and where the data
    rows start and end (the final newline left out)."""
    end = len(text) - text.endswith("\n")
    size = 1 << 16
    while True:
        head = text[:end] if size >= end else text[: text.rfind("\n", 0, size) + 1]
        lines = head.split("\n")
        if len(head) >= end or sniffed_enough(lines):
            break
        size *= 4
    fmt = sniff_format(lines, time_column=time_column, columns=columns)
    start = 0
    for _ in range(fmt.skip):
        start = text.find("\n", start) + 1 or end
    return fmt, start, end


def sniff_head(
    raw: bytes, time_column: TimeColumns, columns: Sequence[str] | None
) -> tuple[CsvFormat, int] | None:
    r"""The format of a large table's bytes (no BOM) sniffed from its first 64 KiB, its
    newline included, and the offset of its first data row; None when that head is not UTF-8
    or holds too few rows to decide (the caller then reads the whole text).

    >>> rows = b"".join(b"%d,1\r\n" % i for i in range(200))
    >>> fmt, start = sniff_head(b"t,x\r\n" + rows, None, None)
    >>> fmt.names, repr(fmt.newline), start
    (('t', 'x'), "'\\r\\n'", 5)
    """
    try:
        head = raw[: raw.rfind(b"\n", 0, 1 << 16) + 1].decode("utf-8")
    except UnicodeDecodeError:
        return None
    newline = newline_of(head)
    head = head.replace("\r\n", "\n")
    if not sniffed_enough(head.split("\n")):
        return None  # the core path would sniff lines beyond this head
    fmt, _, _ = sniff_text(head, time_column, columns)
    start = 0
    for _ in range(fmt.skip):
        start = raw.index(b"\n", start) + 1
    return replace(fmt, newline=newline), start
