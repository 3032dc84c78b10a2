"""The fft backend: numpy.fft transforms, fast (5-smooth) lengths, overlap-add for long inputs.

Correlation by FFT is convolution with the flipped kernel: the full linear convolution of the
input with flip(k), cut to the samples the plan asks for. A zero ``fill`` boundary needs no
padding (it is the FFT's own zero padding); other boundaries pad first. When one convolved axis
is much longer than the kernel, the input is cut into blocks along it and the blocks' products
are overlap-added, all blocks in one batched transform. Each transform is split across cores
along an axis it does not run over.
"""

from __future__ import annotations

import math
import os
import sys
from functools import lru_cache

import numpy as np

from convcli.engine import parallel
from convcli.engine.backend import Estimate, Result
from convcli.engine.plan import Plan
from convcli.errors import BackendError, InputError

# Seconds per (point × log2 point) of one real transform, and per call; measured by
# benchmarks/calibrate.py (see engine/auto.py).
SECONDS_PER_POINT_LOG = 1.1e-9
SECONDS_OVERHEAD = 60e-6
EXACT_INTEGER_LIMIT = 2.0**52


@lru_cache(maxsize=4096)
def fast_length(n: int) -> int:
    """The smallest 5-smooth number (2^a·3^b·5^c) at least ``n``."""
    if n <= 6:
        return max(n, 1)
    best = 1 << (n - 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            q = -(-n // p35)
            p2 = 1 << (q - 1).bit_length()
            best = min(best, p2 * p35)
            p35 *= 3
        p5 *= 5
    return best


SCIPY_FFT_IMPORT_SECONDS = 0.25
SCIPY_FFT_SPEEDUP = 3.2  # per core, batched transforms (benchmarks/calibrate.py)


def _scipy_fft(points: float):
    """scipy.fft (multi-threaded, vectorised over batches: ~3× numpy.fft here) when it is
    loaded already or the job is big enough to repay its import; otherwise None."""
    if os.environ.get("CONVCLI_FFT") == "numpy":
        return None
    if "scipy.fft" not in sys.modules:
        numpy_seconds = SECONDS_PER_POINT_LOG * points * max(1.0, math.log2(points)) * 3
        if numpy_seconds < 4 * SCIPY_FFT_IMPORT_SECONDS:
            return None
    try:
        import scipy.fft
    except ImportError:  # pragma: no cover - scipy is a core dependency
        return None
    return scipy.fft


def transform_seconds(points: float, dtype: np.dtype, *, scipy_fft: bool,
                      threads: int = parallel.THREADS) -> float:
    """Three transforms (input, kernel, inverse) of ``points`` points on ``threads`` cores."""
    seconds = SECONDS_PER_POINT_LOG * points * max(1.0, math.log2(points)) * 3
    if dtype.kind == "c":
        seconds *= 3.0
    elif dtype.itemsize >= 8:
        seconds *= 1.6
    return seconds / (SCIPY_FFT_SPEEDUP if scipy_fft else 1.0) / threads


def _transform(values: np.ndarray, shape: list[int], axes: list[int], real: bool,
               fft_module=None) -> np.ndarray:
    """Forward n-D transform over ``axes`` zero-padded to ``shape``."""
    if fft_module is not None:
        fn = fft_module.rfftn if real else fft_module.fftn
        return fn(values, shape, axes=axes, workers=parallel.THREADS)
    out = values
    for i, (n, axis) in enumerate(reversed(list(zip(shape, axes)))):
        first_real = real and i == 0
        out = _along(out, axis, lambda v, n=n, axis=axis, fr=first_real: (
            np.fft.rfft(v, n, axis=axis) if fr else np.fft.fft(v, n, axis=axis)))
    return out


def _inverse(spectrum: np.ndarray, shape: list[int], axes: list[int], real: bool,
             fft_module=None) -> np.ndarray:
    if fft_module is not None:
        fn = fft_module.irfftn if real else fft_module.ifftn
        return fn(spectrum, shape, axes=axes, workers=parallel.THREADS)
    out = spectrum
    for i, (n, axis) in enumerate(zip(shape, axes)):
        last_real = real and i == len(axes) - 1
        out = _along(out, axis, lambda v, n=n, axis=axis, lr=last_real: (
            np.fft.irfft(v, n, axis=axis) if lr else np.fft.ifft(v, n, axis=axis)))
    return out


def _along(values: np.ndarray, axis: int, fn) -> np.ndarray:
    """Apply a numpy 1-D transform over ``axis``, the work split on the largest other axis."""
    others = [a for a in range(values.ndim) if a != axis]
    if parallel.THREADS == 1 or not others or values.size < (1 << 16):
        return fn(values)
    split_axis = max(others, key=lambda a: values.shape[a])
    pieces = parallel.split(values.shape[split_axis], parallel.THREADS)
    index = [slice(None)] * values.ndim

    def piece(lo: int, hi: int) -> np.ndarray:
        sl = list(index)
        sl[split_axis] = slice(lo, hi)
        return fn(values[tuple(sl)])

    return np.concatenate(
        parallel.run_all([lambda lo=lo, hi=hi: piece(lo, hi) for lo, hi in pieces]),
        axis=split_axis,
    )


def _full_convolution(x: np.ndarray, kf: np.ndarray, axes: tuple[int, ...], real: bool,
                      fft_module) -> np.ndarray:
    """Full linear convolution of x and kf over ``axes`` (kf broadcast on the others)."""
    full = [x.shape[a] + kf.shape[a] - 1 for a in axes]
    shape = [fast_length(n) for n in full]
    spectrum = _transform(x, shape, list(axes), real, fft_module)
    spectrum *= _transform(kf, shape, list(axes), real, fft_module)
    out = _inverse(spectrum, shape, list(axes), real, fft_module)
    return out[tuple(slice(0, full[axes.index(a)]) if a in axes else slice(None)
                     for a in range(x.ndim))]


def _block_length(n: int, k: int) -> int | None:
    """An overlap-add block length for an axis of ``n`` samples and a kernel of ``k``, or None
    when one transform over the whole axis is cheaper."""
    whole = fast_length(n + k - 1)
    best, best_cost = None, whole * math.log2(whole) / n
    for nfft in (fast_length(m * k) for m in (2, 4, 8, 16, 32)):
        step = nfft - k + 1
        if step <= 0 or nfft >= whole:
            continue
        cost = nfft * math.log2(nfft) / step * 1.15  # batched blocks: a little overhead
        if cost < best_cost:
            best, best_cost = step, cost
    return best


def _overlap_add(x: np.ndarray, kf: np.ndarray, axes: tuple[int, ...], axis: int, step: int,
                 real: bool, fft_module) -> np.ndarray:
    """Full convolution by overlap-add of blocks of ``step`` samples along ``axis``."""
    k = kf.shape[axis]
    n = x.shape[axis]
    blocks = -(-n // step)
    xm = np.moveaxis(x, axis, -1)
    if blocks * step != n:
        xm = np.concatenate(
            [xm, np.zeros(xm.shape[:-1] + (blocks * step - n,), dtype=xm.dtype)], axis=-1)
    xb = xm.reshape(xm.shape[:-1] + (blocks, step))
    kb = np.moveaxis(kf, axis, -1)[..., np.newaxis, :]
    others = [a if a < axis else a - 1 for a in axes if a != axis]
    conv_axes = others + [xb.ndim - 1]
    full = [xb.shape[a] + kb.shape[a] - 1 for a in others] + [step + k - 1]
    shape = [fast_length(m) for m in full[:-1]] + [fast_length(step + k - 1)]
    spectrum = _transform(xb, shape, conv_axes, real, fft_module)
    spectrum *= _transform(kb, shape, conv_axes, real, fft_module)
    y = _inverse(spectrum, shape, conv_axes, real, fft_module)
    y = y[tuple(slice(0, full[others.index(a)]) if a in others else slice(None)
                for a in range(y.ndim - 1)) + (slice(0, step + k - 1),)]
    out = np.zeros(y.shape[:-2] + ((blocks + 1 + (k - 1) // step) * step,), dtype=y.dtype)
    head = out[..., : blocks * step].reshape(y.shape[:-2] + (blocks, step))
    head += y[..., :step]
    tail = y[..., step:]
    done = 0
    while done < k - 1:  # the tails, one block-length slice at a time (k-1 may exceed step)
        width = min(step, k - 1 - done)
        part = out[..., step + done: step + done + blocks * step].reshape(
            y.shape[:-2] + (blocks, step))
        part[..., :width] += tail[..., done: done + width]
        done += width
    return np.moveaxis(out[..., : n + k - 1], -1, axis)


class FFTBackend:
    name = "fft"
    description = "numpy.fft real transforms at 5-smooth lengths, overlap-add for long inputs"

    def _layout(self, plan: Plan) -> tuple[int, int] | None:
        """(axis, block step) for overlap-add, or None for one transform. Only a kernel that
        is long on one axis is blocked: with several, one multi-threaded n-D transform of the
        whole input was faster on every image of benchmarks/engine.py."""
        long_axes = [a for a in plan.axes if plan.kernel.shape[a] > 1]
        if len(long_axes) != 1:
            return None
        axis = long_axes[0]
        n = plan.x.shape[axis] + (sum(plan.pad[axis]) if self._pads(plan) else 0)
        step = _block_length(n, plan.kernel.shape[axis])
        return None if step is None else (axis, step)

    @staticmethod
    def _pads(plan: Plan) -> bool:
        return plan.needs_padding and not (plan.boundary == "fill" and plan.fillvalue == 0)

    def _points(self, plan: Plan, layout: tuple[int, int] | None) -> float:
        """Transform points of the job (blocks included)."""
        points = 1.0
        for a in range(plan.x.ndim):
            n = plan.x.shape[a] + (sum(plan.pad[a]) if self._pads(plan) else 0)
            if a in plan.axes:
                k = plan.kernel.shape[a]
                if layout and layout[0] == a:
                    points *= -(-n // layout[1]) * fast_length(layout[1] + k - 1)
                else:
                    points *= fast_length(n + k - 1)
            else:
                points *= n
        return points

    def estimate(self, plan: Plan) -> Estimate | None:
        if plan.is_integer and plan.integer_bound() >= EXACT_INTEGER_LIMIT:
            return None
        layout = self._layout(plan)
        points = self._points(plan, layout)
        module = _scipy_fft(points)
        seconds = transform_seconds(points, plan.compute_dtype, scipy_fft=module is not None)
        if module is not None and "scipy.fft" not in sys.modules:
            seconds += SCIPY_FFT_IMPORT_SECONDS
        if self._pads(plan):
            seconds += 0.3e-9 * plan.padded_bytes
        method = ("overlap-add" if layout else "fft") + (" (scipy.fft)" if module else "")
        return Estimate(SECONDS_OVERHEAD + seconds, method, spreads_nonfinite=True)

    def run(self, plan: Plan) -> Result:
        if plan.is_integer and plan.integer_bound() >= EXACT_INTEGER_LIMIT:
            raise BackendError(
                "integer result too large for exact FFT arithmetic; use --backend direct"
            )
        if not np.all(np.isfinite(plan.x)):
            raise InputError(
                "the input has NaN or inf values, which the fft backend would spread over the "
                "whole output; use the direct or scipy backend"
            )
        if plan.batch_axes and not plan.per_slice_kernel and plan.batch_axes[-1] == \
                plan.x.ndim - 1:  # interleaved channels: transform each one contiguous
            out = np.empty(plan.out_shape, dtype=plan.compute_dtype)
            for index, part in plan.slices():
                result = self.run(part)
                out[index] = result.values
            return Result(out, result.method)
        real = plan.compute_dtype.kind != "c"
        padded = self._pads(plan)
        x = (plan.padded() if padded else plan.x).astype(plan.compute_dtype, copy=False)
        kf = np.flip(plan.kernel, axis=plan.axes).astype(plan.compute_dtype)
        layout = self._layout(plan)
        module = _scipy_fft(self._points(plan, layout))
        if layout:
            full = _overlap_add(x, kf, plan.axes, layout[0], layout[1], real, module)
        else:
            full = _full_convolution(x, kf, plan.axes, real, module)
        index = []
        for a in range(x.ndim):
            if a in plan.axes:
                k = plan.kernel.shape[a]
                start = k - 1 if padded else k - 1 - plan.pad[a][0]
                index.append(slice(start, start + (plan.dense_axis_length(a) - 1) + 1,
                                   plan.stride[a]))
            else:
                index.append(slice(None))
        values = full[tuple(index)]
        if values.dtype != plan.compute_dtype:
            values = values.astype(plan.compute_dtype)
        method = ("overlap-add" if layout else "fft") + (" (scipy.fft)" if module else "")
        return Result(values, method)
