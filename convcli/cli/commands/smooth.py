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

PlotOpt = Annotated[str | None, typer.Option(
    "--plot", help="Also draw the columns before and after, the kernel and its frequency "
    "response to this .png, .svg or .pdf (the plot extra).")]


class NanPolicy(str, Enum):
    ignore = "ignore"
    propagate = "propagate"
    zero = "zero"
    error = "error"


def smooth(
    signal: Annotated[str, typer.Argument(help="Signal CSV file, or - for stdin.")],
    kernel: Annotated[str, typer.Option(
        "--kernel", "-k", help="Kernel spec (see `convcli kernels`). Default: the causal "
        "exponential w(a) ∝ exp(−a/τ), so s(t) uses x(t), x(t−1), … only.")] = "exponential",
    output: OutputOpt = "-",
    columns: Annotated[str | None, typer.Option(
        help="Filter only these columns (comma-separated names).")] = None,
    time_column: Annotated[str | None, typer.Option(
        help="The time/index column, passed through (default: a column named t, time, "
        "timestamp, date or index).")] = None,
    nan: Annotated[NanPolicy, typer.Option(
        help="Missing cells: ignore (renormalised weights), propagate, zero, error.")
    ] = NanPolicy.ignore,
    fill_gaps: Annotated[bool, typer.Option(
        "--fill-gaps", help="With --nan ignore, also estimate the missing cells.")] = False,
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
    plot: PlotOpt = None,
) -> None:
    """Smooth (or filter) every numeric column of a signal CSV, keeping its layout.

    The time column and text columns pass through; the output has the input's header,
    delimiter and rows. The default kernel is causal and so is its alignment: s(t) depends on
    x(t), x(t−1), … only, the start extended by repeating the first sample (--boundary
    nearest).

    Examples:

      convcli smooth samples/trajectory.csv > smooth.csv

      convcli smooth samples/trajectory.csv --kernel gaussian:sigma=3 --columns x,y -o out.csv

      cat samples/trajectory.csv | convcli smooth - | convcli smooth - --kernel box:size=5

      convcli smooth samples/trajectory.csv -o smooth.csv --plot smooth.png
    """
    from convcli.cli.jobs import signal as signal_job

    options = EngineOptions.from_cli(mode, boundary, fill_value, backend, correlate, stride,
                                     dilation)
    report = Timings("smooth", quiet=quiet, json_output=timings == TimingsFormat.json)
    signal_job.run(signal, output, kernel, options, report, columns=columns,
                   time_column=time_column, nan=nan.value, fill_gaps=fill_gaps, stream=stream,
                   plot=plot)
    report.report()

