"""Lazy arrays for work larger than memory: Zarr (zarr-python 3), .npy and TIFF opened as Dask
arrays; Zarr and .npy written chunk by chunk, to a temporary sibling renamed into place only on
success (a .npy's space reserved first, so a full disk is an error, not a SIGBUS).

Dask, zarr and tifffile are the ``scale`` extra: they are imported here on first use, so the core
install never needs them and a missing one is one clear line.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from convcli.errors import InputError, OutputError
from convcli.io.atomic import is_direct, reason, remove_stale, temp_path, write_target

SCALE_HINT = "pip install 'convcli[scale]'"
ZARR_SUFFIX = ".zarr"
TIFF_SUFFIXES = (".tif", ".tiff")
OUTPUT_SUFFIXES = (ZARR_SUFFIX, ".npy")
# The chunk size convcli works in: small enough that the chunks in flight on every core, their
# neighbours' overlaps and the engine's temporaries stay well under the memory budget.
CHUNK_BYTES = 4 << 20


def require_scale(what: str, *modules: str) -> None:
    """Import the extra's modules (dask.array and zarr, or those named) or say what to install."""
    import importlib

    for name in modules or ("dask.array", "zarr"):
        try:
            importlib.import_module(name)
        except ImportError:
            raise InputError(f"{what} needs the scale extra: {SCALE_HINT}") from None


def is_zarr(source: str | os.PathLike[str]) -> bool:
    """A ``.zarr`` path, or a directory holding Zarr metadata (v3 or v2)."""
    path = Path(source)
    return path.suffix.lower() == ZARR_SUFFIX or _has_zarr_metadata(path)


def _has_zarr_metadata(path: Path) -> bool:
    return path.is_dir() and any((path / name).exists() for name in ("zarr.json", ".zarray"))


def _store_root(path: Path) -> Path | None:
    """The outermost Zarr store or group directory holding ``path`` (itself included)."""
    root = None
    for folder in (path, *path.parents):
        if folder.is_dir() and any((folder / name).exists() for name in
                                   ("zarr.json", ".zarray", ".zgroup")):
            root = folder
        elif root is not None:
            break
    return root


def open_chunked(source: str) -> Any:
    """``source`` as a lazy Dask array, chunked as it is on disk (Zarr chunks, TIFF tiles) or
    in ~4 MiB pieces (.npy, mapped one chunk at a time)."""
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if is_zarr(path):
        return _open_zarr(path)
    if path.suffix.lower() == ".npy":
        return _open_npy(path)
    if path.suffix.lower() in TIFF_SUFFIXES:
        return _open_tiff(path)
    raise InputError(f"{path}: chunked input must be a .zarr array, a .npy file or a TIFF")


def _open_zarr(path: Path) -> Any:
    import dask.array as da
    import zarr
    from zarr.errors import BaseZarrError

    try:
        array = zarr.open_array(str(path), mode="r")
    except (BaseZarrError, ValueError, OSError) as e:
        if _is_zarr_group(path):
            raise InputError(
                f"{path} is a Zarr group, not an array: name one of its arrays, e.g. {path}/NAME"
            ) from None
        raise InputError(f"{path}: not a Zarr array ({e})") from None
    return da.from_zarr(array)


def _is_zarr_group(path: Path) -> bool:
    import zarr

    try:
        zarr.open_group(str(path), mode="r")
    except Exception:  # anything that does not open as a group is not one
        return False
    return True


@dataclass(frozen=True)
class NpyFile:
    """A .npy file that Dask reads region by region: each read maps the file, copies the
    region and unmaps, so the file never stays mapped (and resident) as a whole."""

    path: str
    shape: tuple[int, ...]
    dtype: np.dtype
    offset: int
    order: str

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getitem__(self, index: Any) -> np.ndarray:
        mapped = np.memmap(
            self.path,
            dtype=self.dtype,
            mode="r",
            offset=self.offset,
            shape=self.shape,
            order=self.order,
        )
        return np.array(mapped[index])


