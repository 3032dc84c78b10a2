"""Turn a convolve/correlate call into one Plan: the only place that knows modes, boundaries,
origins, strides and dilations.

Every call becomes a *valid cross-correlation* of a (virtually) padded input with a kernel in
correlation order, sampled with a stride::

    out[t] = Σ_i k[i] · xp[t·s + i]        xp = x padded by pad[a] = (before, after) on axis a

True convolution flips the kernel here, once. Backends only compute that sum.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from convcli.engine.names import BOUNDARIES, MODES
from convcli.errors import InputError

# scipy.ndimage's boundary names → numpy.pad's names for the same extension.
NUMPY_PAD_MODE = {
    "fill": "constant",
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
}
# Float type the arithmetic runs in, by the result's kind (integers: exact in float64 below 2**52).
_COMPUTE_FLOAT = {np.dtype(np.float16): np.dtype(np.float32)}


@dataclass(frozen=True)
class Plan:
    """A valid correlation of ``x`` padded by ``pad`` with ``kernel``, strided by ``stride``.

    ``x`` and ``kernel`` have the same number of dimensions; on axes not in ``axes`` the
    kernel has size 1 or the size of ``x`` (one kernel per slice, as fftconvolve broadcasts).
    """

    x: np.ndarray
    kernel: np.ndarray
    axes: tuple[int, ...]
    pad: tuple[tuple[int, int], ...]
    boundary: str
    fillvalue: Any
    stride: tuple[int, ...]
    out_dtype: np.dtype
    compute_dtype: np.dtype

    @property
    def out_shape(self) -> tuple[int, ...]:
        shape = []
        for a, n in enumerate(self.x.shape):
            k = self.kernel.shape[a]
            if a in self.axes:
                dense = n + sum(self.pad[a]) - k + 1
                shape.append((dense - 1) // self.stride[a] + 1)
            else:
                shape.append(n)
        return tuple(shape)

    @property
    def is_integer(self) -> bool:
        return self.out_dtype.kind in "ui"

    @property
    def needs_padding(self) -> bool:
        return any(b or a for b, a in self.pad)

    @property
    def taps(self) -> int:
        return int(np.prod([self.kernel.shape[a] for a in self.axes]))

    @property
    def per_slice_kernel(self) -> bool:
        """True when the kernel differs along a broadcast (non-convolved) axis."""
        return any(self.kernel.shape[a] > 1 for a in range(self.x.ndim) if a not in self.axes)

    @cached_property
    def separable(self) -> list[np.ndarray] | None:
        """The kernel's 1-D factors when it is rank 1 and the result is not integer (exact
        integer sums need the taps themselves), else None."""
        if self.is_integer:
            return None
        from convcli.engine.separable import separable_factors

        return separable_factors(self.kernel, self.axes)

    @property
    def padded_bytes(self) -> int:
        """Size of the padded copy of the input some methods make."""
        return math.prod(n + sum(p) for n, p in zip(self.x.shape, self.pad)) * \
            self.compute_dtype.itemsize

    @property
    def batch_axes(self) -> tuple[int, ...]:
        """The broadcast (non-convolved) axes."""
        return tuple(a for a in range(self.x.ndim) if a not in self.axes)

    def slices(self) -> Iterator[tuple[tuple, Plan]]:
        """(index into the output, plan) for each slice of the batch axes, each slice a
        contiguous copy: an RGB image's channels one by one. Needs a shared kernel."""
        batch = self.batch_axes
        keep = [a for a in range(self.x.ndim) if a not in batch]
        kernel = self.kernel[tuple(0 if a in batch else slice(None)
                                   for a in range(self.x.ndim))]
        for position in np.ndindex(*[self.x.shape[a] for a in batch]):
            index = [slice(None)] * self.x.ndim
            for a, i in zip(batch, position):
                index[a] = i
            yield tuple(index), replace(
                self, x=np.ascontiguousarray(self.x[tuple(index)]), kernel=kernel,
                axes=tuple(range(len(keep))), pad=tuple(self.pad[a] for a in keep),
                stride=tuple(self.stride[a] for a in keep))

    def padded(self) -> np.ndarray:
        """The input extended by the boundary rule (a copy; ``x`` itself when no padding)."""
        if not self.needs_padding:
            return self.x
        mode = NUMPY_PAD_MODE[self.boundary]
        if mode == "constant":
            return np.pad(self.x, self.pad, mode=mode, constant_values=self.fillvalue)
        return np.pad(self.x, self.pad, mode=mode)

    def integer_bound(self) -> float:
        """An upper bound of |result| for integer inputs (exactness of float arithmetic)."""
        xmax = float(np.max(np.abs(self.x))) if self.x.size else 0.0
        if self.boundary == "fill":
            xmax = max(xmax, abs(self.fillvalue))
        return xmax * float(np.sum(np.abs(self.kernel)))

    def dense_axis_length(self, axis: int) -> int:
        return self.x.shape[axis] + sum(self.pad[axis]) - self.kernel.shape[axis] + 1


