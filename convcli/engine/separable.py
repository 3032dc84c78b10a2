"""Rank-1 (separable) kernels: detection by SVD of each unfolding, and the 1-D factors."""

from __future__ import annotations

import numpy as np


def default_rtol(dtype: np.dtype) -> float:
    """How far from rank 1 a kernel may be: below the precision of its own type."""
    return 1e-6 if np.dtype(dtype) in (np.float16, np.float32, np.complex64) else 1e-12


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


def separable_factors(
    kernel: np.ndarray, axes: tuple[int, ...], rtol: float | None = None
) -> list[np.ndarray] | None:
    """1-D factors f_a (one per axis in ``axes``) whose outer product is ``kernel``, or None.

    Only kernels that vary on at least two axes and are 1 wide elsewhere are worth splitting.
    A kernel is rank 1 when every mode unfolding has one non-negligible singular value
    (σ₂ ≤ rtol·σ₁); the factors are checked by rebuilding the kernel.
    """
    rtol = default_rtol(kernel.dtype) if rtol is None else rtol
    long_axes = [a for a in axes if kernel.shape[a] > 1]
    if len(long_axes) < 2 or any(
        kernel.shape[a] > 1 for a in range(kernel.ndim) if a not in axes
    ):
        return None
    core = kernel.reshape([kernel.shape[a] for a in axes])
    if not _pivot_rank_one(core, rtol):
        return None
    factors = []
    for u, s in unfolding_svds(core):
        if s[0] == 0 or (len(s) > 1 and s[1] > rtol * s[0]):
            return None
        factors.append(u)
    rebuilt = factors[0]
    for f in factors[1:]:
        rebuilt = np.multiply.outer(rebuilt, f)
    scale = np.vdot(rebuilt, core) / np.vdot(rebuilt, rebuilt)
    factors[0] = factors[0] * scale
    rebuilt = rebuilt * scale
    if np.max(np.abs(rebuilt - core)) > 10 * rtol * np.max(np.abs(core)):
        return None
    if core.dtype.kind != "c":
        factors = [np.real(f) for f in factors]
    return [f.astype(core.dtype) for f in factors]


def _pivot_rank_one(core: np.ndarray, rtol: float) -> bool:
    """A cheap necessary test before the SVDs: a rank-1 array equals the outer product of its
    lines through its largest element, scaled by that element (microseconds, where an SVD of
    a 101×101 kernel takes a millisecond)."""
    pivot = np.unravel_index(int(np.argmax(np.abs(core))), core.shape)
    top = core[pivot]
    if top == 0:
        return False
    rebuilt = np.ones((), dtype=np.result_type(core, np.float64))
    for i in range(core.ndim):
        line = core[pivot[:i] + (slice(None),) + pivot[i + 1:]] / top
        rebuilt = np.multiply.outer(rebuilt, line)
    rebuilt = rebuilt * top
    return bool(np.max(np.abs(rebuilt - core)) <= 100 * rtol * abs(top))
