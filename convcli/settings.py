"""Run-time settings, read once from the environment.

=========================  ==========================================================
variable                   meaning
=========================  ==========================================================
``CONVCLI_THREADS``        worker threads for the engine (default or 0: every core)
``CONVCLI_FFT``            ``numpy`` or ``scipy``: the FFT library (default: chosen by
                           the cost model, scipy.fft when it repays its import)
``CONVCLI_MEMORY_BUDGET``  bytes a job may allocate (default: half the physical
                           memory); larger work is refused before it starts
``CONVCLI_DEBUG``          ``1``: show tracebacks (the CLI's ``--debug`` sets it here)
=========================  ==========================================================

>>> s = settings()
>>> s.threads >= 1 and s.memory_budget > 0
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from convcli.errors import ConvcliError, ResourceError

FFT_LIBRARIES = ("auto", "numpy", "scipy")


@dataclass
class Settings:
    """The settings of this process (mutable only through the CLI's flags)."""

    threads: int
    fft: str
    memory_budget: int
    debug: bool


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def _positive_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(float(text))
    except ValueError:
        raise ConvcliError(f"{name} must be a positive number, got {text!r}") from None
    if value < 0:
        raise ConvcliError(f"{name} must be a positive number, got {text!r}")
    return value or default


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    cores = os.cpu_count() or 1
    fft = os.environ.get("CONVCLI_FFT", "auto").strip().lower() or "auto"
    if fft not in FFT_LIBRARIES:
        raise ConvcliError(f"CONVCLI_FFT must be one of {', '.join(FFT_LIBRARIES)}, got {fft!r}")
    return Settings(
        threads=min(cores, _positive_int("CONVCLI_THREADS", cores), 64),
        fft=fft,
        memory_budget=_positive_int("CONVCLI_MEMORY_BUDGET", _physical_memory() // 2),
        debug=os.environ.get("CONVCLI_DEBUG", "") not in ("", "0"),
    )


def _size(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if nbytes < 1024 or unit == "TiB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")


def check_memory(nbytes: float, what: str) -> None:
    """Refuse work that needs more than the memory budget, before allocating it.

    Parameters
    ----------
    nbytes : float
        The bytes the work would allocate (an estimate; may exceed any real size).
    what : str
        What needs them, for the message ("the full-mode output (1, 100000000) float64").

    Examples
    --------
    >>> check_memory(1e3, "a small array")
    >>> check_memory(1e15, "the output")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convcli.errors.ResourceError: the output needs 909.5 TiB, more than the memory budget of ...
    """
    budget = settings().memory_budget
    if nbytes > budget:
        raise ResourceError(
            f"{what} needs {_size(nbytes)}, more than the memory budget of {_size(budget)} "
            "(CONVCLI_MEMORY_BUDGET bytes)")