def _open_npy(path: Path) -> Any:
    import dask.array as da
    from dask.base import tokenize

    try:
        header = np.load(path, mmap_mode="r")  # maps the file; only the header is read
    except (ValueError, OSError) as e:
        raise InputError(f"{path}: not a .npy array ({e})") from None
    fortran = header.ndim > 1 and header.flags.f_contiguous and not header.flags.c_contiguous
    source = NpyFile(
        str(path.resolve()), header.shape, header.dtype, header.offset, "F" if fortran else "C"
    )
    del header
    stat = path.stat()
    chunks = da.core.normalize_chunks("auto", source.shape, limit=CHUNK_BYTES, dtype=source.dtype)
    return da.from_array(
        source,
        chunks=chunks,
        lock=False,
        name="npy-" + tokenize(source, stat.st_mtime_ns, stat.st_size),
        meta=np.empty((0,) * source.ndim, source.dtype),
    )


@dataclass(frozen=True)
class TiffImage:
    """A TIFF's first image, read region by region through tifffile's Zarr view. The view is
    opened once per process, not pickled, so cluster workers can read the file too."""

    path: str
    stamp: tuple[int, int]  # mtime and size: a rewritten file is opened anew
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getitem__(self, index: Any) -> np.ndarray:
        return _tiff_view(self.path, self.stamp)[index]


@functools.lru_cache(maxsize=8)
def _tiff_view(path: str, stamp: tuple[int, int]) -> Any:
    import tifffile
    import zarr

    return zarr.open_array(tifffile.imread(path, aszarr=True, series=0, level=0), mode="r")


def _open_tiff(path: Path) -> Any:
    require_scale(f"reading {path.name} chunk by chunk", "dask.array", "zarr", "tifffile")
    import dask.array as da
    import tifffile

    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    try:
        view = _tiff_view(str(path.resolve()), stamp)
    except (tifffile.TiffFileError, ValueError, OSError) as e:
        raise InputError(f"{path}: cannot read it as a TIFF ({e})") from None
    image = TiffImage(str(path.resolve()), stamp, view.shape, view.dtype)
    return da.from_array(image, chunks=view.chunks, lock=False,
                         meta=np.empty((0,) * image.ndim, image.dtype))


@contextmanager
def chunk_writes(dest: str, array: Any) -> Iterator[Any]:
    """Yield a lazy array of per-chunk writes of ``array`` to ``dest`` (.zarr or .npy), each
    the bytes it wrote; compute it inside the block. Chunks go to a temporary sibling renamed
    over ``dest`` when the block ends without error and removed otherwise: ``dest`` is never
    partial. A failed write names ``dest`` ("no space left on device"), never the temp."""
    path = check_output(dest)
    remove_stale(path)
    temp = temp_path(path)
    try:
        yield _create(temp, array, path.suffix.lower(), dest)
        _replace(temp, path)
    except BaseException as e:
        _remove(temp)
        if isinstance(e, OSError):
            raise OutputError(f"cannot write {dest}: {reason(e)}") from None
        raise


def check_output(dest: str, source: str | None = None) -> Path:
    """The path a chunked output replaces (symlinks followed), if ``dest`` can take one: a
    .zarr or .npy path in an existing directory, not a directory that is not a Zarr store,
    not a device or FIFO, and not inside the Zarr store ``source`` belongs to."""
    suffix = Path(dest).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise OutputError(f"cannot write {dest}: chunked output must be a .zarr directory or a "
                          ".npy file")
    if is_direct(dest):
        raise OutputError(f"cannot write {dest}: a chunked output must be a regular file or "
                          "directory (not a device, FIFO or standard output)")
    path = write_target(dest)
    if not path.parent.is_dir():
        raise OutputError(f"cannot write {dest}: directory {path.parent} does not exist")
    if suffix == ZARR_SUFFIX and path.exists() and not _has_zarr_metadata(path):
        raise OutputError(f"{dest} exists and is not a Zarr store; refusing to replace it")
    if suffix != ZARR_SUFFIX and path.is_dir():
        raise OutputError(f"cannot write {dest}: it is a directory")
    root = _store_root(Path(os.path.realpath(source))) if source else None
    if root is not None and (path.is_relative_to(root) or root.is_relative_to(path)):
        raise OutputError(f"output {dest} would be written inside the input's Zarr store "
                          f"{root} (or replace it); write it elsewhere")
    return path


