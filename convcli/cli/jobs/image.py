"""The image pipeline shared by `filter` and `convolve`: read → kernel → engine → write.

The default geometry ('same', stride 1) streams band by band (``io.images.strips``); other
modes, strides and --normalize convolve whole frames, alpha given the output's geometry.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace

from convcli.cli.jobs.engine_call import EngineOptions, apply, integral_weights
from convcli.cli.report import Timings
from convcli.errors import InputError, OutputError


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

    def __post_init__(self) -> None:
        if not math.isfinite(self.bias):
            raise OutputError(f"--bias must be a finite number, got {self.bias}")


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


def _halo(kernel, dilation) -> int:
    """Rows a band needs on each side: the kernel's reach along the rows, dilation included."""
    step = dilation if isinstance(dilation, int) else dilation[0]
    return (kernel.shape[0] - 1) * step


def exact_integer_type(image, kernel, options: EngineOptions):
    """The integer type a band is convolved in, exactly, or None (then float): an integral
    kernel whose largest possible sum, Σ|k| × the largest sample (and an integral fill value
    within the sample range), fits int16 — or int32 for 16-bit images.

    The engine then sums in that type (``direct:integer taps``): the edge kernel on an 8-bit
    photo runs in int16, a quarter of float32's time on the 4096² photo.
    """
    import numpy as np

    values = kernel.values
    if image.dtype.kind not in "ui" or image.bits > 16 or values.dtype.kind != "f" or \
            integral_weights(values).dtype.kind == "f":  # the engine's integral-kernel rule
        return None
    if options.boundary == "fill":
        fill = options.fillvalue
        if not (float(fill).is_integer() and 0 <= fill <= image.maxval):
            return None
    bound = float(np.abs(values).sum()) * image.maxval
    for dtype in (np.int16, np.int32):
        if bound <= np.iinfo(dtype).max and np.dtype(dtype).itemsize > image.dtype.itemsize:
            return np.dtype(dtype)
    return None


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


def run(source: str, output: str | None, spec: str | list[str], options: EngineOptions,
        report: Timings, look: ImageOutput, *, combine: str | None = None,
        plot: str | None = None) -> None:
    """Filter the image at ``source`` into ``output``. One kernel gives one filtered image; a
    bank (several specs, or one such as ``sobel:direction=all``) one feature map per kernel,
    stacked on a channel axis, or merged into one image by ``combine``; ``plot`` draws the
    before | after | kernel sheet."""
    _run(source, output, spec, options, report, look, combine, plot)


def _run(source, output, spec, options: EngineOptions, report: Timings, look: ImageOutput,
         combine: str | None, plot: str | None) -> None:
    import numpy as np

    from convcli.cli.jobs.allocator import keep_freed_memory
    from convcli.cli.jobs.plots import check_plot
    from convcli.io.atomic import check_not_input
    from convcli.io.images import read_image, target_for
    from convcli.io.images.encode import check_writable
    from convcli.io.images.strips import filter_in_strips
    from convcli.kernels import kernel_file
    from convcli.kernels.library.banks import parse_bank

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
    streams = len(bank) == 1 and plot is None and _streams(options, look)
    with report.stage("read", unit="px") as stage:
        image = read_image(source, progressive=streams)  # a PNG decodes as it is filtered
        frames, height, width, _ = image.frames.shape
        stage.amount = frames * height * width
        stage.detail = f"{image.mode} {image.bits}-bit {width}×{height}" + \
            (f" × {frames} frames" if frames > 1 else "")
    if len(bank) > 1 or plot is not None:
        _run_bank(image, output, bank, options, report, look, combine, plot)
        return
    kernel = bank[0].kernel
    target = target_for(output, image, format=look.format, quality=look.quality,
                        compress_level=look.compress_level, raw=look.raw)
    check_writable(target, image)
    if image.dtype.kind != "f":  # integer samples hold no NaN: skip the engine's NaN scan
        options = replace(options, nan="propagate")
    methods = set()
    work = exact_integer_type(image, kernel, options) if streams else None
    # exact integer bands: the direct backend's integer taps, without pricing float methods
    band_options = replace(options, backend="direct") if work is not None and \
        options.backend == "auto" else options

    def convolve(values):
        outcome = apply(values, kernel, band_options, (0, 1))
        methods.add(outcome.method)
        return outcome.values

    if streams:
        keep_freed_memory()  # bands allocate and free the same arrays again and again
        stage_name = "read+convolve+write" if image.rest else "convolve+write"
        with report.stage(stage_name, amount=image.frames.size, unit="samples") as stage:
            filter_in_strips(image, target, convolve, _halo(kernel, options.dilation),
                             abs_=look.absolute, bias=look.bias, work=work)
            stage.detail = f"{options.describe()}, {', '.join(sorted(methods))}, in bands"
    else:
        from convcli.io.images import write_image

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


def _run_bank(image, output, bank, options: EngineOptions, report: Timings,
              look: ImageOutput, combine: str | None, plot: str | None) -> None:
    """Several kernels (or a plot): the first frame, every map held, then written."""
    import numpy as np

    from convcli.cli.jobs.plots import plot_image
    from convcli.engine.combine import combine as merge
    from convcli.io.feature_maps import write_feature_maps
    from convcli.io.images import write_image
    from convcli.settings import check_memory

    pixels = image.pixels
    if len(bank) > 1:  # every map is held, then stacked: twice their size at the peak
        check_memory(2 * len(bank) * pixels.size * pixels.dtype.itemsize,
                     f"{len(bank)} feature maps of {pixels.shape}")
    with report.stage("convolve", amount=pixels.size * len(bank), unit="samples") as stage:
        outcomes = [apply(pixels, m.kernel, options, (0, 1)) for m in bank]
        stage.detail = f"{options.describe()}, {outcomes[0].method}"
    maps = [o.values for o in outcomes]
    with report.stage("write", amount=maps[0].size * len(maps), unit="samples") as stage:
        if len(maps) == 1 or combine is not None:
            values = maps[0] if combine is None else merge(np.stack(maps), combine)
            alpha = None
            if image.alpha is not None:
                alpha = _alpha_geometry(image.alpha[:1], bank[0].kernel, options)
            write_image(values, image, output, alpha=alpha, abs_=look.absolute,
                        normalize=look.normalize, bias=look.bias,
                        compress_level=look.compress_level, raw=look.raw,
                        format=look.format, quality=look.quality)
        else:
            write_feature_maps(np.stack(maps), output)
        stage.detail = "stdout" if output == "-" else output
    if len(maps) == 1:
        shown = [(bank[0].spec, maps[0])]
    elif combine is not None:
        shown = [(combine, values)]
    else:
        shown = [(m.spec, v) for m, v in zip(bank, maps)]
    if plot is not None:
        plot_image(plot, image, shown, [(m.spec, m.kernel) for m in bank], report)
    report.facts.update(backend=outcomes[0].method, shape=list(pixels.shape),
                        mode=image.mode, maps=len(maps))
