"""`convcli pool`: the chapter's pooling (max or mean over windows) for signals and images."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from convcli.cli.options import (
    BackendName,
    BackendOpt,
    OutputOpt,
    QuietOpt,
    TimingsFormat,
    TimingsOpt,
)
from convcli.cli.report import Timings


class PoolOp(str, Enum):
    max = "max"
    min = "min"
    mean = "mean"
    sum = "sum"
    l2 = "l2"
    median = "median"


class PoolNan(str, Enum):
    ignore = "ignore"
    propagate = "propagate"


def pool(
    input: Annotated[str, typer.Argument(help="A signal CSV, an image, a .npy array, or -.")],
    size: Annotated[str, typer.Option(
        "--size", "-n", help="Window size: one for every axis, or one per axis (2,3).")],
    stride: Annotated[str | None, typer.Option(
        help="Step between windows, one or one per axis (default: the size: no overlap).")
    ] = None,
    op: Annotated[PoolOp, typer.Option(
        help="The statistic of each window (l2: root of the sum of squares).")] = PoolOp.max,
    nan: Annotated[PoolNan, typer.Option(
        help="Missing cells: skip them (a window with none present is empty), or propagate."
    )] = PoolNan.ignore,
    output: OutputOpt = None,
    backend: BackendOpt = BackendName.auto,
    quiet: QuietOpt = False,
    timings: TimingsOpt = TimingsFormat.table,
) -> None:
    """Pool a signal (down its rows, each column), an image (each channel) or an array.

    Windows lie wholly inside the input. A CSV keeps its layout: each output row carries the
    pooled numbers and the time/text cells of its window's first row.

    Examples:

      convcli pool samples/trajectory.csv --size 10 --op mean -o every10.csv

      convcli pool samples/astronaut.png --size 2 -o half.png
    """
    from convcli.cli.jobs.inputs import kind_of_source
    from convcli.cli.options import int_tuple
    from convcli.engine.pooling import pool as pool_op
    from convcli.io.atomic import check_not_input

    sizes = int_tuple(size, "size")
    strides = None if stride is None else int_tuple(stride, "stride")
    report = Timings("pool", quiet=quiet, json_output=timings == TimingsFormat.json)
    kind = kind_of_source(input)
    if kind == "image":
        from convcli.cli.jobs.image import resolve_output

        output = resolve_output(input, output, f"{op.value}pool{size.replace(',', 'x')}")
    output = output or "-"
    check_not_input(output, input)
    with report.stage("read") as stage:
        data, writer = _reader(kind)(input)
        stage.detail = f"{data.shape}"
    axes = (0,) if kind == "signal" else (0, 1) if kind == "image" else None
    with report.stage("pool", amount=data.size, unit="samples") as stage:
        outcome = pool_op(data, sizes, stride=strides, op=op.value, axes=axes, nan=nan.value,
                          backend=backend.value)
        stage.detail = f"{op.value} {size}, stride {stride or size}: {outcome.method}"
    with report.stage("write"):
        step = strides or sizes
        writer(outcome.values, output, step if isinstance(step, int) else step[0])
    report.facts.update(backend=outcome.method, shape=list(outcome.values.shape))
    report.report()


def _reader(kind: str):
    """A function reading the input: (numbers, a writer of the pooled numbers like it)."""
    if kind == "signal":
        def read(source):
            from convcli.io.signals import read_signal, write_signal

            table = read_signal(source)

            def write(values, dest, step):
                rows = range(0, step * values.shape[0], step)
                write_signal(table.take_rows(rows), values, dest)

            return table.data, write
        return read
    if kind == "image":
        def read(source):
            from dataclasses import replace

            import numpy as np

            from convcli.io.images import read_image, write_image

            image = read_image(source)
            pixels = image.pixels
            if image.alpha is not None:  # alpha is pooled alongside, as one more channel
                pixels = np.dstack([pixels, image.alpha.astype(np.float32)])

            def write(values, dest, _step):
                alpha = None
                if image.alpha is not None:
                    values, alpha = values[..., :-1], np.rint(values[..., -1]).astype(
                        image.alpha.dtype)
                    if values.shape[-1] == 1:
                        values = values[..., 0]
                write_image(values, replace(image, pixels=values, alpha=alpha), dest)

            return pixels, write
        return read

    def read(source):
        from convcli.io.arrays import read_array, write_array

        return read_array(source), lambda values, dest, _step: write_array(values, dest)
    return read
