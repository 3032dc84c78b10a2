"""A large table read and parsed on a second thread while the job loads the rest.

A 1M-row smooth spends 0.1 s loading numpy, the engine and the kernel, and 0.19 s importing
polars, all holding Python's lock, one after the other; reading the file and polars' parse
let go of it. :func:`parse_soon` starts the read at once, imports polars meanwhile, and
leaves the parse to the thread while its caller loads the rest (numpy-free until then: this
module and the ones it loads on the thread import no numpy). The result is the reader's to
finish: :func:`convcli.io.csv.table.read_signal` takes it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from convcli.errors import InputError
from convcli.io.csv.sniff import BOM, TimeColumns, sniff_head
from convcli.io.sources import Source, is_path, read_bytes

FAST_BYTES = 1 << 20
"""Inputs (and outputs) at least this large use polars when it is installed."""


def polars_installed() -> bool:
    """True when polars can be imported (a core dependency, but an install may lack it)."""
    return importlib.util.find_spec("polars") is not None


class EarlyParse:
    """The bytes of a file (BOM removed) and, when the polars path took them, its parse:
    ``(format, offset of the first data row, frame or None)``, from ``result()``."""

    def __init__(self, source: str, time_column: TimeColumns,
                 columns: Sequence[str] | None) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="convcli-early")
        self._future = self._pool.submit(_read_and_parse, source, time_column, columns)
        import convcli.io.csv.polars_parse  # noqa: F401  (here, while the thread reads)

    def while_busy(self, *work: Callable[[], object]) -> None:
        """Run each of ``work`` (imports the job needs later) while the thread still reads or
        parses: time the caller would otherwise spend waiting for :meth:`result`."""
        for step in work:
            if self._future.done():
                return
            step()

    def result(self) -> tuple[bytes, tuple[Any, int, Any] | None]:
        """Wait for the thread; its error (an unreadable file) is raised here. Once only:
        the bytes are then the caller's alone, to free when parsed."""
        future, self._future = self._future, None
        try:
            return future.result()
        finally:
            del future  # it holds the result too
            self._pool.shutdown(wait=False)


def parse_soon(source: Source, time_column: TimeColumns = None,
               columns: Sequence[str] | None = None) -> EarlyParse | None:
    """An :class:`EarlyParse` of ``source`` begun now, when it is a regular file of
    FAST_BYTES or more and polars is installed, else None (the reader reads it itself)."""
    try:
        large = is_path(source) and os.stat(source).st_size >= FAST_BYTES
    except OSError:  # the reader words it
        return None
    if not large or not polars_installed():
        return None
    return EarlyParse(str(source), time_column, columns)


def table_bytes(source: Source) -> bytes:
    """``read_bytes(source)`` without a leading byte-order mark."""
    raw = read_bytes(source)
    return raw[len(BOM) :] if raw.startswith(BOM) else raw


def _read_and_parse(source: str, time_column: TimeColumns, columns: Sequence[str] | None):
    raw = table_bytes(source)
    from convcli.io.csv.polars_parse import parse_frame  # once the caller's import is done

    try:
        head = sniff_head(raw, time_column, columns)
    except InputError:  # the reader sniffs again and words it
        head = None
    if head is None:
        return raw, None
    fmt, start = head
    return raw, (fmt, start, parse_frame(raw, fmt, start))
