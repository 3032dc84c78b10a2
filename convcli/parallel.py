"""Run independent slabs of work on every core: numpy releases the GIL inside ufuncs and FFTs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from convcli.settings import settings

T = TypeVar("T")

_POOL: ThreadPoolExecutor | None = None


def threads() -> int:
    """Worker threads for the engine (``CONVCLI_THREADS``, see :mod:`convcli.settings`)."""
    return settings().threads


def run_all(work: Sequence[Callable[[], T]]) -> list[T]:
    """Call every function, on a shared thread pool when there is more than one."""
    global _POOL
    if threads() == 1 or len(work) < 2:
        return [w() for w in work]
    if _POOL is None:
        _POOL = ThreadPoolExecutor(threads(), thread_name_prefix="convcli")
    return [f.result() for f in [_POOL.submit(w) for w in work]]


def split(n: int, parts: int) -> list[tuple[int, int]]:
    """``n`` items as up to ``parts`` contiguous, near-equal (start, stop) ranges."""
    parts = max(1, min(parts, n))
    bounds = [n * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts) if bounds[i] < bounds[i + 1]]
