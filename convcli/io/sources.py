"""Getting an input's bytes: a path, ``-`` for standard input, bytes, or an open stream."""

from __future__ import annotations

import os
import sys
from typing import IO, BinaryIO

from convcli.errors import InputError

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


def read_bytes(source: Source) -> bytes:
    """All of ``source``'s bytes; a path that cannot be read raises InputError naming it."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if hasattr(source, "read"):
        data = source.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    if str(source) == STDIO:
        return sys.stdin.buffer.read()
    with open_input(source) as f:
        return f.read()


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
