"""The engine's vocabulary: every name an option accepts, in one place and without numpy.

The engine validates against these tuples and the command line offers them as its choices, so
the two can never disagree. It lives outside ``convcli.engine`` because importing anything in
that package runs its ``__init__`` (numpy and every backend, ~0.12 s), which ``convcli --help``
and shell completion must not pay; ``convcli.engine.names`` re-exports it for engine code.
``ALIASES`` maps the names other tools use for the same thing (scipy.ndimage, numpy.pad,
OpenCV, astropy, MATLAB) to ours, for "did you mean" hints.

>>> "nearest" in BOUNDARIES and "same" in MODES
True
>>> ALIASES["boundary"]["constant"]
'fill'
"""

from __future__ import annotations

MODES = ("full", "same", "valid")
BOUNDARIES = ("fill", "reflect", "mirror", "nearest", "wrap")
STREAMABLE_BOUNDARIES = ("fill", "nearest", "reflect", "mirror")  # need only a signal's start
BACKENDS = ("direct", "fft", "scipy")  # registered in engine/__init__; "auto" picks among them
BACKEND_CHOICES = ("auto", *BACKENDS)
NAN_POLICIES = ("ignore", "propagate", "zero", "error")
POOL_OPS = ("max", "min", "mean", "sum", "l2", "median")
POOL_NAN = ("ignore", "propagate")  # missing cells in a pooling window: skipped or spread

# Other tools' names → ours, per kind of choice.
ALIASES: dict[str, dict[str, str]] = {
    "boundary": {
        "constant": "fill", "zero": "fill", "zeros": "fill", "pad": "fill",   # scipy, numpy
        "grid-constant": "fill", "background": "fill",
        "edge": "nearest", "replicate": "nearest", "extend": "nearest",      # numpy, cv2, astropy
        "clamp": "nearest", "border": "nearest",
        "symmetric": "reflect", "symm": "reflect", "half-sample": "reflect",  # numpy, scipy.signal
        "reflect101": "mirror", "reflect_101": "mirror", "reflect-101": "mirror",  # OpenCV
        "grid-mirror": "reflect", "whole-sample": "mirror",
        "circular": "wrap", "periodic": "wrap", "tile": "wrap", "grid-wrap": "wrap",
    },
    "mode": {"shape": "same", "valid-only": "valid", "complete": "full"},
    "nan": {"omit": "ignore", "skip": "ignore", "interpolate": "ignore", "fill": "zero",
            "raise": "error", "keep": "propagate"},
    "op": {"average": "mean", "avg": "mean", "maximum": "max", "minimum": "min", "total": "sum",
           "add": "sum", "rms": "l2", "norm": "l2", "lp": "l2", "med": "median"},
    "backend": {"numpy": "direct", "naive": "direct", "fftconvolve": "fft", "ndimage": "scipy"},
}
