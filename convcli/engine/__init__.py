"""convolve() and correlate(): validate → plan → dispatch to a backend → cast the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from convcli.engine import backend as _registry
from convcli.engine.auto import AutoBackend
from convcli.engine.backend import Backend
from convcli.engine.direct import DirectBackend
from convcli.engine.fft import FFTBackend
from convcli.engine.plan import BOUNDARIES, MODES, Plan, make_plan
from convcli.engine.scipy_backend import ScipyBackend

_registry.register(DirectBackend())
_registry.register(FFTBackend())
_registry.register(ScipyBackend())
_AUTO = AutoBackend()

__all__ = ["convolve", "correlate", "backends", "run", "Outcome", "BOUNDARIES", "MODES"]


@dataclass(frozen=True)
class Outcome:
    """An engine answer with the backend and method that computed it."""

    values: np.ndarray
    method: str


def backends() -> list[str]:
    """The names a ``backend=`` argument accepts."""
    return ["auto", *_registry.available()]


def _backend(name: str) -> Backend:
    return _AUTO if name == "auto" else _registry.get(name)


def _finish(values: np.ndarray, plan: Plan) -> np.ndarray:
    """The result in its dtype, contiguous: integers from float paths are rounded first, and
    wrap as numpy's integers do."""
    if plan.is_integer and values.dtype.kind in "fc":
        values = np.rint(values.real).astype(np.int64)
    return np.ascontiguousarray(values, dtype=plan.out_dtype)


_SHORTCUT_DEFAULTS = {"axes": None, "boundary": "fill", "fillvalue": 0, "origin": None,
                      "stride": 1, "dilation": 1}
_SHORTCUT_MAX_MACS = 1 << 22


def _is_default(value: Any, default: Any) -> bool:
    return value is default or (np.ndim(value) == 0 and value == default)


def _numpy_shortcut(in1, in2, mode, flip, backend, options) -> np.ndarray | None:
    """scipy.signal's own shortcut: two small 1-D arrays with scipy's defaults go straight to
    numpy.convolve (the direct sum), skipping the planner's fixed cost. None otherwise."""
    if (backend not in ("auto", "direct") or type(in1) is not np.ndarray
            or type(in2) is not np.ndarray or in1.ndim != 1 or in2.ndim != 1
            or in1.dtype.kind not in "fc" or in2.dtype.kind not in "fc"
            or mode not in MODES or in1.size == 0 or in2.size == 0
            or in1.size * in2.size > _SHORTCUT_MAX_MACS
            or not all(_is_default(options.get(k, v), v) for k, v in _SHORTCUT_DEFAULTS.items())):
        return None
    if mode != "full" and in1.size < in2.size:
        return None
    if not np.isfinite(in2).all():
        return None  # let the planner raise its error
    kernel = in2 if flip else np.conj(in2[::-1])
    return np.convolve(in1, kernel, mode)


def run(in1: Any, in2: Any, mode: str = "full", *, flip: bool, backend: str = "auto",
        **options: Any) -> Outcome:
    """convolve (flip=True) or correlate (flip=False), reporting the method used."""
    chosen = _backend(backend) if isinstance(backend, str) else None
    if chosen is None:
        raise _registry.BackendError(
            f"backend must be a name, one of {', '.join(backends())}")
    if type(in1).__module__.startswith("dask"):  # a dask.array.Array: lazy, chunk by chunk
        from convcli.engine.chunked import convolve_dask
        return Outcome(convolve_dask(in1, in2, mode, flip=flip, backend=backend, **options),
                       f"chunked:{backend}")
    shortcut = _numpy_shortcut(in1, in2, mode, flip, backend, options)
    if shortcut is not None:
        return Outcome(shortcut, "direct:numpy.convolve")
    plan = make_plan(in1, in2, mode, flip=flip, **options)
    if isinstance(plan, np.ndarray):
        return Outcome(plan, "scalar product")
    result = chosen.run(plan)
    method = result.method if backend == "auto" else f"{backend}:{result.method}"
    return Outcome(_finish(result.values, plan), method)


def convolve(in1: Any, in2: Any, mode: str = "full", *, backend: str = "auto", axes: Any = None,
             boundary: str = "fill", fillvalue: Any = 0, origin: Any = None, stride: Any = 1,
             dilation: Any = 1) -> np.ndarray:
    """True convolution (x * w)(t) = Σ_a x(a) w(t − a), the kernel flipped, as scipy.signal.

    ``mode`` "full", "same" (centred on ``in1`` as scipy does, or on ``origin``) or "valid";
    ``boundary`` extends the input past its edges for "full"/"same": "fill" (``fillvalue``),
    "reflect" (d c b a | a b c d), "mirror" (d c b | a b c d), "nearest" (a a | a b), "wrap"
    (c d | a b c d) — scipy.ndimage's meanings. ``origin``: per convolved axis, the kernel tap
    that lands on the output sample ("same" mode); None is scipy.signal's centring, tap (K−1)//2
    (for an even K, scipy.ndimage.convolve centres on tap K//2: pass origin=K//2 to match it);
    0 is causal. ``axes``: the axes to convolve over; the others broadcast (a kernel with fewer
    dimensions than the input names them by ``axes``). ``stride`` keeps every s-th output;
    ``dilation`` spreads the taps d apart. ``backend``: one of :func:`backends`.
    Integers in give integers out (numpy's wrapping), float32 stays float32, complex works.
    """
    return run(in1, in2, mode, flip=True, backend=backend, axes=axes, boundary=boundary,
               fillvalue=fillvalue, origin=origin, stride=stride, dilation=dilation).values


def correlate(in1: Any, in2: Any, mode: str = "full", *, backend: str = "auto", axes: Any = None,
              boundary: str = "fill", fillvalue: Any = 0, origin: Any = None, stride: Any = 1,
              dilation: Any = 1) -> np.ndarray:
    """Cross-correlation Σ_a x(t + a) conj(w(a)): no flip, as scipy.signal.correlate.

    The same parameters as :func:`convolve`; ``origin`` is the tap that lands on the output
    sample (None: tap K//2, scipy's centring). correlate(x, k) == convolve(x, flip(conj(k))).
    """
    return run(in1, in2, mode, flip=False, backend=backend, axes=axes, boundary=boundary,
               fillvalue=fillvalue, origin=origin, stride=stride, dilation=dilation).values
