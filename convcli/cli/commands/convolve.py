"""`convcli convolve`: the general form, for .npy arrays of any dimension, CSV and images."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from convcli.cli.jobs.engine_call import (
    EngineOptions,
    apply,
    check_axes_apply,
    kernel_axes,
    kernel_ndim,
)
from convcli.cli.options import complete_kernel, shared_options
from convcli.cli.report import Timings
from convcli.errors import ConvcliError


@shared_options("convolve", boundary=None, nan="propagate")
def convolve(
    input: Annotated[str, typer.Argument(
        metavar="INPUT", help="A .npy array, a signal CSV, an image, or -.")],
    kernel: Annotated[str, typer.Argument(metavar="KERNEL", autocompletion=complete_kernel,
                                          help="Kernel spec (see `convcli kernels`).")],
    chunks: Annotated[str | None, typer.Option(
        metavar="INT[,INT…]", help="Run chunk by chunk on Dask with this chunk shape (1024, "
        "or 512,-1). Chunked runs are chosen by themselves for .zarr inputs and arrays larger "
        "than memory.")
    ] = None,
    scheduler: Annotated[str | None, typer.Option(
        envvar="DASK_SCHEDULER_ADDRESS", metavar="ADDRESS", help="Run the chunks on this "
        "dask.distributed cluster (tcp://host:8786) instead of local threads.")] = None,
    layer: Annotated[bool, typer.Option(
        "--layer", help="KERNEL is a .npy of weights (out, in/groups, kh, kw) applied as a "
        "deep-learning conv2d (cross-correlation summed over input channels) to an image or "
        "an (in, H, W) array: writes (out, H', W') maps to .npy or float .tiff.")] = False,
    groups: Annotated[int, typer.Option(
        min=1, metavar="INT", help="With --layer: split the channels into this many groups.")
    ] = 1,
    *,
    options: EngineOptions,
    report: Timings,
    output: str | None,
) -> None:
    """Convolve an N-D array, a signal CSV or an image with a kernel.

    Arrays of any dimension keep their dtype (integers stay integers, as in the Python API);
    CSVs are filtered column by column and images channel by channel. An N-D kernel runs over
    the array's last N axes unless --axes names others; named smoothing kernels take the
    array's dimension (gaussian on a 3-D volume is a 3-D Gaussian, with --axes 1,2 a 2-D one
    on every slice). The boundary is nearest for a signal CSV (as smooth), fill otherwise,
    unless --boundary says.

    Examples:

    \b
      convcli convolve volume.npy gaussian:sigma=1.5 -o smooth.npy --mode valid
      convcli convolve volume.npy box:size=3 --axes 1,2 --nan ignore -o out.npy
      convcli convolve samples/trajectory.csv "[1,2,1]:normalize" -o out.csv
      convcli convolve samples/astronaut.png samples/kernels/sharpen.csv -o s.png
      convcli convolve big.zarr gaussian:sigma=4 -o out.zarr --chunks 1024
      convcli convolve big.zarr box:size=5 -o o.zarr --scheduler tcp://host:8786
      convcli convolve samples/astronaut.png samples/kernels/rgb_sobel.npy --layer
    """
    from convcli.cli.jobs import chunked as chunked_job
    from convcli.cli.jobs import image as image_job
    from convcli.cli.jobs import signal as signal_job
    from convcli.cli.jobs.inputs import kind_of_source

    kind = kind_of_source(input)
    if options.boundary is None:
        options = replace(options, boundary="nearest" if kind == "signal" else "fill")
    if layer or groups != 1:
        from convcli.cli.jobs import layer as layer_job

        if not layer:
            raise ConvcliError("--groups belongs to --layer")
        layer_job.run(input, output or "-", kernel, options, report, groups=groups)
        report.report()
        return
    if chunks or scheduler or chunked_job.should_chunk(input):
        chunked_job.run(input, output or "-", kernel, options, report, chunks=chunks,
                        scheduler=scheduler)
        report.report()
        return
    check_axes_apply(options, kind)
    if kind == "signal":
        signal_job.run(input, output or "-", kernel, options, report,
                       signal_job.SignalOptions(nan=options.nan))
    elif kind == "image":
        image_job.run(input, output, kernel, options, report, image_job.ImageOutput())
    else:
        _convolve_array(input, output or "-", kernel, options, report)
    report.report()


def _convolve_array(source: str, output: str, spec: str, options: EngineOptions,
                    report: Timings) -> None:
    from convcli.io.arrays import read_array, write_array
    from convcli.io.atomic import check_not_input
    from convcli.kernels import kernel_file, parse_kernel

    check_not_input(output, source, kernel_file(spec))
    with report.stage("read", unit="B") as stage:
        array = read_array(source)
        stage.amount = array.nbytes
        stage.detail = f"{array.dtype} {array.shape}"
    with report.stage("kernel") as stage:
        kernel = parse_kernel(spec, ndim=kernel_ndim(options, array.ndim))
        stage.detail = f"{kernel.name} {kernel.shape}"
    with report.stage("convolve", amount=array.size, unit="samples") as stage:
        outcome = apply(array, kernel, options, kernel_axes(options, array.ndim, kernel.ndim))
        stage.detail = f"{options.describe()}, {outcome.method}"
    with report.stage("write", amount=outcome.values.nbytes, unit="B"):
        write_array(outcome.values, output)
    report.facts.update(backend=outcome.method, shape=list(outcome.values.shape))
