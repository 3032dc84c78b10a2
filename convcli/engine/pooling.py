"""Pooling: a summary statistic over windows, taken every ``stride`` samples.

``sum``, ``mean`` and ``l2`` are linear in the samples (or their squares): a correlation with
a box kernel in 'valid' mode with a stride, so they run through the engine (every backend).
``max``, ``min`` and ``median`` reduce the same windows, built by numpy's
``sliding_window_view`` (a view: no copy of the input).

Missing samples (NaN): ``nan="ignore"`` (the default, as pandas) skips them — a window's
statistic is that of its present samples, and a window with none is NaN; ``"propagate"``
lets one NaN make its windows NaN.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from convcli.engine import Outcome, run
from convcli.engine.plan import normalise_axes, per_axis
from convcli.errors import InputError
from convcli.names import POOL_NAN as NAN_POLICIES
from convcli.names import POOL_OPS as OPS

_REDUCE = {"max": (np.max, np.nanmax), "min": (np.min, np.nanmin),
           "median": (np.median, np.nanmedian)}


def pool(x: Any, size: Any, *, stride: Any = None, op: str = "max", axes: Any = None,
         nan: str = "ignore", backend: str = "auto") -> Outcome:
    """Pool ``x`` over windows of ``size`` taken every ``stride`` samples on ``axes``.

    Parameters
    ----------
    x : array_like
        Numbers, any number of dimensions.
    size : int or sequence of int
        The window, one size for every pooled axis or one per axis.
    stride : int or sequence of int, optional
        The step between windows per axis (default: the size: windows do not overlap).
    op : {"max", "min", "mean", "sum", "l2", "median"}
        The statistic of each window (``l2``: the square root of the sum of squares).
    axes : int or sequence of int, optional
        The axes to pool over (default: all); windows lie wholly inside the input.
    nan : {"ignore", "propagate"}
        Skip missing samples (a window with none present is NaN), or let them spread.
    backend : str
        The engine backend for the linear statistics.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2, 3, 4], [5, 6, np.nan, 8]])
    >>> pool(x, (2, 2)).values
    array([[6., 8.]])
    >>> pool(x, (1, 2), op="mean").values
    array([[1.5, 3.5],
           [5.5, 8. ]])
    >>> pool(x, (2, 2), op="sum", nan="propagate").values
    array([[14., nan]])
    """
    if op not in OPS:
        raise InputError(f"unknown pooling op {op!r}; choose one of {', '.join(OPS)}")
    if nan not in NAN_POLICIES:
        raise InputError(f"unknown missing-value policy {nan!r} for pooling; choose one of "
                         f"{', '.join(NAN_POLICIES)}", option="nan")
    x = np.asarray(x)
    if x.dtype.kind not in "uifc" or x.size == 0:
        raise InputError("pooling needs a non-empty array of numbers")
    axes_t = normalise_axes(axes, x.ndim)
    sizes = per_axis(size, len(axes_t), "size", 1)
    strides = sizes if stride is None else per_axis(stride, len(axes_t), "stride", 1)
    for a, n in zip(axes_t, sizes):
        if n > x.shape[a]:
            raise InputError(f"pool size {n} is larger than the input ({x.shape[a]} on axis {a})")
    missing = np.isnan(x) if nan == "ignore" and x.dtype.kind in "fc" else None
    if missing is not None and not missing.any():
        missing = None
    if op in _REDUCE:
        windows = np.lib.stride_tricks.sliding_window_view(x, sizes, axis=axes_t)
        index = tuple(
            slice(None, None, strides[axes_t.index(a)]) if a in axes_t else slice(None)
            for a in range(x.ndim)
        )
        trailing = tuple(range(x.ndim, x.ndim + len(axes_t)))
        exact, skipping = _REDUCE[op]
        with warnings.catch_warnings():  # an all-missing window is NaN, said in the docs
            warnings.simplefilter("ignore", RuntimeWarning)
            values = (exact if missing is None else skipping)(windows[index], axis=trailing)
        return Outcome(np.asarray(values), f"{op} over windows")
    options = {"flip": False, "backend": backend, "axes": axes_t, "stride": strides}
    box = np.ones(sizes, dtype=np.int64 if x.dtype.kind in "ui" and op == "sum" else float)
    work = x
    if op != "sum" or missing is not None:
        work = work.astype(np.result_type(work.dtype, np.float32))
    if op == "l2":
        work = np.abs(work) ** 2
    if missing is None:
        outcome = run(work, box, "valid", **options)
        values = outcome.values
        if op == "mean":
            values = values / box.size
    else:
        outcome = run(np.where(missing, 0, work), box, "valid", **options)
        count = run((~missing).astype(work.real.dtype), box, "valid", **options).values
        with np.errstate(divide="ignore", invalid="ignore"):
            values = outcome.values / count if op == "mean" else outcome.values
        values = np.where(np.rint(count) == 0, np.nan, values)
    if op == "l2":
        values = np.sqrt(np.maximum(values.real, 0))
    return Outcome(np.asarray(values), outcome.method)
