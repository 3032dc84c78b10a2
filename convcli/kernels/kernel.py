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
        from convcli.engine.tolerances import sums_to_zero

        if sums_to_zero(self.values):
            return self
        return Kernel(self.values / np.sum(self.values), self.origin, self.name, self.params)

    def scaled(self, factor: float) -> Kernel:
        return Kernel(self.values * factor, self.origin, self.name, self.params)

    @property
    def origin_index(self) -> tuple[int, ...]:
        """The origin with ``None`` resolved to scipy's centre, (K−1)//2 per axis."""
        if self.origin is not None:
            return self.origin
        return tuple((n - 1) // 2 for n in self.shape)

    def with_origin(self, origin: tuple[int, ...] | int | None) -> Kernel:
        """The same weights with another origin (``None`` = centred)."""
        return Kernel(self.values, origin, self.name, self.params)

    def transposed(self) -> Kernel:
        """The kernel with its axes reversed (rows ↔ columns); the origin follows its tap."""
        origin = None if self.origin is None else self.origin[::-1]
        return Kernel(np.transpose(self.values), origin, self.name, self.params)

    def rotated(self, quarter_turns: int = 1) -> Kernel:
        """The kernel turned counter-clockwise, as displayed, by 90° per quarter turn.

        A 2-D kernel turns in its plane; a 1-D kernel only by half turns (reversed).
        The origin follows its tap.
        """
        turns = quarter_turns % 4
        if self.ndim == 1 and turns % 2 == 0:
            k = self.shape[0]
            (o,) = self.origin_index
            new = (k - 1 - o,) if turns else (o,)
            return self._reoriented(self.values[::-1] if turns else self.values, new)
        if self.ndim != 2:
            raise KernelError(
                f"kernel {self.name!r} is {self.ndim}-D; only a 2-D kernel turns by 90°"
            )
        r, c = self.origin_index
        h, w = self.shape
        for _ in range(turns):
            r, c, h, w = w - 1 - c, r, w, h
        return self._reoriented(np.rot90(self.values, turns), (r, c))

    def _reoriented(self, values: np.ndarray, origin: tuple[int, ...]) -> Kernel:
        centred = origin == tuple((n - 1) // 2 for n in values.shape)
        keep_none = self.origin is None and centred
        return Kernel(values, None if keep_none else origin, self.name, self.params)

    @property
    def rank(self) -> int:
        """Matrix rank of a 2-D kernel (1 = separable); for 1-D, 1 unless all zero.

        For 3-D and more, the largest rank of the kernel unfolded along any axis. The test is
        the engine's (:mod:`convcli.engine.separable`): separable here exactly when the
        engine runs the kernel as 1-D passes.
        """
        from convcli.engine.separable import rank

        return rank(self.values)

    def separable_factors(self, rtol: float | None = None) -> list[np.ndarray] | None:
        """1-D factors whose outer product is the kernel, one per axis, or ``None``.

        Found by SVD (singular values below ``rtol`` × the largest count as zero; default:
        the engine's tolerance for the kernel's type). Each factor's largest entry is positive
        except for the first, which carries the sign.
        """
        from convcli.engine.separable import rank_one_factors

        return rank_one_factors(self.values, rtol)
