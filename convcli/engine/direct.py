"""The direct backend: the textbook sum, numpy only.

out[t] = Σ_i k[i] · xp[t·s + i], computed as one multiply-add of a shifted, strided view of
the input per non-zero kernel tap (never a Python loop over output samples). Work runs in slabs
of output rows, so the only intermediates are a slab-sized accumulator and product, and slabs are
shared between the cores. Rank-1 kernels run as one 1-D pass per axis; a lone 1-D signal uses
numpy.correlate. Integer inputs accumulate in int64: exact (modulo 2**64, as numpy's integers).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from convcli.engine import parallel
from convcli.engine.backend import Estimate, Result, strided_index
from convcli.engine.plan import Plan

# Cost constants (seconds per multiply-add, per call), measured by benchmarks/calibrate.py on the
# 2-core reference machine (see engine/auto.py).
SECONDS_PER_TAP_BYTE = 0.26e-9  # one tap's multiply-add over one byte of output, per core
SECONDS_PER_SEPARABLE_TAP_BYTE = 0.32e-9
SECONDS_PER_NUMPY_CORRELATE_MAC = 0.22e-9
SECONDS_PER_COPIED_BYTE = 0.3e-9  # the padded copy of the input
SECONDS_OVERHEAD = 20e-6
SLAB_ELEMENTS = 1 << 15
MAX_CORRELATE_LINES = 64


def _accumulator_dtype(plan: Plan) -> np.dtype:
    return np.dtype(np.int64) if plan.is_integer else plan.compute_dtype


def correlate_valid(
    xp: np.ndarray, kernel: np.ndarray, axes: tuple[int, ...], stride: tuple[int, ...],
    dtype: np.dtype,
) -> np.ndarray:
    """Strided valid correlation of ``xp`` with ``kernel`` over ``axes``, by kernel taps."""
    out_shape = tuple(
        (n - kernel.shape[a]) // stride[a] + 1 if a in axes else n
        for a, n in enumerate(xp.shape)
    )
    out = np.empty(out_shape, dtype=dtype)
    # Slabs along the longest output axis, sized to stay in cache.
    slab_axis = max(range(xp.ndim), key=lambda a: out_shape[a])
    row = max(1, out.size // out_shape[slab_axis])
    slab = max(1, SLAB_ELEMENTS // row)
    starts = list(range(0, out_shape[slab_axis], slab))
    per_slice = any(kernel.shape[a] > 1 for a in range(xp.ndim) if a not in axes)
    kernel_values = []
    for tap in itertools.product(*[range(kernel.shape[a]) if a in axes else [0]
                                   for a in range(xp.ndim)]):
        if per_slice:  # one weight per slice of the broadcast axes
            w = kernel[tuple(slice(t, t + 1) if a in axes else slice(None)
                             for a, t in enumerate(tap))].astype(dtype)
        else:
            w = dtype.type(kernel[tap])
        if np.any(w):
            kernel_values.append((tap, w))

    def run(first: int, last: int) -> None:
        tmp = None
        for start in starts[first:last]:
            stop = min(start + slab, out_shape[slab_axis])
            acc = out[(slice(None),) * slab_axis + (slice(start, stop),)]
            acc[...] = 0
            for tap, weight in kernel_values:
                w = weight
                view = []
                for a in range(xp.ndim):
                    lo, hi = (start, stop) if a == slab_axis else (0, out_shape[a])
                    offset = tap[a] if a in axes else 0
                    s = stride[a] if a in axes else 1
                    view.append(slice(offset + lo * s, offset + (hi - 1) * s + 1, s))
                src = xp[tuple(view)]
                if np.ndim(w) and w.shape[slab_axis] > 1:
                    w = w[(slice(None),) * slab_axis + (slice(start, stop),)]
                if tmp is None or tmp.shape != acc.shape:
                    tmp = np.empty(acc.shape, dtype=dtype)
                np.multiply(src, w, out=tmp, casting="unsafe")
                np.add(acc, tmp, out=acc)

    chunks = parallel.split(len(starts), parallel.THREADS)
    parallel.run_all([lambda lo=lo, hi=hi: run(lo, hi) for lo, hi in chunks])
    return out


class DirectBackend:
    name = "direct"
    description = "the textbook sum by kernel taps, numpy only; exact for integers"

    @staticmethod
    def _lines(plan: Plan) -> int | None:
        """How many 1-D lines numpy.correlate would run over (one convolved axis, one kernel
        for all lines, a few lines: the columns of a signal table), else None."""
        if len(plan.axes) != 1 or plan.per_slice_kernel:
            return None
        lines = math.prod(plan.x.shape) // plan.x.shape[plan.axes[0]]
        return lines if lines <= MAX_CORRELATE_LINES else None

    def _method(self, plan: Plan) -> tuple[str, list[np.ndarray] | None]:
        if self._lines(plan) is not None:
            return "numpy.correlate", None
        if plan.separable is not None:
            return "separable", plan.separable
        return "taps", None

    def estimate(self, plan: Plan) -> Estimate:
        method, factors = self._method(plan)
        itemsize = _accumulator_dtype(plan).itemsize
        copies = plan.needs_padding and not (
            method == "numpy.correlate" and plan.boundary == "fill" and plan.fillvalue == 0)
        seconds = SECONDS_PER_COPIED_BYTE * plan.padded_bytes if copies else 0.0
        if method == "numpy.correlate":  # one core
            axis = plan.axes[0]
            seconds += SECONDS_PER_NUMPY_CORRELATE_MAC * plan.dense_axis_length(axis) * \
                plan.taps * self._lines(plan)
        elif method == "separable":
            taps = sum(len(f) for f in factors)
            seconds += SECONDS_PER_SEPARABLE_TAP_BYTE * plan.padded_bytes * taps / \
                parallel.THREADS
        else:
            out_bytes = math.prod(plan.out_shape) * itemsize
            seconds += SECONDS_PER_TAP_BYTE * out_bytes * self._taps(plan) / parallel.THREADS
        return Estimate(SECONDS_OVERHEAD + seconds, method)

    @staticmethod
    def _correlate_lines(plan: Plan, dtype: np.dtype) -> np.ndarray:
        """numpy.correlate down each line of the one convolved axis. Zero fill needs no padded
        copy: numpy's 'full' mode is that padding, cut to the plan's samples."""
        axis = plan.axes[0]
        weights = np.conj(plan.kernel.ravel()).astype(dtype)  # numpy conjugates it back
        zero_fill = plan.boundary == "fill" and plan.fillvalue == 0
        lines = np.moveaxis(plan.x if zero_fill else plan.padded(), axis, -1)
        length = plan.dense_axis_length(axis)
        start = len(weights) - 1 - plan.pad[axis][0]
        out = None
        for index in np.ndindex(*lines.shape[:-1]):
            line = lines[index].astype(dtype, copy=False)
            dense = np.correlate(line, weights, "full")[start: start + length] if zero_fill \
                else np.correlate(line, weights)
            if not index:  # a 1-D signal: no gathering
                return dense[:: plan.stride[axis]]
            if out is None:
                out = np.empty(lines.shape[:-1] + (length,), dtype=dtype)
            out[index] = dense
        return np.moveaxis(out, -1, axis)[strided_index(plan)]

    @staticmethod
    def _taps(plan: Plan) -> int:
        """Non-zero taps (a dilated kernel's zeros cost nothing)."""
        others = tuple(a for a in range(plan.x.ndim) if a not in plan.axes)
        return int(np.count_nonzero(np.any(plan.kernel, axis=others)))

    def run(self, plan: Plan) -> Result:
        method, factors = self._method(plan)
        dtype = _accumulator_dtype(plan)
        if method == "numpy.correlate":
            return Result(self._correlate_lines(plan, dtype), method)
        xp = plan.padded()
        if method == "separable":
            values = xp
            for axis, factor in zip(plan.axes, factors):
                shape = [1] * xp.ndim
                shape[axis] = len(factor)
                values = correlate_valid(
                    values, factor.reshape(shape), (axis,), plan.stride, dtype
                )
            return Result(values, method)
        return Result(correlate_valid(xp, plan.kernel, plan.axes, plan.stride, dtype), method)
