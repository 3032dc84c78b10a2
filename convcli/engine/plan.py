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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from convcli.engine.names import BOUNDARIES, MODES
from convcli.errors import InputError
from convcli.settings import check_memory

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
EXACT_INTEGER_LIMIT = 2.0**52  # integers in float64 are exact below this
# The Plan properties that read the arrays' values; every other one depends on the geometry
# alone. Backends price a plan from these and the geometry only, so a choice made for one call
# holds for another of the same geometry where these are the same (convcli.engine.decisions).
VALUE_PROPERTIES = ("nonzero_taps", "separable_taps", "exact_in_float")
KERNEL_PROPERTIES = ("nonzero_taps", "separable_taps")  # those of them the kernel alone decides


class cached_property:  # noqa: N801 (named as functools' own)
    """functools.cached_property without its lock (Python 3.11 takes one on every first read:
    1 µs, a fifth of a small call's planning): computed on first read into the instance's
    dict, which then answers (a plan is built and read by one thread)."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func, self.name, self.__doc__ = func, func.__name__, func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


def pad_array(values: np.ndarray, pad: Any, boundary: str, fillvalue: Any) -> np.ndarray:
    """``values`` extended by ``pad`` = ((before, after), …) under a boundary rule: the one
    padding copy of the engine (the in-memory plan, chunked blocks and streams use it)."""
    mode = NUMPY_PAD_MODE[boundary]
    if mode == "constant":
        return np.pad(values, pad, mode=mode, constant_values=fillvalue)
    return np.pad(values, pad, mode=mode)


@dataclass(frozen=True)
class Plan:
    """A valid correlation of ``x`` padded by ``pad`` with ``kernel``, strided by ``stride``.

    ``x`` and the kernel have the same number of dimensions; on axes not in ``axes`` the
    kernel has size 1 or the size of ``x`` (one kernel per slice, as fftconvolve broadcasts).
    ``weights`` are the kernel's taps in correlation order before dilation; ``kernel`` is the
    dense dilated kernel, built only when a method asks for it. ``swapped``: scipy's 'valid'
    rule made the kernel play the input. ``scalar``: two 0-d operands (the answer is 0-d).
    """

    x: np.ndarray
    weights: np.ndarray
    dilation: tuple[int, ...]
    axes: tuple[int, ...]
    pad: tuple[tuple[int, int], ...]
    boundary: str
    fillvalue: Any
    stride: tuple[int, ...]
    out_dtype: np.dtype
    compute_dtype: np.dtype
    swapped: bool = False
    scalar: bool = False

    @cached_property
    def kernel_shape(self) -> tuple[int, ...]:
        """The dilated kernel's shape."""
        return tuple((n - 1) * d + 1 for n, d in zip(self.weights.shape, self.dilation))

    @cached_property
    def kernel(self) -> np.ndarray:
        """The dense kernel, dilation's zeros included (allocated on first use)."""
        if all(d == 1 for d in self.dilation):
            return self.weights
        check_memory(math.prod(self.kernel_shape) * self.weights.itemsize,
                     f"the kernel dilated to {self.kernel_shape}")
        out = np.zeros(self.kernel_shape, dtype=self.weights.dtype)
        out[tuple(slice(None, None, d) for d in self.dilation)] = self.weights
        return out

    @cached_property
    def out_shape(self) -> tuple[int, ...]:
        shape = []
        for a, n in enumerate(self.x.shape):
            if a in self.axes:
                shape.append((self.dense_axis_length(a) - 1) // self.stride[a] + 1)
            else:
                shape.append(n)
        return tuple(shape)

    @property
    def is_integer(self) -> bool:
        return self.out_dtype.kind in "ui"

    @cached_property
    def needs_padding(self) -> bool:
        return any(b or a for b, a in self.pad)

    @property
    def zero_fill(self) -> bool:
        """True when the padding is zeros (or none): methods whose own zero padding is the
        boundary rule (numpy.correlate's 'full', an FFT) need no padded copy."""
        return not self.needs_padding or (self.boundary == "fill" and self.fillvalue == 0)

    @cached_property
    def finite(self) -> bool:
        """True when the input has no NaN or inf (an FFT would spread one over the output)."""
        return all_finite(self.x)

    @cached_property
    def taps(self) -> int:
        """Taps of the dense kernel on the convolved axes."""
        return math.prod(self.kernel_shape[a] for a in self.axes)

    @cached_property
    def nonzero_taps(self) -> int:
        """Non-zero taps (a dilated kernel's zeros cost nothing)."""
        if len(self.axes) == self.x.ndim:  # every axis convolved (no generator: 0.4 µs)
            return int(np.count_nonzero(self.weights))
        others = tuple(a for a in range(self.x.ndim) if a not in self.axes)
        return int(np.count_nonzero(np.any(self.weights, axis=others)))

    @cached_property
    def per_slice_kernel(self) -> bool:
        """True when the kernel differs along a broadcast (non-convolved) axis."""
        return any(self.weights.shape[a] > 1 for a in range(self.x.ndim) if a not in self.axes)

    @cached_property
    def separable_weights(self) -> list[np.ndarray] | None:
        """The kernel's 1-D factors, one per convolved axis, before dilation, when it is rank 1
        and the result is not integer (exact integer sums need the taps themselves)."""
        if not self.may_separate:
            return None
        w = self.weights
        if w.size > _FACTORED_SIZE:
            from convcli.engine.separable import separable_factors

            return separable_factors(w, self.axes)
        factors = _factors(w.tobytes(), w.shape, w.dtype.str, self.axes)
        return None if factors is None else list(factors)

    @property
    def may_separate(self) -> bool:
        """Whether the geometry lets a kernel be split (not an integer result, long on two
        convolved axes at least): else :attr:`separable_weights` is None whatever the values."""
        return not self.is_integer and sum(self.weights.shape[a] > 1 for a in self.axes) >= 2

    @cached_property
    def separable_taps(self) -> tuple[int, ...] | None:
        """Non-zero taps of each factor of :attr:`separable_weights`, or None: all that pricing
        reads of a rank-1 kernel."""
        factors = self.separable_weights
        return None if factors is None else tuple(int(np.count_nonzero(f)) for f in factors)

    @cached_property
    def exact_in_float(self) -> bool:
        """False when an integer result could reach 2**52, where float arithmetic (an FFT,
        scipy) would round it: only the direct backend's int64 sums are exact then."""
        return not self.is_integer or self.integer_bound() < EXACT_INTEGER_LIMIT

    @cached_property
    def separable(self) -> list[np.ndarray] | None:
        """The dense kernel's 1-D factors (dilated), or None (see :attr:`separable_weights`)."""
        factors = self.separable_weights
        if factors is None:
            return None
        dilations = [self.dilation[a] for a in self.axes]
        return [_dilate_line(f, d) for f, d in zip(factors, dilations)]

    def along(self, axis: int, x: np.ndarray, factor: np.ndarray) -> Plan:
        """The plan of one 1-D pass of a separable kernel: ``factor`` (undilated) along
        ``axis`` of ``x``, with this plan's padding, stride and dilation on that axis only."""
        shape = [1] * x.ndim
        shape[axis] = len(factor)
        only = [a == axis for a in range(x.ndim)]
        return replace(self, x=x, weights=factor.reshape(shape), axes=(axis,),
                       pad=tuple(p if o else (0, 0) for p, o in zip(self.pad, only)),
                       stride=tuple(s if o else 1 for s, o in zip(self.stride, only)),
                       dilation=tuple(d if o else 1 for d, o in zip(self.dilation, only)))

    @cached_property
    def padded_shape(self) -> tuple[int, ...]:
        return tuple(n + sum(p) for n, p in zip(self.x.shape, self.pad))

    @cached_property
    def padded_bytes(self) -> int:
        """Size of the padded copy of the input some methods make."""
        return math.prod(self.padded_shape) * self.compute_dtype.itemsize

    @property
    def batch_axes(self) -> tuple[int, ...]:
        """The broadcast (non-convolved) axes."""
        return tuple(a for a in range(self.x.ndim) if a not in self.axes)

    @property
    def interleaved_channels(self) -> bool:
        """A shared kernel over a last, broadcast axis (an RGB image's channels)."""
        batch = self.batch_axes
        return bool(batch) and not self.per_slice_kernel and batch[-1] == self.x.ndim - 1

    def slices(self) -> Iterator[tuple[tuple, Plan]]:
        """(index into the output, plan) for each slice of the batch axes, each slice a
        contiguous copy: an RGB image's channels one by one. Needs a shared kernel."""
        batch = self.batch_axes
        keep = [a for a in range(self.x.ndim) if a not in batch]
        weights = self.weights[tuple(0 if a in batch else slice(None)
                                     for a in range(self.x.ndim))]
        for position in np.ndindex(*[self.x.shape[a] for a in batch]):
            index = [slice(None)] * self.x.ndim
            for a, i in zip(batch, position):
                index[a] = i
            yield tuple(index), replace(
                self, x=np.ascontiguousarray(self.x[tuple(index)]), weights=weights,
                dilation=tuple(self.dilation[a] for a in keep),
                axes=tuple(range(len(keep))), pad=tuple(self.pad[a] for a in keep),
                stride=tuple(self.stride[a] for a in keep))

    def by_slice(self, compute: Callable[[Plan], np.ndarray]) -> np.ndarray:
        """``compute`` run on each slice of the batch axes (see :meth:`slices`), assembled."""
        out = np.empty(self.out_shape, dtype=self.compute_dtype)
        for index, part in self.slices():
            out[index] = compute(part)
        return out

    def padded(self) -> np.ndarray:
        """The input extended by the boundary rule (a copy; ``x`` itself when no padding)."""
        if not self.needs_padding:
            return self.x
        check_memory(self.padded_bytes, f"the input padded to {self.padded_shape}")
        return pad_array(self.x, self.pad, self.boundary, self.fillvalue)

    def crop_full(self, full: np.ndarray, padded: bool) -> np.ndarray:
        """The plan's samples of a full linear convolution of the input (``padded``: of the
        padded input) with the flipped kernel: the valid part, shifted by the padding, strided."""
        index = []
        for a in range(full.ndim):
            if a in self.axes:
                start = self.kernel_shape[a] - 1 - (0 if padded else self.pad[a][0])
                index.append(slice(start, start + self.dense_axis_length(a), self.stride[a]))
            else:
                index.append(slice(None))
        return full[tuple(index)]

    def integer_bound(self) -> float:
        """An upper bound of |result| for integer inputs (exactness of float arithmetic)."""
        xmax = float(np.max(np.abs(self.x))) if self.x.size else 0.0
        if self.boundary == "fill":
            xmax = max(xmax, abs(self.fillvalue))
        return xmax * float(np.sum(np.abs(self.weights)))

    def dense_axis_length(self, axis: int) -> int:
        return self.x.shape[axis] + sum(self.pad[axis]) - self.kernel_shape[axis] + 1


_sum = np.add.reduce  # the ufunc itself: no Python wrapper

# Kernels up to this many taps have their factors cached by value: an SVD costs more than a
# small convolution, and a program calls with the same kernel again and again.
_FACTORED_SIZE = 4096


@lru_cache(maxsize=64)
def _factors(raw: bytes, shape: tuple[int, ...], dtype: str, axes: tuple[int, ...]
             ) -> tuple[np.ndarray, ...] | None:
    """:func:`~convcli.engine.separable.separable_factors` of a small kernel, read-only."""
    from convcli.engine.separable import separable_factors

    factors = separable_factors(np.frombuffer(raw, dtype=dtype).reshape(shape), axes)
    if factors is None:
        return None
    for f in factors:
        f.setflags(write=False)
    return tuple(factors)


def _dilate_line(factor: np.ndarray, d: int) -> np.ndarray:
    if d == 1:
        return factor
    out = np.zeros((len(factor) - 1) * d + 1, dtype=factor.dtype)
    out[::d] = factor
    return out


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


@dataclass(frozen=True)
class Geometry:
    """What a call's shapes, dtypes and options decide (cached): no array values."""

    axes: tuple[int, ...]
    kernel_shape: tuple[int, ...]  # the kernel reshaped to the input's dimensions
    swapped: bool
    flip: bool  # flip the (possibly swapped) kernel
    x_shape: tuple[int, ...]  # the input broadcast on non-convolved axes
    dilation: tuple[int, ...]
    stride: tuple[int, ...]
    pad: tuple[tuple[int, int], ...]
    out_dtype: np.dtype
    compute_dtype: np.dtype
    flip_index: tuple[slice, ...]  # reverses the convolved axes
    fields: dict[str, Any]  # the Plan's fields and shape properties but the arrays' own
    scalar: bool  # two 0-d operands
    convolution: bool  # the call's flip (a swap may flip a correlation's kernel too)

    def operands(self, x: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The plan's input and kernel (correlation order) from a call's validated operands."""
        if k.shape != self.kernel_shape:
            k = k.reshape(self.kernel_shape)
        if self.swapped:  # convolution commutes; correlate(x, k) is convolve(x, flip(conj(k)))
            x, k = (k, x) if self.convolution else (np.conj(k)[self.flip_index], x)
        if x.shape != self.x_shape:
            x = x.reshape(self.x_shape) if self.scalar else np.broadcast_to(x, self.x_shape)
        return x, self.in_correlation_order(k)

    def in_correlation_order(self, k: np.ndarray) -> np.ndarray:
        """The plan's kernel from the (swapped, reshaped) kernel operand: flipped for a
        convolution, conjugated for a complex correlation (scipy's rule)."""
        if self.flip:
            return k[self.flip_index]
        return np.conj(k) if k.dtype.kind == "c" else k

    def kernel_operand(self, k: np.ndarray) -> np.ndarray:
        """The plan's kernel from a call's kernel, when it is not swapped with the input."""
        if k.shape != self.kernel_shape:
            k = k.reshape(self.kernel_shape)
        return self.in_correlation_order(k)

    def plan(self, x: np.ndarray, k: np.ndarray, boundary: str, fillvalue: Any,
             weights: np.ndarray | None = None) -> Plan:
        """The Plan of a call of this geometry on its validated operands: no checks, no
        pricing, the shapes filled in (a repeated call's plan, in about a microsecond).
        ``weights``: the kernel operand already made (:meth:`kernel_operand`), for an ``x``
        of the plan's shape."""
        if weights is None:
            x, weights = self.operands(x, k)
        plan = object.__new__(Plan)  # the frozen dataclass's fields, set as __init__ would
        vars(plan).update(self.fields, x=x, weights=weights, boundary=boundary,
                          fillvalue=fillvalue)
        return plan


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
    swap: bool = True,
    budget: bool = True,
) -> Plan:
    """Validate a call and return its Plan.

    The geometry depends only on shapes, dtypes and options and is cached; the values are
    checked (a finite kernel and fill value) on every call. ``swap=False`` refuses a 'valid'
    call whose kernel is larger than the input instead of swapping them as scipy does.
    ``budget``: refuse a call whose output and padded input exceed the memory budget
    (:func:`convcli.settings.check_memory`); off for work done piece by piece (Dask, streams).
    """
    x = in1 if type(in1) is np.ndarray else _as_numeric_array(in1, "input")
    k = in2 if type(in2) is np.ndarray else _as_numeric_array(in2, "kernel")
    geometry = call_geometry(x, k, mode, flip, axes, boundary, origin, stride, dilation, swap,
                        budget)
    if not (fillvalue == 0 or np.isfinite(fillvalue)):
        raise InputError(f"fillvalue must be finite, got {fillvalue!r}")
    check_kernel_values(k)
    return geometry.plan(x, k, boundary, fillvalue)


def check_kernel_values(k: np.ndarray) -> None:
    """Refuse a kernel with NaN or inf weights (the one value check of every call)."""
    if k.size <= SHORT_KERNEL and k.dtype.kind == "f":
        # A short kernel's sum in Python floats: no ufunc call, and an overflow is inf
        # without a warning (then each value is looked at).
        if math.isfinite(sum(k.ravel().tolist())):
            return
    if not all_finite(k):
        raise InputError("the kernel has non-finite values (NaN or inf)")


_TESTED_ONE_BY_ONE = 1 << 16  # all_finite tests smaller arrays value by value (a bool copy)
SHORT_KERNEL = 64  # taps summed in Python by check_kernel_values (faster than a ufunc)


def all_finite(values: np.ndarray) -> bool:
    """True when no value is NaN or inf: the sum is finite unless one is (or unless it
    overflows: then look at each). No BLAS call (vdot's threads stall on a busy machine)."""
    if values.dtype.kind not in "fc":
        return True
    if values.size <= _TESTED_ONE_BY_ONE:  # no errstate (it costs more than a small test)
        return bool(np.isfinite(values).all())
    with np.errstate(over="ignore", invalid="ignore"):
        total = _sum(values, axis=None)
    return bool(np.isfinite(total)) or bool(np.all(np.isfinite(values)))


def call_geometry(x: np.ndarray, k: np.ndarray, mode: str, flip: bool, axes: Any = None,
                  boundary: str = "fill", origin: Any = None, stride: Any = 1,
                  dilation: Any = 1, swap: bool = True, budget: bool = True) -> Geometry:
    """The cached geometry of a call on validated arrays (see :func:`make_plan`): what its
    shapes, dtypes and options decide, the option checks and the memory check included."""
    key = (x.shape, x.dtype, k.shape, k.dtype, mode, flip, _key(axes), boundary,
           _key(origin), _key(stride), _key(dilation), swap, budget)
    try:
        return _geometry(*key)
    except TypeError:  # an option that cannot be a cache key: plan it uncached
        return _geometry.__wrapped__(*key)


def _key(value: Any) -> Any:
    """An option as a cache key: scalars as they are, sequences as tuples."""
    if value is None or isinstance(value, (int, float, str)):
        return value
    return value.item() if np.ndim(value) == 0 else tuple(_key(v) for v in value)


@lru_cache(maxsize=256, typed=True)  # typed: stride=2.0 is refused even after stride=2
def _geometry(x_shape, x_dtype, k_shape, k_dtype, mode, flip, axes, boundary, origin, stride,
              dilation, swap, budget) -> Geometry:
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if boundary not in BOUNDARIES:
        raise InputError(f"unknown boundary {boundary!r}; choose one of {', '.join(BOUNDARIES)}")
    for what, dtype in (("input", x_dtype), ("kernel", k_dtype)):
        if dtype.kind not in "uifc":
            raise InputError(f"{what} must be an array of numbers, got dtype {dtype}")
    if math.prod(x_shape) == 0 or math.prod(k_shape) == 0:
        raise InputError("cannot convolve an empty array")
    out_dtype = np.result_type(x_dtype, k_dtype)
    scalar = not x_shape
    convolution = flip
    if not x_shape and not k_shape:  # two scalars: a 1-sample convolution
        x_shape = k_shape = (1,)
    ndim = len(x_shape)
    if len(k_shape) > ndim:
        raise InputError(
            f"the kernel has {len(k_shape)} dimensions, more than the input's {ndim}"
        )
    axes_t = normalise_axes(axes, ndim)
    if len(k_shape) < ndim:
        if len(k_shape) != len(axes_t):
            raise InputError(
                f"the kernel has {len(k_shape)} dimensions and the input {ndim}: pass axes= "
                f"naming the {len(k_shape)} input axes to convolve over"
            )
        shape = [1] * ndim
        for a, n in zip(axes_t, k_shape):
            shape[a] = n
        k_shape = tuple(shape)
    for a in range(ndim):
        if a not in axes_t and x_shape[a] != k_shape[a] and 1 not in (x_shape[a], k_shape[a]):
            raise InputError(
                f"input and kernel sizes {x_shape[a]} and {k_shape[a]} on axis {a} (not "
                "convolved) must be equal or 1"
            )
    naxes = len(axes_t)
    stride_t = per_axis(stride, naxes, "stride", 1)
    dilation_t = per_axis(dilation, naxes, "dilation", 1)
    origin_t = None if origin is None else per_axis(origin, naxes, "origin", 0)

    swapped = False
    kernel_shape = k_shape
    if mode == "valid" and origin is None and all(d == 1 for d in dilation_t):
        swapped = _swap_needed(x_shape, k_shape, axes_t)
        if swapped and not swap:
            _check_fits(x_shape, k_shape, axes_t, dilation_t)
        if swapped:
            x_shape, k_shape = k_shape, x_shape
            flip = True
    x_shape = tuple(n if a in axes_t else max(n, k_shape[a]) for a, n in enumerate(x_shape))
    if origin_t is not None:
        for o, a in zip(origin_t, axes_t):
            if o >= k_shape[a]:
                raise InputError(
                    f"origin {origin_t} is outside the kernel's shape {k_shape} on axis {a}"
                )
    dilation_full = [1] * ndim
    stride_full = [1] * ndim
    for a, s, d in zip(axes_t, stride_t, dilation_t):
        stride_full[a], dilation_full[a] = s, d
    pad = [(0, 0)] * ndim
    for i, a in enumerate(axes_t):
        size = (k_shape[a] - 1) * dilation_t[i] + 1
        if mode == "full":
            pad[a] = (size - 1, size - 1)
        elif mode == "same":
            if origin_t is None:
                before = size // 2
            else:
                tap = origin_t[i] * dilation_t[i]
                before = size - 1 - tap if flip else tap
            pad[a] = (before, size - 1 - before)
    if mode == "valid":
        _check_fits(x_shape, k_shape, axes_t, dilation_t)
    compute = _compute_dtype(out_dtype)
    out_elements = math.prod(
        n + sum(pad[a]) - (k_shape[a] - 1) * dilation_full[a] if a in axes_t else n
        for a, n in enumerate(x_shape))
    padded_elements = math.prod(n + sum(p) for n, p in zip(x_shape, pad))
    if budget:
        check_memory((2 * out_elements + padded_elements) * compute.itemsize,
                     f"{'convolving' if flip else 'correlating'} {x_shape} with a kernel of "
                     f"{tuple((n - 1) * d + 1 for n, d in zip(k_shape, dilation_full))} in "
                     f"'{mode}' mode (the padded input, the output and one intermediate "
                     "of its size)")
    stand_in = Plan(x=np.broadcast_to(np.zeros((), compute), x_shape),
                    weights=np.broadcast_to(np.zeros((), compute), k_shape),
                    dilation=tuple(dilation_full), axes=axes_t, pad=tuple(pad),
                    boundary=boundary, fillvalue=0, stride=tuple(stride_full),
                    out_dtype=out_dtype, compute_dtype=compute, swapped=swapped, scalar=scalar)
    fields = {name: getattr(stand_in, name) for name in _FIELDS + _DERIVED}
    return Geometry(axes=axes_t, kernel_shape=kernel_shape, swapped=swapped, flip=flip,
                     x_shape=x_shape, dilation=tuple(dilation_full),
                     stride=tuple(stride_full), pad=tuple(pad), out_dtype=out_dtype,
                     compute_dtype=compute,
                     flip_index=tuple(slice(None, None, -1) if a in axes_t else slice(None)
                                      for a in range(ndim)),
                     fields=fields, scalar=scalar, convolution=convolution)


# Plan fields (but the arrays, boundary and fill value) and properties that depend on the
# geometry alone: computed once per geometry, copied into each of its plans.
_FIELDS = ("dilation", "axes", "pad", "stride", "out_dtype", "compute_dtype", "swapped",
           "scalar")
_DERIVED = ("kernel_shape", "out_shape", "needs_padding", "taps", "per_slice_kernel",
            "padded_shape", "padded_bytes")


def _check_fits(x_shape, k_shape, axes, dilation) -> None:
    """'valid' mode: the (dilated) kernel must fit inside the input on every convolved axis."""
    for a, d in zip(axes, dilation):
        size = (k_shape[a] - 1) * d + 1
        if x_shape[a] < size:
            raise InputError(
                f"in 'valid' mode the kernel ({size} on axis {a}, dilation included) must not "
                f"be larger than the input ({x_shape[a]})")


def _swap_needed(x_shape, k_shape, axes: tuple[int, ...]) -> bool:
    """scipy's 'valid' rule: one operand must be at least as large as the other on every axis,
    and the larger one plays the input."""
    if all(x_shape[a] >= k_shape[a] for a in axes):
        return False
    if all(k_shape[a] >= x_shape[a] for a in axes):
        return True
    raise InputError(
        "for 'valid' mode, one must be at least as large as the other in every dimension "
        f"(input {x_shape}, kernel {k_shape})"
    )


def _compute_dtype(out_dtype: np.dtype) -> np.dtype:
    if out_dtype.kind in "ui":
        return np.dtype(np.float64)
    return _COMPUTE_FLOAT.get(out_dtype, out_dtype)
