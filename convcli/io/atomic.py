"""Writing an output safely: a regular file all at once (a temp file beside it, renamed over
it only on success); a device, FIFO or ``/proc/self/fd/N`` directly; never over an input.

Temp files are named ``.NAME.cvPID-XXXXXX.part`` (NAME shortened so the whole fits the
filesystem's 255 bytes): a later run for the same output removes those whose process is gone
and which have not changed for STALE_SECONDS (left by a ``kill -9``).
"""

from __future__ import annotations

import functools
import os
import re
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from convcli.errors import OutputError
from convcli.io.sources import STDIO, stdin_stat

STALE_SECONDS = 60
"""A dead process's temp file untouched this long is removed by the next run."""
NAME_MAX = 255
_FD_DIRS = ("/proc/self/fd/", "/dev/fd/", "/proc/thread-self/fd/")
_FD_FILES = ("/dev/stdout", "/dev/stderr")
_TEMP_RE = re.compile(r"\.cv(?P<pid>\d+)-[0-9a-f]{6}\.part$")


class ReaderGone(BaseException):
    """The pipe an output was written to lost its reader (``| head``): the CLI ends quietly,
    exit 0. Not an OSError, which Click would turn into exit 1."""


def reason(error: OSError) -> str:
    """An OSError's cause in lower case, as messages quote it ("no space left on device")."""
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


def is_direct(path: str | os.PathLike[str]) -> bool:
    """True for an output written in place: a device, FIFO or socket, or a file descriptor
    path (``/proc/self/fd/1``, ``/dev/stdout``); renaming over those would replace them."""
    text = os.path.abspath(path)
    if text.startswith(_FD_DIRS) or text in _FD_FILES or re.match(r"/proc/\d+/fd/", text):
        return True
    try:
        mode = os.stat(text).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_target(dest: str | os.PathLike[str]) -> Path:
    """The file a rename must replace for ``dest``: its symlinks followed to the target."""
    return Path(os.path.realpath(dest))


def temp_path(target: Path, suffix: str = ".part") -> Path:
    """A fresh temp name beside ``target``, short enough for any legal ``target`` name.

    >>> temp_path(Path("/d/" + "x" * 250)).name.endswith(".part")
    True
    >>> len(temp_path(Path("/d/" + "x" * 250)).name.encode()) <= NAME_MAX
    True
    """
    tail = f".cv{os.getpid()}-{os.urandom(3).hex()}{suffix}"  # not secrets: 5 ms of import
    return target.with_name(f".{_short(target.name, NAME_MAX - 1 - len(tail))}{tail}")


def _short(name: str, limit: int) -> str:
    return name.encode()[:limit].decode(errors="ignore")


def remove_stale(target: Path) -> None:
    """Remove our temp files for ``target`` that a killed run left (its process gone, the
    file untouched for STALE_SECONDS); files and Zarr directories alike."""
    import shutil

    prefix = f".{_short(target.name, NAME_MAX - 30)}"
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        found = entry.name.startswith(prefix) and _TEMP_RE.search(entry.name)
        if not found or _alive(int(found["pid"])):
            continue
        with suppress(OSError):
            if time.time() - entry.stat(follow_symlinks=False).st_mtime < STALE_SECONDS:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)


def is_temp(path: str | os.PathLike[str]) -> bool:
    """True for one of our temp names (messages never show them)."""
    return bool(_TEMP_RE.search(os.path.basename(path)))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def stdout_buffer() -> BinaryIO:
    """Standard output's binary buffer, or OutputError when the shell closed it (``>&-``)."""
    if sys.stdout is None:
        raise OutputError("standard output is closed: give -o FILE")
    return sys.stdout.buffer


