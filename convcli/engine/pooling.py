"""Pooling (the chapter's summary statistic over a neighbourhood), on the engine's own terms.

Mean pooling is a correlation with a box kernel in 'valid' mode with a stride, so it runs
through the engine (every backend, every boundary rule). Max pooling is not linear: it takes the
maximum over the same windows, built by numpy's sliding_window_view.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convcli.engine import Outcome, run
from convcli.engine.plan import normalise_axes, per_axis
from convcli.errors import InputError

OPS = ("max", "mean")


def pool(x: Any, size: Any, *, stride: Any = None, op: str = "max", axes: Any = None,
         backend: str = "auto") -> Outcome:
    """Pool ``x`` over windows of ``size`` (per axis) taken every ``stride`` samples (default:
    the window size, non-overlapping) on ``axes``; windows lie wholly inside the input."""
    if op not in OPS:
        raise InputError(f"unknown pooling op {op!r}; choose one of {', '.join(OPS)}")
    x = np.asarray(x)
    if x.dtype.kind not in "uifc" or x.size == 0:
        raise InputError("pooling needs a non-empty array of numbers")
    axes_t = normalise_axes(axes, x.ndim)
    sizes = per_axis(size, len(axes_t), "size", 1)
    strides = sizes if stride is None else per_axis(stride, len(axes_t), "stride", 1)
    for a, n in zip(axes_t, sizes):
        if n > x.shape[a]:
            raise InputError(f"pool size {n} is larger than the input ({x.shape[a]} on axis {a})")
    if op == "mean":
        box = np.ones(sizes) / float(np.prod(sizes))
        return run(x.astype(np.result_type(x.dtype, np.float32)), box, "valid", flip=False,
                   backend=backend, axes=axes_t, stride=strides)
    windows = np.lib.stride_tricks.sliding_window_view(x, sizes, axis=axes_t)
    index = tuple(
        slice(None, None, strides[axes_t.index(a)]) if a in axes_t else slice(None)
        for a in range(x.ndim)
    )
    trailing = tuple(range(x.ndim, x.ndim + len(axes_t)))
    return Outcome(np.max(windows[index], axis=trailing), "max over windows")
