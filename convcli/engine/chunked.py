"""Convolution of a Dask array, chunk by chunk, each chunk through the engine.

The call's Plan is built once, on a zero-strided stand-in with the input's shape and dtype (so
no input is read): out[t] = Σ_i k[i]·xp[t·s + i], xp the input padded by ``plan.pad``. The
padded input is cut every c·s samples on each convolved axis (c outputs per chunk), so every
chunk starts on the stride's phase; ``map_overlap`` hands each chunk the K − 1 samples that
follow it, and a *valid* strided correlation of that block is exactly its c outputs. Output
chunks are regular (c, c, …, rest), ready to be stored in Zarr.
"""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import numpy as np

from convcli.engine.plan import NUMPY_PAD_MODE, Plan, make_plan


def convolve_dask(x: da.Array, kernel: Any, mode: str = "full", *, flip: bool,
                  backend: str = "auto", **options: Any) -> da.Array:
    """convolve (flip=True) or correlate (flip=False) a Dask array, lazily; equal to the
    in-memory engine for every mode, boundary, origin, stride, dilation and ``axes``."""
    kernel = np.asarray(kernel)
    stand_in = np.broadcast_to(np.zeros((), dtype=x.dtype), x.shape)
    plan = make_plan(stand_in, kernel, mode, flip=flip, **options)
    if isinstance(plan, np.ndarray) or not np.may_share_memory(plan.x, stand_in):
        # Two scalars, or 'valid' with the kernel larger than the input (scipy swaps them):
        # the input is no larger than the kernel, so one block holds it.
        shape = plan.shape if isinstance(plan, np.ndarray) else plan.out_shape
        dtype = plan.dtype if isinstance(plan, np.ndarray) else plan.out_dtype
        return _in_one_block(x, kernel, mode, flip, backend, options, shape, dtype)
    if x.shape != plan.x.shape:
        x = da.broadcast_to(x, plan.x.shape)
    out_chunks = output_chunks(x.chunks, plan)
    xp = _padded(x, plan).rechunk(_padded_chunks(out_chunks, plan))
    return da.map_overlap(
        _block, xp,
        depth={a: (0, plan.kernel.shape[a] - 1) for a in plan.axes},
        boundary="none", trim=False, allow_rechunk=False,
        chunks=out_chunks, dtype=plan.out_dtype, meta=np.empty((0,) * x.ndim, plan.out_dtype),
        name="convcli-convolve",
        # run() conjugates a complex kernel when correlating; the plan's already is.
        kernel=np.conj(plan.kernel) if plan.kernel.dtype.kind == "c" else plan.kernel,
        slices=_kernel_slices(xp.chunks, plan), axes=plan.axes,
        stride=tuple(plan.stride[a] for a in plan.axes), backend=backend,
    )


def output_chunks(chunks: tuple[tuple[int, ...], ...], plan: Plan) -> tuple[tuple[int, ...], ...]:
    """Regular output chunks: on a convolved axis, c = the input's chunk over the stride, at
    least (K − 1)/s so that one chunk's overlap comes from its neighbour alone."""
    out = []
    for a, total in enumerate(plan.out_shape):
        if a not in plan.axes:
            out.append(chunks[a])
            continue
        s, k = plan.stride[a], plan.kernel.shape[a]
        size = min(total, max(-(-chunks[a][0] // s), -(-(k - 1) // s), 1))
        out.append((size,) * (total // size) + ((total % size,) if total % size else ()))
    return tuple(out)


def _padded_chunks(out_chunks: tuple[tuple[int, ...], ...], plan: Plan
                   ) -> tuple[tuple[int, ...], ...]:
    """Chunks of the padded input: c·s per output chunk, the last one taking the rest."""
    chunks = []
    for a, sizes in enumerate(out_chunks):
        if a not in plan.axes:
            chunks.append(sizes)
            continue
        total = plan.x.shape[a] + sum(plan.pad[a])
        leading = tuple(c * plan.stride[a] for c in sizes[:-1])
        chunks.append(leading + (total - sum(leading),))
    return tuple(chunks)


def _padded(x: da.Array, plan: Plan) -> da.Array:
    """The input extended by the plan's boundary rule, exactly as numpy.pad would (any width)."""
    for a, (before, after) in enumerate(plan.pad):
        if before or after:
            parts = (_edge(x, a, before, plan, True), x, _edge(x, a, after, plan, False))
            x = da.concatenate([part for part in parts if part.shape[a]], axis=a)
    return x


def _edge(x: da.Array, axis: int, width: int, plan: Plan, before: bool) -> da.Array:
    """The ``width`` samples the boundary rule puts before (or after) ``x`` on ``axis``."""
    if plan.boundary == "fill":
        chunks = x.chunks[:axis] + ((width,),) + x.chunks[axis + 1:]
        shape = tuple(sum(c) for c in chunks)
        return da.full(shape, plan.fillvalue, dtype=x.dtype, chunks=chunks)
    n = x.shape[axis]
    pad = (width, 0) if before else (0, width)
    source = np.pad(np.arange(n), pad, mode=NUMPY_PAD_MODE[plan.boundary])
    index = source[:width] if before else source[n:]
    return x[(slice(None),) * axis + (index,)]


def _kernel_slices(chunks: tuple[tuple[int, ...], ...], plan: Plan) -> dict[int, list[slice]]:
    """Per broadcast axis on which the kernel varies: the kernel rows each chunk uses."""
    slices = {}
    for a, sizes in enumerate(chunks):
        if a not in plan.axes and plan.kernel.shape[a] > 1:
            ends = np.cumsum((0,) + sizes)
            slices[a] = [slice(int(lo), int(hi)) for lo, hi in zip(ends[:-1], ends[1:])]
    return slices


def _block(block: np.ndarray, *, kernel: np.ndarray, slices: dict[int, list[slice]],
           axes: tuple[int, ...], stride: tuple[int, ...], backend: str,
           block_id: tuple[int, ...] | None = None) -> np.ndarray:
    """One chunk and its overlap → its outputs: a valid strided correlation by the engine."""
    from convcli.engine import run

    if slices:
        kernel = kernel[tuple(slices[a][block_id[a]] if a in slices else slice(None)
                              for a in range(kernel.ndim))]
    return run(block, kernel, "valid", flip=False, backend=backend, axes=axes,
               stride=stride).values


def _in_one_block(x: da.Array, kernel: np.ndarray, mode: str, flip: bool, backend: str,
                  options: dict[str, Any], shape: tuple[int, ...], dtype: np.dtype
                  ) -> da.Array:
    from convcli.engine import run

    def whole(values: np.ndarray) -> np.ndarray:
        return run(values, kernel, mode, flip=flip, backend=backend, **options).values

    return da.from_delayed(dask.delayed(whole)(x), shape, dtype=dtype)
