"""The one place the commands call the engine, with the shared options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EngineOptions:
    """The engine's parameters as the user gave them (see :func:`convcli.engine.convolve`);
    ``axes`` None means the last N axes for an N-D kernel.

    >>> EngineOptions("same", "reflect", 0.0, "auto", False, 1, 1).describe()
    'convolve same, boundary reflect'
    """

    mode: str = "same"
    boundary: str = "fill"
    fillvalue: float = 0.0
    backend: str = "auto"
    correlate: bool = False
    stride: Any = 1
    dilation: Any = 1
    nan: str = "propagate"
    axes: tuple[int, ...] | None = None

    def describe(self) -> str:
        op = "correlate" if self.correlate else "convolve"
        return f"{op} {self.mode}, boundary {self.boundary}"


def apply(values, kernel, options: EngineOptions, axes, *, backend: str | None = None,
          nan: str | None = None, fill_gaps: bool = False):
    """Convolve (or correlate) ``values`` with a Kernel over ``axes`` under a missing-value
    policy (``nan``, default ``options.nan``); returns the engine's Outcome (values and the
    backend:method that ran)."""
    import numpy as np

    from convcli.engine.missing import convolve_missing

    origin = kernel.origin if options.mode == "same" else None
    if origin is not None and len(origin) != len(axes):
        origin = None
    weights = kernel.values
    if values.dtype in (np.float32, np.complex64):  # single precision in, single out
        weights = weights.astype(np.complex64 if weights.dtype.kind == "c" else np.float32)
    elif values.dtype.kind in "ui":
        weights = integral_weights(weights)
    return convolve_missing(
        values, weights, options.mode, policy=nan or options.nan, fill_gaps=fill_gaps,
        flip=not options.correlate, backend=backend or options.backend, axes=axes,
        boundary=options.boundary, fillvalue=options.fillvalue, origin=origin,
        stride=options.stride, dilation=options.dilation,
        swap=False,  # a kernel larger than the input is an error here, not scipy's swap
    )


def integral_weights(weights):
    """Integer weights in the smallest integer dtype that holds them, so an integer array keeps
    its dtype as the Python API keeps it (numpy's result type; sums wrap as numpy's do); other
    weights unchanged (a fractional kernel gives floats).

    >>> import numpy as np
    >>> integral_weights(np.array([1.0, 2.0, 1.0])).dtype
    dtype('uint8')
    >>> integral_weights(np.array([-1.0, 0.5])).dtype
    dtype('float64')
    """
    import numpy as np

    if weights.dtype.kind != "f" or not np.array_equal(weights, np.round(weights)) \
            or np.abs(weights).max() >= 2.0**53:
        return weights
    low, high = int(weights.min()), int(weights.max())
    return weights.astype(np.result_type(np.min_scalar_type(low), np.min_scalar_type(high)))



def kernel_axes(options: EngineOptions, ndim: int, kernel_ndim: int) -> tuple[int, ...]:
    """The axes an N-D kernel runs over: ``--axes`` as given (one per kernel dimension), else
    the last N axes of the data, as the Python API broadcasts.

    >>> kernel_axes(EngineOptions(), 3, 2)
    (1, 2)
    >>> kernel_axes(EngineOptions(axes=(0, -1)), 3, 2)
    (0, 2)
    """
    from convcli.errors import InputError

    if options.axes is None:
        return tuple(range(ndim - kernel_ndim, ndim)) if kernel_ndim <= ndim else tuple(
            range(kernel_ndim))
    axes = tuple(a + ndim if a < 0 else a for a in options.axes)
    if len(axes) != kernel_ndim:
        raise InputError(f"--axes names {len(axes)} axes but the kernel has {kernel_ndim} "
                         f"dimensions")
    if any(not 0 <= a < ndim for a in axes) or len(set(axes)) != len(axes):
        raise InputError(f"--axes {','.join(map(str, options.axes))} are not distinct axes of "
                         f"a {ndim}-D array")
    return axes


def check_axes_apply(options: EngineOptions, kind: str) -> None:
    """``--axes`` names axes of an array; a CSV runs down its rows and an image over its rows
    and columns, so there it is refused rather than ignored."""
    from convcli.errors import InputError

    if options.axes is not None and kind != "array":
        raise InputError("--axes is for .npy and Zarr arrays: a CSV is filtered down its rows "
                         "and an image over its rows and columns")


def kernel_ndim(options: EngineOptions, ndim: int) -> int | None:
    """The dimension a named kernel takes on ``ndim``-D data: one per ``--axes`` entry, else the
    data's own (1-3; None lets the spec decide).

    >>> kernel_ndim(EngineOptions(axes=(0, 1)), 3), kernel_ndim(EngineOptions(), 3)
    (2, 3)
    """
    if options.axes is not None:
        return len(options.axes)
    return ndim if 1 <= ndim <= 3 else None
