"""Missing samples (NaN) in a signal: the policies of ``convcli smooth --nan``.

- ``ignore``: normalised convolution, as astropy.convolution does it — a missing sample gets
  zero weight and the present ones are renormalised: s = (x₀ * w) / (m * w) · Σw, with x₀ the
  input with NaN set to 0 and m the mask of present samples. A kernel that sums to zero (a
  derivative) is not renormalised: missing samples just weigh nothing. A missing input sample
  stays missing in the output unless ``fill_gaps``; an output with no present sample under the
  kernel is NaN. Samples beyond the edges (the boundary rule) count as present, so an output
  depends only on the samples its window covers.
- ``propagate``: NaN spreads to every output whose window holds it.
- ``zero``: missing samples count as 0.
- ``error``: a missing sample is an error naming its (0-based) position.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convcli.engine import Outcome, run
from convcli.engine.names import NAN_POLICIES
from convcli.errors import InputError

POLICIES = NAN_POLICIES


def convolve_missing(x: np.ndarray, kernel: np.ndarray, mode: str, *, policy: str,
                     fill_gaps: bool = False, flip: bool = True, **options: Any) -> Outcome:
    """Convolve ``x`` (float, may hold NaN) under a missing-value policy; engine options pass
    through unchanged."""
    if policy not in POLICIES:
        raise InputError(f"unknown --nan policy {policy!r}; choose one of {', '.join(POLICIES)}")
    if policy == "propagate":  # no look at the data (a Dask array stays lazy)
        return run(x, kernel, mode, flip=flip, **options)
    missing = np.isnan(x)
    if not missing.any():
        return run(x, kernel, mode, flip=flip, **options)
    if policy == "error":
        first = np.unravel_index(int(np.argmax(missing)), x.shape)
        raise InputError(f"missing value at row {first[0] + 1}" +
                         (f", column {first[1] + 1}" if len(first) > 1 else "") +
                         " (--nan error)")
    filled = np.where(missing, 0.0, x)
    outcome = run(filled, kernel, mode, flip=flip, **options)
    if policy == "zero":
        return outcome
    total = float(np.sum(kernel).real)
    if abs(total) <= 1e-12 * float(np.sum(np.abs(kernel))):
        values = outcome.values
    else:
        # Samples beyond the edges are present ones: under "fill" they carry weight 1.
        weight = run((~missing).astype(x.dtype), kernel, mode, flip=flip,
                     **{**options, "fillvalue": 1.0}).values
        with np.errstate(divide="ignore", invalid="ignore"):
            values = outcome.values * (total / weight)
        values[np.abs(weight) <= 1e-12 * float(np.sum(np.abs(kernel)))] = np.nan
    if not fill_gaps and values.shape == x.shape:
        values = np.where(missing, np.nan, values)
    return Outcome(values, outcome.method)
