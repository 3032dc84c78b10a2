"""The conv2d layer against a naive six-loop sum (PyTorch's definition)."""

from __future__ import annotations

import numpy as np
import pytest

from convcli.engine.layer import conv2d
from convcli.errors import ConvcliError

RNG = np.random.default_rng(14)


def naive_conv2d(x, w, stride, dilation, groups, pad_before, pad_after):
    """y[o,i,j] = Σ_c Σ_m Σ_n xpad[c, s·i + d·m, s·j + d·n] w[o, c, m, n], six loops."""
    cin, h, wd = x.shape
    out, cg, kh, kw = w.shape
    (sy, sx), (dy, dx) = stride, dilation
    xp = np.zeros((cin, h + pad_before[0] + pad_after[0], wd + pad_before[1] + pad_after[1]))
    xp[:, pad_before[0]:pad_before[0] + h, pad_before[1]:pad_before[1] + wd] = x
    ho = (xp.shape[1] - dy * (kh - 1) - 1) // sy + 1
    wo = (xp.shape[2] - dx * (kw - 1) - 1) // sx + 1
    y = np.zeros((out, ho, wo))
    og = out // groups
    for o in range(out):
        g = o // og
        for i in range(ho):
            for j in range(wo):
                for c in range(cg):
                    for m in range(kh):
                        for n in range(kw):
                            y[o, i, j] += (xp[g * cg + c, sy * i + dy * m, sx * j + dx * n]
                                           * w[o, c, m, n])
    return y


def padding(mode, k, d):
    if mode == "valid":
        return (0, 0)
    if mode == "full":
        return (d * (k - 1), d * (k - 1))
    before = d * ((k - 1) // 2)
    return (before, d * (k - 1) - before)


CASES = [  # (in, H, W), (out, in/groups, kh, kw), stride, dilation, groups
    ((1, 7, 9), (1, 1, 3, 3), (1, 1), (1, 1), 1),
    ((3, 8, 6), (4, 3, 3, 2), (2, 1), (1, 1), 1),
    ((3, 9, 10), (2, 3, 2, 3), (1, 2), (2, 1), 1),
    ((4, 10, 8), (6, 2, 3, 3), (2, 2), (1, 2), 2),
    ((4, 7, 7), (4, 1, 3, 1), (1, 1), (2, 2), 4),
    ((2, 6, 5), (3, 2, 1, 1), (3, 2), (1, 1), 1),
    ((6, 12, 11), (3, 2, 4, 2), (1, 3), (2, 1), 3),
]


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("xs,ws,stride,dilation,groups", CASES)
def test_layer_equals_the_naive_sum(xs, ws, stride, dilation, groups, mode):
    x = RNG.standard_normal(xs)
    w = RNG.standard_normal(ws)
    pads = [padding(mode, k, d) for k, d in zip(ws[2:], dilation)]
    want = naive_conv2d(x, w, stride, dilation, groups, [p[0] for p in pads],
                        [p[1] for p in pads])
    got = conv2d(x, w, mode=mode, stride=stride, dilation=dilation, groups=groups)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_layer_is_cross_correlation_not_convolution():
    x = np.zeros((1, 5, 5))
    x[0, 2, 2] = 1.0
    w = np.arange(9.0).reshape(1, 1, 3, 3)
    # an impulse through a correlation gives the weights rotated by 180°
    np.testing.assert_array_equal(conv2d(x, w, mode="same")[0, 1:4, 1:4], w[0, 0, ::-1, ::-1])


def test_float32_stays_float32():
    x = RNG.standard_normal((2, 6, 6)).astype(np.float32)
    w = RNG.standard_normal((3, 2, 3, 3)).astype(np.float32)
    assert conv2d(x, w).dtype == np.float32


@pytest.mark.parametrize("xs,ws,groups,message", [
    ((3, 5, 5), (2, 3, 3), 1, "4 axes"),
    ((3, 5, 5), (2, 2, 3, 3), 1, "take 2 input channels"),
    ((3, 5, 5), (2, 3, 3, 3), 2, "must divide"),
    ((5, 5), (2, 1, 3, 3), 1, "3 axes"),
])
def test_mismatched_shapes_are_one_clear_error(xs, ws, groups, message):
    with pytest.raises(ConvcliError, match=message):
        conv2d(np.ones(xs), np.ones(ws), groups=groups)


def test_maps_above_the_memory_budget_are_refused_before_work(monkeypatch):
    from convcli import settings as settings_module
    from convcli.errors import ResourceError

    monkeypatch.setenv("CONVCLI_MEMORY_BUDGET", "1000")
    settings_module.settings.cache_clear()
    try:
        with pytest.raises(ResourceError, match="feature maps"):
            conv2d(np.ones((1, 20, 20)), np.ones((4, 1, 3, 3)))
    finally:
        monkeypatch.undo()
        settings_module.settings.cache_clear()
