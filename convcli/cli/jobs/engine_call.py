"""The one place the commands call the engine, with the shared options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convcli.cli.options import int_tuple


@dataclass(frozen=True)
class EngineOptions:
    mode: str
    boundary: str
    fillvalue: float
    backend: str
    correlate: bool
    stride: Any
    dilation: Any

    @classmethod
    def from_cli(cls, mode, boundary, fill_value, backend, correlate, stride, dilation
                 ) -> EngineOptions:
        return cls(mode.value, boundary.value, fill_value, backend.value, correlate,
                   int_tuple(stride, "stride"), int_tuple(dilation, "dilation"))

    def describe(self) -> str:
        op = "correlate" if self.correlate else "convolve"
        return f"{op} {self.mode}, boundary {self.boundary}"


def apply(values, kernel, options: EngineOptions, axes, *, backend: str | None = None,
          nan: str = "propagate", fill_gaps: bool = False):
    """Convolve (or correlate) ``values`` with a Kernel over ``axes`` under a missing-value
    policy; returns the engine's Outcome (values and the backend:method that ran)."""
    import numpy as np

    from convcli.engine.missing import convolve_missing

    origin = kernel.origin if options.mode == "same" else None
    if origin is not None and len(origin) != len(axes):
        origin = None
    weights = kernel.values
    if values.dtype in (np.float32, np.complex64):  # single precision in, single out
        weights = weights.astype(np.complex64 if weights.dtype.kind == "c" else np.float32)
    return convolve_missing(
        values, weights, options.mode, policy=nan, fill_gaps=fill_gaps,
        flip=not options.correlate, backend=backend or options.backend, axes=axes,
        boundary=options.boundary, fillvalue=options.fillvalue, origin=origin,
        stride=options.stride, dilation=options.dilation,
        swap=False,  # a kernel larger than the input is an error here, not scipy's swap
    )

