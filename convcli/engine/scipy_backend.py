"""The scipy backend: the fastest scipy routine for each case, scipy imported only when run.

- small kernels: scipy.ndimage.correlate, which handles every boundary itself (no padded copy);
- rank-1 kernels: one scipy.ndimage.correlate1d pass per axis;
- large kernels: scipy.signal.oaconvolve (one axis much longer than the kernel) or fftconvolve.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from convcli.engine import parallel
from convcli.engine.backend import Estimate, Result
from convcli.engine.fft import EXACT_INTEGER_LIMIT, fast_length, transform_seconds
from convcli.engine.plan import Plan

NDIMAGE_MODE = {"fill": "constant", "reflect": "reflect", "mirror": "mirror",
                "nearest": "nearest", "wrap": "wrap"}
# Measured by benchmarks/calibrate.py (see engine/auto.py): seconds per multiply-add, per
# FFT point·log2, and the first import of each scipy module.
SECONDS_PER_NDIMAGE_MAC = 0.9e-9  # per core
NDIMAGE_OVERHEAD = 0.3e-3  # seconds: threads and slabs
SECONDS_PER_NDIMAGE_1D_MAC = 0.45e-9
IMPORT_SECONDS = {"scipy.ndimage": 0.2, "scipy.signal": 0.6}


def _import_cost(module: str) -> float:
    return 0.0 if module in sys.modules else IMPORT_SECONDS[module]


def _correlate1d(values: np.ndarray, weights: np.ndarray, axis: int, mode: str, cval,
                 origin: int, out_type: np.dtype) -> np.ndarray:
    """ndimage.correlate1d, the lines split between the cores (they are independent)."""
    from scipy import ndimage

    others = [a for a in range(values.ndim) if a != axis]
    if parallel.THREADS == 1 or not others or values.size < (1 << 16):
        return ndimage.correlate1d(values, weights, axis=axis, mode=mode, cval=cval,
                                   origin=origin, output=out_type)
    split_axis = max(others, key=lambda a: values.shape[a])
    out = np.empty(values.shape, dtype=out_type)

    def piece(lo: int, hi: int) -> None:
        index = (slice(None),) * split_axis + (slice(lo, hi),)
        ndimage.correlate1d(values[index], weights, axis=axis, mode=mode, cval=cval,
                            origin=origin, output=out[index])

    parallel.run_all([lambda lo=lo, hi=hi: piece(lo, hi)
                      for lo, hi in parallel.split(values.shape[split_axis], parallel.THREADS)])
    return out


def _same_like(plan: Plan) -> bool:
    """Whether every axis pads K−1 in all (ndimage's own output size), not full mode."""
    return all(sum(plan.pad[a]) == plan.kernel.shape[a] - 1 for a in plan.axes)


class ScipyBackend:
    name = "scipy"
    description = "scipy.ndimage for small and separable kernels, scipy.signal oa/fftconvolve"

    def _method(self, plan: Plan) -> tuple[str, list[np.ndarray] | None]:
        if plan.per_slice_kernel:
            return "signal", None
        factors = plan.separable
        if factors is not None:
            return "ndimage.correlate1d", factors
        taps = plan.taps
        out = math.prod(plan.out_shape)
        fft = self._fft_estimate(plan)
        nd = SECONDS_PER_NDIMAGE_MAC * math.prod(plan.x.shape) * taps / parallel.THREADS
        return ("ndimage.correlate" if nd <= fft or out < 64 else "signal"), None

    @staticmethod
    def _fft_estimate(plan: Plan) -> float:
        """scipy.signal's FFT convolutions: scipy.fft speed on one core (no workers)."""
        points = 1.0
        for a in range(plan.x.ndim):
            n = plan.x.shape[a] + sum(plan.pad[a])
            points *= fast_length(n + plan.kernel.shape[a] - 1) if a in plan.axes else n
        return 0.7 * transform_seconds(points, plan.compute_dtype, scipy_fft=True, threads=1)

    def estimate(self, plan: Plan) -> Estimate | None:
        if plan.is_integer and plan.integer_bound() >= EXACT_INTEGER_LIMIT:
            return None
        method, factors = self._method(plan)
        size = math.prod(n + sum(p) for n, p in zip(plan.x.shape, plan.pad))
        if method == "ndimage.correlate1d":
            seconds = SECONDS_PER_NDIMAGE_1D_MAC * size * sum(len(f) for f in factors)
            seconds = seconds / parallel.THREADS + NDIMAGE_OVERHEAD
            seconds += _import_cost("scipy.ndimage")
        elif method == "ndimage.correlate":
            seconds = SECONDS_PER_NDIMAGE_MAC * size * plan.taps / parallel.THREADS
            seconds += NDIMAGE_OVERHEAD + _import_cost("scipy.ndimage")
        else:
            seconds = self._fft_estimate(plan) + _import_cost("scipy.signal")
        return Estimate(seconds + 50e-6, method, spreads_nonfinite=method == "signal")

    def run(self, plan: Plan) -> Result:
        method, factors = self._method(plan)
        if method == "signal":
            return self._signal(plan)
        if plan.batch_axes:  # ndimage is slow on interleaved channels: one slice at a time
            out = np.empty(plan.out_shape, dtype=plan.compute_dtype)
            for index, part in plan.slices():
                out[index] = self.run(part).values
            return Result(out, method)

        mode = NDIMAGE_MODE[plan.boundary]
        same = _same_like(plan)
        x = plan.x if same else plan.padded()
        out_type = plan.compute_dtype
        if method == "ndimage.correlate1d":
            values = x
            for axis, factor in zip(plan.axes, factors):
                k = len(factor)
                origin = plan.pad[axis][0] - k // 2 if same else 0
                values = _correlate1d(values, np.conj(factor), axis, mode, plan.fillvalue,
                                      origin, out_type)
                values = self._crop_axis(values, plan, axis, same)
            return Result(values, method)
        origins = [plan.pad[a][0] - plan.kernel.shape[a] // 2 if same else 0
                   for a in range(plan.x.ndim)]
        values = self._ndimage_parallel(x, plan, mode, origins, out_type)
        for axis in plan.axes:
            values = self._crop_axis(values, plan, axis, same)
        return Result(values, method)

    @staticmethod
    def _ndimage_parallel(x, plan, mode, origins, out_type):
        """ndimage.correlate in slabs along the first axis, one per core."""
        from scipy import ndimage

        weights = np.conj(plan.kernel)  # ndimage conjugates complex weights; ours already are

        axis = 0
        k = plan.kernel.shape[axis]
        n = x.shape[axis]
        if parallel.THREADS == 1 or mode == "wrap" or n < 4 * k or x.size < (1 << 16):
            return ndimage.correlate(x, weights, mode=mode,
                                     cval=plan.fillvalue, origin=origins, output=out_type)
        out = np.empty(x.shape, dtype=out_type)
        centre = k // 2 + origins[axis]
        before, after = centre, k - 1 - centre

        def slab(lo: int, hi: int) -> None:
            # Rows [lo, hi) need input rows [lo-before, hi+after); the edges use the boundary.
            src_lo, src_hi = max(0, lo - before), min(n, hi + after)
            part = ndimage.correlate(x[src_lo:src_hi], weights, mode=mode,
                                     cval=plan.fillvalue, origin=origins, output=out_type)
            out[lo:hi] = part[lo - src_lo: lo - src_lo + (hi - lo)]

        parallel.run_all([lambda lo=lo, hi=hi: slab(lo, hi)
                          for lo, hi in parallel.split(n, parallel.THREADS)])
        return out

    @staticmethod
    def _crop_axis(values: np.ndarray, plan: Plan, axis: int, same: bool) -> np.ndarray:
        """ndimage's same-size output → the plan's samples on one axis (valid part, stride)."""
        k = plan.kernel.shape[axis]
        start = 0 if same else k // 2
        stop = start + plan.dense_axis_length(axis)
        index = [slice(None)] * values.ndim
        index[axis] = slice(start, stop, plan.stride[axis])
        return values[tuple(index)]

    @staticmethod
    def _signal(plan: Plan) -> Result:
        from scipy import signal

        fill_free = plan.boundary == "fill" and plan.fillvalue == 0
        x = (plan.x if fill_free else plan.padded()).astype(plan.compute_dtype, copy=False)
        kf = np.flip(plan.kernel, axis=plan.axes).astype(plan.compute_dtype)
        long_axis = any(x.shape[a] > 8 * kf.shape[a] for a in plan.axes)
        fn = signal.oaconvolve if long_axis else signal.fftconvolve
        full = fn(x, kf, mode="full", axes=plan.axes)
        index = []
        for a in range(x.ndim):
            if a in plan.axes:
                k = plan.kernel.shape[a]
                start = k - 1 - (plan.pad[a][0] if fill_free else 0)
                index.append(slice(start, start + plan.dense_axis_length(a), plan.stride[a]))
            else:
                index.append(slice(None))
        return Result(full[tuple(index)].astype(plan.compute_dtype, copy=False),
                      f"signal.{fn.__name__}")
