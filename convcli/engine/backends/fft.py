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
from functools import lru_cache

import numpy as np

from convcli import parallel
from convcli.engine.backends.base import Method
from convcli.engine.backends.costs import cost, fft_seconds, import_seconds
from convcli.engine.plan import Plan
from convcli.errors import BackendError, InputError
from convcli.settings import settings

PARALLEL_POINTS = 1 << 16  # smaller transforms run on one thread (as _along does for numpy)
SCIPY_FFT_REPAYS = 4  # scipy.fft is imported when numpy's transforms would take 4× its import


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


def _uses_scipy_fft(points: float) -> bool:
    """Whether to transform with scipy.fft (multi-threaded, vectorised over batches: ~3×
    numpy.fft here): when chosen (``CONVCLI_FFT``), or by default when it is loaded already or
    the job is big enough to repay its import."""
    choice = settings().fft
    if choice != "auto":
        return choice == "scipy"
    numpy_seconds = fft_seconds(points, np.dtype(np.float32), scipy_fft=False, threads=1)
    return numpy_seconds >= SCIPY_FFT_REPAYS * import_seconds("scipy.fft")


def _fft_module(scipy_fft: bool):
    """scipy.fft (imported on first use) or None for numpy.fft."""
    if not scipy_fft:
        return None
    import scipy.fft

    return scipy.fft


def _workers(points: int) -> int:
    """scipy.fft workers: one for small transforms, whose thread start-up would cost more."""
    return 1 if points < PARALLEL_POINTS else parallel.threads()


def _transform(values: np.ndarray, shape: list[int], axes: list[int], real: bool,
               fft_module=None) -> np.ndarray:
    """Forward n-D transform over ``axes`` zero-padded to ``shape``."""
    if fft_module is not None:
        if len(axes) == 1:  # the 1-D transform: less set-up than the n-D one
            fn = fft_module.rfft if real else fft_module.fft
            return fn(values, shape[0], axis=axes[0], workers=_workers(values.size))
        fn = fft_module.rfftn if real else fft_module.fftn
        return fn(values, shape, axes=axes, workers=_workers(values.size))
    out = values
    for i, (n, axis) in enumerate(reversed(list(zip(shape, axes)))):
        first_real = real and i == 0
        out = _along(out, axis, lambda v, n=n, axis=axis, fr=first_real: (
            np.fft.rfft(v, n, axis=axis) if fr else np.fft.fft(v, n, axis=axis)))
    return out


def _inverse(spectrum: np.ndarray, shape: list[int], axes: list[int], real: bool,
             fft_module=None) -> np.ndarray:
    if fft_module is not None:
        if len(axes) == 1:
            fn = fft_module.irfft if real else fft_module.ifft
            return fn(spectrum, shape[0], axis=axes[0], workers=_workers(spectrum.size))
        fn = fft_module.irfftn if real else fft_module.ifftn
        return fn(spectrum, shape, axes=axes, workers=_workers(spectrum.size))
    out = spectrum
    for i, (n, axis) in enumerate(zip(shape, axes)):
        last_real = real and i == len(axes) - 1
        out = _along(out, axis, lambda v, n=n, axis=axis, lr=last_real: (
            np.fft.irfft(v, n, axis=axis) if lr else np.fft.ifft(v, n, axis=axis)))
    return out


def _along(values: np.ndarray, axis: int, fn) -> np.ndarray:
    """Apply a numpy 1-D transform over ``axis``, the work split on the largest other axis."""
    others = [a for a in range(values.ndim) if a != axis]
    if parallel.threads() == 1 or not others or values.size < (1 << 16):
        return fn(values)
    split_axis = max(others, key=lambda a: values.shape[a])
    pieces = parallel.split(values.shape[split_axis], parallel.threads())
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


