"""convcli: convolution for signals and images, from Python and the command line.

The names below load on first use, so that ``convcli --help`` does not pay for numpy.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"
__all__ = ["convolve", "correlate", "backends", "Kernel", "parse_kernel", "ConvcliError",
           "__version__"]

_HOMES = {
    "convolve": "convcli.engine",
    "correlate": "convcli.engine",
    "backends": "convcli.engine",
    "Kernel": "convcli.kernels",
    "parse_kernel": "convcli.kernels",
    "ConvcliError": "convcli.errors",
}


def __getattr__(name: str):
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value  # found once: later look-ups skip this function
        return value
    raise AttributeError(f"module 'convcli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