def _create(temp: Path, array: Any, suffix: str, dest: str) -> Any:
    """An empty ``temp`` shaped for ``array``, and the lazy writes of its chunks into it. A
    .npy's blocks are allocated now: a memory-mapped write into a sparse file on a full disk
    would end the process by SIGBUS."""
    try:
        if suffix == ZARR_SUFFIX:
            import zarr

            array = _regular(array)
            zarr.create_array(
                store=str(temp),
                shape=array.shape,
                dtype=array.dtype,
                chunks=tuple(c[0] for c in array.chunks),
            )
            return _per_chunk(array, _write_zarr_chunk, str(temp))
        mapped = np.lib.format.open_memmap(temp, mode="w+", dtype=array.dtype,
                                           shape=array.shape)
        del mapped  # the header is written; the data is a hole until allocated below
        with open(temp, "r+b") as f:
            os.posix_fallocate(f.fileno(), 0, os.fstat(f.fileno()).st_size)
        return _per_chunk(array, _write_npy_chunk, str(temp))
    except OSError as e:
        raise OutputError(f"cannot write {dest}: {reason(e)}") from None


def _regular(array: Any) -> Any:
    """``array`` with chunks Zarr can hold: equal along each axis, the last one maybe less
    (a convolution's output differs from the first chunk at the end, if anywhere)."""
    regular = all(len(set(c[:-1])) <= 1 and c[-1] <= c[0] for c in array.chunks)
    return array if regular else array.rechunk(tuple(c[0] for c in array.chunks))


def _per_chunk(array: Any, write: Callable[..., np.ndarray], target: str) -> Any:
    return array.map_blocks(
        write,
        target=target,
        chunks=(1,) * array.ndim,
        dtype=np.int64,
        meta=np.empty((0,) * array.ndim, np.int64),
        token="convcli-write",
    )


def _region(block_info: dict) -> tuple[slice, ...]:
    return tuple(slice(lo, hi) for lo, hi in block_info[0]["array-location"])


def _write_zarr_chunk(block: np.ndarray, target: str, block_info: dict | None = None) -> np.ndarray:
    import zarr

    zarr.open_array(target, mode="r+")[_region(block_info)] = block
    if not (Path(target) / "zarr.json").exists():
        # The job failed and removed its output while this chunk was being written: remove
        # what the write created again (a .npy cannot reappear: it is never created here).
        shutil.rmtree(target, ignore_errors=True)
    return np.full((1,) * block.ndim, block.nbytes, dtype=np.int64)


def _write_npy_chunk(block: np.ndarray, target: str, block_info: dict | None = None) -> np.ndarray:
    mapped = np.load(target, mmap_mode="r+")
    mapped[_region(block_info)] = block
    mapped.flush()
    return np.full((1,) * block.ndim, block.nbytes, dtype=np.int64)


def _replace(temp: Path, path: Path) -> None:
    """Move ``temp`` to ``path``; an old Zarr directory there is moved aside, then deleted."""
    old = None
    if path.is_dir():
        old = temp_path(path, ".old")
        path.rename(old)
    try:
        os.replace(temp, path)
    except OSError as e:
        if old is not None:
            old.rename(path)
        raise OutputError(f"cannot write {path}: {reason(e)}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove(temp: Path) -> None:
    if temp.is_dir():
        shutil.rmtree(temp, ignore_errors=True)
    else:
        temp.unlink(missing_ok=True)
