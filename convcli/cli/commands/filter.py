"""`convcli filter`: convolve an image with a kernel, each colour channel on its own."""

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
    QuietOpt,
    StrideOpt,
    TimingsFormat,
    TimingsOpt,
)
from convcli.cli.report import Timings


class Combine(str, Enum):
    magnitude = "magnitude"
    max = "max"
    sum = "sum"
    argmax = "argmax"


KernelArg = Annotated[list[str], typer.Option(
    "--kernel", "-k", help="Kernel spec: a name (edge, gaussian:sigma=2, sobel:direction=y…), "
    "a file (.csv .txt .npy .json) or inline \"[1,2,1; 2,4,2; 1,2,1]\". See `convcli kernels`. "
    "Repeat it, or give a bank (sobel:direction=all, kirsch:direction=all, "
    "gabor:orientations=8), for one feature map per kernel (.npy or float .tiff).")]
CombineOpt = Annotated[Combine | None, typer.Option(
    help="Merge a bank's feature maps into one image: magnitude √Σm², max, sum or argmax.")]
PlotOpt = Annotated[str | None, typer.Option(
    "--plot", help="Also draw a before | after | kernel sheet to this .png, .svg or .pdf.")]
AbsOpt = Annotated[bool, typer.Option("--abs", help="Magnitude of signed responses (edges).")]
NormalizeOpt = Annotated[bool, typer.Option(
    "--normalize", help="Stretch the result's min..max to the full output range.")]
BiasOpt = Annotated[float, typer.Option(help="Add this to every output value (e.g. 128).")]
LevelOpt = Annotated[int | None, typer.Option(
    "--compress-level", min=0, max=9, help="PNG zlib level 0-9 (default: fast, see README).")]
ImageOutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Output image (format from its extension), .npy or .tiff for the "
    "raw float feature map, or - for stdout. Default: stdout if it is a pipe, else "
    "<stem>.<kernel>.<ext> beside the input.")]


def filter_image(
    image: Annotated[str, typer.Argument(help="Image file (PNG, JPEG, TIFF, BMP, WebP, GIF) "
                                                "or - for stdin.")],
    kernel: KernelArg = ["edge"],  # noqa: B006 (typer reads the default, never mutates it)
    output: ImageOutputOpt = None,
    absolute: AbsOpt = False,
    normalize: NormalizeOpt = False,
    bias: BiasOpt = 0.0,
    compress_level: LevelOpt = None,
    mode: ModeOpt = Mode.same,
    boundary: BoundaryOpt = Boundary.reflect,
    fill_value: FillOpt = 0.0,
    backend: BackendOpt = BackendName.auto,
    correlate: CorrelateOpt = False,
    stride: StrideOpt = "1",
    dilation: DilationOpt = "1",
    quiet: QuietOpt = False,
    timings: TimingsOpt = TimingsFormat.table,
    combine: CombineOpt = None,
    plot: PlotOpt = None,
) -> None:
    """Filter an image with a kernel; grey, RGB(A), palette, 16-bit kept as they are.

    Each colour channel is convolved on its own; alpha is left as it was. The output has the
    input's mode and bit depth, rounded and clipped, unless -o names .npy/.tiff (raw floats).

    Examples:

      convcli filter samples/astronaut.png --kernel edge --abs -o edges.png

      convcli filter photo.jpg -k gaussian:sigma=2 -o - | convcli filter - -k sharpen > out.jpg

      convcli filter samples/astronaut.png -k sobel:direction=x -k sobel:direction=y -o g.npy

      convcli filter samples/astronaut.png -k sobel:direction=all --combine magnitude -o g.png

      convcli filter samples/astronaut.png -k gaussian:sigma=3 -o blur.png --plot sheet.png
    """
    from convcli.cli.jobs import image as image_job

    options = EngineOptions.from_cli(mode, boundary, fill_value, backend, correlate, stride,
                                     dilation)
    report = Timings("filter", quiet=quiet, json_output=timings == TimingsFormat.json)
    look = image_job.ImageOutput(absolute, normalize, bias, compress_level)
    image_job.run(image, output, kernel, options, report, look,
                  combine=combine.value if combine else None, plot=plot)
    report.report()
