"""The image pipeline shared by `filter` and `convolve`: read → kernel → engine → write."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from convcli.cli.jobs.engine_call import EngineOptions, apply
from convcli.cli.jobs.plots import plot_image
from convcli.cli.report import Timings
from convcli.engine.combine import combine as merge
from convcli.errors import InputError, OutputError
from convcli.io.feature_maps import write_feature_maps


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


def run(source: str, output: str | None, spec: str | list[str], options: EngineOptions,
        report: Timings, look: ImageOutput, *, combine: str | None = None,
        plot: str | None = None) -> None:
    """One kernel gives one filtered image; a bank (several specs, or one such as
    ``sobel:direction=all``) one feature map per kernel, stacked on a channel axis, or merged
    into one image by ``combine``. ``plot`` draws the before | after | kernel sheet."""
    from convcli.cli.jobs.plots import check_plot
    from convcli.io.atomic import check_not_input
    from convcli.io.images import read_image, write_image
    from convcli.kernels import kernel_file
    from convcli.kernels.library.banks import parse_bank
    from convcli.settings import check_memory

    specs = [spec] if isinstance(spec, str) else list(spec)
    with report.stage("kernel") as stage:
        bank = parse_bank(specs, ndim=2)
        stage.detail = ", ".join(f"{m.kernel.name} {m.kernel.shape}" for m in bank)
    if combine is not None and len(bank) < 2:
        raise InputError("--combine merges the maps of two or more kernels: repeat -k or "
                         "give a bank such as sobel:direction=all")
    output = resolve_output(source, output, "+".join(specs))
    check_not_input(output, source, *map(kernel_file, specs))
    check_plot(plot, source, output)
    with report.stage("read", unit="px") as stage:
        image = read_image(source)
        stage.amount = image.pixels.shape[0] * image.pixels.shape[1]
        stage.detail = f"{image.mode} {image.pixels.shape[1]}×{image.pixels.shape[0]}"
    if len(bank) > 1:  # every map is held, then stacked: twice their size at the peak
        check_memory(2 * len(bank) * image.pixels.size * image.pixels.dtype.itemsize,
                     f"{len(bank)} feature maps of {image.pixels.shape}")
    with report.stage("convolve", amount=image.pixels.size * len(bank), unit="samples") as stage:
        outcomes = [apply(image.pixels, m.kernel, options, (0, 1)) for m in bank]
        stage.detail = f"{options.describe()}, {outcomes[0].method}"
    maps = [o.values for o in outcomes]
    with report.stage("write", amount=maps[0].size * len(maps), unit="samples") as stage:
        if len(maps) == 1 or combine is not None:
            values = maps[0] if combine is None else merge(np.stack(maps), combine)
            write_image(values, image, output, **look.write_options(output))
        else:
            write_feature_maps(np.stack(maps), output)
        stage.detail = "stdout" if output == "-" else output
    if plot is not None:
        if len(maps) == 1:
            shown = [(bank[0].spec, maps[0])]
        elif combine is not None:
            shown = [(combine, values)]
        else:
            shown = [(m.spec, v) for m, v in zip(bank, maps)]
        plot_image(plot, image, shown, [(m.spec, m.kernel) for m in bank], report)
    report.facts.update(backend=outcomes[0].method, shape=list(image.pixels.shape),
                        mode=image.mode, maps=len(maps))