def block_length(n: int, k: int) -> int | None:
    """An overlap-add block length for an axis of ``n`` samples and a kernel of ``k``, or None
    when one transform over the whole axis is cheaper."""
    whole = fast_length(n + k - 1)
    best, best_cost = None, whole * math.log2(whole) / n
    for nfft in (fast_length(m * k) for m in (2, 4, 8, 16, 32)):
        step = nfft - k + 1
        if step <= 0 or nfft >= whole:
            continue
        price = nfft * math.log2(nfft) / step * cost("overlap_add_blocks")
        if price < best_cost:
            best, best_cost = step, price
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
    """numpy.fft (or scipy.fft) real transforms at 5-smooth lengths, overlap-add for long
    inputs."""

    name = "fft"

    @staticmethod
    def floor(plan: Plan) -> float:
        return cost("fft_call")

    def _layout(self, plan: Plan) -> tuple[int, int] | None:
        """(axis, block step) for overlap-add, or None for one transform. Only a kernel that
        is long on one axis is blocked: with several, one multi-threaded n-D transform of the
        whole input was faster on every image of benchmarks/engine.py."""
        long_axes = [a for a in plan.axes if plan.kernel_shape[a] > 1]
        if len(long_axes) != 1:
            return None
        axis = long_axes[0]
        n = plan.x.shape[axis] + (0 if plan.zero_fill else sum(plan.pad[axis]))
        step = block_length(n, plan.kernel_shape[axis])
        return None if step is None else (axis, step)

    def _points(self, plan: Plan, layout: tuple[int, int] | None) -> float:
        """Transform points of the job (blocks included)."""
        points = 1.0
        for a in range(plan.x.ndim):
            n = plan.x.shape[a] + (0 if plan.zero_fill else sum(plan.pad[a]))
            if a in plan.axes:
                k = plan.kernel_shape[a]
                if layout and layout[0] == a:
                    points *= -(-n // layout[1]) * fast_length(layout[1] + k - 1)
                else:
                    points *= fast_length(n + k - 1)
            else:
                points *= n
        return points

    def estimate(self, plan: Plan) -> Method:
        if not plan.exact_in_float:
            raise BackendError("the integer result is too large for exact FFT arithmetic; "
                               "use the direct backend", option="backend", value="direct")
        layout = self._layout(plan)
        points = self._points(plan, layout)
        scipy_fft = _uses_scipy_fft(points)
        seconds = cost("fft_call") + fft_seconds(points, plan.compute_dtype,
                                                 scipy_fft=scipy_fft,
                                                 threads=_workers(int(points)))
        if scipy_fft:
            seconds += import_seconds("scipy.fft")
        if not plan.zero_fill:
            seconds += cost("copied_byte") * plan.padded_bytes
        name = "fft:" + ("overlap-add" if layout else "fft") + \
            (" (scipy.fft)" if scipy_fft else "")
        return Method.on(plan, name, seconds, lambda p: self._run(p, layout, scipy_fft),
                         spreads_nonfinite=True)

    def _run(self, plan: Plan, layout: tuple[int, int] | None = None,
             scipy_fft: bool | None = None) -> np.ndarray:
        """The plan's correlation; ``layout`` and the library as priced (None: find them)."""
        if not plan.finite:
            raise InputError(
                "the input has NaN or inf values, which the fft backend would spread over the "
                "whole output; use the direct or scipy backend", option="backend",
                value="direct")
        if plan.interleaved_channels:  # transform each channel contiguous
            return plan.by_slice(self._run)
        real = plan.compute_dtype.kind != "c"
        padded = not plan.zero_fill
        x = (plan.padded() if padded else plan.x).astype(plan.compute_dtype, copy=False)
        kf = np.flip(plan.kernel, axis=plan.axes).astype(plan.compute_dtype)
        if scipy_fft is None:
            layout = self._layout(plan)
            scipy_fft = _uses_scipy_fft(self._points(plan, layout))
        module = _fft_module(scipy_fft)
        if layout:
            full = _overlap_add(x, kf, plan.axes, layout[0], layout[1], real, module)
        else:
            full = _full_convolution(x, kf, plan.axes, real, module)
        return plan.crop_full(full, padded).astype(plan.compute_dtype, copy=False)
