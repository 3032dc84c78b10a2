"""The streaming signal job: rows are read, filtered and written as they arrive.

The input (stdin, or a file) is read with ``os.read`` as its bytes come; complete lines are
parsed in blocks of about BLOCK_BYTES, or sooner once the oldest unparsed byte has waited
PAUSE_SECONDS, so ``tail -f log.csv | convcli smooth -`` shows each row within that time of
its arrival (a causal kernel), or once the kernel's look-ahead has arrived. Only the kernel's
history is kept: memory does not grow with the stream. The table itself (sniffing, parsing,
formatting) is :class:`convcli.io.csv.stream.StreamTable`.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import BinaryIO

from convcli.cli.jobs.engine_call import EngineOptions
from convcli.cli.report import Timings, warning
from convcli.errors import InputError
from convcli.io.atomic import start_writeback
from convcli.io.sources import STDIO, open_input, source_name, stdin_buffer
from convcli.names import STREAMABLE_BOUNDARIES

PAUSE_SECONDS = 0.2
"""The longest a complete line waits before it is parsed (and its determined rows written)."""
READ_BYTES = 1 << 20
BLOCK_BYTES = 1 << 21
"""Lines are parsed in blocks of about this size when they arrive faster than they are read."""


def streamable(options: EngineOptions) -> bool:
    """True when the options keep one output row per input row and need only the start of
    the signal (boundary wrap, or a mode or stride that changes the number of rows, take the
    whole signal)."""
    strides = options.stride if hasattr(options.stride, "__iter__") else (options.stride,)
    return (options.boundary in STREAMABLE_BOUNDARIES and options.mode == "same"
            and all(step == 1 for step in strides))


STREAM_FILE_BYTES = 48 << 20
"""By default a file at least this large (48 MiB) streams, in constant memory; a smaller one
is read whole, faster (one multi-threaded parse and write), at a peak RSS of about 80 MB plus
2.5× its size (185 MB for the 39 MiB, 1M-row t,x,y,z benchmark file)."""


def should_stream(source: str, stream: bool | None, options: EngineOptions) -> bool:
    """``--stream``/``--no-stream`` decide; by default stdin and files of STREAM_FILE_BYTES
    or more stream when the options allow."""
    if stream is not None:
        return stream
    if not streamable(options):
        return False
    if source == STDIO:
        return True
    try:
        return os.stat(source).st_size >= STREAM_FILE_BYTES
    except OSError:  # the reader names the problem
        return False


def run(source: str, output: str, kernel, options: EngineOptions, report: Timings, *,
        columns: Sequence[str] | None, time_column, nan: str, fill_gaps: bool,
        bad_cells: str, precision: int) -> None:
    """Filter each numeric column of a signal CSV as it streams, writing the same layout."""
    from convcli.cli.jobs.allocator import collect_cycles
    from convcli.engine.stream import StreamConvolver
    from convcli.io.atomic import atomic_output, check_not_input
    from convcli.io.csv.stream import StreamTable

    collect_cycles()
    check_not_input(output, source)
    origin = kernel.origin if options.mode == "same" else None
    convolver = StreamConvolver(
        kernel.values, mode=options.mode, flip=not options.correlate, backend=options.backend,
        boundary=options.boundary, fillvalue=options.fillvalue, origin=origin,
        stride=options.stride, dilation=options.dilation, nan=nan, fill_gaps=fill_gaps)
    if not streamable(options):
        raise InputError(f"--mode {options.mode} and --stride {options.stride} change the "
                         "number of rows, which needs the whole signal: use --no-stream")
    table = StreamTable(convolver, source_name(source), time_column=time_column,
                        columns=columns, bad_cells=bad_cells, precision=precision,
                        missing_is_error=nan == "error")
    shown = 0
    # no progress display: the rows themselves are the live output
    with report.stage("stream", unit="rows", show_progress=False) as stage, \
            _opened(source) as (fd, first), atomic_output(output) as out:
        for chunk, due in _chunks(fd, first):
            _write(out, table.feed(chunk, due))
            for message in table.warnings[shown:]:
                warning(message)
            shown = len(table.warnings)
        _write(out, table.finish())
        for message in table.warnings[shown:]:
            warning(message)
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
        start_writeback(out)


