"""convolve() and correlate(): validate → plan → the priced method → cast the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from convcli.engine import backends as _backends
from convcli.engine.backends.auto import first_usable, ranking
from convcli.engine.decisions import finish, remember
from convcli.engine.plan import BOUNDARIES, MODES, call_geometry, make_plan
from convcli.errors import BackendError

__all__ = ["convolve", "correlate", "backends", "run", "Outcome", "BOUNDARIES", "MODES"]


@dataclass(frozen=True)
class Outcome:
    """An engine answer with the backend and method that computed it."""

    values: np.ndarray
    method: str


def backends() -> list[str]:
    """The names a ``backend=`` argument accepts.

    ``auto`` prices the call with every other backend's cost model and runs the cheapest.

    Returns
    -------
    list of str
        ``"auto"`` first, then each registered backend.

    Examples
    --------
    >>> backends()
    ['auto', 'direct', 'fft', 'scipy']
    """
    return _backends.names()


def run(in1: Any, in2: Any, mode: str = "full", *, flip: bool, backend: str = "auto",
        **options: Any) -> Outcome:
    """convolve (flip=True) or correlate (flip=False), reporting the method used."""
    if options.keys() <= _OPTIONS:
        return Outcome(*_compute(in1, in2, mode, flip, backend, **options))
    return Outcome(*_planned(in1, in2, mode, flip, backend, None, options))


_OPTIONS = frozenset(("axes", "boundary", "fillvalue", "origin", "stride", "dilation"))
_FILL, _ZERO, _ONE = "fill", 0, 1
_ndarray = np.ndarray
_DECISIONS = _backends.DECISIONS


def _compute(in1: Any, in2: Any, mode: str, flip: bool, backend: str, axes: Any = None,
             boundary: str = "fill", fillvalue: Any = 0, origin: Any = None, stride: Any = 1,
             dilation: Any = 1) -> tuple[np.ndarray, str]:
    """(values, method name). A call of two arrays is looked up by its signature first
    (:mod:`convcli.engine.decisions`): a repeated call runs its remembered decision."""
    key = None
    if type(in1) is _ndarray and type(in2) is _ndarray:
        key = (in1.shape, in1.dtype, in2.shape, in2.dtype, mode, flip, backend)
        # The defaults compared by identity (cheap: a 0.0 or a (1, 1) only takes the longer
        # key); other options join the key with their types (stride=2.0 is an error).
        if not (axes is origin is None and boundary is _FILL and fillvalue is _ZERO
                and stride is dilation is _ONE):
            key += (axes, boundary, fillvalue, origin, stride, dilation, type(axes),
                    type(origin), type(stride), type(dilation))
        try:
            decided = _DECISIONS.get(key)
        except TypeError:  # an option that cannot be a key (a list, an array)
            key = decided = None
        if decided is not None:
            answer = decided(in1, in2)
            if answer is not None:
                return answer
    options = dict(axes=axes, boundary=boundary, fillvalue=fillvalue, origin=origin,
                   stride=stride, dilation=dilation)
    return _planned(in1, in2, mode, flip, backend, key, options)


def _planned(in1: Any, in2: Any, mode: str, flip: bool, backend: str, key: tuple | None,
             options: dict[str, Any]) -> tuple[np.ndarray, str]:
    """(values, method name) of a call planned and priced; its decision is remembered under
    ``key`` (None: not remembered)."""
    if not isinstance(backend, str):
        raise BackendError(f"backend must be a name, one of {', '.join(backends())}",
                           option="backend")
    chosen = None if backend == "auto" else _backends.get(backend)
    if type(in1).__module__.startswith("dask"):  # a dask.array.Array: lazy, chunk by chunk
        from convcli.engine.chunked import convolve_dask
        return (convolve_dask(in1, in2, mode, flip=flip, backend=backend, **options),
                f"chunked:{backend}")
    plan = make_plan(in1, in2, mode, flip=flip, **options)
    if chosen is None:
        methods = ranking(plan)
        method = first_usable(methods, plan)
    else:
        method = chosen.estimate(plan)
        methods = [method]
    computed = method.run()
    values = finish(computed, plan.is_integer, plan.out_dtype, plan.scalar)
    if key is not None:
        geometry = call_geometry(in1, in2, mode, flip, options["axes"], options["boundary"],
                                 options["origin"], options["stride"], options["dilation"])
        remember(key, geometry, plan, methods, auto=chosen is None, finished=values is computed)
    return values, method.name


def convolve(in1: Any, in2: Any, mode: str = "full", *, backend: str = "auto", axes: Any = None,
             boundary: str = "fill", fillvalue: Any = 0, origin: Any = None, stride: Any = 1,
             dilation: Any = 1) -> np.ndarray:
    """True convolution (x * w)(t) = Σ_a x(a) w(t − a), the kernel flipped, as scipy.signal.

    Parameters
    ----------
    in1 : array_like
        The input: any number of dimensions, integer, float or complex.
    in2 : array_like
        The kernel, with as many dimensions as ``in1`` or as ``axes`` names.
    mode : {"full", "same", "valid"}
        "full": every overlap; "same": the size of ``in1``, centred as scipy does (or on
        ``origin``); "valid": only where the kernel lies wholly inside the input (a kernel
        larger than the input on every axis swaps with it, as in scipy).
    backend : str
        One of :func:`backends`; "auto" runs the cheapest by a measured cost model.
    axes : int or sequence of int, optional
        The axes to convolve over (default: all, or the last ones the kernel has); the
        others broadcast.
    boundary : {"fill", "reflect", "mirror", "nearest", "wrap"}
        How the input extends past its edges in "full"/"same": "fill" (``fillvalue``),
        "reflect" (d c b a | a b c d), "mirror" (d c b | a b c d), "nearest" (a a | a b),
        "wrap" (c d | a b c d) — scipy.ndimage's meanings.
    fillvalue : scalar
        The value beyond the edges for ``boundary="fill"``.
    origin : int or sequence of int, optional
        Per convolved axis, the kernel tap that lands on the output sample ("same" mode);
        None is scipy.signal's centring, tap (K−1)//2 (scipy.ndimage centres an even K on
        tap K//2: pass origin=K//2 to match it); 0 is causal.
    stride : int or sequence of int
        Keep every s-th output sample per axis.
    dilation : int or sequence of int
        Spread the kernel's taps d samples apart.

    Returns
    -------
    numpy.ndarray
        Integers in give integers out (numpy's wrapping), float32 stays float32; contiguous
        (in Fortran order for some Fortran-ordered inputs, as numpy's order="K" keeps it).

    Examples
    --------
    >>> import numpy as np
    >>> convolve([1, 2, 3], [0, 1, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve(np.arange(5), [1, 1, 1], "same", boundary="nearest")
    array([ 1,  3,  6,  9, 11])
    >>> convolve(np.ones((4, 4)), np.ones((2, 2)), "valid", stride=2)
    array([[4., 4.],
           [4., 4.]])
    """
    return _compute(in1, in2, mode, True, backend, axes, boundary, fillvalue, origin, stride,
                    dilation)[0]


def correlate(in1: Any, in2: Any, mode: str = "full", *, backend: str = "auto", axes: Any = None,
              boundary: str = "fill", fillvalue: Any = 0, origin: Any = None, stride: Any = 1,
              dilation: Any = 1) -> np.ndarray:
    """Cross-correlation Σ_a x(t + a) conj(w(a)): no flip, as scipy.signal.correlate.

    Parameters
    ----------
    in1, in2, mode, backend, axes, boundary, fillvalue, stride, dilation
        As for :func:`convolve`.
    origin : int or sequence of int, optional
        The tap that lands on the output sample (None: tap K//2, scipy's centring).

    Returns
    -------
    numpy.ndarray
        ``correlate(x, k) == convolve(x, flip(conj(k)))``.

    Examples
    --------
    >>> correlate([1, 2, 3], [0, 1, 0.5])
    array([0.5, 2. , 3.5, 3. , 0. ])
    >>> correlate([0, 0, 1, 0, 0], [1, 2, 3], "same")
    array([0, 3, 2, 1, 0])
    """
    return _compute(in1, in2, mode, False, backend, axes, boundary, fillvalue, origin, stride,
                    dilation)[0]
