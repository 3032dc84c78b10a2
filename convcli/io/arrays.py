"""Raw arrays as .npy files: memory-mapped reads of large files, atomic writes."""

from __future__ import annotations

import io
import math
import os
from typing import BinaryIO

import numpy as np

from convcli.errors import InputError
from convcli.io.atomic import atomic_output
from convcli.io.sources import Source, is_path, open_input, read_bytes, source_name
from convcli.settings import check_memory

MMAP_BYTES = 256 << 20
"""Files larger than this are memory-mapped read-only instead of read into memory."""

_MAGIC = b"\x93NUMPY"


def read_array(source: Source) -> np.ndarray:
    """A numeric array from a .npy path, ``-`` (stdin), bytes or a binary stream.

    The header is checked before any data is allocated: a file shorter than its header claims
    is refused as truncated, and an array larger than the memory budget is refused (a large
    file is memory-mapped instead, read only as it is used).
    """
    name = source_name(source)
    if is_path(source):
        data = None
        with open_input(source) as f:
            shape, dtype, offset = _header(f, name)
        size = os.path.getsize(source)
    else:
        data = read_bytes(source)
        shape, dtype, offset = _header(io.BytesIO(data), name)
        size = len(data)
    if dtype.hasobject:
        raise InputError(f"{name}: corrupt or truncated .npy file (it holds Python objects, "
                         "which are never unpickled)")
    if dtype.kind not in "biufc":
        raise InputError(f"{name}: holds {dtype} values, not numbers")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > size - offset:
        raise InputError(f"{name}: corrupt or truncated .npy file: its header claims {shape} "
                         f"{dtype} ({nbytes:,} bytes) but it holds {max(size - offset, 0):,}")
    big = data is None and size > MMAP_BYTES
    if not big:
        check_memory(nbytes, f"reading {name} ({shape} {dtype})")
    try:
        if data is None:
            return np.load(source, mmap_mode="r" if big else None, allow_pickle=False)
        return np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise InputError(f"{name}: corrupt or truncated .npy file ({e})") from None


def _header(f: BinaryIO, name: str) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and data offset from a .npy header (the data is not read)."""
    fmt = np.lib.format
    if f.read(len(_MAGIC)) != _MAGIC:
        raise InputError(f"{name}: not a .npy file")
    f.seek(0)
    try:
        version = fmt.read_magic(f)
        read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, _, dtype = read(f)
    except (ValueError, OSError, EOFError, SyntaxError) as e:
        raise InputError(f"{name}: corrupt or truncated .npy file ({e})") from None
    return shape, dtype, f.tell()


class _Chunks:
    """A writer numpy cannot treat as a real file, so that ``np.save`` writes in bounded
    pieces through ``write`` (a pipe's reader leaving is then a BrokenPipeError, a full disk
    an OSError with its cause) instead of one ``tofile`` call."""

    def __init__(self, out: BinaryIO) -> None:
        self.write = out.write


def write_array(array: np.ndarray, dest: str | os.PathLike[str]) -> None:
    """Write ``array`` as a .npy file to ``dest`` (a path or ``-``), atomically."""
    with atomic_output(dest) as out:
        np.save(_Chunks(out), np.asarray(array), allow_pickle=False)
