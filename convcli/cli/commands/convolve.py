"""`convcli convolve`: the general form, for .npy arrays of any dimension, CSV and images."""

from __future__ import annotations

from typing import Annotated

import typer

from convcli.cli.jobs.engine_call import EngineOptions, apply
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
from convcli.errors import ConvcliError


def convolve(
    input: Annotated[str, typer.Argument(help="A .npy array, a signal CSV, an image, or -.")],
    kernel: Annotated[str, typer.Argument(help="Kernel spec (see `convcli kernels`).")],
    output: OutputOpt = None,
    mode: ModeOpt = Mode.same,
    boundary: BoundaryOpt = Boundary.fill,
    fill_value: FillOpt = 0.0,
    backend: BackendOpt = BackendName.auto,
    correlate: CorrelateOpt = False,
    stride: StrideOpt = "1",
    dilation: DilationOpt = "1",
    chunks: Annotated[str | None, typer.Option(
        help="Run chunk by chunk on Dask with this chunk shape (1024, or 512,-1). Chunked "
        "runs are chosen by themselves for .zarr inputs and arrays larger than memory.")
    ] = None,
    scheduler: Annotated[str | None, typer.Option(
        envvar="DASK_SCHEDULER_ADDRESS", help="Run the chunks on this dask.distributed "
        "cluster (tcp://host:8786) instead of local threads.")] = None,
    layer: Annotated[bool, typer.Option(
        "--layer", help="KERNEL is a .npy of weights (out, in/groups, kh, kw) applied as a "
        "deep-learning conv2d (cross-correlation summed over input channels) to an image or "
        "an (in, H, W) array: writes (out, H', W') maps to .npy or float .tiff.")] = False,
    groups: Annotated[int, typer.Option(
        min=1, help="With --layer: split the channels into this many groups.")] = 1,
    quiet: QuietOpt = False,
    timings: TimingsOpt = TimingsFormat.table,
) -> None:
    """Convolve any input with a kernel: N-D .npy arrays, signal CSVs (each column) or images
    (each channel). An N-D kernel runs over the array's first N axes; named smoothing kernels
    take the array's dimension (gaussian on a 3-D volume is a 3-D Gaussian).

    Examples:

      convcli convolve volume.npy gaussian:sigma=1.5 -o smooth.npy --mode same

      convcli convolve samples/trajectory.csv "[1,2,1]:normalize=true" -o out.csv

      convcli convolve samples/astronaut.png samples/kernels/sharpen.csv -o sharp.png

      convcli convolve big.zarr gaussian:sigma=4 -o out.zarr --scheduler tcp://host:8786

      convcli convolve samples/astronaut.png weights.npy --layer --stride 2 -o maps.npy
    """
    from convcli.cli.jobs import image as image_job
    from convcli.cli.jobs import signal as signal_job
    from convcli.cli.jobs.inputs import kind_of_source

    options = EngineOptions.from_cli(mode, boundary, fill_value, backend, correlate, stride,
                                     dilation)
    report = Timings("convolve", quiet=quiet, json_output=timings == TimingsFormat.json)
    from convcli.cli.jobs import chunked as chunked_job

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
    kind = kind_of_source(input)
    if kind == "signal":
        signal_job.run(input, output or "-", kernel, options, report, columns=None,
                       time_column=None, nan="propagate", fill_gaps=False, stream=None)
    elif kind == "image":
        image_job.run(input, output, kernel, options, report, image_job.ImageOutput())
    else:
        _convolve_array(input, output or "-", kernel, options, report)
    report.report()


def _convolve_array(source: str, output: str, spec: str, options: EngineOptions,
                    report: Timings) -> None:
    from convcli.io.arrays import read_array, write_array
    from convcli.io.atomic import check_not_input
    from convcli.kernels import parse_kernel

    check_not_input(output, source)
    with report.stage("read", unit="B") as stage:
        array = read_array(source)
        stage.amount = array.nbytes
        stage.detail = f"{array.dtype} {array.shape}"
    with report.stage("kernel") as stage:
        kernel = parse_kernel(spec, ndim=array.ndim if 1 <= array.ndim <= 3 else None)
        stage.detail = f"{kernel.name} {kernel.shape}"
    with report.stage("convolve", amount=array.size, unit="samples") as stage:
        outcome = apply(array, kernel, options, tuple(range(kernel.ndim)))
        stage.detail = f"{options.describe()}, {outcome.method}"
    with report.stage("write", amount=outcome.values.nbytes, unit="B"):
        write_array(outcome.values, output)
    report.facts.update(backend=outcome.method, shape=list(outcome.values.shape))
