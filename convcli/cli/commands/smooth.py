"""`convcli smooth`: filter every numeric column of a signal CSV."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from convcli.cli.jobs.engine_call import EngineOptions
from convcli.cli.options import (
    BackendName,
    BackendOpt,
    Boundary,
    BoundaryOpt,
    CorrelateOpt,
    DilationOpt,
    FillOpt,
    Mode,
    ModeOpt,
    OutputOpt,
    QuietOpt,
    StrideOpt,
    TimingsFormat,
    TimingsOpt,
)
from convcli.cli.report import Timings


class NanPolicy(str, Enum):
    ignore = "ignore"
    propagate = "propagate"
    zero = "zero"
    error = "error"


class BadCells(str, Enum):
    error = "error"
    missing = "missing"


class Align(str, Enum):
    causal = "causal"
    centre = "centre"


def smooth(
    signal: Annotated[str, typer.Argument(help="Signal CSV file, or - for stdin.")],
    kernel: Annotated[str, typer.Option(
        "--kernel", "-k", help="Kernel spec (see `convcli kernels`). Default: the causal "
        "exponential w(a) ∝ exp(−a/τ), τ = 4, so s(t) uses x(t), x(t−1), … only and lags "
        "the signal by its mean delay, about τ − ½ = 3.5 samples (see --align).")
    ] = "exponential",
    output: OutputOpt = "-",
    columns: Annotated[str | None, typer.Option(
        help="Filter only these columns (comma-separated names).")] = None,
    time_column: Annotated[str | None, typer.Option(
        help="The time/index columns, passed through (comma-separated; default: columns "
        "named t, time, timestamp, date, datetime, index, year, quarter, month, week, day, "
        "epoch…, any case, and a pandas index column).")] = None,
    nan: Annotated[NanPolicy, typer.Option(
        help="Missing cells: ignore (renormalised weights), propagate, zero, error.")
    ] = NanPolicy.ignore,
    fill_gaps: Annotated[bool, typer.Option(
        "--fill-gaps", help="With --nan ignore, also estimate the missing cells.")] = False,
    bad_cells: Annotated[BadCells, typer.Option(
        help="A cell that is neither a number nor missing in a numeric column: error, or "
        "read it as missing.")] = BadCells.error,
    precision: Annotated[int, typer.Option(
        min=1, max=17, help="Significant digits written (shortest decimal of the value "
        "rounded to them).")] = 15,
    align: Annotated[Align, typer.Option(
        help="causal: s(t) from x(t), x(t−1), … (delayed by the kernel's mean delay); "
        "centre: shifted back by that delay, looking ahead (offline smoothing).")
    ] = Align.causal,
    stream: Annotated[bool | None, typer.Option(
        "--stream/--no-stream", help="Stream stdin in constant memory (default: on for -).")
    ] = None,
    mode: ModeOpt = Mode.same,
    boundary: BoundaryOpt = Boundary.nearest,
    fill_value: FillOpt = 0.0,
    backend: BackendOpt = BackendName.auto,
    correlate: CorrelateOpt = False,
    stride: StrideOpt = "1",
    dilation: DilationOpt = "1",
    quiet: QuietOpt = False,
    timings: TimingsOpt = TimingsFormat.table,
) -> None:
    """Smooth (or filter) every numeric column of a signal CSV, keeping its layout.

    Time/index columns and text columns pass through; the output has the input's header,
    delimiter, comments and rows (--mode full/valid and --stride add, drop or subsample rows,
    the time column extended or cropped to match). The default kernel is causal and so is its
    alignment: s(t) depends on x(t), x(t−1), … only, the start extended by repeating the
    first sample (--boundary nearest), and s lags x by the kernel's mean delay (3.5 samples
    for the default τ = 4); --align centre removes that lag.

    Examples:

      convcli smooth samples/trajectory.csv > smooth.csv

      convcli smooth samples/trajectory.csv --align centre -o centred.csv

      convcli smooth samples/trajectory.csv --kernel gaussian:sigma=3 --columns x,y -o out.csv

      cat samples/trajectory.csv | convcli smooth - | convcli smooth - --kernel box:size=5
    """
    from convcli.cli.jobs import signal as signal_job

    options = EngineOptions.from_cli(mode, boundary, fill_value, backend, correlate, stride,
                                     dilation)
    report = Timings("smooth", quiet=quiet, json_output=timings == TimingsFormat.json)
    signal_job.run(signal, output, kernel, options, report, signal_job.SignalOptions(
        columns=columns, time_column=time_column, nan=nan.value, fill_gaps=fill_gaps,
        stream=stream, bad_cells=bad_cells.value, precision=precision, align=align.value))
    report.report()

