"""Rank-1 (separable) kernels: the one rank test (SVD of each unfolding) and the 1-D factors;
for the engine's exact integer taps, the integer factors of an integer matrix.

The kernel library's ``Kernel.rank`` and ``Kernel.separable_factors`` and the engine's
separable methods all ask here, with the same tolerance
(:func:`convcli.engine.tolerances.default_rtol`), so a kernel is separable for
``convcli kernels show`` exactly when the engine runs it as 1-D passes.
"""

from __future__ import annotations

import math

import numpy as np

from convcli.engine.tolerances import default_rtol


def unfolding_svds(core: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each axis, the array unfolded along it (that axis × the rest) by SVD in double
    precision: its first left singular vector and its singular values."""
    work = core.astype(np.complex128 if core.dtype.kind == "c" else np.float64)
    result = []
    for axis in range(core.ndim):
        unfolding = np.moveaxis(work, axis, 0).reshape(core.shape[axis], -1)
        u, s, _ = np.linalg.svd(unfolding, full_matrices=False)
        result.append((u[:, 0], s))
    return result


def _rank(singular_values: np.ndarray, rtol: float) -> int:
    """How many singular values are above ``rtol`` × the largest (0 for a zero array)."""
    top = singular_values[0]
    return int(np.sum(singular_values > rtol * top)) if top > 0 else 0


def rank(core: np.ndarray, rtol: float | None = None) -> int:
    """The largest rank of ``core`` unfolded along any axis (a matrix's rank; 1 = separable).

    >>> rank(np.array([[1.0, 2], [2, 4.0000000001]]))
    2
    >>> rank(np.outer([1.0, 2, 1], [1.0, 0, -1]))
    1
    """
    rtol = default_rtol(core.dtype) if rtol is None else rtol
    if core.ndim < 2:
        return int(bool(np.any(core)))
    return max(_rank(s, rtol) for _, s in unfolding_svds(core))


def rank_one_factors(core: np.ndarray, rtol: float | None = None) -> list[np.ndarray] | None:
    """1-D factors, one per axis, whose outer product is ``core``; None unless it is rank 1.

    Each factor's largest entry is positive except the first's, which carries the sign;
    the factors share the magnitude. A zero array has zero factors.

    >>> [np.round(f, 4).tolist() for f in rank_one_factors(np.outer([1.0, 2], [3.0, 3]))]
    [[1.3774, 2.7549], [2.1779, 2.1779]]
    """
    rtol = default_rtol(core.dtype) if rtol is None else rtol
    if core.ndim == 1:
        return [np.array(core)]
    if not np.any(core):
        return [np.zeros(n, dtype=core.dtype) for n in core.shape]
    if not _pivot_rank_one(core, rtol):
        return None
    svds = unfolding_svds(core)
    if max(_rank(s, rtol) for _, s in svds) > 1:
        return None
    factors = []
    for u, _ in svds:
        peak = u[np.argmax(np.abs(u))]
        factors.append(u * (np.conj(peak) / abs(peak)))
    value = core.astype(factors[0].dtype)
    for u in factors:
        value = np.tensordot(np.conj(u), value, axes=([0], [0]))
    value = complex(value) if np.iscomplexobj(value) else float(value)
    size = abs(value) ** (1.0 / core.ndim)
    factors = [u * size for u in factors]
    factors[0] = factors[0] * (value / abs(value))
    if core.dtype.kind != "c":
        factors = [np.real(f) for f in factors]
    return [f.astype(core.dtype) if core.dtype.kind in "fc" else f for f in factors]


def separable_factors(
    kernel: np.ndarray, axes: tuple[int, ...], rtol: float | None = None
) -> list[np.ndarray] | None:
    """The engine's question: 1-D factors f_a (one per axis in ``axes``) of ``kernel``, or None.

    Only kernels that vary on at least two axes and are 1 wide elsewhere are worth splitting;
    the test is :func:`rank_one_factors`'.
    """
    long_axes = [a for a in axes if kernel.shape[a] > 1]
    if len(long_axes) < 2 or any(
        kernel.shape[a] > 1 for a in range(kernel.ndim) if a not in axes
    ):
        return None
    core = kernel.reshape([kernel.shape[a] for a in axes])
    if not np.any(core):
        return None
    return rank_one_factors(core, rtol)


def integer_rank_one_factors(k: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Integer u, v with outer(u, v) = ``k`` exactly (an integer matrix), or None: no
    tolerance, as integer sums are exact.

    >>> [f.tolist() for f in integer_rank_one_factors(np.array([[2, 4], [-3, -6]]))]
    [[2, -3], [1, 2]]
    >>> integer_rank_one_factors(np.array([[1, 2], [2, 5]])) is None
    True
    """
    nonzero = np.argwhere(k)
    if not len(nonzero):
        return None
    r = nonzero[0][0]
    v = k[r] // np.gcd.reduce(k[r])
    j = int(np.flatnonzero(v)[0])
    u, rest = np.divmod(k[:, j], v[j])
    if rest.any() or not np.array_equal(np.outer(u, v), k):
        return None
    return u, v


def _pivot_rank_one(core: np.ndarray, rtol: float) -> bool:
    """A cheap necessary test before the SVDs: a rank-1 array equals the outer product of its
    lines through its largest element, scaled by that element (microseconds, where an SVD of
    a 101×101 kernel takes a millisecond). Its bound is loose enough never to reject what the
    SVD test accepts: σ₂ ≤ rtol·σ₁ ≤ rtol·√size·|top| bounds each entry's deviation."""
    pivot = np.unravel_index(int(np.argmax(np.abs(core))), core.shape)
    top = core[pivot]
    if top == 0:
        return False
    rebuilt = np.ones((), dtype=np.result_type(core, np.float64))
    for i in range(core.ndim):
        line = core[pivot[:i] + (slice(None),) + pivot[i + 1:]] / top
        rebuilt = np.multiply.outer(rebuilt, line)
    rebuilt = rebuilt * top
    bound = 4 * 2 ** core.ndim * rtol * math.sqrt(core.size) * abs(top)
    return bool(np.max(np.abs(rebuilt - core)) <= bound)
