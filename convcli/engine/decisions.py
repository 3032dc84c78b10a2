"""Decisions remembered by call signature: a repeated call is neither validated nor priced again.

A call's signature — its operands' shapes and dtypes, the mode, the options and the backend —
decides its geometry (:func:`convcli.engine.plan.call_geometry`, where every option check is).
The method chosen for it rests on that geometry, on the few value properties its pricing read
(:data:`convcli.engine.plan.VALUE_PROPERTIES`: the kernel's non-zero taps, a rank-1 kernel's
factors, an integer result's exactness in floats), and on the settings and the modules loaded
(any import prices it again). A remembered decision is used only while all of them are the
same; otherwise the call is planned and priced afresh, and its decision replaces the old one.
Kept in two forms:

- **on operands**: the method was chosen from the geometry alone (numpy.correlate on a
  signal too short for any other backend to pay its fixed cost): the call checks the kernel's
  values and runs it, without building a Plan;
- **on plans**: the call's Plan is built from the geometry (no checks), its value properties
  compared, and the first method of the remembered ranking that can run it runs (for
  ``auto``, an FFT method only for a finite input, as :func:`~.backends.auto.first_usable`).

Both keep the last short kernel they ran with (:class:`_LastKernel`): called again with the
same kernel bytes, a decision skips the kernel's checks and runs on its contiguous operand.

The table (:data:`convcli.engine.backends.DECISIONS`, emptied when a backend registers) holds
at most :data:`KEPT` signatures. Threads may share it: a dict's reads and writes are atomic
and a decision replaces its last kernel in one assignment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from convcli.engine.backends import DECISIONS
from convcli.engine.backends.base import Method
from convcli.engine.backends.costs import imported
from convcli.engine.plan import (
    KERNEL_PROPERTIES,
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
             auto: bool, finished: bool) -> None:
    """Keep the decision of a call that ran ``methods[0]`` (or, for ``auto``, the first usable
    of the ranking ``methods``) on ``plan``; a ranking with a method that cannot run on another
    plan (no :attr:`Method.rerun`) is not kept. ``finished``: the method's values needed no
    :func:`finish` (the dtype and layout of a method's fresh output are its signature's)."""
    if len(methods) == 1 and methods[0].again is not None:
        decided = _on_operands(geometry, methods[0], plan, key[0], finished)
    elif methods and all(m.rerun is not None for m in methods):
        decided = _on_plans(geometry, methods, plan, key[0], auto)
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
    """What a priced choice rests on besides the call: the settings it read, the modules
    loaded (a scipy module's import is priced until it is)."""
    s = settings()
    return s.threads, s.fft, imported()


REMEMBERED_KERNEL = 512  # taps: a decision keeps the operand of a kernel up to this size


class _LastKernel:
    """The last kernel a decision ran with, known by its bytes (the signature fixes its shape
    and dtype): found finite, its value properties matched, and its operand in correlation
    order kept as a contiguous copy, never the caller's memory. A program calling again with
    one kernel then pays a copy of its bytes and a comparison for the check, and no flip:
    numpy.correlate copies a reversed view on every call (6 µs of 50 for K=501)."""

    __slots__ = ("raw", "operand")

    def __init__(self, raw: bytes | None = None, operand: np.ndarray | None = None) -> None:
        self.raw, self.operand = raw, operand

    @staticmethod
    def kept(geometry: Geometry, plan: Plan, x_shape: tuple[int, ...]) -> bool:
        """Whether a decision keeps its kernels: short, not swapped, the input as it is."""
        return (plan.weights.size <= REMEMBERED_KERNEL and not geometry.swapped
                and not geometry.scalar and x_shape == geometry.x_shape)

    @staticmethod
    def of(raw: bytes, operand: np.ndarray) -> _LastKernel:
        """The kept kernel: a read-only contiguous copy of ``operand``, known by ``raw``."""
        copy = np.array(operand, order="C")
        copy.setflags(write=False)
        return _LastKernel(raw, copy)


def _on_operands(geometry: Geometry, method: Method, plan: Plan, x_shape: tuple[int, ...],
                 finished: bool) -> Decision:
    """The decision of a method chosen from the geometry alone, on a call's operands of
    ``x_shape`` (``finished``: its values need no :func:`finish`)."""
    again, name, operands = method.again, method.name, geometry.operands
    is_integer, out_dtype, scalar = plan.is_integer, plan.out_dtype, plan.scalar
    kept, kernel_operand = _LastKernel.kept(geometry, plan, x_shape), geometry.kernel_operand
    last = _LastKernel()

    def decided(x: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, str]:
        nonlocal last
        if kept:
            raw, known = k.tobytes(), last  # read once: another thread may replace it
            if raw != known.raw:
                check_kernel_values(k)
                known = last = _LastKernel.of(raw, kernel_operand(k))
            values = again(x, known.operand)
        else:
            check_kernel_values(k)
            values = again(*operands(x, k))
        return (values if finished else finish(values, is_integer, out_dtype, scalar)), name

    return decided


def _on_plans(geometry: Geometry, methods: list[Method], plan: Plan, x_shape: tuple[int, ...],
              auto: bool) -> Decision:
    """The decision of a priced ranking ``methods``, run on each call's Plan while the value
    properties and the state it was priced on hold."""
    read = value_properties(plan)
    of_input = tuple((prop, value) for prop, value in read if prop not in KERNEL_PROPERTIES)
    steps = tuple((m.rerun, m.name, auto and m.spreads_nonfinite) for m in methods)
    boundary, fillvalue = plan.boundary, plan.fillvalue
    is_integer, out_dtype, scalar = plan.is_integer, plan.out_dtype, plan.scalar
    kept = _LastKernel.kept(geometry, plan, x_shape)
    last = _LastKernel()
    state = _state()

    def decided(x: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, str] | None:
        nonlocal last
        if _state() != state:
            return None
        raw, known = (k.tobytes() if kept else None), last
        hit = raw is not None and raw == known.raw  # the last kernel: its properties matched
        if hit:
            p, checks = geometry.plan(x, k, boundary, fillvalue, known.operand), of_input
        else:
            check_kernel_values(k)
            p, checks = geometry.plan(x, k, boundary, fillvalue), read
        for prop, value in checks:
            if getattr(p, prop) != value:
                return None
        if raw is not None and not hit:  # the plan's kernel is the call's, in correlation order
            last = _LastKernel.of(raw, p.weights)
        for rerun, name, needs_finite in steps:
            if needs_finite and not p.finite:
                continue
            return finish(rerun(p), is_integer, out_dtype, scalar), name
        raise BackendError("no backend can run this case")

    return decided
