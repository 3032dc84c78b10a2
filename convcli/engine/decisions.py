"""Decisions remembered by call signature: a repeated call is neither validated nor priced again.

A call's signature — its operands' shapes and dtypes, the mode, the options and the backend —
decides its geometry (:func:`convcli.engine.plan.call_geometry`, where every option check is).
The method chosen for it rests on that geometry, on the few value properties its pricing read
(:data:`convcli.engine.plan.VALUE_PROPERTIES`: the kernel's non-zero taps, a rank-1 kernel's
factors, an integer result's exactness in floats), and on the settings and the scipy modules
loaded. A remembered decision is used only while all of them are the same; otherwise the call
is planned and priced afresh, and its decision replaces the old one. Kept in two forms:

- **on operands**: the method was chosen from the geometry alone (numpy.correlate on a
  signal too short for any other backend to pay its fixed cost): the call checks the kernel's
  values and runs it, without building a Plan;
- **on plans**: the call's Plan is built from the geometry (no checks), its value properties
  compared, and the first method of the remembered ranking that can run it runs (for
  ``auto``, an FFT method only for a finite input, as :func:`~.backends.auto.first_usable`).

The table (:data:`convcli.engine.backends.DECISIONS`, emptied when a backend registers) holds
at most :data:`KEPT` signatures. Threads may share it: a dict's reads and writes are atomic
and a decision is an immutable function.
"""

from __future__ import annotations

from collections.abc import Callable
from math import isfinite
from typing import Any

import numpy as np

from convcli.engine.backends import DECISIONS
from convcli.engine.backends.base import Method
from convcli.engine.backends.costs import imported
from convcli.engine.plan import (
    SHORT_KERNEL,
    VALUE_PROPERTIES,
    Geometry,
    Plan,
    check_kernel_values,
)
from convcli.errors import BackendError
from convcli.settings import settings

KEPT = 256  # signatures remembered at most (a cache of call signatures, not of data)

Decision = Callable[[np.ndarray, np.ndarray], "tuple[np.ndarray, str] | None"]


def finish(values: np.ndarray, is_integer: bool, out_dtype: np.dtype, scalar: bool
           ) -> np.ndarray:
    """The result in its dtype, contiguous (in C order, or in Fortran order as it is when a
    Fortran-ordered input made it so: the columns of a CSV), integers from float paths
    rounded first, wrapping as numpy's integers do."""
    if is_integer and values.dtype.kind in "fc":
        values = np.rint(values.real).astype(np.int64)
    if values.dtype != out_dtype or not (values.flags.c_contiguous or values.flags.f_contiguous):
        values = np.ascontiguousarray(values, dtype=out_dtype)
    return values.reshape(()) if scalar else values


def remember(key: tuple, geometry: Geometry, plan: Plan, methods: list[Method], *,
             auto: bool) -> None:
    """Keep the decision of a call that ran ``methods[0]`` (or, for ``auto``, the first usable
    of the ranking ``methods``) on ``plan``; a ranking with a method that cannot run on another
    plan (no :attr:`Method.rerun`) is not kept."""
    if len(methods) == 1 and methods[0].again is not None:
        decided = _on_operands(geometry, methods[0], plan, key[0], key[2])
    elif methods and all(m.rerun is not None for m in methods):
        decided = _on_plans(geometry, methods, plan, auto)
    else:
        return
    if len(DECISIONS) >= KEPT:
        DECISIONS.clear()
    DECISIONS[key] = decided


def value_properties(plan: Plan) -> tuple[tuple[str, Any], ...]:
    """The value properties the pricing of ``plan`` read, with their values, but those its
    geometry decides (a float result is exact in floats; a kernel long on one axis has no
    factors to find)."""
    read = vars(plan)
    used = {name for name in VALUE_PROPERTIES if name in read}
    if "separable_weights" in read:  # the factors themselves were read: their taps decide
        used.add("separable_taps")
    if not plan.is_integer:
        used.discard("exact_in_float")
    if not plan.may_separate:
        used.discard("separable_taps")
    return tuple((name, getattr(plan, name)) for name in VALUE_PROPERTIES if name in used)


def _state() -> tuple:
    """What a priced choice rests on besides the call: the settings it read, the scipy
    modules loaded (their import is priced until they are)."""
    s = settings()
    return s.threads, s.fft, imported()


def _on_operands(geometry: Geometry, method: Method, plan: Plan, x_shape: tuple[int, ...],
                 k_shape: tuple[int, ...]) -> Decision:
    """The decision of a method chosen from the geometry alone, on a call's operands of
    ``x_shape`` and ``k_shape``."""
    again, name, operands = method.again, method.name, geometry.operands
    is_integer, out_dtype, scalar = plan.is_integer, plan.out_dtype, plan.scalar
    inexact = plan.weights.dtype.kind in "fc"
    as_is = not is_integer and not scalar
    flip = geometry.flip_index
    # The common case, a signal and a kernel of its dimensions convolved as they are: the
    # operands are the signal and the kernel reversed.
    reversed_kernel = (geometry.flip and not geometry.swapped and not geometry.scalar
                       and k_shape == geometry.kernel_shape and x_shape == geometry.x_shape)
    short = plan.weights.size <= SHORT_KERNEL and plan.weights.dtype.kind == "f"
    def decided(x: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, str]:
        if short:  # the finiteness check of a short real kernel, in Python floats
            if not isfinite(sum(k.ravel().tolist())):
                check_kernel_values(k)
        elif inexact:
            check_kernel_values(k)
        values = again(x, k[flip]) if reversed_kernel else again(*operands(x, k))
        if as_is and values.dtype == out_dtype and values.flags.c_contiguous:
            return values, name
        return finish(values, is_integer, out_dtype, scalar), name

    return decided


def _on_plans(geometry: Geometry, methods: list[Method], plan: Plan, auto: bool) -> Decision:
    read = value_properties(plan)
    steps = tuple((m.rerun, m.name, auto and m.spreads_nonfinite) for m in methods)
    boundary, fillvalue = plan.boundary, plan.fillvalue
    is_integer, out_dtype, scalar = plan.is_integer, plan.out_dtype, plan.scalar
    inexact = plan.weights.dtype.kind in "fc"
    state = _state()

    def decided(x: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, str] | None:
        if _state() != state:
            return None
        if inexact:
            check_kernel_values(k)
        p = geometry.plan(x, k, boundary, fillvalue)
        for prop, value in read:
            if getattr(p, prop) != value:
                return None
        for rerun, name, needs_finite in steps:
            if needs_finite and not p.finite:
                continue
            return finish(rerun(p), is_integer, out_dtype, scalar), name
        raise BackendError("no backend can run this case")

    return decided
