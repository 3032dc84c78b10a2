"""Convolution of a Dask array, chunk by chunk, each chunk through the engine.

The call's Plan is built once, on a zero-strided stand-in with the input's shape and dtype (so
no input is read): out[t] = Σ_i k[i]·xp[t·s + i], xp the input padded by ``plan.pad`` = (b, a).
Output t belongs to the chunk holding input sample t·s, so in "same" mode the output's chunks
are the input's. ``map_overlap`` gives each chunk the b samples before it and the K − 1 − b after it
(for "wrap", the same depth on both sides from the far end of the array, Dask's "periodic");
the chunks at the array's edges are padded by the boundary rule with numpy.pad, as the
in-memory engine does, and each block's outputs are one *valid* strided correlation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.array.overlap import ensure_minimum_chunksize

from convcli.engine.plan import Plan, make_plan, pad_array


@dataclass(frozen=True)
class Span:
    """One block along one convolved axis: the edge padding it needs (numpy.pad widths), then
    the slice of the padded block whose valid strided correlation gives its ``count`` outputs."""

    pad: tuple[int, int]
    start: int
    stop: int
    count: int


def convolve_dask(x: da.Array, kernel: Any, mode: str = "full", *, flip: bool,
                  backend: str = "auto", **options: Any) -> da.Array:
    """convolve (flip=True) or correlate (flip=False) a Dask array, lazily; equal to the
    in-memory engine for every mode, boundary, origin, stride, dilation and ``axes``."""
    kernel = np.asarray(kernel)
    stand_in = np.broadcast_to(np.zeros((), dtype=x.dtype), x.shape)
    plan = make_plan(stand_in, kernel, mode, flip=flip, budget=False, **options)
    if plan.scalar or plan.swapped:
        # Two scalars, or 'valid' with the kernel larger than the input (scipy swaps them):
        # the input is no larger than the kernel, so one block holds it.
        shape = () if plan.scalar else plan.out_shape
        return _in_one_block(x, kernel, mode, flip, backend, options, shape, plan.out_dtype)
    if x.shape != plan.x.shape:
        x = da.broadcast_to(x, plan.x.shape)
    x = x.rechunk(_chunks(x.chunks, plan))
    periodic = {a for a in plan.axes if plan.boundary == "wrap" and len(x.chunks[a]) > 1}
    spans = {a: _spans(x.chunks[a], plan, a, a in periodic) for a in plan.axes}
    out_chunks = tuple(tuple(s.count for s in spans[a]) if a in plan.axes else x.chunks[a]
                       for a in range(x.ndim))
    return da.map_overlap(
        _block, x,
        depth={a: _depth(plan, a, a in periodic) if len(x.chunks[a]) > 1 else 0
               for a in plan.axes},
        boundary={a: "periodic" if a in periodic else "none" for a in plan.axes},
        trim=False, allow_rechunk=False, chunks=out_chunks, dtype=plan.out_dtype,
        meta=np.empty((0,) * x.ndim, plan.out_dtype), token="convcli-convolve",
        # run() conjugates a complex kernel when correlating; the plan's already is.
        kernel=np.conj(plan.weights) if plan.weights.dtype.kind == "c" else plan.weights,
        kernel_slices=_kernel_slices(x.chunks, plan), spans=spans, geometry=_geometry(plan),
        dilation=tuple(plan.dilation[a] for a in plan.axes), backend=backend,
    )


def _reach(plan: Plan, a: int) -> tuple[int, int, int]:
    """Samples a block needs before its chunk (b), after it (K − 1 − b), and the padding
    after the array's end (a)."""
    before, after_end = plan.pad[a]
    return before, plan.kernel_shape[a] - 1 - before, after_end


def _depth(plan: Plan, a: int, periodic: bool) -> int | tuple[int, int]:
    before, after, after_end = _reach(plan, a)
    return max(before, after, after_end) if periodic else (before, after)


def _chunks(chunks: tuple[tuple[int, ...], ...], plan: Plan) -> tuple[tuple[int, ...], ...]:
    """Chunks long enough that a block's overlap comes from its neighbours alone and the edge
    blocks hold what numpy.pad reflects (more than the depth), and that hold a stride's worth
    (every chunk but the last then has outputs)."""
    out = list(chunks)
    for a in plan.axes:
        least = max(max(_reach(plan, a)) + 1, plan.stride[a])
        n = sum(chunks[a])
        out[a] = (n,) if n <= least else ensure_minimum_chunksize(least, chunks[a])
    return tuple(out)


