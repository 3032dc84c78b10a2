"""`convcli convolve` for arrays larger than memory: Zarr, .npy or TIFF in, Zarr or .npy out,
chunk by chunk on Dask — its local threads, or a dask.distributed cluster (--scheduler)."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from convcli.cli.jobs.engine_call import EngineOptions, apply, kernel_axes, kernel_ndim
from convcli.cli.report import Timings
from convcli.errors import InputError, OutputError

CHUNK_THRESHOLD = 2 << 30
"""Inputs larger than this, or than a quarter of the memory budget, run chunk by chunk: the
in-memory path holds the input, its padded copy and the result (about 3-4 times the input)."""
CONNECT_TIMEOUT = 5.0
"""Seconds a scheduler has to accept the connection and complete Dask's handshake."""
WORKERS_GONE_SECONDS = 5.0
"""Seconds a job waits with no worker in the cluster before it gives up."""
MAX_CHUNKS = 4096
MIN_CHUNK_BYTES = 64 << 10
"""More chunks than MAX_CHUNKS must each hold at least MIN_CHUNK_BYTES: Dask's cost per chunk
(about a millisecond and a few kB of graph) would otherwise dwarf the work."""
_M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
_BIG_SUFFIXES = (".npy", ".tif", ".tiff")


def chunk_threshold() -> int:
    """Bytes above which a .npy/TIFF input runs chunk by chunk (see CHUNK_THRESHOLD)."""
    from convcli.settings import settings

    return min(CHUNK_THRESHOLD, settings().memory_budget // 4)


def should_chunk(source: str) -> bool:
    """True for a Zarr input, or a .npy/TIFF file larger than ``chunk_threshold()``."""
    from convcli.io.lazy_arrays import is_zarr

    if source == "-":
        return False
    if is_zarr(source):
        return True
    path = Path(source)
    return path.suffix.lower() in _BIG_SUFFIXES and path.is_file() \
        and path.stat().st_size > chunk_threshold()


def run(source: str, output: str | None, spec: str, options: EngineOptions, report: Timings,
        *, chunks: str | None, scheduler: str | None) -> None:
    """Convolve ``source`` chunk by chunk into ``output`` (.zarr or .npy)."""
    from convcli.cli.jobs.allocator import collect_cycles
    from convcli.engine.plan import per_axis
    from convcli.io import lazy_arrays
    from convcli.io.atomic import check_not_input
    from convcli.kernels import kernel_file, parse_kernel

    collect_cycles()
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    _limit_malloc_arenas()
    lazy_arrays.require_scale(f"convolving {Path(source).name} chunk by chunk")
    if address:
        lazy_arrays.require_scale("--scheduler", "distributed")
    if output in (None, "-"):
        raise OutputError("chunked output goes to a file: give -o OUT.zarr or -o OUT.npy")
    check_not_input(output, source, kernel_file(spec))
    lazy_arrays.check_output(output, source)
    with report.stage("open") as stage:
        array = lazy_arrays.open_chunked(source)
        stage.detail = f"{array.dtype} {array.shape}, chunks {array.chunksize}"
    with report.stage("kernel") as stage:
        kernel = parse_kernel(spec, ndim=kernel_ndim(options, array.ndim))
        stage.detail = f"{kernel.name} {kernel.shape}"
    shape = parse_chunks(chunks, array.shape) if chunks else default_chunks(
        array.shape, array.dtype, array.chunksize, kernel.shape,
        per_axis(options.stride, kernel.ndim, "stride", 1))
    check_chunk_count(shape, array.shape, array.dtype.itemsize)
    outcome = apply(array.rechunk(shape), kernel, options,
                    kernel_axes(options, array.ndim, kernel.ndim))
    result = outcome.values
    show = not report.quiet and not report.json_output and sys.stderr.isatty()
    with _client(address) as client, lazy_arrays.chunk_writes(output, result) as writes:
        with report.stage("convolve", array.size, "samples",
                          show_progress=False) as stage:  # _compute draws the chunk bar
            workers = _compute(writes, client, show)
            stage.detail = (f"{options.describe()}, {outcome.method}, chunks: {writes.size} × "
                            f"{result.chunksize}, workers: {workers['workers']}")
    report.facts.update(backend=outcome.method, shape=list(result.shape), chunks=writes.size,
                        chunk_shape=list(result.chunksize), **workers)


def parse_chunks(text: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """'512,1024' (one size per axis, -1 for the whole axis) or '512' (every axis)."""
    try:
        sizes = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--chunks takes integers like 1024 or 512,1024, got {text!r}") from None
    if len(sizes) == 1:
        sizes *= len(shape)
    if len(sizes) != len(shape):
        raise InputError(f"--chunks {text} has {len(sizes)} sizes; the array has "
                         f"{len(shape)} dimensions {shape}")
    if any(s == 0 or s < -1 for s in sizes):
        raise InputError(f"--chunks sizes must be positive (or -1 for a whole axis), got {text}")
    return tuple(n if s == -1 else min(s, n) for s, n in zip(sizes, shape))


def check_chunk_count(chunks: tuple[int, ...], shape: tuple[int, ...], itemsize: int) -> None:
    """Refuse chunks so small and many that Dask's overhead would swamp the work (see
    MAX_CHUNKS); the message names the smallest chunk side that would do."""
    count = math.prod(-(-n // max(c, 1)) for n, c in zip(shape, chunks))
    nbytes = math.prod(chunks) * itemsize
    if count > MAX_CHUNKS and nbytes < MIN_CHUNK_BYTES:
        side = math.ceil((MIN_CHUNK_BYTES / itemsize) ** (1 / len(shape)))
        raise InputError(
            f"--chunks {','.join(map(str, chunks))} makes {count:,} chunks of {nbytes:,} bytes; "
            f"more than {MAX_CHUNKS} chunks must hold {MIN_CHUNK_BYTES // 1024} KiB each "
            f"(e.g. --chunks {side}), or leave --chunks out")


def default_chunks(shape: tuple[int, ...], dtype: Any, disk: tuple[int, ...],
                   kernel: tuple[int, ...], stride: tuple[int, ...]) -> tuple[int, ...]:
    """About 4 MiB (on-disk chunks grouped, or split evenly); on the kernel's axes, each side
    at least 8 × its reach (so overlaps stay small) and a multiple of the stride (so output
    chunks are equal, as Zarr needs)."""
    from dask.array.core import normalize_chunks

    from convcli.io.lazy_arrays import CHUNK_BYTES

    sizes = tuple(c[0] for c in normalize_chunks(
        "auto", shape, limit=CHUNK_BYTES, dtype=dtype, previous_chunks=disk))
    out = list(sizes)
    for a, (n, k, s) in enumerate(zip(shape, kernel, stride)):
        out[a] = min(n, -(-max(sizes[a], 8 * (k - 1)) // s) * s)
    return tuple(out)


@contextmanager
def _client(address: str | None) -> Iterator[Any]:
    """A dask.distributed Client for ``address`` (None: no cluster); a malformed address, a
    refused port, or a peer that does not complete Dask's handshake within CONNECT_TIMEOUT is
    one InputError. Distributed's own log lines are silenced: its failures become ours."""
    if not address:
        yield None
        return
    import logging

    from distributed import Client

    _check_address(address)
    _handshake(address)
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("distributed", "tornado", "asyncio"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    try:
        client = Client(address, timeout=f"{CONNECT_TIMEOUT}s", set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    try:
        yield client
    finally:
        with suppress(Exception):
            client.close(timeout=2)


def _check_address(address: str) -> None:
    """A malformed address or port fails here, at once, not on connect; so does a TCP port
    that refuses the connection."""
    import socket

    from distributed.comm import get_address_host_port, parse_address

    try:
        scheme = parse_address(address)[0]
        host, port = get_address_host_port(address) if scheme != "inproc" else ("", 0)
    except ValueError as e:
        raise InputError(f"--scheduler {address!r} is not a scheduler address like "
                         f"tcp://host:8786 ({e})") from None
    if scheme != "inproc" and not 0 < int(port) < 65536:
        raise InputError(f"--scheduler {address!r}: port {port} is outside 1-65535")
    if scheme == "tcp":
        try:
            socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
        except ConnectionRefusedError:
            raise InputError(f"cannot reach the Dask scheduler at {address}: connection "
                             "refused (is the scheduler running?)") from None
        except (OSError, TimeoutError) as e:
            raise InputError(f"cannot reach the Dask scheduler at {address}: "
                             f"{e.strerror or 'timed out'}") from None


def _handshake(address: str) -> None:
    """Connect to ``address`` once as Dask does, the handshake included, within the timeout,
    before a Client (which, half-made, would hang and print a traceback at exit) is made."""
    import asyncio

    from distributed.comm import connect

    async def handshake() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT),
                                      CONNECT_TIMEOUT)
        await comm.close()

    try:
        asyncio.run(handshake())
    except TimeoutError:  # accepted, then silent or sending something endless
        raise InputError(f"{address} accepted the connection but did not complete Dask's "
                         f"handshake within {CONNECT_TIMEOUT:g}s: not a Dask scheduler?") \
            from None
    except OSError as e:  # refused, unreachable
        raise InputError(f"cannot reach the Dask scheduler at {address} "
                         f"(waited {CONNECT_TIMEOUT:g}s): {e}") from None
    except Exception as e:  # something answered, but not in Dask's protocol
        raise InputError(f"{address} does not answer as a Dask scheduler "
                         f"({type(e).__name__})") from None


def _compute(writes: Any, client: Any, show: bool) -> dict[str, Any]:
    """Run every chunk's write (locally on threads, or on the cluster) with a progress bar
    over the chunks; returns the workers and threads that ran them."""
    with _progress_bar(writes.size, show) as advance:
        if client is None:
            import dask
            from dask.callbacks import Callback
            from dask.system import CPU_COUNT

            def finished(key: Any, *_: Any) -> None:
                if isinstance(key, tuple) and key[0] == writes.name:
                    advance()

            # Leaving the pool waits for the chunks in flight: after a failure, nothing writes
            # while the output is removed.
            with ThreadPoolExecutor(CPU_COUNT) as pool, Callback(posttask=finished):
                dask.compute(writes, scheduler="threads", pool=pool)
            return {"scheduler": "threads", "workers": CPU_COUNT, "threads": CPU_COUNT}
        _run_on_cluster(client, writes, advance)
        workers = client.scheduler_info()["workers"].values()
        return {"scheduler": client.scheduler.address, "workers": len(workers),
                "threads": sum(w["nthreads"] for w in workers)}


def _run_on_cluster(client: Any, writes: Any, advance: Callable[[], None]) -> None:
    """Compute ``writes`` on the cluster, a chunk's error raised here; a scheduler lost, or a
    cluster without workers for WORKERS_GONE_SECONDS, is one InputError."""
    import time
    from concurrent.futures import CancelledError

    from distributed import futures_of

    address = client.scheduler.address
    try:
        pending = set(futures_of(client.persist(writes)))
        alone_since, checked = None, time.monotonic()
        while pending:
            done = {future for future in pending if future.done()}
            pending -= done
            for future in done:
                future.result()  # raises a chunk's error here
                advance()
                alone_since = None
            if done or time.monotonic() - checked < 1:
                time.sleep(0 if done else 0.05)
                continue
            checked = time.monotonic()
            if client.nthreads():
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > WORKERS_GONE_SECONDS:
                raise InputError(f"every Dask worker of {address} has gone (none for "
                                 f"{WORKERS_GONE_SECONDS:g}s); the output was not written")
    except (CancelledError, TimeoutError) as e:
        raise InputError(f"lost the Dask scheduler at {address} mid-job "
                         f"({type(e).__name__}); the output was not written") from None
    except OSError:
        if client.status in ("running", "connecting"):
            raise  # a chunk's own failure (a full disk): reworded with the output's name
        raise InputError(f"lost the Dask scheduler at {address} mid-job; the output was not "
                         "written") from None


def _limit_malloc_arenas() -> None:
    """Have glibc share two heaps between all threads (before any thread makes its own). With
    its default of 8 per core, chunk-sized arrays freed by one thread sit in that thread's heap
    while another thread allocates anew: peak RSS then grows with the array rather than with
    the chunks in flight (as MALLOC_ARENA_MAX=2 in the environment would)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, 2)


@contextmanager
def _progress_bar(total: int, show: bool) -> Iterator[Callable[[], None]]:
    """A transient rich bar on stderr over ``total`` chunks; yields the function that
    advances it (a no-op when not shown)."""
    if not show:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("convolve", BarColumn(), MofNCompleteColumn(), "chunks",
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("convolve", total=total)
        yield lambda: bar.advance(task)

