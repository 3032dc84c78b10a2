"""Getting an input's bytes: a path, ``-`` for standard input, bytes, or an open stream."""

from __future__ import annotations

import os
import stat
import sys
from typing import IO, BinaryIO

from convcli.errors import InputError, ResourceError

Source = str | os.PathLike | bytes | bytearray | IO[str] | IO[bytes]

STDIO = "-"


def source_name(source: Source) -> str:
    """How messages name ``source``: its path, ``stdin``, or ``input`` for bytes and streams."""
    if isinstance(source, (str, os.PathLike)):
        return "stdin" if str(source) == STDIO else str(source)
    return "input"


def is_path(source: Source) -> bool:
    """True for a filesystem path (not ``-``, bytes or a stream)."""
    return isinstance(source, (str, os.PathLike)) and str(source) != STDIO


READ_BLOCK = 1 << 20


def stdin_buffer() -> BinaryIO:
    """Standard input's binary buffer, or InputError when the shell closed it (``<&-``)."""
    if sys.stdin is None:
        raise InputError("standard input is closed: give a file, or pipe data in")
    return sys.stdin.buffer


def stdin_stat() -> os.stat_result | None:
    """fstat of standard input (None when it is closed): which file a ``-`` input reads."""
    try:
        return os.fstat(0)
    except OSError:
        return None


def read_bytes(source: Source) -> bytes:
    """All of ``source``'s bytes; a path that cannot be read raises InputError naming it.

    Nothing larger than the memory budget is read: a regular file is measured first, and a
    pipe, FIFO or device (``/dev/zero``) is read in blocks until it ends or passes the budget.
    """
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if hasattr(source, "read"):
        data = source.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    if str(source) == STDIO:
        return read_limited(stdin_buffer(), "stdin")
    with open_input(source) as f:
        return read_limited(f, str(source))


def read_limited(stream: BinaryIO, name: str) -> bytes:
    """Everything ``stream`` holds, refused (ResourceError) once it passes the memory budget."""
    from convcli.settings import check_memory, settings

    try:
        st = os.fstat(stream.fileno())
    except (OSError, AttributeError, ValueError):
        st = None
    if st is not None and stat.S_ISREG(st.st_mode):
        check_memory(st.st_size, f"reading {name} ({st.st_size} bytes)")
        return stream.read()
    budget = settings().memory_budget
    blocks, total = [], 0
    while block := stream.read1(READ_BLOCK) if hasattr(stream, "read1") else \
            stream.read(READ_BLOCK):
        total += len(block)
        if total > budget:
            raise ResourceError(
                f"{name} did not end within the memory budget of {budget} bytes "
                "(CONVCLI_MEMORY_BUDGET): an endless stream such as /dev/zero?")
        blocks.append(block)
    return b"".join(blocks)


def open_input(path: str | os.PathLike[str]) -> BinaryIO:
    """``open(path, "rb")``, raising InputError naming a missing or unreadable file."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror})") from None
