"""The streaming signal pipeline: rows are read, filtered and written as they arrive.

The input (stdin, or a file with ``--stream``) is read with ``os.read`` as its bytes come;
complete lines are parsed in blocks of about BLOCK_BYTES, or sooner once the oldest unparsed
byte has waited PAUSE_SECONDS, so ``tail -f log.csv | convcli smooth -`` shows each row
within that time of its arrival (a causal kernel), or once the kernel's look-ahead has
arrived. Only the kernel's history is kept: memory does not grow with the stream.

The bytes written are the batch path's (values within the engine's tolerance), but for two
things only a live input meets: the format is sniffed from the first SNIFF_ROWS rows, as in
batch, or from the rows that have come when the input first pauses; and when the input ends
in a line without a newline that holds no row (a comment), rows already written keep theirs.
"""

from __future__ import annotations

import importlib.util
import os
import select
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import BinaryIO

import numpy as np

from convcli.cli.jobs.engine_call import EngineOptions
from convcli.cli.report import Timings
from convcli.engine.stream import STREAMABLE_BOUNDARIES, StreamConvolver
from convcli.errors import InputError
from convcli.io.csvformat import SNIFF_ROWS, CsvFormat, is_skipped, sniff_format
from convcli.io.csvrows import format_rows, parse_text
from convcli.io.sources import STDIO, open_input, source_name, stdin_buffer

PAUSE_SECONDS = 0.2
"""The longest a complete line waits before it is parsed (and its determined rows written)."""
READ_BYTES = 1 << 20
BLOCK_BYTES = 1 << 20
"""Lines are parsed in blocks of about this size when they arrive faster than they are read."""
POLARS_VALUES = 1 << 14
"""Blocks of at least this many values are formatted by polars when it is installed."""
_BOM = b"\xef\xbb\xbf"


def should_stream(source: str, stream: bool | None, options: EngineOptions) -> bool:
    """``--stream``/``--no-stream`` decide; by default stdin streams, unless the options need
    the whole signal (boundary wrap, or a mode or stride that changes the number of rows:
    the batch path explains those)."""
    if stream is not None:
        return stream
    return (source == STDIO and options.boundary in STREAMABLE_BOUNDARIES
            and options.mode == "same" and bool(np.all(np.asarray(options.stride) == 1)))


def run(source: str, output: str, spec: str, options: EngineOptions, report: Timings, *,
        columns: Sequence[str] | None, time_column: str | int | None, nan: str,
        fill_gaps: bool) -> None:
    """Filter each numeric column of a signal CSV as it streams, writing the same layout."""
    from convcli.io.atomic import atomic_output, check_not_input
    from convcli.kernels import kernel_file, parse_kernel

    check_not_input(output, source, kernel_file(spec))
    with report.stage("kernel") as stage:
        kernel = parse_kernel(spec, ndim=1)
        stage.detail = f"{kernel.name} {kernel.shape}"
    origin = kernel.origin if options.mode == "same" else None
    convolver = StreamConvolver(
        kernel.values, mode=options.mode, flip=not options.correlate, backend=options.backend,
        boundary=options.boundary, fillvalue=options.fillvalue, origin=origin,
        stride=options.stride, dilation=options.dilation, nan=nan, fill_gaps=fill_gaps)
    if not convolver.rows_preserved:
        raise InputError(
            f"--mode {options.mode} / --stride change the number of rows; a CSV keeps its "
            "rows: use --mode same and --stride 1, or `convcli pool` to downsample")
    table = _StreamTable(convolver, source_name(source), time_column, columns)
    # no progress display: the rows themselves are the live output
    with report.stage("stream", unit="rows", show_progress=False) as stage, \
            _opened(source) as (fd, first), atomic_output(output) as out:
        for chunk, due in _chunks(fd, first):
            _write(out, table.feed(chunk, due))
        _write(out, table.finish())
        filtered = [table.fmt.names[j] for j in table.fmt.filtered]
        stage.amount = table.rows
        stage.detail = (f"{table.rows} rows × {len(filtered)} columns, {options.describe()}, "
                        f"{convolver.method}")
    report.facts.update(backend=convolver.method, rows=table.rows, columns=filtered,
                        path="stream")


@contextmanager
def _opened(source: str) -> Iterator[tuple[int, bytes]]:
    """The input's file descriptor and the bytes already taken from it."""
    if source == STDIO:
        # Bytes a peek left in sys.stdin's buffer come first (one read; it blocks until data).
        yield stdin_buffer().fileno(), stdin_buffer().read1(READ_BYTES)
        return
    with open_input(source) as f:
        yield f.fileno(), b""


