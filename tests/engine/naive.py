"""The textbook sum with Python loops: the oracle every backend is checked against."""

from __future__ import annotations

import itertools

import numpy as np


def _extend(i: int, n: int, boundary: str) -> int | None:
    """Index of the input sample standing at position i (None: the fill value)."""
    if 0 <= i < n:
        return i
    if boundary == "fill":
        return None
    if boundary == "nearest":
        return min(max(i, 0), n - 1)
    if boundary == "wrap":
        return i % n
    if boundary == "reflect":  # d c b a | a b c d | d c b a
        i %= 2 * n
        return i if i < n else 2 * n - 1 - i
    if boundary == "mirror":  # d c b | a b c d | c b a
        if n == 1:
            return 0
        i %= 2 * n - 2
        return i if i < n else 2 * n - 2 - i
    raise ValueError(boundary)


def naive(x, w, mode="full", *, flip=True, boundary="fill", fillvalue=0, origin=None,
          stride=1, dilation=1):
    """s(t) = Σ_j w[j] x(t + o − j·d) (convolution) or Σ_j conj(w[j]) x(t − o + j·d)."""
    x = np.asarray(x)
    w = np.asarray(w)
    nd = x.ndim
    per = lambda v: (v,) * nd if np.ndim(v) == 0 else tuple(v)  # noqa: E731
    stride, dilation = per(stride), per(dilation)
    extent = [(k - 1) * d + 1 for k, d in zip(w.shape, dilation)]
    if mode == "full":
        lengths = [n + e - 1 for n, e in zip(x.shape, extent)]
        offsets = [0 if flip else e - 1 for e in extent]
    elif mode == "same":
        lengths = list(x.shape)
        if origin is None:
            offsets = [(e - 1) // 2 if flip else e // 2 for e in extent]
        else:
            offsets = [o * d for o, d in zip(per(origin), dilation)]
    else:
        lengths = [n - e + 1 for n, e in zip(x.shape, extent)]
        offsets = [e - 1 if flip else 0 for e in extent]
    out_shape = [len(range(0, n, s)) for n, s in zip(lengths, stride)]
    result = np.zeros(out_shape, dtype=object)
    for t in itertools.product(*[range(n) for n in out_shape]):
        total = 0
        for j in itertools.product(*[range(k) for k in w.shape]):
            index = []
            for a in range(nd):
                tt = t[a] * stride[a]
                if flip:
                    pos = tt + offsets[a] - j[a] * dilation[a]
                else:
                    pos = tt - offsets[a] + j[a] * dilation[a]
                index.append(_extend(pos, x.shape[a], boundary))
            value = fillvalue if None in index else x[tuple(index)].item()
            weight = w[j].item()
            total += value * (weight if flip else np.conj(weight))
        result[t] = total
    return result