def _as_numeric_array(value: Any, what: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{what} is not an array of numbers: {exc}") from None
    if array.dtype.kind not in "uifc":
        raise InputError(f"{what} must be an array of numbers, got dtype {array.dtype}")
    return array


def per_axis(value: Any, naxes: int, name: str, minimum: int) -> tuple[int, ...]:
    if np.ndim(value) == 0:
        values = (value,) * naxes
    else:
        values = tuple(value)
        if len(values) != naxes:
            raise InputError(f"{name} needs 1 or {naxes} values (one per axis), got {len(values)}")
    try:
        values = tuple(operator.index(v) for v in values)
    except TypeError:
        raise InputError(f"{name} must be integers, got {value!r}") from None
    if any(v < minimum for v in values):
        raise InputError(f"{name} must be >= {minimum}, got {value!r}")
    return values


def normalise_axes(axes: Any, ndim: int) -> tuple[int, ...]:
    if axes is None:
        return tuple(range(ndim))
    axes = (axes,) if np.ndim(axes) == 0 else tuple(axes)
    try:
        normal = [operator.index(a) for a in axes]
    except TypeError:
        raise InputError(f"axes must be integers, got {axes!r}") from None
    for a in normal:
        if not -ndim <= a < ndim:
            raise InputError(f"axis {a} is out of range for an input of {ndim} dimensions")
    normal = sorted(a % ndim for a in normal)
    if len(set(normal)) != len(normal):
        raise InputError(f"axes must be unique, got {axes!r}")
    return tuple(normal)


def _dilate(kernel: np.ndarray, axes: tuple[int, ...], dilation: tuple[int, ...]) -> np.ndarray:
    if all(d == 1 for d in dilation):
        return kernel
    shape = list(kernel.shape)
    index = [slice(None)] * kernel.ndim
    for a, d in zip(axes, dilation):
        shape[a] = (kernel.shape[a] - 1) * d + 1
        index[a] = slice(None, None, d)
    out = np.zeros(shape, dtype=kernel.dtype)
    out[tuple(index)] = kernel
    return out


def make_plan(
    in1: Any,
    in2: Any,
    mode: str,
    *,
    flip: bool,
    axes: Any = None,
    boundary: str = "fill",
    fillvalue: Any = 0,
    origin: Any = None,
    stride: Any = 1,
    dilation: Any = 1,
) -> Plan | np.ndarray:
    """Validate a call and return its Plan (or the answer itself for two 0-d inputs)."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if boundary not in BOUNDARIES:
        raise InputError(f"unknown boundary {boundary!r}; choose one of {', '.join(BOUNDARIES)}")
    x = _as_numeric_array(in1, "input")
    k = _as_numeric_array(in2, "kernel")
    if x.size == 0 or k.size == 0:
        raise InputError("cannot convolve an empty array")
    out_dtype = np.result_type(x, k)
    if x.ndim == 0 and k.ndim == 0:
        product = x * (np.conj(k) if not flip else k)
        return np.asarray(product, dtype=out_dtype)
    if k.ndim > x.ndim:
        raise InputError(
            f"the kernel has {k.ndim} dimensions, more than the input's {x.ndim}"
        )
    axes_t = normalise_axes(axes, x.ndim)
    if k.ndim < x.ndim:
        if k.ndim != len(axes_t):
            raise InputError(
                f"the kernel has {k.ndim} dimensions and the input {x.ndim}: pass axes= "
                f"naming the {k.ndim} input axes to convolve over"
            )
        shape = [1] * x.ndim
        for a, n in zip(axes_t, k.shape):
            shape[a] = n
        k = k.reshape(shape)
    for a in range(x.ndim):
        if a not in axes_t and x.shape[a] != k.shape[a] and 1 not in (x.shape[a], k.shape[a]):
            raise InputError(
                f"input and kernel sizes {x.shape[a]} and {k.shape[a]} on axis {a} (not "
                "convolved) must be equal or 1"
            )
    if not np.all(np.isfinite(k)):
        raise InputError("the kernel has non-finite values (NaN or inf)")
    if not np.isfinite(fillvalue):
        raise InputError(f"fillvalue must be finite, got {fillvalue!r}")
    naxes = len(axes_t)
    stride_t = per_axis(stride, naxes, "stride", 1)
    dilation_t = per_axis(dilation, naxes, "dilation", 1)
    origin_t = None if origin is None else per_axis(origin, naxes, "origin", 0)

    if mode == "valid" and origin is None and all(d == 1 for d in dilation_t):
        if _swap_needed(x, k, axes_t):
            # Convolution commutes; correlate(x, k) is convolve(x, flip(conj(k))).
            x, k = (k, x) if flip else (np.flip(np.conj(k), axis=axes_t), x)
            flip = True
    x = _broadcast_slices(x, k, axes_t)
    if origin_t is not None:
        for o, a in zip(origin_t, axes_t):
            if o >= k.shape[a]:
                raise InputError(
                    f"origin {origin_t} is outside the kernel's shape {k.shape} on axis {a}"
                )

    if flip:
        k = np.flip(k, axis=axes_t)
    elif k.dtype.kind == "c":
        k = np.conj(k)  # correlation conjugates the second operand, as scipy does
    k = _dilate(k, axes_t, dilation_t)

    pad = [(0, 0)] * x.ndim
    for i, a in enumerate(axes_t):
        size = k.shape[a]
        if mode == "full":
            pad[a] = (size - 1, size - 1)
        elif mode == "same":
            if origin_t is None:
                before = size // 2
            else:
                tap = origin_t[i] * dilation_t[i]
                before = size - 1 - tap if flip else tap
            pad[a] = (before, size - 1 - before)
        elif x.shape[a] < size:
            raise InputError(
                f"in 'valid' mode the kernel ({size} on axis {a}, dilation included) must not "
                f"be larger than the input ({x.shape[a]})"
            )

    stride_full = [1] * x.ndim
    for a, s in zip(axes_t, stride_t):
        stride_full[a] = s
    compute = _compute_dtype(out_dtype)
    return Plan(
        x=x,
        kernel=k,
        axes=axes_t,
        pad=tuple(pad),
        boundary=boundary,
        fillvalue=fillvalue,
        stride=tuple(stride_full),
        out_dtype=out_dtype,
        compute_dtype=compute,
    )


def _swap_needed(x: np.ndarray, k: np.ndarray, axes: tuple[int, ...]) -> bool:
    """scipy's 'valid' rule: one operand must be at least as large as the other on every axis,
    and the larger one plays the input."""
    if all(x.shape[a] >= k.shape[a] for a in axes):
        return False
    if all(k.shape[a] >= x.shape[a] for a in axes):
        return True
    raise InputError(
        "for 'valid' mode, one must be at least as large as the other in every dimension "
        f"(input {x.shape}, kernel {k.shape})"
    )


def _broadcast_slices(x: np.ndarray, k: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """The input broadcast on non-convolved axes where the kernel is larger (a read-only view)."""
    shape = tuple(
        n if a in axes else max(n, k.shape[a]) for a, n in enumerate(x.shape)
    )
    return x if shape == x.shape else np.broadcast_to(x, shape)


def _compute_dtype(out_dtype: np.dtype) -> np.dtype:
    if out_dtype.kind in "ui":
        return np.dtype(np.float64)
    return _COMPUTE_FLOAT.get(out_dtype, out_dtype)