@contextmanager
def atomic_output(dest: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file for ``dest``; ``-`` yields standard output.

    A regular file is written as a temp file in its directory (a symlink's: the target's) and
    renamed over it when the block ends without error; on error the temp file is removed, so
    the file is never partial. Devices, FIFOs and ``/proc/self/fd/N`` are written directly.
    Messages name ``dest``, never the temp file.
    """
    if str(dest) == STDIO:
        out = stdout_buffer()
        try:
            yield out
            out.flush()
        except BrokenPipeError:
            raise ReaderGone from None
        return
    if is_direct(dest):
        yield from _direct(dest)
        return
    path = write_target(dest)
    if path.is_dir():
        raise OutputError(f"cannot write {dest}: it is a directory")
    remove_stale(path)
    tmp = temp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileNotFoundError:
        raise OutputError(f"cannot write {dest}: directory {path.parent} does not exist") \
            from None
    except PermissionError:
        raise OutputError(f"cannot write {dest}: no permission to write in {path.parent}") \
            from None
    except OSError as e:
        raise OutputError(f"cannot write {dest}: {reason(e)}") from None
    if path.exists():
        _REPLACING.add(fd)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except BaseException as e:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise OutputError(f"cannot write {dest}: {reason(e)}") from None
        raise
    finally:
        _REPLACING.discard(fd)


def start_writeback(out: BinaryIO) -> None:
    """When ``out`` is a temp file of :func:`atomic_output` that will replace an existing
    file, have the kernel start writing what it holds so far to disk, without waiting
    (Linux's ``sync_file_range``); else nothing.

    Renaming a file over an existing one makes ext4 write the new file out first (its
    auto_da_alloc): 24–33 ms for 41 MB, 0.43 s for a 440 MB stream, inside the rename. Begun
    slice by slice, that writing goes on while the rest is formatted (the rename then takes
    12 ms). A new file is left to the kernel's own flusher.
    """
    try:
        fd = out.fileno()
    except (OSError, ValueError, AttributeError):  # no descriptor: not a temp file
        return
    call = _sync_file_range() if fd in _REPLACING else None
    if call is not None:
        out.flush()  # its errors (a full disk) are the write's
        call(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)  # 0 bytes: to the end; its own errors ignored


_REPLACING: set[int] = set()
"""The descriptors of the temp files being written that will replace an existing file."""


_SYNC_FILE_RANGE_WRITE = 2


@functools.cache
def _sync_file_range():
    """libc's ``sync_file_range`` through ctypes (which lets go of the GIL), or None."""
    import ctypes

    try:
        call = ctypes.CDLL(None).sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    return call


def _direct(dest: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    try:
        out = open(dest, "wb")  # noqa: SIM115 - closed below, errors reworded
    except OSError as e:
        raise OutputError(f"cannot write {dest}: {reason(e)}") from None
    try:
        with out:
            yield out
    except BrokenPipeError:
        raise ReaderGone from None
    except OSError as e:
        raise OutputError(f"cannot write {dest}: {reason(e)}") from None


def _new_file_mode(path: Path) -> int:
    """The mode a replaced file keeps, or the usual one (0666 less the umask) for a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _output_identity(output: str | os.PathLike[str]) -> tuple[int, int] | None:
    """Device and inode of the regular file ``output`` would replace (stdout's for ``-``)."""
    try:
        st = os.fstat(1) if str(output) == STDIO else os.stat(output)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def check_not_input(output: str | os.PathLike[str],
                    *inputs: str | os.PathLike[str] | None) -> None:
    """Raise OutputError when ``output`` would overwrite one of ``inputs``.

    Every file a job reads is passed: the data (``-``: whatever file stdin is), the kernel
    file, and so on (None is skipped). Files are compared by device and inode (so links and
    ``/proc/self/fd`` paths are seen through); directories (Zarr stores) also by resolved path,
    refusing an output that contains an input or lies inside one.
    """
    target = _output_identity(output)
    for source in inputs:
        if source is None:
            continue
        if str(source) == STDIO:
            st = stdin_stat()
            same = st is not None and (st.st_dev, st.st_ino) == target
            where = "standard input"
        else:
            same = target is not None and _identity(source) == target
            where = str(source)
        if same:
            shown = "standard output" if str(output) == STDIO else f"output {output}"
            raise OutputError(f"{shown} is the input file ({where}); refusing to overwrite it")
        if STDIO in (str(output), str(source)):
            continue
        out, src = Path(os.path.realpath(output)), Path(os.path.realpath(source))
        if out == src:
            raise OutputError(f"output {output} is the input file; refusing to overwrite it")
        if src.is_relative_to(out):
            raise OutputError(f"output {output} contains the input {source}; refusing to "
                              "replace it")
        if out.is_relative_to(src) and src.is_dir():
            raise OutputError(f"output {output} is inside the input {source}; write it "
                              "elsewhere")
