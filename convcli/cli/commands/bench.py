"""`convcli bench`: every backend on the user's own data, side by side."""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from typing import Annotated

import typer

from convcli.cli.jobs.engine_call import (
    EngineOptions,
    apply,
    check_axes_apply,
    kernel_axes,
    kernel_ndim,
)
from convcli.cli.options import complete_kernel, shared_options


@shared_options("bench", offer=("mode", "boundary", "fill_value", "axes", "nan", "correlate",
                                "stride", "dilation"), boundary="reflect", nan="ignore")
def bench(
    input: Annotated[str, typer.Argument(metavar="INPUT",
                                         help="A signal CSV, an image or a .npy array.")],
    kernel: Annotated[str, typer.Option("--kernel", "-k", metavar="SPEC",
                                        autocompletion=complete_kernel,
                                        help="Kernel spec.")] = "gaussian",
    repeat: Annotated[int, typer.Option(min=1, metavar="INT",
                                        help="Runs per backend (median).")] = 5,
    json_output: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")
                           ] = False,
    *,
    options: EngineOptions,
) -> None:
    """Time every backend on your data, side by side.

    For each backend: the median time, the speed-up over the slowest, the largest difference
    from the direct backend's result, and which method auto picks.

    Example:

    \b
      convcli bench samples/astronaut.png --kernel gaussian:sigma=4
      convcli bench samples/trajectory.csv -k box:size=51 --repeat 3 --json
    """
    import numpy as np

    from convcli.engine import backends

    data, kernel_obj, axes = _load(input, kernel, options)
    rows = []
    reference = None
    for name in backends():
        run_options = replace(options, backend=name)
        seconds = []
        for _ in range(repeat):
            begin = time.perf_counter()
            outcome = apply(data, kernel_obj, run_options, axes)
            seconds.append(time.perf_counter() - begin)
        if name == "direct":
            reference = outcome.values
        rows.append({"backend": name, "method": outcome.method,
                     "median_seconds": statistics.median(seconds), "values": outcome.values})
    slowest = max(r["median_seconds"] for r in rows)
    for r in rows:
        diff = np.abs(r.pop("values").astype(complex) - reference.astype(complex))
        diff = diff[~np.isnan(diff)]  # cells missing in both (--nan ignore keeps gaps)
        r["max_abs_diff_vs_direct"] = float(diff.max()) if diff.size else 0.0
        r["speedup_vs_slowest"] = slowest / r["median_seconds"]
    pick = next(r["method"] for r in rows if r["backend"] == "auto")
    if json_output:
        import json

        typer.echo(json.dumps({"auto_picks": pick, "backends": rows}))
        return
    _table(rows, pick, data.shape, kernel_obj)


def _load(source: str, spec: str, options: EngineOptions):
    from convcli.cli.jobs.inputs import kind_of_source
    from convcli.kernels import parse_kernel

    kind = kind_of_source(source)
    check_axes_apply(options, kind)
    if kind == "signal":
        from convcli.io.signals import read_signal

        return read_signal(source).data, parse_kernel(spec, ndim=1), (0,)
    if kind == "image":
        from convcli.io.images import read_image

        return read_image(source).pixels, parse_kernel(spec, ndim=2), (0, 1)
    from convcli.io.arrays import read_array

    array = read_array(source)
    kernel = parse_kernel(spec, ndim=kernel_ndim(options, array.ndim))
    return array, kernel, kernel_axes(options, array.ndim, kernel.ndim)


def _table(rows, pick, shape, kernel) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{shape} with {kernel.name} {kernel.shape}; auto picks {pick}",
                  title_justify="left", box=None, header_style="bold")
    for column in ("backend", "method", "median", "× slowest", "max |Δ| vs direct"):
        table.add_column(column, justify="left" if column in ("backend", "method") else "right",
                         overflow="fold")
    for r in rows:
        table.add_row(r["backend"], r["method"], f"{r['median_seconds'] * 1e3:.2f} ms",
                      f"{r['speedup_vs_slowest']:.1f}×", f"{r['max_abs_diff_vs_direct']:.2e}")
    Console().print(table)
