"""`convcli smooth`: filter every numeric column of a signal CSV."""

from __future__ import annotations

from typing import Annotated

import typer

from convcli.cli.jobs.engine_call import EngineOptions
from convcli.cli.options import complete_kernel, shared_options
from convcli.cli.report import Timings


@shared_options("smooth", without=("axes",), boundary="nearest", nan="ignore", output="-")
def smooth(
    signal: Annotated[str, typer.Argument(metavar="SIGNAL",
                                          help="Signal CSV file, or - for stdin.")],
    kernel: Annotated[str, typer.Option(
        "--kernel", "-k", metavar="SPEC", autocompletion=complete_kernel,
        help="Kernel spec (see `convcli kernels`). Default: "
        "the causal exponential w(a) ∝ exp(−a/τ), so s(t) uses x(t), x(t−1), … only.")
    ] = "exponential",
    columns: Annotated[str | None, typer.Option(
        metavar="NAMES", help="Filter only these columns (comma-separated names).")] = None,
    time_column: Annotated[str | None, typer.Option(
        metavar="NAME", help="The time/index column, passed through (default: a column named "
        "t, time, timestamp, date or index).")] = None,
    fill_gaps: Annotated[bool, typer.Option(
        "--fill-gaps", help="With --nan ignore, also estimate the missing cells.")] = False,
    stream: Annotated[bool | None, typer.Option(
        "--stream/--no-stream", help="Stream stdin in constant memory (default: on for -).")
    ] = None,
    *,
    options: EngineOptions,
    report: Timings,
    output: str,
) -> None:
    """Smooth each numeric column of a signal CSV, keeping its layout.

    The time column and text columns pass through; the output has the input's header,
    delimiter and rows. The default kernel is causal and so is its alignment: s(t) depends on
    x(t), x(t−1), … only, the start extended by repeating the first sample (--boundary
    nearest).

    Examples:

    \b
      convcli smooth samples/trajectory.csv > smooth.csv
      convcli smooth samples/trajectory.csv -k gaussian:sigma=3 --columns x,y
      convcli smooth samples/trajectory.csv -k box:size=5 --nan zero -o out.csv
      cat samples/trajectory.csv | convcli smooth - -k box:size=5 | head
    """
    from convcli.cli.jobs import signal as signal_job

    signal_job.run(signal, output, kernel, options, report, columns=columns,
                   time_column=time_column, nan=options.nan, fill_gaps=fill_gaps, stream=stream)
    report.report()

