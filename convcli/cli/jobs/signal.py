"""The signal pipeline shared by `smooth` and `convolve`: read CSV → kernel → engine → write."""

from __future__ import annotations

from dataclasses import dataclass, replace

from convcli.cli.jobs.engine_call import EngineOptions, apply
from convcli.cli.report import Timings, warning
from convcli.errors import InputError


@dataclass(frozen=True)
class SignalOptions:
    """How a signal CSV is read, aligned and written (the options beside the engine's)."""

    columns: str | None = None
    time_column: str | None = None
    nan: str = "ignore"
    fill_gaps: bool = False
    stream: bool | None = None
    bad_cells: str = "error"
    precision: int = 15
    align: str = "causal"
    plot: str | None = None

    @property
    def column_list(self) -> list[str] | None:
        return self.columns.split(",") if self.columns else None

    @property
    def time_columns(self) -> list[str | int] | None:
        if self.time_column is None:
            return None
        return [int(key) if key.isdigit() else key for key in self.time_column.split(",")]


def run(source: str, output: str, spec: str, options: EngineOptions, report: Timings,
        signal: SignalOptions) -> None:
    """Filter each numeric column of a signal CSV on its own, writing the same layout;
    ``signal.plot`` draws the columns before and after with the kernel and its response."""
    _one_blas_thread()
    from convcli.cli.jobs import stream as stream_job
    from convcli.cli.jobs.plots import check_plot, plot_signal

    check_plot(signal.plot, source, output)
    if signal.plot is not None and signal.stream:
        raise InputError("--plot draws the whole signal: it cannot --stream")
    streams = signal.plot is None and stream_job.should_stream(source, signal.stream, options)
    early = None
    if not streams:  # a large file read and parsed while numpy, the engine and the kernel load
        from convcli.cli.jobs.allocator import keep_freed_memory, prompt_polars_frees
        from convcli.io.csv.early import parse_soon

        prompt_polars_frees()
        keep_freed_memory()
        early = parse_soon(source, signal.time_columns, signal.column_list)
    from convcli.io.atomic import check_not_input
    from convcli.kernels import kernel_file, parse_kernel

    check_not_input(output, source, kernel_file(spec))
    with report.stage("kernel") as stage:
        kernel = parse_kernel(spec, ndim=1)
        if signal.align == "centre":
            kernel = centred(kernel)
        stage.detail = f"{kernel.name} {kernel.shape}"
    if streams:
        stream_job.run(source, output, kernel, options, report, columns=signal.column_list,
                       time_column=signal.time_columns, nan=signal.nan,
                       fill_gaps=signal.fill_gaps, bad_cells=signal.bad_cells,
                       precision=signal.precision)
        return

    from convcli.io.csv.table import read_signal, write_signal

    if early is not None:  # the parse goes on: the report's imports meanwhile
        early.while_busy(report.load)
    with report.stage("read", unit="B") as stage:
        table = read_signal(source, time_column=signal.time_columns, columns=signal.column_list,
                            bad_cells=signal.bad_cells, early=early)
        stage.amount = table.data.nbytes
        stage.detail = f"{table.data.shape[0]} rows × {table.data.shape[1]} columns" + (
            ", begun while the job loaded" if early is not None else "")
    for message in table.warnings:
        warning(message)
    with report.stage("convolve", amount=table.data.size, unit="samples") as stage:
        outcome = apply(table.data, kernel, options, (0,), nan=_nan(signal.nan, source, table),
                        fill_gaps=signal.fill_gaps)
        stage.detail = f"{options.describe()}, {outcome.method}"
    if outcome.values.shape != table.data.shape:  # --mode full/valid, --stride
        table = table.take_rows(output_rows(len(outcome.values), kernel, options))
    elif signal.plot is None:  # the input's numbers are done with: freed before the writing
        table = replace(table, data=outcome.values)
    with report.stage("write", amount=outcome.values.nbytes, unit="B"):
        write_signal(table, outcome.values, output, precision=signal.precision)
    if signal.plot is not None:
        plot_signal(signal.plot, table, outcome.values,
                    kernel.rotated(2) if options.correlate else kernel, report)
    report.facts.update(backend=outcome.method, rows=int(table.data.shape[0]),
                        columns=table.filtered, path="batch")


def _one_blas_thread() -> None:
    """Before numpy loads: one OpenBLAS thread (unless the user chose), which halves numpy's
    import (0.06 s a run); a 1-D signal job never calls BLAS."""
    import os
    import sys

    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _nan(policy: str, source: str, table) -> str:
    """The policy for the engine; under ``error`` the first missing cell is named here, by
    file, line and column."""
    if policy == "error":
        from convcli.io.csv.table import missing_cell_message

        message = missing_cell_message(table, source)
        if message:
            from convcli.errors import InputError

            raise InputError(message)
    return policy


def centred(kernel):
    """``kernel`` with its origin moved by its mean delay: a causal kernel centred (it then
    looks ahead), for offline smoothing. A kernel summing to zero keeps its origin."""
    import numpy as np

    weights = np.real(kernel.values)
    total = float(weights.sum())
    if abs(total) <= 1e-12 * float(np.abs(weights).sum()):
        return kernel
    (origin,) = kernel.origin_index
    delay = float(np.dot(np.arange(len(weights)) - origin, weights)) / total
    return kernel.with_origin((min(max(origin + round(delay), 0), len(weights) - 1),))


def output_rows(count: int, kernel, options: EngineOptions):
    """The input row each of ``count`` output rows stands for (outside the input for rows
    --mode full adds): output i of a convolution sits at input row i·stride in 'same' mode,
    i·stride − origin in 'full' and i·stride + extent − 1 − origin in 'valid'."""
    import numpy as np

    dilation = int(np.max(options.dilation))
    stride = int(np.max(options.stride))
    extent = (kernel.shape[0] - 1) * dilation + 1
    (origin,) = kernel.origin_index
    origin *= dilation
    if options.correlate:
        origin = extent - 1 - origin
    offset = {"same": 0, "full": -origin, "valid": extent - 1 - origin}[options.mode]
    return np.arange(count) * stride + offset
