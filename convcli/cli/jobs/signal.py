"""The signal pipeline shared by `smooth` and `convolve`: read CSV → kernel → engine → write."""

from __future__ import annotations

from convcli.cli.jobs.engine_call import EngineOptions, apply
from convcli.cli.report import Timings
from convcli.errors import InputError


def run(source: str, output: str, spec: str, options: EngineOptions, report: Timings, *,
        columns: str | None, time_column: str | None, nan: str, fill_gaps: bool,
        stream: bool | None, plot: str | None = None) -> None:
    """Filter each numeric column of a signal CSV on its own, writing the same layout;
    ``plot`` draws the columns before and after with the kernel and its response."""
    from convcli.cli.jobs import stream as stream_job
    from convcli.cli.jobs.plots import check_plot, plot_signal

    check_plot(plot, source, output)
    if plot is not None and stream:
        raise InputError("--plot draws the whole signal: it cannot --stream")
    if plot is None and stream_job.should_stream(source, stream, options):
        return stream_job.run(source, output, spec, options, report,
                              columns=columns.split(",") if columns else None,
                              time_column=_time_column(time_column), nan=nan,
                              fill_gaps=fill_gaps)

    from convcli.io.atomic import check_not_input
    from convcli.io.signals import read_signal, write_signal
    from convcli.kernels import parse_kernel

    check_not_input(output, source)
    with report.stage("kernel") as stage:
        kernel = parse_kernel(spec, ndim=1)
        stage.detail = f"{kernel.name} {kernel.shape}"
    with report.stage("read", unit="B") as stage:
        table = read_signal(source, time_column=_time_column(time_column),
                            columns=columns.split(",") if columns else None)
        stage.amount = table.data.nbytes
        stage.detail = f"{table.data.shape[0]} rows × {table.data.shape[1]} columns"
    with report.stage("convolve", amount=table.data.size, unit="samples") as stage:
        outcome = apply(table.data, kernel, options, (0,), nan=nan, fill_gaps=fill_gaps)
        stage.detail = f"{options.describe()}, {outcome.method}"
    if outcome.values.shape != table.data.shape:
        raise InputError(
            f"--mode {options.mode} / --stride change the number of rows "
            f"({table.data.shape[0]} → {outcome.values.shape[0]}); a CSV keeps its rows: use "
            "--mode same and --stride 1, or `convcli pool` to downsample"
        )
    with report.stage("write", amount=outcome.values.nbytes, unit="B"):
        write_signal(table, outcome.values, output)
    if plot is not None:
        plot_signal(plot, table, outcome.values,
                    kernel.rotated(2) if options.correlate else kernel, report)
    report.facts.update(backend=outcome.method, rows=int(table.data.shape[0]),
                        columns=table.filtered, path="batch")


def _time_column(value: str | None) -> str | int | None:
    return int(value) if value is not None and value.isdigit() else value
