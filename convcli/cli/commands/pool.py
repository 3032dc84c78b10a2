"""`convcli pool`: the chapter's pooling (max or mean over windows) for signals and images."""

from __future__ import annotations

from typing import Annotated

import typer

from convcli.cli.jobs.engine_call import EngineOptions
from convcli.cli.options import INTEGERS, choice, integers, shared_options
from convcli.cli.report import Timings
from convcli.names import POOL_NAN, POOL_OPS


@shared_options("pool", offer=("backend", "output", "quiet", "timings"))
def pool(
    input: Annotated[str, typer.Argument(
        metavar="INPUT", help="A signal CSV, an image, a .npy array, or -.")],
    size: Annotated[str, typer.Option("--size", "-n", parser=integers, metavar=INTEGERS,
                                      help="Window size: 2, or one per axis: 2,3.")],
    stride: Annotated[str | None, typer.Option(
        parser=integers, metavar=INTEGERS,
        help="Step between windows, or one per axis (default: the size: no overlap).")] = None,
    op: Annotated[choice(POOL_OPS), typer.Option(
        help="The statistic over each window (l2: root of the sum of squares).")] = "max",
    nan: Annotated[choice(POOL_NAN), typer.Option(
        help="Missing cells: skip them (a window with none is empty) or propagate.")
    ] = "ignore",
    *,
    options: EngineOptions,
    report: Timings,
    output: str | None,
) -> None:
    """Pool a signal, an image or an array over windows.

    A signal is pooled down its rows (each column), an image over its rows and columns (each
    channel, alpha too), an array over every axis. Windows lie wholly inside the input. A CSV
    keeps its layout: each output row carries the pooled numbers and the time/text cells of
    its window's first row.

    Examples:

    \b
      convcli pool samples/trajectory.csv --size 10 --op mean -o every10.csv
      convcli pool samples/astronaut.png --size 2 -o half.png
    """
    from convcli.cli.jobs.inputs import kind_of_source
    from convcli.engine.pooling import pool as pool_op
    from convcli.io.atomic import check_not_input

    kind = kind_of_source(input)
    if kind == "image":
        from convcli.cli.jobs.image import resolve_output

        shown = size if isinstance(size, int) else "x".join(map(str, size))
        output = resolve_output(input, output, f"{op}pool{shown}")
    output = output or "-"
    check_not_input(output, input)
    with report.stage("read") as stage:
        data, writer = _reader(kind)(input)
        stage.detail = f"{data.shape}"
    axes = (0,) if kind == "signal" else (0, 1) if kind == "image" else None
    with report.stage("pool", amount=data.size, unit="samples") as stage:
        outcome = pool_op(data, size, stride=stride, op=op, axes=axes, nan=nan,
                          backend=options.backend)
        stage.detail = f"{op} {size}, stride {stride or size}: {outcome.method}"
    with report.stage("write"):
        step = stride or size
        writer(outcome.values, output, step if isinstance(step, int) else step[0])
    report.facts.update(backend=outcome.method, shape=list(outcome.values.shape))
    report.report()


def _reader(kind: str):
    """A function reading the input: (numbers, a writer of the pooled numbers like it)."""
    if kind == "signal":
        def read(source):
            from convcli.io.csv.table import read_signal, write_signal

            table = read_signal(source)

            def write(values, dest, step):
                rows = range(0, step * values.shape[0], step)
                write_signal(table.take_rows(rows), values, dest)

            return table.data, write
        return read
    if kind == "image":
        def read(source):
            import numpy as np

            from convcli.io.images import read_image, write_image

            image = read_image(source)
            pixels = image.pixels
            if image.alpha is not None:  # alpha is pooled alongside, as one more channel
                pixels = np.dstack([pixels, image.alpha[0].astype(np.float32)])

            def write(values, dest, _step):
                alpha = None
                if image.alpha is not None:
                    values, alpha = values[..., :-1], np.rint(values[..., -1]).astype(
                        image.alpha.dtype)
                write_image(values, image, dest, alpha=alpha)

            return pixels, write
        return read

    def read(source):
        from convcli.io.arrays import read_array, write_array

        return read_array(source), lambda values, dest, _step: write_array(values, dest)
    return read
