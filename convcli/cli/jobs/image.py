"""The image pipeline shared by `filter` and `convolve`: read → kernel → engine → write."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

from convcli.cli.jobs.engine_call import EngineOptions, apply
from convcli.cli.report import Timings
from convcli.errors import OutputError


@dataclass(frozen=True)
class ImageOutput:
    """How the feature map becomes pixels: see ``convcli.io.images.write_image``."""

    absolute: bool = False
    normalize: bool = False
    bias: float = 0.0
    compress_level: int | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.bias):
            raise OutputError(f"--bias must be a finite number, got {self.bias}")

    def write_options(self, output: str) -> dict:
        """Keyword arguments of ``write_image``: a .tif/.tiff output keeps the raw floats."""
        options = {"abs_": self.absolute, "normalize": self.normalize, "bias": self.bias,
                   "raw": output.lower().endswith((".tif", ".tiff"))}
        if self.compress_level is not None:
            options["compress_level"] = self.compress_level
        return options


def resolve_output(source: str, output: str | None, label: str) -> str:
    """-o as given; else stdout when it is a pipe; else ``<stem>.<kernel>.<ext>`` beside the
    input (announced on stderr)."""
    if output is not None:
        return output
    if sys.stdout is None or not sys.stdout.isatty():  # closed: atomic_output says so
        return "-"
    if source == "-":
        raise OutputError("reading stdin with stdout on a terminal: give -o FILE (or - )")
    from convcli.io.images import default_output_path

    path = str(default_output_path(source, label))
    sys.stderr.write(f"convcli: writing {path}\n")
    return path


def run(source: str, output: str | None, spec: str, options: EngineOptions, report: Timings,
        look: ImageOutput) -> None:
    from convcli.io.atomic import check_not_input
    from convcli.io.images import read_image, write_image
    from convcli.kernels import kernel_file, parse_kernel

    with report.stage("kernel") as stage:
        kernel = parse_kernel(spec, ndim=2)
        stage.detail = f"{kernel.name} {kernel.shape}"
    output = resolve_output(source, output, spec)
    check_not_input(output, source, kernel_file(spec))
    with report.stage("read", unit="px") as stage:
        image = read_image(source)
        stage.amount = image.pixels.shape[0] * image.pixels.shape[1]
        stage.detail = f"{image.mode} {image.pixels.shape[1]}×{image.pixels.shape[0]}"
    with report.stage("convolve", amount=image.pixels.size, unit="samples") as stage:
        outcome = apply(image.pixels, kernel, options, (0, 1))
        stage.detail = f"{options.describe()}, {outcome.method}"
    with report.stage("write", amount=outcome.values.size, unit="samples") as stage:
        write_image(outcome.values, image, output, **look.write_options(output))
        stage.detail = "stdout" if output == "-" else output
    report.facts.update(backend=outcome.method, shape=list(image.pixels.shape), mode=image.mode)