def _chunks(fd: int, first: bytes) -> Iterator[tuple[bytes, bool]]:
    """The input's bytes in chunks of about BLOCK_BYTES, each with True when it was cut short
    because its oldest byte had waited PAUSE_SECONDS."""
    pending = bytearray(first)
    deadline = time.monotonic() + PAUSE_SECONDS if first else None
    while True:
        wait = None if deadline is None else deadline - time.monotonic()
        if len(pending) < BLOCK_BYTES and (wait is None or wait > 0):
            if select.select([fd], [], [], wait)[0]:
                data = os.read(fd, READ_BYTES)
                if not data:
                    break
                pending += data
                if deadline is None:
                    deadline = time.monotonic() + PAUSE_SECONDS
                continue
        yield bytes(pending), len(pending) < BLOCK_BYTES
        pending.clear()
        deadline = None
    if pending:
        yield bytes(pending), True


def _write(out: BinaryIO, data: bytes) -> None:
    if data:
        out.write(data)
        out.flush()


@cache
def _polars_installed() -> bool:
    return importlib.util.find_spec("polars") is not None


class _StreamTable:
    """Input bytes in, output bytes out: sniffing, parsing, convolving and formatting, with
    the passthrough cells of each row held until its output is determined."""

    def __init__(self, convolver: StreamConvolver, name: str, time_column: str | int | None,
                 columns: Sequence[str] | None) -> None:
        self.convolver = convolver
        self.name = name
        self.time_column = time_column
        self.columns = columns
        self.fmt: CsvFormat | None = None
        self.rows = 0
        self._partial = b""  # the start of a line whose end has not come
        self._head: list[str] = []  # the lines before the format is sniffed
        self._line = 1  # the number of the next line
        self._newline: str | None = None
        self._encoding = "utf-8"  # Latin-1 from the first line that is not UTF-8 on
        self._held: list[list[str]] = []

    def feed(self, data: bytes, due: bool) -> bytes:
        """The output of the complete lines in ``data`` (``due``: the input paused)."""
        data = self._partial + data
        cut = data.rfind(b"\n") + 1
        self._partial = data[cut:]
        return self._lines(data[:cut], due) if cut else b""

    def finish(self) -> bytes:
        """The output of the last line and of the rows that waited for the end."""
        final_newline = not self._partial
        out = self._lines(self._partial, True, end=True) + self._emit(self.convolver.finish())
        if not final_newline and out.endswith(self.fmt.newline.encode()):
            out = out[: -len(self.fmt.newline)]
        return out

    def _lines(self, raw: bytes, due: bool, end: bool = False) -> bytes:
        """The output of complete lines (``end``: the last line, complete or not)."""
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
            body = "\n".join(self._head[self.fmt.skip:])
            self._head = []
        if not body:
            return out
        try:
            data, passthrough = parse_text(body, self.fmt, first)
        except InputError as e:
            raise InputError(f"{self.name}: {e}") from None
        self._held = [held + cells for held, cells in zip(self._held, passthrough)]
        return out + self._emit(self.convolver.feed(data))

    def _decode(self, raw: bytes) -> str:
        """Text with ``\\n`` line ends, from UTF-8, or Latin-1 once a line is not UTF-8 (the
        text already read but not written is converted, so every byte is written back)."""
        if self._newline is None and raw.startswith(_BOM):
            raw = raw[len(_BOM):]
        if b"\0" in raw:
            raise InputError(f"{self.name}: this is a binary file, not a text table")
        try:
            text = raw.decode(self._encoding)
        except UnicodeDecodeError:
            self._encoding = "latin-1"
            self._head = [_latin1(line) for line in self._head]
            self._held = [[_latin1(cell) for cell in cells] for cells in self._held]
            text = raw.decode(self._encoding)
        if self._newline is None:
            end = text.find("\n")
            self._newline = "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"
        return text.replace("\r\n", "\n") if self._newline == "\r\n" else text

    def _sniff(self) -> bytes:
        """Sniff the format from the head lines; the preamble and header to write."""
        try:
            fmt = sniff_format(self._head, time_column=self.time_column, columns=self.columns,
                               newline=self._newline or "\n")
        except InputError as e:
            raise InputError(f"{self.name}: {e}") from None
        self.fmt = fmt
        self._held = [[] for _ in fmt.passthrough]
        head = "".join(line + fmt.newline for line in fmt.preamble)
        if fmt.header is not None:
            head += fmt.header + fmt.newline
        return head.encode(self._encoding)

    def _emit(self, values: np.ndarray) -> bytes:
        """The formatted rows of ``values``, the next outputs, with their held cells."""
        count = len(values)
        if not count:
            return b""
        cells = [held[:count] for held in self._held]
        self._held = [held[count:] for held in self._held]
        self.rows += count
        if self._encoding == "utf-8" and values.size >= POLARS_VALUES and _polars_installed():
            from convcli.io.polarscsv import format_body

            return format_body(self.fmt, values, cells)
        return format_rows(self.fmt, values, cells).encode(self._encoding)


def _latin1(text: str) -> str:
    """UTF-8 text as Latin-1 would have read its bytes."""
    return text.encode("utf-8").decode("latin-1")
