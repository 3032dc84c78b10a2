"""The auto backend: ask every backend what the plan would cost, run the cheapest.

Each backend's estimate is a small cost model whose constants (seconds per multiply-add, per
FFT point·log2, per call, and the first import of a scipy module) were measured on the 2-core
reference machine by ``benchmarks/calibrate.py``; ``benchmarks/engine.py`` checks the choices
against every numpy/scipy peer on the issue's grid. The model knows separability (a rank-1 kernel
costs ΣK taps, not ΠK), boundaries (ndimage pads natively; FFT must pad for anything but zeros)
and start-up (importing scipy.signal costs more than a small convolution). FFT methods spread
NaN/inf over the whole output, so they are skipped when the input is not finite.
"""

from __future__ import annotations

import numpy as np

from convcli.engine.backend import Backend, Estimate, Result, available
from convcli.engine.plan import Plan
from convcli.errors import BackendError


def choose(plan: Plan) -> tuple[Backend, Estimate]:
    """The backend and method with the lowest estimated time for this plan."""
    ranked = []
    for backend in available().values():
        estimate = backend.estimate(plan)
        if estimate is not None:
            ranked.append((estimate.seconds, backend.name, backend, estimate))
    ranked.sort(key=lambda r: (r[0], r[1]))
    finite = None
    for _, _, backend, estimate in ranked:
        if estimate.spreads_nonfinite:
            if finite is None:
                finite = bool(np.all(np.isfinite(plan.x)))
            if not finite:
                continue
        return backend, estimate
    raise BackendError("no backend can run this case")


class AutoBackend:
    name = "auto"
    description = "picks the fastest backend and method by a measured cost model"

    def estimate(self, plan: Plan) -> Estimate:
        return choose(plan)[1]

    def run(self, plan: Plan) -> Result:
        backend, _ = choose(plan)
        result = backend.run(plan)
        return Result(result.values, f"{backend.name}:{result.method}")
