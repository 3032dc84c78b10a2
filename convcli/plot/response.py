"""Frequency responses of kernels, with numpy alone.

For a 1-D kernel with weights w and origin o (s(t) = Σ_j w[j] x(t + o − j)), the response is
H(f) = Σ_j w[j] e^{−2πi f j} — ``scipy.signal.freqz(w)`` at ω = 2πf — and the filter delays
frequency f by the group delay τ(f) = −dφ/dω of H minus o samples (0 for a centred symmetric
kernel, ≈ τ for the causal exponential at low frequencies). Frequencies are in cycles per
sample, 0…0.5 (Nyquist); divide by the sample step for cycles per time unit.
"""

from __future__ import annotations

import numpy as np

FLOOR_DB = -120.0
"""Magnitudes below this (in dB relative to 1) are shown at this floor."""


def frequencies(count: int = 512) -> np.ndarray:
    """``count`` frequencies from 0 to 0.5 cycles/sample, both ends included.

    >>> frequencies(5)
    array([0.   , 0.125, 0.25 , 0.375, 0.5  ])
    """
    return np.linspace(0.0, 0.5, count)


def response_1d(taps: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """H(f) = Σ_j taps[j] e^{−2πi f j} at each frequency (cycles/sample).

    >>> np.round(abs(response_1d(np.array([0.25, 0.5, 0.25]), frequencies(3))), 6)
    array([1. , 0.5, 0. ])
    """
    taps = np.asarray(taps)
    j = np.arange(taps.size)
    return np.exp(-2j * np.pi * np.outer(freqs, j)) @ taps


def group_delay(taps: np.ndarray, freqs: np.ndarray, origin: int = 0) -> np.ndarray:
    """The delay in samples at each frequency, −dφ/dω − ``origin``; NaN where |H| ≈ 0.

    Computed exactly as Re(Σ j·w[j] e^{−iωj} / Σ w[j] e^{−iωj}), as scipy.signal.group_delay.

    >>> np.round(group_delay(np.array([1.0, 2.0, 1.0]), frequencies(3), origin=1), 12)
    array([ 0.,  0., nan])
    """
    taps = np.asarray(taps)
    j = np.arange(taps.size)
    phasors = np.exp(-2j * np.pi * np.outer(freqs, j))
    h = phasors @ taps
    dh = phasors @ (j * taps)
    small = np.abs(h) <= 1e-6 * max(float(np.abs(taps).sum()), 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        delay = np.real(dh / h) - origin
    delay[small] = np.nan
    return delay


def to_db(magnitude: np.ndarray) -> np.ndarray:
    """20·log10 |H|, floored at :data:`FLOOR_DB`.

    >>> to_db(np.array([1.0, 0.1, 0.0]))
    array([   0.,  -20., -120.])
    """
    with np.errstate(divide="ignore"):
        db = 20.0 * np.log10(np.abs(magnitude))
    return np.maximum(db, FLOOR_DB)


def response_2d(values: np.ndarray, size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """|H(fy, fx)| on a ``size``×``size`` grid (zero frequency in the middle) and its axis.

    Frequencies run from −0.5 to just below 0.5 cycles/pixel on both axes (``numpy.fft``'s
    grid, shifted); rows are fy, columns fx.

    >>> mag, f = response_2d(np.ones((3, 3)) / 9, size=4)
    >>> f
    array([-0.5 , -0.25,  0.  ,  0.25])
    >>> float(mag[2, 2])
    1.0
    """
    size = max(size, *values.shape)
    spectrum = np.fft.fft2(np.asarray(values), s=(size, size))
    freqs = np.fft.fftshift(np.fft.fftfreq(size))
    return np.fft.fftshift(np.abs(spectrum)), freqs
