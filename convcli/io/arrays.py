"""Raw arrays as .npy files: memory-mapped reads of large files, atomic writes."""

from __future__ import annotations

import io
import os

import numpy as np

from convcli.errors import InputError
from convcli.io.atomic import atomic_output
from convcli.io.sources import Source, is_path, open_input, read_bytes, source_name

MMAP_BYTES = 256 << 20
"""Files larger than this are memory-mapped read-only instead of read into memory."""

_MAGIC = b"\x93NUMPY"


def read_array(source: Source) -> np.ndarray:
    """A numeric array from a .npy path, ``-`` (stdin), bytes or a binary stream."""
    name = source_name(source)
    if is_path(source):
        data = None
        with open_input(source) as f:
            magic = f.read(len(_MAGIC))
        big = os.path.getsize(source) > MMAP_BYTES
    else:
        data = read_bytes(source)
        magic, big = data[: len(_MAGIC)], False
    if magic != _MAGIC:
        raise InputError(f"{name}: not a .npy file")
    try:
        if data is None:
            array = np.load(source, mmap_mode="r" if big else None, allow_pickle=False)
        else:
            array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise InputError(f"{name}: corrupt or truncated .npy file ({e})") from None
    if array.dtype.kind not in "biufc":
        raise InputError(f"{name}: holds {array.dtype} values, not numbers")
    return array


def write_array(array: np.ndarray, dest: str | os.PathLike[str]) -> None:
    """Write ``array`` as a .npy file to ``dest`` (a path or ``-``), atomically."""
    with atomic_output(dest) as out:
        np.save(out, np.asarray(array), allow_pickle=False)
