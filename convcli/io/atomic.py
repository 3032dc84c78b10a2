"""Writing an output all at once: a temp file beside it, renamed over it only on success."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from convcli.errors import OutputError
from convcli.io.sources import STDIO


@contextmanager
def atomic_output(dest: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file for ``dest``; ``-`` yields standard output.

    A path is written as a temp file in the same directory and renamed over ``dest`` when the
    block ends without error; on error the temp file is removed, so ``dest`` is never partial.
    """
    if str(dest) == STDIO:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(dest)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    directory = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    except FileNotFoundError:
        raise OutputError(f"cannot write {path}: directory {directory} does not exist") from None
    except PermissionError:
        raise OutputError(f"cannot write {path}: no permission to write in {directory}") from None
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except BaseException as e:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
        raise


def _new_file_mode(path: Path) -> int:
    """The mode a replaced file keeps, or the usual one (0666 less the umask) for a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def check_not_input(output: str | os.PathLike[str], input: str | os.PathLike[str] | None) -> None:
    """Raise OutputError when ``output`` names the same file as ``input`` (``-`` never does)."""
    if input is None or STDIO in (str(output), str(input)):
        return
    out, src = Path(output), Path(input)
    try:
        same = os.path.samefile(out, src)
    except OSError:  # one of them does not exist (yet)
        same = out.resolve() == src.resolve()
    if same:
        raise OutputError(f"output {out} is the input file; refusing to overwrite it")
