"""The image pipeline shared by `filter` and `convolve`: read → kernel → engine → write.

The default geometry ('same', stride 1) streams band by band (``io.images.strips``); other
modes, strides and --normalize convolve whole frames, alpha given the output's geometry.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

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
    format: str | None = None
    quality: int | None = None
    raw: bool = False


def resolve_output(source: str, output: str | None, label: str) -> str:
    """-o as given; else stdout when it is a pipe; else ``<stem>.<kernel>.<ext>`` beside the
    input (announced on stderr)."""
    if output is not None:
        return output
    if not sys.stdout.isatty():
        return "-"
    if source == "-":
        raise OutputError("reading stdin with stdout on a terminal: give -o FILE (or - )")
    from convcli.io.images import default_output_path

    path = str(default_output_path(source, label))
    sys.stderr.write(f"convcli: writing {path}\n")
    return path


def _halo(kernel, dilation) -> int:
    """Rows a band needs on each side: the kernel's reach along the rows, dilation included."""
    step = dilation if isinstance(dilation, int) else dilation[0]
    return (kernel.shape[0] - 1) * step


def _streams(options: EngineOptions, look: ImageOutput) -> bool:
    strides = options.stride if isinstance(options.stride, tuple) else (options.stride,)
    return options.mode == "same" and set(strides) == {1} and not look.normalize


def _alpha_geometry(alpha, kernel, options: EngineOptions):
    """The alpha channel (frames, H, W) cropped, strided or extended exactly as the colour
    channels were: a centred one-tap kernel of the same shape through the engine."""
    import numpy as np

    from convcli.kernels.kernel import Kernel

    if options.mode == "same":
        sy, sx = options.stride if isinstance(options.stride, tuple) else (options.stride,) * 2
        return alpha[:, ::sy, ::sx]
    delta = np.zeros(kernel.shape, np.float32)
    delta[tuple(n // 2 for n in kernel.shape)] = 1
    one_tap = Kernel(delta, None, "alpha")
    moved = [apply(frame.astype(np.float32), one_tap, options, (0, 1)).values
             for frame in alpha]
    info = np.iinfo(alpha.dtype)
    return np.clip(np.rint(np.stack(moved)), info.min, info.max).astype(alpha.dtype)


def run(source: str, output: str | None, spec: str, options: EngineOptions, report: Timings,
        look: ImageOutput) -> None:
    """Filter the image at ``source`` into ``output``; a reader that closes stdout early
    ends the run quietly with exit 0 (Click would turn the broken pipe into exit 1)."""
    try:
        _run(source, output, spec, options, report, look)
    except BrokenPipeError:
        import os

        import typer

        devnull = os.open(os.devnull, os.O_WRONLY)  # the interpreter's last flush goes nowhere
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None


def _run(source: str, output: str | None, spec: str, options: EngineOptions, report: Timings,
         look: ImageOutput) -> None:
    import numpy as np

    from convcli.io.atomic import check_not_input
    from convcli.io.images import read_image, target_for, write_image
    from convcli.io.images.encode import check_writable
    from convcli.io.images.strips import filter_in_strips
    from convcli.kernels import parse_kernel

    with report.stage("kernel") as stage:
        kernel = parse_kernel(spec, ndim=2)
        stage.detail = f"{kernel.name} {kernel.shape}"
    output = resolve_output(source, output, spec)
    check_not_input(output, source)
    with report.stage("read", unit="px") as stage:
        image = read_image(source)
        frames, height, width, _ = image.frames.shape
        stage.amount = frames * height * width
        stage.detail = f"{image.mode} {image.bits}-bit {width}×{height}" + \
            (f" × {frames} frames" if frames > 1 else "")
    target = target_for(output, image, format=look.format, quality=look.quality,
                        compress_level=look.compress_level, raw=look.raw)
    check_writable(target, image)
    if image.dtype.kind != "f":  # integer samples hold no NaN: skip the engine's NaN scan
        options = replace(options, nan="propagate")
    methods = set()

    def convolve(values):
        outcome = apply(values, kernel, options, (0, 1))
        methods.add(outcome.method)
        return outcome.values

    if _streams(options, look):
        with report.stage("convolve+write", amount=image.frames.size, unit="samples") as stage:
            filter_in_strips(image, target, convolve, _halo(kernel, options.dilation),
                             abs_=look.absolute, bias=look.bias)
            stage.detail = f"{options.describe()}, {', '.join(sorted(methods))}, in bands"
    else:
        work = np.float32 if image.bits <= 8 else np.float64
        with report.stage("convolve", amount=image.frames.size, unit="samples") as stage:
            values = np.stack([convolve(frame.astype(work)) for frame in image.frames])
            alpha = None
            if image.alpha is not None and not target.raw_values:
                alpha = _alpha_geometry(image.alpha, kernel, options)
            stage.detail = f"{options.describe()}, {', '.join(sorted(methods))}"
        with report.stage("write", amount=values.size, unit="samples") as stage:
            write_image(values, image, target, alpha=alpha, abs_=look.absolute,
                        normalize=look.normalize, bias=look.bias)
    report.facts.update(backend=", ".join(sorted(methods)), shape=list(image.frames.shape),
                        mode=image.mode)
