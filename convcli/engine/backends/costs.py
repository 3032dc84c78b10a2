"""The cost model's measured constants, in one table, and the FFT cost formula.

Every constant was measured on the 2-core reference machine (Python 3.11, numpy 2, scipy 1.1x)
by the benchmark named beside it: ``benchmarks/calibrate.py`` prints each backend's estimate
next to its measured time per method (the constants are set so the median ratio is ≈ 1), and
lists this table; ``benchmarks/engine.py`` checks the choices against numpy and scipy on the
issue's grid. As scipy.signal's ``_fftconv_faster`` does, the choice is a small table of
measured constants, not a chain of rules. A scipy module's first import is priced until the
process has loaded it (:func:`import_seconds`): the one process state a choice reads.

>>> COSTS["direct_tap_byte"].seconds
2.6e-10
>>> fft_seconds(1024.0, np.dtype(np.float64), scipy_fft=False, threads=1) > 0
True
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

CALIBRATE = "benchmarks/calibrate.py"
ENGINE = "benchmarks/engine.py"


@dataclass(frozen=True)
class Cost:
    """One measured constant: its value, what it is per, and the benchmark that measured it."""

    seconds: float
    per: str
    measured_by: str


COSTS: dict[str, Cost] = {
    # direct backend (numpy)
    "direct_call": Cost(20e-6, "call of the taps or separable method", CALIBRATE),
    "direct_tap_byte": Cost(0.26e-9, "tap × output byte, one core", CALIBRATE),
    "integer_tap_byte": Cost(0.1e-9, "addition (or multiplication) × output byte of the "
                             "integer taps, one core", CALIBRATE),
    "direct_separable_tap_byte": Cost(0.32e-9, "1-D tap × padded byte, one core", CALIBRATE),
    "copied_byte": Cost(0.3e-9, "byte of the padded copy of the input", CALIBRATE),
    "gather_tap_element": Cost(8e-9, "tap × output element gathered through the boundary's "
                               "index map", CALIBRATE),
    "numpy_correlate_call": Cost(1.5e-6, "numpy.correlate call (per line)", ENGINE),
    "numpy_correlate_mac": Cost(0.22e-9, "multiply-add of numpy.correlate, one core", CALIBRATE),
    "numpy_correlate_long_mac": Cost(0.13e-9, "multiply-add of numpy.correlate with more than "
                                     "LONG_DOT taps (long dot products vectorise better)",
                                     ENGINE),
    # fft backend (numpy.fft / scipy.fft)
    "fft_call": Cost(60e-6, "call of the fft backend", CALIBRATE),
    "fft_point_log": Cost(1.1e-9, "point × log2(points) of one real float32 transform",
                          CALIBRATE),
    "fft_float64_factor": Cost(1.6, "× for float64 transforms", CALIBRATE),
    "fft_complex_factor": Cost(3.0, "× for complex transforms", CALIBRATE),
    "scipy_fft_speedup": Cost(3.2, "÷ for scipy.fft's batched transforms, per core", CALIBRATE),
    "scipy_fft_import": Cost(0.25, "first import of scipy.fft", CALIBRATE),
    "overlap_add_blocks": Cost(1.15, "× per point for batched overlap-add blocks", ENGINE),
    # scipy backend (scipy.ndimage / scipy.signal)
    "scipy_call": Cost(50e-6, "call of the scipy backend", CALIBRATE),
    "ndimage_call": Cost(0.3e-3, "ndimage call: threads and slabs", CALIBRATE),
    "ndimage_mac": Cost(0.9e-9, "multiply-add of ndimage.correlate, one core", CALIBRATE),
    "ndimage_1d_mac": Cost(0.45e-9, "multiply-add of ndimage.correlate1d, one core", CALIBRATE),
    "signal_call": Cost(40e-6, "scipy.signal.fftconvolve/oaconvolve's own set-up per call",
                        ENGINE),
    "signal_fft_factor": Cost(0.7, "× scipy.fft time for signal.fftconvolve/oaconvolve (one "
                              "core, no workers)", CALIBRATE),
    "ndimage_import": Cost(0.2, "first import of scipy.ndimage", CALIBRATE),
    "signal_import": Cost(0.6, "first import of scipy.signal", CALIBRATE),
}


# The scipy modules a method may import, and the constant of each one's first import.
IMPORTS = {"scipy.fft": "scipy_fft_import", "scipy.ndimage": "ndimage_import",
           "scipy.signal": "signal_import"}

LONG_DOT = 128  # taps from which numpy.correlate's multiply-adds cost numpy_correlate_long_mac


def cost(name: str) -> float:
    """The value of one constant of :data:`COSTS`."""
    return COSTS[name].seconds


def import_seconds(module: str) -> float:
    """What running a method that needs ``module`` (one of :data:`IMPORTS`) adds for its
    import: the measured first import, or nothing once the process has loaded it.

    >>> import_seconds("scipy.signal") in (0.0, COSTS["signal_import"].seconds)
    True
    """
    return 0.0 if module in sys.modules else cost(IMPORTS[module])


def imported() -> int:
    """How many modules the process has loaded: the stand-in for which of :data:`IMPORTS` it
    has (their import is priced until they are), the one state besides the settings that a
    priced choice rests on. Any import prices a remembered choice again, the safe side, for
    0.03 µs a call where testing each name takes 0.4 µs."""
    return len(sys.modules)


def fft_seconds(points: float, dtype: np.dtype, *, scipy_fft: bool, threads: int) -> float:
    """Three transforms (input, kernel, inverse) of ``points`` points on ``threads`` cores:
    the one FFT cost formula (the fft backend, scipy.signal's FFT convolutions, and whether
    scipy.fft repays its import all use it)."""
    seconds = cost("fft_point_log") * points * max(1.0, math.log2(points)) * 3
    if dtype.kind == "c":
        seconds *= cost("fft_complex_factor")
    elif dtype.itemsize >= 8:
        seconds *= cost("fft_float64_factor")
    return seconds / (cost("scipy_fft_speedup") if scipy_fft else 1.0) / threads
