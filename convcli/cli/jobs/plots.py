"""--plot for the jobs: check the request before the work, draw from the job's own data."""

from __future__ import annotations

from typing import Any


def check_plot(dest: str | None, *inputs: str) -> None:
    """Before any work: matplotlib present, a .png/.svg/.pdf name, not one of the inputs."""
    if dest is None:
        return
    from convcli.io.atomic import check_not_input
    from convcli.plot import require_matplotlib
    from convcli.plot.figures import figure_format

    figure_format(dest)
    require_matplotlib()
    for source in inputs:
        check_not_input(dest, source)


def plot_signal(dest: str, table: Any, values: Any, kernel: Any, report: Any) -> None:
    """The signal figure of a batch smooth: the table's columns before, ``values`` after."""
    from convcli.plot.figures import save_figure, signal_figure
    from convcli.plot.time_axis import time_axis

    fmt = table.fmt
    time, time_name = None, "sample"
    if fmt.time_column is not None:
        time = time_axis(list(table.passthrough[fmt.passthrough.index(fmt.time_column)]))
        time_name = fmt.names[fmt.time_column] if time is not None else "sample"
    with report.stage("plot") as stage:
        figure = signal_figure(time, table.data, values, table.filtered, kernel,
                               time_name=time_name)
        save_figure(figure, dest)
        stage.detail = dest


def plot_image(dest: str, image: Any, maps: list, kernels: list, report: Any) -> None:
    """The before | after | kernel sheet of a filter run."""
    from convcli.plot.figures import image_figure, save_figure

    with report.stage("plot") as stage:
        save_figure(image_figure(image.pixels, maps, kernels, maxval=image.maxval), dest)
        stage.detail = dest
