"""The backends: one module each, one :func:`register` line each.

A new backend (OpenCV, CuPy…) is one module defining an object with a ``name`` and an
``estimate(plan) -> Method`` (see :mod:`convcli.engine.backends.base`), and one line below.
"""

from __future__ import annotations

from convcli.engine.backends.base import Backend, Method
from convcli.engine.backends.direct import DirectBackend
from convcli.engine.backends.fft import FFTBackend
from convcli.engine.backends.scipy import ScipyBackend
from convcli.errors import BackendError

__all__ = ["Backend", "Method", "register", "get", "available", "names"]

_REGISTRY: dict[str, Backend] = {}
# The engine's choices that rest on a call's geometry alone, by call signature (see
# convcli.engine.run); a new backend could change them.
DECISIONS: dict = {}


def register(backend: Backend) -> None:
    """Make ``backend`` selectable by its name (and a candidate of ``auto``)."""
    _REGISTRY[backend.name] = backend
    DECISIONS.clear()


register(DirectBackend())
register(FFTBackend())
register(ScipyBackend())


def names() -> list[str]:
    """Every name a ``backend=`` argument accepts: ``auto`` first."""
    return ["auto", *_REGISTRY]


def get(name: str) -> Backend:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(names())}",
                           option="backend") from None


def available() -> dict[str, Backend]:
    return dict(_REGISTRY)
