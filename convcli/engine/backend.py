"""The Backend protocol and the registry of backends.

A backend computes one thing: the strided valid correlation a :class:`Plan` describes. It also
estimates what that costs on this machine, so that ``auto`` can pick the cheapest. Adding a
backend is one module that defines it and one :func:`register` call in ``engine/__init__``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from convcli.engine.plan import Plan
from convcli.errors import BackendError


@dataclass(frozen=True)
class Estimate:
    """A backend's predicted wall time (seconds) for a plan, and the method it would use."""

    seconds: float
    method: str
    spreads_nonfinite: bool = False  # FFT methods turn one NaN into a NaN everywhere


@dataclass(frozen=True)
class Result:
    """A backend's answer: the strided valid correlation (compute dtype) and the method used."""

    values: np.ndarray
    method: str


class Backend(Protocol):
    name: str
    description: str

    def estimate(self, plan: Plan) -> Estimate | None:
        """Predicted cost, or None when this backend cannot run the plan."""

    def run(self, plan: Plan) -> Result:
        """Compute the plan's strided valid correlation."""


_REGISTRY: dict[str, Backend] = {}


def register(backend: Backend) -> None:
    _REGISTRY[backend.name] = backend


def get(name: str) -> Backend:
    try:
        return _REGISTRY[name]
    except KeyError:
        valid = ", ".join(["auto", *_REGISTRY])
        raise BackendError(f"unknown backend {name!r}; choose one of {valid}") from None


def available() -> dict[str, Backend]:
    return dict(_REGISTRY)


def strided_index(plan: Plan) -> tuple[slice, ...]:
    """The index that keeps every stride-th sample of a dense valid result."""
    return tuple(slice(None, None, s) for s in plan.stride)
