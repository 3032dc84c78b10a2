"""The Kernel value object: weights plus the origin tap that lands on the output sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convcli.errors import KernelError


@dataclass(frozen=True)
class Kernel:
    """A convolution kernel.

    ``values`` are the weights w as the textbook writes them: for true convolution
    s(t) = Σ_j w[j] x(t + origin − j), so with ``origin=0`` tap w[0] weighs x(t), w[1] weighs
    x(t−1), … (a causal filter). ``origin`` is one index per axis, or ``None`` for scipy's
    centring ((K−1)//2 for convolution). ``name`` and ``params`` say where it came from.
    """

    values: np.ndarray
    origin: tuple[int, ...] | None = None
    name: str = "custom"
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        values = np.asarray(self.values)
        if values.dtype.kind not in "uifc":
            raise KernelError(f"kernel {self.name!r}: values must be numbers, got {values.dtype}")
        if values.size == 0:
            raise KernelError(f"kernel {self.name!r} is empty")
        if not np.all(np.isfinite(values)):
            raise KernelError(f"kernel {self.name!r} has non-finite values (NaN or inf)")
        if values.dtype.kind in "ui":
            values = values.astype(np.float64)
        values = np.array(values, copy=True)
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        if self.origin is not None:
            origin = (self.origin,) if np.isscalar(self.origin) else tuple(self.origin)
            origin = tuple(int(o) for o in origin)
            if len(origin) != values.ndim:
                raise KernelError(
                    f"kernel {self.name!r}: origin {origin} needs {values.ndim} entries"
                )
            for o, n in zip(origin, values.shape):
                if not 0 <= o < n:
                    raise KernelError(
                        f"kernel {self.name!r}: origin {origin} is outside its shape {values.shape}"
                    )
            object.__setattr__(self, "origin", origin)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    @property
    def ndim(self) -> int:
        return self.values.ndim

    @property
    def sum(self) -> float:
        return float(np.sum(self.values).real)

    def normalized(self) -> Kernel:
        """The kernel scaled to unit sum; unchanged when its sum is zero (edge kernels)."""
        total = np.sum(self.values)
        if abs(total) < 1e-12 * max(1.0, float(np.abs(self.values).sum())):
            return self
        return Kernel(self.values / total, self.origin, self.name, self.params)

    def scaled(self, factor: float) -> Kernel:
        return Kernel(self.values * factor, self.origin, self.name, self.params)

    def flipped(self) -> Kernel:
        """The kernel reversed on every axis; the origin follows its tap."""
        origin = None
        if self.origin is not None:
            origin = tuple(n - 1 - o for o, n in zip(self.origin, self.shape))
        return Kernel(np.flip(self.values), origin, self.name, self.params)
