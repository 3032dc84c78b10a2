"""Missing samples (NaN) in a signal: the missing-value policies, as primitives that the
batch call (:func:`convolve_missing`) and the stream (:mod:`convcli.engine.stream`) share.

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
from convcli.engine.tolerances import sums_to_zero, zero_scale
from convcli.errors import InputError

POLICIES = NAN_POLICIES


def check_policy(policy: str) -> None:
    """Refuse an unknown policy name, listing the valid ones."""
    if policy not in POLICIES:
        raise InputError(f"unknown missing-value policy {policy!r}; choose one of "
                         f"{', '.join(POLICIES)}", option="nan")


def refuse_missing(missing: np.ndarray, first_row: int = 0) -> None:
    """The ``error`` policy: name the first missing sample (1-based row, and column for a
    table; ``first_row`` rows came before ``missing``)."""
    if not missing.any():
        return
    first = np.unravel_index(int(np.argmax(missing)), missing.shape)
    raise InputError(f"missing value at row {first_row + first[0] + 1}" +
                     (f", column {first[1] + 1}" if len(first) > 1 else ""),
                     option="nan", value="error")


def zero_filled(x: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """The samples with the missing ones set to 0 (the ``zero`` policy, and x₀ of ``ignore``)."""
    return np.where(missing, 0.0, x)


def renormalised(values: np.ndarray, weight: np.ndarray, kernel: Any) -> np.ndarray:
    """``ignore``'s renormalisation: (x₀ * w) / (m * w) · Σw, NaN where no present sample
    weighs (|m * w| within rounding of zero). In place on ``values``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        values *= float(np.sum(kernel).real) / weight
    values[np.abs(weight) <= zero_scale(kernel)] = np.nan
    return values


def convolve_missing(x: np.ndarray, kernel: np.ndarray, mode: str, *, policy: str,
                     fill_gaps: bool = False, flip: bool = True, **options: Any) -> Outcome:
    """Convolve ``x`` (float, may hold NaN) under a missing-value policy; engine options pass
    through unchanged."""
    check_policy(policy)
    if policy == "propagate":  # no look at the data (a Dask array stays lazy)
        return run(x, kernel, mode, flip=flip, **options)
    missing = np.isnan(x)
    if not missing.any():
        return run(x, kernel, mode, flip=flip, **options)
    if policy == "error":
        refuse_missing(missing)
    outcome = run(zero_filled(x, missing), kernel, mode, flip=flip, **options)
    if policy == "zero":
        return outcome
    values = outcome.values
    if not sums_to_zero(kernel):
        # Samples beyond the edges are present ones: under "fill" they carry weight 1.
        weight = run((~missing).astype(x.dtype), kernel, mode, flip=flip,
                     **{**options, "fillvalue": 1.0}).values
        values = renormalised(values, weight, kernel)
    if not fill_gaps and values.shape == x.shape:
        values = np.where(missing, np.nan, values)
    return Outcome(values, outcome.method)
