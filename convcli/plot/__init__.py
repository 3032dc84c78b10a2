"""Figures of what a filter does (matplotlib, the ``plot`` extra), and kernel responses.

:mod:`convcli.plot.response` computes frequency responses with numpy alone (``kernels show
--response`` prints them as text); :mod:`convcli.plot.time_axis` reads a time column's step;
:mod:`convcli.plot.figures` draws the before/after, kernel and response figures from data a
job already has — it never runs a convolution itself. matplotlib is imported only when a
figure is drawn.
"""

from __future__ import annotations

from convcli.errors import ConvcliError

EXTRA_HINT = "plots need matplotlib: pip install 'convcli[plot]'"


def require_matplotlib() -> None:
    """Raise one clear ConvcliError naming the ``plot`` extra unless matplotlib imports."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConvcliError(EXTRA_HINT) from None
