"""The Backend protocol: price a Plan, and hand back the method priced.

A backend computes one thing: the strided valid correlation a :class:`Plan` describes.
``estimate(plan)`` returns the :class:`Method` it would use — its predicted wall time on this
machine (from :mod:`convcli.engine.backends.costs`) and the call that computes it — so that
``auto`` runs exactly the method it priced. A backend that cannot run a plan raises
:class:`~convcli.errors.BackendError` from ``estimate``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from convcli.engine.plan import Plan


@dataclass(frozen=True)
class Method:
    """A priced way to compute a plan.

    ``name`` is ``backend:method``; ``run()`` returns the strided valid correlation in the
    plan's compute dtype. ``spreads_nonfinite``: one NaN or inf in the input would spread over
    the whole output (FFT methods), so ``auto`` skips it for such inputs. ``again``, when set:
    the backend priced and chose this method from the plan's geometry alone (no values), and
    ``again(x, weights)`` runs it on another plan's operands of the same geometry — the engine
    then reuses the choice for later calls of the same shapes, dtypes and options.
    ``rerun(plan)``, when set, runs this method on another plan of the same geometry (the
    engine reuses a priced ranking when the new plan's
    :data:`~convcli.engine.plan.VALUE_PROPERTIES` are the same); :meth:`on` sets it. A method
    whose price reads the arrays' values otherwise must leave it unset: a ranking holding it
    is then never remembered.
    """

    name: str
    seconds: float
    run: Callable[[], np.ndarray]
    spreads_nonfinite: bool = False
    again: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    rerun: Callable[[Plan], np.ndarray] | None = None

    @classmethod
    def on(cls, plan: Plan, name: str, seconds: float, compute: Callable[[Plan], np.ndarray],
           *, spreads_nonfinite: bool = False) -> Method:
        """The method ``compute`` of ``plan``, which must read the plan it is given only (so
        that it runs on any plan of the geometry): ``run()`` is ``compute(plan)``."""
        return cls(name, seconds, lambda: compute(plan), spreads_nonfinite, rerun=compute)


class Backend(Protocol):
    name: str

    def floor(self, plan: Plan) -> float:
        """The least any of its methods can cost (its fixed cost per call): ``auto`` need not
        price a backend whose floor is above a method it has priced already."""

    def estimate(self, plan: Plan) -> Method:
        """The method this backend would use for ``plan``, priced from the plan's geometry and
        its :data:`~convcli.engine.plan.VALUE_PROPERTIES` only."""


def strided_index(plan: Plan) -> tuple[slice, ...]:
    """The index that keeps every stride-th sample of a dense valid result."""
    return tuple(slice(None, None, s) for s in plan.stride)
