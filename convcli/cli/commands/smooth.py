"""`convcli smooth`: filter every numeric column of a signal CSV."""

from __future__ import annotations

from typing import Annotated

import typer

from convcli.cli.jobs.engine_call import EngineOptions
from convcli.cli.options import choice, complete_kernel, shared_options
from convcli.cli.report import Timings

PlotOpt = Annotated[str | None, typer.Option(
    "--plot", metavar="FILE", help="Also draw the columns before and after, the kernel and "
    "its frequency response to this .png, .svg or .pdf (the plot extra).")]


@shared_options("smooth", without=("axes",), boundary="nearest", nan="ignore", output="-")
def smooth(
    signal: Annotated[str, typer.Argument(metavar="SIGNAL",
                                          help="Signal CSV file, or - for stdin.")],
    kernel: Annotated[str, typer.Option(
        "--kernel", "-k", metavar="SPEC", autocompletion=complete_kernel,
        help="Kernel spec (see `convcli kernels`). Default: the causal exponential "
        "w(a) ∝ exp(−a/τ), τ = 4, so s(t) uses x(t), x(t−1), … only and lags the signal by "
        "its mean delay, about τ − ½ = 3.5 samples (see --align).")
    ] = "exponential",
    columns: Annotated[str | None, typer.Option(
        metavar="NAMES", help="Filter only these columns (comma-separated names).")] = None,
    time_column: Annotated[str | None, typer.Option(
        metavar="NAMES", help="The time/index columns, passed through (comma-separated; "
        "default: columns named t, time, timestamp, date, datetime, index, year, quarter, "
        "month, week, day, epoch…, any case, and a pandas index column).")] = None,
    bad_cells: Annotated[choice(("error", "missing")), typer.Option(
        help="A cell that is neither a number nor missing in a numeric column: an error, or "
        "read as missing.")] = "error",
    precision: Annotated[int, typer.Option(
        min=1, max=17, metavar="INT", help="Significant digits written (the shortest decimal "
        "of the value rounded to them).")] = 15,
    align: Annotated[choice(("causal", "centre")), typer.Option(
        help="causal: s(t) from x(t), x(t−1), … (delayed by the kernel's mean delay); centre: "
        "shifted back by that delay, looking ahead (offline smoothing).")] = "causal",
    fill_gaps: Annotated[bool, typer.Option(
        "--fill-gaps", help="With --nan ignore, also estimate the missing cells.")] = False,
    stream: Annotated[bool | None, typer.Option(
        "--stream/--no-stream", help="Stream in constant memory (default: on for - and for "
        "files of 48 MiB or more).")
    ] = None,
    plot: PlotOpt = None,
    *,
    options: EngineOptions,
    report: Timings,
    output: str,
) -> None:
    """Smooth each numeric column of a signal CSV, keeping its layout.

    Time/index columns and text columns pass through; the output has the input's header,
    delimiter, comments and rows (--mode full/valid and --stride add, drop or subsample rows,
    the time column extended or cropped to match). The default kernel is causal and so is its
    alignment: s(t) depends on x(t), x(t−1), … only, the start extended by repeating the
    first sample (--boundary nearest), and s lags x by the kernel's mean delay (3.5 samples
    for the default τ = 4); --align centre removes that lag.

    Examples:

    \b
      convcli smooth samples/trajectory.csv > smooth.csv
      convcli smooth samples/trajectory.csv --align centre -o centred.csv
      convcli smooth samples/trajectory.csv -k gaussian:sigma=3 --columns x,y
      convcli smooth samples/trajectory.csv -k box:size=5 --nan zero -o out.csv
      cat samples/trajectory.csv | convcli smooth - -k box:size=5 | head
      convcli smooth samples/trajectory.csv -o smooth.csv --plot smooth.png
    """
    from convcli.cli.jobs import signal as signal_job

    signal_job.run(signal, output, kernel, options, report, signal_job.SignalOptions(
        columns=columns, time_column=time_column, nan=options.nan, fill_gaps=fill_gaps,
        stream=stream, bad_cells=bad_cells, precision=precision, align=align, plot=plot))
    report.report()

