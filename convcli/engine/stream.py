"""Convolving a signal that arrives in blocks, in constant memory (overlap-save).

The geometry is the batch plan's (:func:`make_plan`): a strided valid correlation of the
input padded by ``(before, after)`` rows. :class:`StreamConvolver` keeps only the padded
rows that later outputs still need, computes every output whose window has arrived with the
engine (``mode="valid"`` on history + block), and pads the end by the boundary rule in
:meth:`StreamConvolver.finish`.

- The left padding is placed once the first rows have come: one row for ``fill`` and
  ``nearest``, ``before + 1`` rows for ``reflect`` and ``mirror``. ``wrap`` needs the end of
  the signal at its start, so it cannot stream: the constructor raises InputError.
- A signal that ends before any output was returned is convolved whole, by the batch call.
- ``nan`` takes the policies of :mod:`convcli.engine.missing`, with the same results (under
  ``ignore``, outputs returned before the first missing value are not renormalised; the batch
  call renormalises them by Σw/Σw, which may differ in the last bit).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from convcli.engine import run
from convcli.engine.missing import (
    check_policy,
    convolve_missing,
    refuse_missing,
    renormalised,
    zero_filled,
)
from convcli.engine.names import STREAMABLE_BOUNDARIES  # noqa: F401  (the stream's, named here)
from convcli.engine.plan import make_plan
from convcli.engine.tolerances import sums_to_zero
from convcli.errors import InputError


class StreamConvolver:
    """Convolve (or correlate) the columns of a signal fed in blocks of rows.

    ``feed`` takes a rows × columns float array (NaN allowed) and returns the output rows
    that are now determined, in order; ``finish`` returns the rest. Together they equal
    ``convolve_missing(x, kernel, mode, axes=0, …)`` on the whole signal within the engine's
    tolerance. The arguments are those of that call; ``origin``, ``stride`` and ``dilation``
    are for the one convolved axis.
    """

    def __init__(self, kernel: Any, *, mode: str = "same", flip: bool = True,
                 backend: str = "auto", boundary: str = "fill", fillvalue: float = 0.0,
                 origin: Any = None, stride: Any = 1, dilation: Any = 1,
                 nan: str = "propagate", fill_gaps: bool = False) -> None:
        kernel = np.asarray(kernel)
        check_policy(nan)
        if boundary == "wrap":
            raise InputError(
                "boundary 'wrap' cannot stream: it needs the end of the signal before the "
                "first output; convolve the whole signal at once instead", option="stream",
                value="off")
        # The geometry, planned on a stand-in long enough for any kernel (no data read).
        stand_in = np.broadcast_to(np.zeros(()), (max(1, kernel.size * int(np.max(dilation))), 1))
        self._plan = make_plan(stand_in, kernel, mode, flip=flip, axes=0, boundary=boundary,
                               fillvalue=fillvalue, origin=origin, stride=stride,
                               dilation=dilation, budget=False)
        self._taps = self._plan.kernel_shape[0]
        self._before, self._after = self._plan.pad[0]
        self._stride = self._plan.stride[0]
        self._valid = {"flip": flip, "backend": backend, "axes": 0, "dilation": dilation}
        self._batch = {"mode": mode, "flip": flip, "backend": backend, "axes": 0,
                       "boundary": boundary, "fillvalue": fillvalue, "origin": origin,
                       "stride": stride, "dilation": dilation}
        self._kernel = kernel
        self._nan = nan
        self._fill_gaps = fill_gaps
        self._renormalises = not sums_to_zero(kernel)
        self._need = self._before + 1 if boundary in ("reflect", "mirror") else 1
        if not self.rows_preserved:  # a short signal may keep its length (batch then masks)
            self._need = max(self._need, self._taps + self._stride + 1)
        self._columns: int | None = None
        self._buf = np.empty((0, 0))
        self._start = 0  # padded-row index of self._buf[0]
        self._next = 0  # padded-row index of the next output's window
        self._rows = 0
        self._emitted = 0
        self._padded = False
        self._nan_seen = False
        self.method = ""
        """The engine method of the last computation."""

    @property
    def rows_preserved(self) -> bool:
        """True when the output has one row per input row (``same`` mode, stride 1)."""
        return self._stride == 1 and self._before + self._after == self._taps - 1

    def feed(self, block: Any) -> np.ndarray:
        """Add rows × columns samples; return the output rows now determined."""
        block = np.asarray(block, dtype=np.float64)
        if block.ndim != 2:
            raise InputError(f"a block must be rows × columns, got shape {block.shape}")
        if self._columns is None:
            self._columns = block.shape[1]
            self._buf = np.empty((0, self._width))
        elif block.shape[1] != self._columns:
            raise InputError(f"a block has {block.shape[1]} columns, expected {self._columns}")
        self._buf = np.concatenate([self._buf, self._prepare(block)])
        self._rows += len(block)
        if not self._padded:
            if self._rows < self._need:
                return self._empty()
            self._buf = self._pad(self._buf, self._before, 0)
            self._padded = True
        return self._compute()

    def finish(self) -> np.ndarray:
        """The output rows left at the end of the signal, its end extended by the boundary."""
        if not self._rows:
            return np.empty((0, self._columns or 0))
        if not self._emitted:
            values = self._buf[self._before:] if self._padded else self._buf
            outcome = convolve_missing(self._restore(values), self._kernel,
                                       policy=self._nan, fill_gaps=self._fill_gaps,
                                       **self._batch)
            self.method = outcome.method
            self._emitted = len(outcome.values)
            return outcome.values
        first_row = self._before - self._start  # in self._buf
        if first_row >= 0:  # every row is still here: pad as the batch call does
            padded = self._pad(self._buf[first_row:], self._before, self._after)
        else:
            padded = self._pad(self._buf, 0, self._after)
        self._buf = np.concatenate([self._buf, padded[len(padded) - self._after:]])
        return self._compute()

    @property
    def _width(self) -> int:
        """Columns kept per row: under ``ignore``, the zero-filled values and their weights."""
        return 2 * self._columns if self._nan == "ignore" else self._columns

    def _empty(self) -> np.ndarray:
        return np.empty((0, self._columns))

    def _prepare(self, block: np.ndarray) -> np.ndarray:
        """The rows as kept: NaN checked, zeroed, or split into values and weights."""
        missing = np.isnan(block)
        if not missing.any():
            return np.hstack([block, np.ones_like(block)]) if self._nan == "ignore" else block
        self._nan_seen = True
        if self._nan == "error":
            refuse_missing(missing, self._rows)
        if self._nan == "propagate":
            return block
        filled = zero_filled(block, missing)
        if self._nan == "zero":
            return filled
        return np.hstack([filled, (~missing).astype(np.float64)])

    def _restore(self, kept: np.ndarray) -> np.ndarray:
        """The samples as fed, from the rows as kept."""
        if self._nan != "ignore":
            return kept
        values, weights = kept[:, : self._columns], kept[:, self._columns :]
        return np.where(weights == 0, np.nan, values)

    def _pad(self, values: np.ndarray, before: int, after: int) -> np.ndarray:
        """``values`` extended by the plan's boundary rule (weights beyond the edges are 1
        under ``fill``, as in :mod:`convcli.engine.missing`)."""
        plan = replace(self._plan, x=values, pad=((before, after), (0, 0)))
        if self._nan != "ignore" or plan.boundary != "fill":
            return plan.padded()
        columns = self._columns
        return np.hstack([replace(plan, x=values[:, :columns]).padded(),
                          replace(plan, x=values[:, columns:], fillvalue=1.0).padded()])

    def _compute(self) -> np.ndarray:
        """Every output whose window is in the buffer; drops the rows no longer needed."""
        end = self._start + len(self._buf)
        span = end - self._next
        if span < self._taps:
            return self._empty()
        count = (span - self._taps) // self._stride + 1
        lo = self._next - self._start
        window = self._buf[lo: lo + (count - 1) * self._stride + self._taps]
        values = self._convolve(window, count)
        self._next += count * self._stride
        self._emitted += count
        keep_from = max(self._start, min(self._next, end - self._after - 1))
        self._buf = self._buf[keep_from - self._start:]
        self._start = keep_from
        return values

    def _convolve(self, window: np.ndarray, count: int) -> np.ndarray:
        """The ``count`` outputs of a window of kept rows, under the missing-value policy."""
        if self._nan != "ignore":
            return self._valid_run(window)
        columns = self._columns
        renormalise = self._nan_seen and self._renormalises
        out = self._valid_run(window if renormalise else window[:, :columns])
        values = out[:, :columns]
        if renormalise:
            values = renormalised(values.copy(), out[:, columns:], self._kernel)
        if self.rows_preserved and not self._fill_gaps:
            own = window[self._before: self._before + count, columns:]
            values[own == 0] = np.nan
        return values

    def _valid_run(self, window: np.ndarray) -> np.ndarray:
        outcome = run(window, self._kernel, "valid", stride=self._stride, **self._valid)
        self.method = outcome.method
        return outcome.values
