"""`convcli filter`: convolve an image with a kernel, each colour channel on its own."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from convcli.cli.jobs.engine_call import EngineOptions
from convcli.cli.options import complete_kernel, shared_options
from convcli.cli.report import Timings


class Combine(str, Enum):
    magnitude = "magnitude"
    max = "max"
    sum = "sum"
    argmax = "argmax"


KernelArg = Annotated[list[str], typer.Option(
    "--kernel", "-k", metavar="SPEC", autocompletion=complete_kernel,
    help="Kernel spec: a name (edge, gaussian:sigma=2, "
    "sobel:direction=y…), a file (.csv .txt .npy .json) or inline \"[1,2,1; 2,4,2; 1,2,1]\". "
    "See `convcli kernels`. Repeat it, or give a bank (sobel:direction=all, "
    "kirsch:direction=all, gabor:orientations=8), for one feature map per kernel "
    "(.npy or float .tiff).")]
CombineOpt = Annotated[Combine | None, typer.Option(
    help="Merge a bank's feature maps into one image: magnitude √Σm², max, sum or argmax.")]
PlotOpt = Annotated[str | None, typer.Option(
    "--plot", metavar="FILE",
    help="Also draw a before | after | kernel sheet to this .png, .svg or .pdf.")]
AbsOpt = Annotated[bool, typer.Option("--abs", help="Magnitude of signed responses (edges).")]
NormalizeOpt = Annotated[bool, typer.Option(
    "--normalize", help="Stretch the result's min..max to the full output range.")]
BiasOpt = Annotated[float, typer.Option(
    metavar="FLOAT", help="Add this to every output value (e.g. 128).")]
LevelOpt = Annotated[int | None, typer.Option(
    "--compress-level", min=0, max=9, metavar="0-9",
    help="PNG zlib level 0-9. Default: isal deflate at level 1 (the fastest, about "
    "libvips' level-1 size).")]
IMAGE_OUTPUT_HELP = ("Output image (format from its extension: png jpg tif webp gif bmp), "
    ".npy for the raw float32 feature map, or - for stdout (in --format, default the "
    "input's format). Default: stdout if it is a pipe, else <stem>.<kernel>.<ext> beside "
    "the input.")
FormatOpt = Annotated[str | None, typer.Option(
    "--format", metavar="png|jpeg|tiff|webp|gif|bmp|npy",
    help="Output format, overriding -o's extension; how -o - chooses.")]
QualityOpt = Annotated[int | None, typer.Option(
    "--quality", min=1, max=100, metavar="1-100",
    help="JPEG/WebP quality (default 92 for JPEG, 90 for WebP).")]
RawOpt = Annotated[bool, typer.Option(
    "--raw", help="Write the raw float32 feature map (any channel count, not rounded or "
    "clipped) as TIFF; .npy output is always raw.")]


@shared_options("filter", without=("axes",), boundary="reflect", nan="ignore",
                output_help=IMAGE_OUTPUT_HELP)
def filter_image(
    image: Annotated[str, typer.Argument(
        metavar="IMAGE", help="Image file (PNG, JPEG, TIFF, BMP, WebP, GIF) or - for stdin.")],
    kernel: KernelArg = ["edge"],  # noqa: B006 (typer reads the default, never mutates it)
    absolute: AbsOpt = False,
    normalize: NormalizeOpt = False,
    bias: BiasOpt = 0.0,
    compress_level: LevelOpt = None,
    format: FormatOpt = None,
    quality: QualityOpt = None,
    raw: RawOpt = False,
    combine: CombineOpt = None,
    plot: PlotOpt = None,
    *,
    options: EngineOptions,
    report: Timings,
    output: str | None,
) -> None:
    """Filter an image with a kernel, keeping depth, alpha and frames.

    Each colour channel is convolved on its own; alpha is left as it was (cropped or strided
    with --mode/--stride). The output has the input's layout and bit depth (16-bit stays
    16-bit), rounded and clipped, with its ICC profile, EXIF and resolution; every frame of a
    GIF/APNG/multi-page TIFF is filtered. .npy, or --raw with TIFF, write the float32
    feature map.

    Examples:

    \b
      convcli filter samples/astronaut.png --kernel edge --abs -o edges.png
      convcli filter samples/astronaut.png -k gaussian:sigma=2 -o soft.png
      convcli filter a.jpg -k box:size=3 | convcli filter - -k sharpen > b.jpg
      convcli filter samples/astronaut.png -k edge --format tiff -o - > edges.tif
      convcli filter samples/depth16.png -k sobel --raw -o gradient.tif
      convcli filter samples/astronaut.png -k sobel -k sobel:direction=y -o g.npy
      convcli filter samples/astronaut.png -k kirsch:direction=all --combine max
      convcli filter samples/astronaut.png -k box:size=5 -o b.png --plot sheet.png
    """
    from convcli.cli.jobs import image as image_job

    look = image_job.ImageOutput(absolute, normalize, bias, compress_level, format, quality,
                                 raw)
    image_job.run(image, output, kernel, options, report, look,
                  combine=combine.value if combine else None, plot=plot)
    report.report()
