"""A check of the time column: a kernel runs over rows, so uneven time steps deserve a word.

The first time/index column (in file order) is checked when its cells are numbers: it should
rise by a constant step (repeated values, as a year beside a quarter, are allowed). The first
step that differs from the first one by more than ``RTOL``, or that goes backwards, gives one
warning naming its line; the check then stops. Batch and stream feed it the same cells.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

from convcli.io.csv.sniff import CsvFormat

RTOL = 1e-6
"""Steps within this fraction of the first one count as equal (decimal time cells)."""
SLICE_ROWS = 1 << 16
"""Cells checked at a time."""


class TimeSteps:
    """Feed the passthrough cells of consecutive row blocks; get at most one warning."""

    def __init__(self, fmt: CsvFormat, source: str) -> None:
        self._source = source
        self._fmt = fmt
        time = fmt.time_column
        self._k = None if time is None else fmt.passthrough.index(time)
        self._last: float | None = None
        self._step: float | None = None
        self._odd = 0.0

    def feed(self, passthrough: Sequence[Sequence[str]], extras: Sequence[tuple[int, str]],
             first_line: int) -> str | None:
        """The warning for these rows (``first_line``: the line of their first row, ``extras``
        the comment lines among them, as the parser returns them), or None."""
        if self._k is None:
            return None
        cells = passthrough[self._k]
        for start in range(0, len(cells), SLICE_ROWS):  # a slice at a time: in cache
            values = _numbers(cells[start : start + SLICE_ROWS])
            if values is None:  # dates and the like: not checked
                self._k = None
                return None
            row = self._odd_step(values)
            if row is not None:
                return self._message(start + row, extras, first_line)
        return None

    def _odd_step(self, values: np.ndarray) -> int | None:
        """The row of ``values`` that steps oddly, or None."""
        if not len(values):
            return None
        offset = self._last is not None
        if offset:
            values = np.concatenate(([self._last], values))
        self._last = float(values[-1])
        steps = np.diff(values)
        if self._step is None:
            moving = np.flatnonzero(steps)
            if not len(moving):
                return None
            self._step = float(steps[moving[0]])
        tolerance = RTOL * abs(self._step)
        if self._step > 0 and steps.min() >= self._step - tolerance and \
                steps.max() <= self._step + tolerance:
            return None  # every step the first one (two reductions: the common case)
        bad = (steps < 0) | ((steps != 0) & (np.abs(steps - self._step) > tolerance))
        if not bad.any():
            return None
        self._odd = float(steps[int(np.argmax(bad))])
        return int(np.argmax(bad)) + 1 - offset  # the row (in ``values``) that steps oddly

    def _message(self, row: int, extras: Sequence[tuple[int, str]], first_line: int) -> str:
        starts = [r for r, _ in extras]
        line = first_line + row + bisect_right(starts, row)
        step = self._odd
        name = self._fmt.label(self._fmt.time_columns[0])
        self._k = None
        what = "goes back" if step < 0 else "steps"
        return (f"{self._source}: time column {name} {what} by {abs(step):.6g} at line {line}, "
                f"after steps of {self._step:.6g} (the kernel runs over rows, not time)")


def _numbers(cells: Sequence[str]) -> np.ndarray | None:
    """The cells as float64, or None when one is not a number. A polars column of text is
    read as integers first (a year, an index: twice as fast as floats), made float64 by
    numpy, whose freed blocks are reused (polars hands its own back to the system at once,
    and the next slice's are faulted in again: 8K page faults in a 1M-row column)."""
    if not hasattr(cells, "cast"):
        try:
            return np.asarray(cells, dtype=np.float64)
        except Exception:  # as the polars reading: any refusal means not numbers
            return None
    import polars as pl

    try:
        whole = cells.cast(pl.Int64, strict=False)
        if not whole.null_count():
            return whole.to_numpy().astype(np.float64)
        return cells.cast(pl.Float64).to_numpy()
    except Exception:
        return None
