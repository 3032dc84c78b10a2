"""The scipy backend: the fastest scipy routine for each case, scipy imported only when run.

- small kernels: scipy.ndimage.correlate, which handles every boundary itself (no padded copy);
- rank-1 kernels: one scipy.ndimage.correlate1d pass per axis;
- large kernels: scipy.signal.oaconvolve (one axis much longer than the kernel) or fftconvolve.
"""

from __future__ import annotations

import math

import numpy as np

from convcli import parallel
from convcli.engine.backends.base import Method
from convcli.engine.backends.costs import cost, fft_seconds, import_seconds
from convcli.engine.backends.fft import block_length, fast_length
from convcli.engine.plan import Plan
from convcli.errors import BackendError

NDIMAGE_MODE = {"fill": "constant", "reflect": "reflect", "mirror": "mirror",
                "nearest": "nearest", "wrap": "wrap"}
LONG_AXIS = 8  # n-D kernels: oaconvolve when an axis is this many times the kernel


def _correlate1d(values: np.ndarray, weights: np.ndarray, axis: int, mode: str, cval,
                 origin: int, out_type: np.dtype) -> np.ndarray:
    """ndimage.correlate1d, the lines split between the cores (they are independent)."""
    from scipy import ndimage

    others = [a for a in range(values.ndim) if a != axis]
    if parallel.threads() == 1 or not others or values.size < (1 << 16):
        return ndimage.correlate1d(values, weights, axis=axis, mode=mode, cval=cval,
                                   origin=origin, output=out_type)
    split_axis = max(others, key=lambda a: values.shape[a])
    out = np.empty(values.shape, dtype=out_type)

    def piece(lo: int, hi: int) -> None:
        index = (slice(None),) * split_axis + (slice(lo, hi),)
        ndimage.correlate1d(values[index], weights, axis=axis, mode=mode, cval=cval,
                            origin=origin, output=out[index])

    parallel.run_all([lambda lo=lo, hi=hi: piece(lo, hi)
                      for lo, hi in parallel.split(values.shape[split_axis], parallel.threads())])
    return out


def _same_like(plan: Plan) -> bool:
    """Whether every axis pads K−1 in all (ndimage's own output size), not full mode."""
    return all(sum(plan.pad[a]) == plan.kernel_shape[a] - 1 for a in plan.axes)


class ScipyBackend:
    """scipy.ndimage for small and separable kernels, scipy.signal oa/fftconvolve."""

    name = "scipy"

    @staticmethod
    def floor(plan: Plan) -> float:
        return cost("scipy_call")

    def estimate(self, plan: Plan) -> Method:
        if not plan.exact_in_float:
            raise BackendError("the integer result is too large for exact scipy arithmetic; "
                               "use the direct backend", option="backend", value="direct")
        size = math.prod(plan.padded_shape)
        threads = parallel.threads()
        signal = Method.on(plan, "scipy:signal", cost("scipy_call") + cost("signal_call") +
                           self._fft_seconds(plan) + import_seconds("scipy.signal"),
                           self._signal, spreads_nonfinite=True)
        if plan.per_slice_kernel:
            return signal
        if plan.separable_taps is not None:
            taps = sum(plan.kernel_shape[a] for a in plan.axes)
            seconds = cost("ndimage_1d_mac") * size * taps / threads
            return Method.on(plan, "scipy:ndimage.correlate1d", cost("scipy_call") + seconds +
                             cost("ndimage_call") + import_seconds("scipy.ndimage"),
                             lambda p: self._ndimage(p, p.separable))
        nd = cost("ndimage_mac") * math.prod(plan.x.shape) * plan.taps / threads
        if nd <= self._fft_seconds(plan) or math.prod(plan.out_shape) < 64:
            seconds = cost("ndimage_mac") * size * plan.taps / threads
            return Method.on(plan, "scipy:ndimage.correlate", cost("scipy_call") + seconds +
                             cost("ndimage_call") + import_seconds("scipy.ndimage"),
                             lambda p: self._ndimage(p, None))
        return signal

    @staticmethod
    def _fft_seconds(plan: Plan) -> float:
        """scipy.signal's FFT convolutions: scipy.fft speed on one core (no workers)."""
        points = 1.0
        for a in range(plan.x.ndim):
            n = plan.x.shape[a] + sum(plan.pad[a])
            points *= fast_length(n + plan.kernel_shape[a] - 1) if a in plan.axes else n
        return cost("signal_fft_factor") * fft_seconds(points, plan.compute_dtype,
                                                       scipy_fft=True, threads=1)

    def _ndimage(self, plan: Plan, factors: list[np.ndarray] | None) -> np.ndarray:
        if plan.batch_axes:  # ndimage is slow on interleaved channels: one slice at a time
            return plan.by_slice(lambda part: self._ndimage(part, part.separable
                                                           if factors is not None else None))
        mode = NDIMAGE_MODE[plan.boundary]
        same = _same_like(plan)
        x = plan.x if same else plan.padded()
        out_type = plan.compute_dtype
        if factors is not None:
            values = x
            for axis, factor in zip(plan.axes, factors):
                k = len(factor)
                origin = plan.pad[axis][0] - k // 2 if same else 0
                values = _correlate1d(values, np.conj(factor), axis, mode, plan.fillvalue,
                                      origin, out_type)
                values = self._crop_axis(values, plan, axis, same)
            return values
        origins = [plan.pad[a][0] - plan.kernel_shape[a] // 2 if same else 0
                   for a in range(plan.x.ndim)]
        values = self._ndimage_parallel(x, plan, mode, origins, out_type)
        for axis in plan.axes:
            values = self._crop_axis(values, plan, axis, same)
        return values

    @staticmethod
    def _ndimage_parallel(x, plan, mode, origins, out_type):
        """ndimage.correlate in slabs along the first axis, one per core."""
        from scipy import ndimage

        weights = np.conj(plan.kernel)  # ndimage conjugates complex weights; ours already are

        axis = 0
        k = plan.kernel.shape[axis]
        n = x.shape[axis]
        if parallel.threads() == 1 or mode == "wrap" or n < 4 * k or x.size < (1 << 16):
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
                          for lo, hi in parallel.split(n, parallel.threads())])
        return out

    @staticmethod
    def _crop_axis(values: np.ndarray, plan: Plan, axis: int, same: bool) -> np.ndarray:
        """ndimage's same-size output → the plan's samples on one axis (valid part, stride)."""
        k = plan.kernel_shape[axis]
        start = 0 if same else k // 2
        stop = start + plan.dense_axis_length(axis)
        index = [slice(None)] * values.ndim
        index[axis] = slice(start, stop, plan.stride[axis])
        return values[tuple(index)]

    @staticmethod
    def _signal(plan: Plan) -> np.ndarray:
        from scipy import signal

        x = (plan.x if plan.zero_fill else plan.padded()).astype(plan.compute_dtype, copy=False)
        kf = np.flip(plan.kernel, axis=plan.axes).astype(plan.compute_dtype)
        long_axes = [a for a in plan.axes if kf.shape[a] > 1]
        if len(long_axes) == 1:  # the fft backend's rule: overlap-add when blocks are cheaper
            a = long_axes[0]
            blocks = block_length(x.shape[a], kf.shape[a]) is not None
        else:
            blocks = any(x.shape[a] > LONG_AXIS * kf.shape[a] for a in plan.axes)
        fn = signal.oaconvolve if blocks else signal.fftconvolve
        full = fn(x, kf, mode="full", axes=plan.axes)
        return plan.crop_full(full, not plan.zero_fill).astype(plan.compute_dtype, copy=False)
