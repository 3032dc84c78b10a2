"""The auto backend: price the plan with every backend, run the cheapest usable method
(``first_usable(ranking(plan), plan)``; the engine keeps the ranking for repeated calls).

Each backend's estimate is a small cost model whose measured constants (seconds per
multiply-add, per FFT point·log2, per call, the first import of a scipy module) are in
:mod:`convcli.engine.backends.costs`. The model knows separability (a rank-1 kernel costs ΣK
taps, not ΠK), boundaries (ndimage pads natively; FFT must pad for anything but zeros) and
start-up (importing scipy.signal costs more than a small convolution). FFT methods spread
NaN/inf over the whole output, so they are skipped when the input is not finite.
"""

from __future__ import annotations

from dataclasses import replace

from convcli.engine.backends import available
from convcli.engine.backends.base import Method
from convcli.engine.plan import Plan
from convcli.errors import BackendError


def ranking(plan: Plan) -> list[Method]:
    """The methods priced for this plan, cheapest first (ties: the backend's name).

    Backends are priced cheapest floor first (a floor is a backend's fixed cost per call),
    and pricing stops once a finite-safe method costs less than every floor left: a small
    input pays for one estimate, not three. A method keeps its :attr:`Method.again` only
    when it was the one backend priced (the choice then rests on the geometry alone).
    """
    ranked, priced = [], 0
    candidates = sorted((backend.floor(plan), name, backend)
                        for name, backend in available().items())
    for floor, name, backend in candidates:
        if any(seconds <= floor and not method.spreads_nonfinite
               for seconds, _, method in ranked):
            break
        priced += 1
        try:
            method = backend.estimate(plan)
        except BackendError:  # this backend cannot run the plan
            continue
        ranked.append((method.seconds, name, method))
    ranked.sort(key=lambda r: (r[0], r[1]))
    methods = [method for _, _, method in ranked]
    if priced > 1:
        methods = [replace(m, again=None) if m.again is not None else m for m in methods]
    return methods


def first_usable(methods: list[Method], plan: Plan) -> Method:
    """The first of ``methods`` that can run the plan: FFT methods (which spread a NaN or inf
    over the whole output) only for a finite input."""
    for method in methods:
        if not (method.spreads_nonfinite and not plan.finite):
            return method
    raise BackendError("no backend can run this case")