def _spans(chunks: tuple[int, ...], plan: Plan, a: int, periodic: bool) -> list[Span]:
    """Each block's padding and slice on axis ``a``. A block owns the outputs t with t·s in
    its chunk (the last one, all the rest); output t's window starts at input t·s − b."""
    before, _, after_end = _reach(plan, a)
    s, k, total = plan.stride[a], plan.kernel_shape[a], plan.out_shape[a]
    ends = np.cumsum((0,) + chunks)
    spans = []
    for j, (lo, hi) in enumerate(zip(ends[:-1], ends[1:])):
        last = j == len(chunks) - 1
        first_t = -(-int(lo) // s)
        stop_t = total if last else min(-(-int(hi) // s), total)
        if periodic:  # the block starts `depth` samples before its chunk, no padding
            pad, origin = (0, 0), int(lo) - _depth(plan, a, True)
        else:  # the block starts b before its chunk; the edge chunks are padded
            pad = (before if j == 0 else 0, after_end if last else 0)
            origin = int(lo) - before
        start = first_t * s - before - origin
        count = max(0, stop_t - first_t)
        spans.append(Span(pad, start, start + (count - 1) * s + k if count else start, count))
    return spans


@dataclass(frozen=True)
class _Geometry:
    """What a block needs of the plan (the plan itself holds the stand-in input)."""

    axes: tuple[int, ...]
    stride: tuple[int, ...]
    boundary: str
    fillvalue: Any
    out_dtype: np.dtype


def _geometry(plan: Plan) -> _Geometry:
    return _Geometry(plan.axes, tuple(plan.stride[a] for a in plan.axes), plan.boundary,
                     plan.fillvalue, plan.out_dtype)


def _kernel_slices(chunks: tuple[tuple[int, ...], ...], plan: Plan) -> dict[int, list[slice]]:
    """Per broadcast axis on which the kernel varies: the kernel rows each chunk uses."""
    slices = {}
    for a, sizes in enumerate(chunks):
        if a not in plan.axes and plan.weights.shape[a] > 1:
            ends = np.cumsum((0,) + sizes)
            slices[a] = [slice(int(lo), int(hi)) for lo, hi in zip(ends[:-1], ends[1:])]
    return slices


def _block(block: np.ndarray, *, kernel: np.ndarray, kernel_slices: dict[int, list[slice]],
           spans: dict[int, list[Span]], geometry: _Geometry, dilation: tuple[int, ...],
           backend: str, block_id: tuple[int, ...] | None = None) -> np.ndarray:
    """One chunk with its overlap → its outputs: pad the array's edges, then one valid strided
    correlation by the engine."""
    from convcli.engine import run

    mine = {a: spans[a][block_id[a]] for a in geometry.axes}
    if any(span.count == 0 for span in mine.values()):  # past the last output ("valid")
        shape = [mine[a].count if a in mine else n for a, n in enumerate(block.shape)]
        return np.empty(shape, dtype=geometry.out_dtype)
    pad = [mine[a].pad if a in mine else (0, 0) for a in range(block.ndim)]
    if any(pad[a] != (0, 0) for a in mine):
        block = pad_array(block, pad, geometry.boundary, geometry.fillvalue)
    block = block[tuple(slice(mine[a].start, mine[a].stop) if a in mine else slice(None)
                        for a in range(block.ndim))]
    if kernel_slices:
        kernel = kernel[tuple(kernel_slices[a][block_id[a]] if a in kernel_slices
                              else slice(None) for a in range(kernel.ndim))]
    return run(block, kernel, "valid", flip=False, backend=backend, axes=geometry.axes,
               stride=geometry.stride, dilation=dilation).values


def _in_one_block(x: da.Array, kernel: np.ndarray, mode: str, flip: bool, backend: str,
                  options: dict[str, Any], shape: tuple[int, ...], dtype: np.dtype
                  ) -> da.Array:
    from convcli.engine import run

    def whole(values: np.ndarray) -> np.ndarray:
        return run(values, kernel, mode, flip=flip, backend=backend, **options).values

    return da.from_delayed(dask.delayed(whole)(x), shape, dtype=dtype)
