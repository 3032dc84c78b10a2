"""How a job's process hands memory back: the allocators' settings, made once at a job's start.

On a machine whose memory is faulted in lazily (a virtual machine that reports freed pages to
its host most of all), memory returned to the system and taken again costs a page fault on
every first touch of every page: a 1M-row smooth touched 250 MB for a 45 MB file. Keeping
freed blocks for reuse halves those faults; the jobs bound their peak by what they hold.
"""

from __future__ import annotations

import os
import sys


def keep_freed_memory() -> None:
    """Ask glibc's allocator to keep freed blocks below 32 MiB for reuse instead of handing
    them back to the system (numpy's arrays of a band, a slice of rows, a column: allocated
    and freed again and again). The integer convolution of a band of the 4096² photo ran 4×
    slower without (1.0 ms against 0.23 ms). A process-wide setting; no-op where there is no
    glibc ``mallopt``."""
    import ctypes

    try:  # the process's own symbols (ctypes.util.find_library would run ldconfig: ~0.1 s)
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    trim_threshold, mmap_threshold = -1, -3  # glibc's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    mallopt(mmap_threshold, 32 << 20)
    mallopt(trim_threshold, 64 << 20)


def prompt_polars_frees() -> None:
    """Before polars loads, for a table read whole: its allocator (jemalloc) returns freed
    memory to the system at once rather than after seconds, so the parsed frame's memory does
    not stay in the peak (a 40 MB CSV peaks ~30 MB lower), unless the user configured it. Not
    for a stream, whose blocks reuse the memory the previous ones freed (returned at once, it
    is faulted in again: twice the page faults)."""
    if "polars" in sys.modules:
        return
    conf = os.environ.get("_RJEM_MALLOC_CONF", "")
    # polars writes its defaults there on import, so a child of a process that imported it
    # inherits them: only a setting beyond those is the user's
    if "decay_ms" not in conf.removeprefix("dirty_decay_ms:500,muzzy_decay_ms:1000"):
        os.environ["_RJEM_MALLOC_CONF"] = ",".join(
            filter(None, (conf, "dirty_decay_ms:0,muzzy_decay_ms:0")))


def collect_cycles() -> None:
    """Resume the cyclic garbage collector the app pauses for a job (see
    ``convcli.cli.app._run_app``): a job that runs for long, block after block, must not
    let cycles pile up."""
    import gc

    gc.enable()
