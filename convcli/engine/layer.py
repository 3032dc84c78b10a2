"""The multi-channel convolution layer of deep-learning libraries (``conv2d``), on our engine.

A layer with weights W of shape (out, in/groups, kh, kw) maps an (in, H, W) array to
(out, H′, W′) feature maps::

    y[o, i, j] = Σ_c Σ_m Σ_n x[c, s·i + d·m − p, s·j + d·n − p] · W[o, c, m, n]

with c over the input channels of output o's group, s the stride, d the dilation and p the
padding. It is **cross-correlation** — the weights are not flipped — as PyTorch's
``conv2d``, TensorFlow's ``conv2d`` and Keras's ``Conv2D`` compute it. Each (out, in) pair is
one call of the engine's :func:`~convcli.engine.correlate` (same backends, boundaries, stride
and dilation), summed over the input channels.

``mode`` is the padding: ``valid`` (none, PyTorch ``padding=0``), ``full`` (d·(k−1) each side)
or ``same`` (the output keeps the input's size before the stride; tap (k−1)//2 lands on each
sample, so the padding is d·((k−1)//2) before and the rest after — PyTorch's
``padding='same'`` whenever k is odd or d is 1). ``boundary`` says what the padding holds:
``fill`` with 0 is the libraries' zero padding; ``reflect``/``wrap``/… their other padding
modes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convcli.errors import InputError, KernelError


def check_layer(shape: tuple[int, ...], weights_shape: tuple[int, ...], groups: int) -> None:
    """Raise a clear error unless (in, H, W) and (out, in/groups, kh, kw) fit together."""
    if len(weights_shape) != 4:
        raise KernelError(
            f"layer weights must have 4 axes (out, in/groups, kh, kw), got shape {weights_shape}")
    if len(shape) != 3:
        raise InputError(f"a layer's input has 3 axes (in, H, W), got shape {shape}")
    out, per_group = weights_shape[:2]
    channels = shape[0]
    if groups < 1 or channels % groups or out % groups:
        raise InputError(
            f"--groups {groups} must divide the {channels} input channels and the {out} "
            "output channels")
    if per_group != channels // groups:
        raise KernelError(
            f"layer weights of shape {weights_shape} take {per_group * groups} input channels "
            f"in {groups} group(s); the input has {channels}")


def conv2d(
    x: np.ndarray, weights: np.ndarray, *, mode: str = "valid", stride: Any = 1,
    dilation: Any = 1, groups: int = 1, boundary: str = "fill", fillvalue: float = 0.0,
    backend: str = "auto",
) -> np.ndarray:
    """Feature maps (out, H′, W′) of the layer ``weights`` (out, in/groups, kh, kw) on ``x``.

    Cross-correlation, summed over the input channels of each group (see the module text).

    >>> x = np.arange(16.0).reshape(1, 4, 4)
    >>> w = np.ones((2, 1, 2, 2)); w[1] *= -1
    >>> conv2d(x, w)[:, 0]
    array([[ 10.,  14.,  18.],
           [-10., -14., -18.]])
    >>> conv2d(x, w, stride=2).shape
    (2, 2, 2)
    """
    from convcli.engine import correlate
    from convcli.settings import check_memory

    x = np.asarray(x)
    weights = np.asarray(weights)
    check_layer(x.shape, weights.shape, groups)
    if weights.dtype.kind == "c" or x.dtype.kind == "c":
        raise InputError("the layer takes real inputs and weights")
    out = weights.shape[0]
    per_group, out_per_group = x.shape[0] // groups, out // groups
    origin = None
    if mode == "same":
        origin = tuple((k - 1) // 2 for k in weights.shape[2:])
    dtype = np.float32 if x.dtype == np.float32 and weights.dtype == np.float32 else np.float64
    dilations = (dilation,) * 2 if np.isscalar(dilation) else tuple(dilation)
    extent = [n + d * (k - 1) for n, d, k in zip(x.shape[1:], dilations, weights.shape[2:])]
    check_memory(out * extent[0] * extent[1] * np.dtype(dtype).itemsize,
                 f"the layer's {out} feature maps")
    maps = None
    for o in range(out):
        first = (o // out_per_group) * per_group
        total = None
        for c in range(per_group):
            part = correlate(
                x[first + c].astype(dtype, copy=False), weights[o, c].astype(dtype, copy=False),
                mode, backend=backend, boundary=boundary, fillvalue=fillvalue, origin=origin,
                stride=stride, dilation=dilation)
            total = part if total is None else total + part
        if maps is None:
            maps = np.empty((out, *total.shape), dtype=dtype)
        maps[o] = total
    return maps
