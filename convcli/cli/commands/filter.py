"""`convcli filter`: convolve an image with a kernel, each colour channel on its own."""

from __future__ import annotations

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

KernelArg = Annotated[str, typer.Option(
    "--kernel", "-k", help="Kernel spec: a name (edge, gaussian:sigma=2, sobel:direction=y…), "
    "a file (.csv .txt .npy .json) or inline \"[1,2,1; 2,4,2; 1,2,1]\". See `convcli kernels`.")]
AbsOpt = Annotated[bool, typer.Option("--abs", help="Magnitude of signed responses (edges).")]
NormalizeOpt = Annotated[bool, typer.Option(
    "--normalize", help="Stretch the result's min..max to the full output range.")]
BiasOpt = Annotated[float, typer.Option(help="Add this to every output value (e.g. 128).")]
LevelOpt = Annotated[int | None, typer.Option(
    "--compress-level", min=0, max=9, help="PNG zlib level 0-9 (default: isal deflate level 1, the "
    "fastest).")]
ImageOutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Output image (format from its extension: png jpg tif webp gif bmp), "
    ".npy for the raw float32 feature map, or - for stdout (in --format, default the input's "
    "format). Default: stdout if it is a pipe, else <stem>.<kernel>.<ext> beside the input.")]
FormatOpt = Annotated[str | None, typer.Option(
    "--format", help="Output format, overriding -o's extension: png, jpeg, tiff, webp, gif, "
    "bmp or npy. How -o - chooses.")]
QualityOpt = Annotated[int | None, typer.Option(
    "--quality", min=1, max=100, help="JPEG/WebP quality 1-100 (default 92 JPEG, 90 WebP).")]
RawOpt = Annotated[bool, typer.Option(
    "--raw", help="Write the raw float32 feature map (any channel count, not rounded or "
    "clipped) as TIFF; .npy output is always raw.")]


def filter_image(
    image: Annotated[str, typer.Argument(help="Image file (PNG, JPEG, TIFF, BMP, WebP, GIF) "
                                                "or - for stdin.")],
    kernel: KernelArg = "edge",
    output: ImageOutputOpt = None,
    absolute: AbsOpt = False,
    normalize: NormalizeOpt = False,
    bias: BiasOpt = 0.0,
    compress_level: LevelOpt = None,
    format: FormatOpt = None,
    quality: QualityOpt = None,
    raw: RawOpt = False,
    mode: ModeOpt = Mode.same,
    boundary: BoundaryOpt = Boundary.reflect,
    fill_value: FillOpt = 0.0,
    backend: BackendOpt = BackendName.auto,
    correlate: CorrelateOpt = False,
    stride: StrideOpt = "1",
    dilation: DilationOpt = "1",
    quiet: QuietOpt = False,
    timings: TimingsOpt = TimingsFormat.table,
) -> None:
    """Filter an image with a kernel; every layout, bit depth and frame kept.

    Each colour channel is convolved on its own; alpha is left as it was (cropped or strided
    with --mode/--stride). The output has the input's layout and bit depth (16-bit stays
    16-bit), rounded and clipped, with its ICC profile, EXIF and resolution; every frame of a
    GIF/APNG/multi-page TIFF is filtered. .npy or --raw write the float32 feature map.

    Examples:

      convcli filter samples/astronaut.png --kernel edge --abs -o edges.png

      convcli filter photo.jpg -k gaussian:sigma=2 -o - | convcli filter - -k sharpen > out.jpg

      convcli filter scan.tif -k sobel --raw -o gradient.tif
    """
    from convcli.cli.jobs import image as image_job

    options = EngineOptions.from_cli(mode, boundary, fill_value, backend, correlate, stride,
                                     dilation)
    report = Timings("filter", quiet=quiet, json_output=timings == TimingsFormat.json)
    look = image_job.ImageOutput(absolute, normalize, bias, compress_level, format,
                                 quality, raw)
    image_job.run(image, output, kernel, options, report, look)
    report.report()
