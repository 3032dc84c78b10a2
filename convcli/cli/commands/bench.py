"""`convcli bench`: every backend on the user's own data, side by side."""

from __future__ import annotations

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
                                "stride", "dilation"), boundary=None, nan="ignore")
def bench(
    input: Annotated[str, typer.Argument(metavar="INPUT",
                                         help="A signal CSV, an image or a .npy array.")],
    kernel: Annotated[str, typer.Option("--kernel", "-k", metavar="SPEC",
                                        autocompletion=complete_kernel,
                                        help="Kernel spec (default: smooth's exponential for "
                                        "a signal CSV, gaussian otherwise).")] = None,
    backend: Annotated[str | None, typer.Option(
        metavar="NAMES", help="Only these backends, comma-separated (default: every one).")
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, metavar="INT",
                                        help="Runs per backend (median).")] = 5,
    json_output: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")
                           ] = False,
    *,
    options: EngineOptions,
) -> None:
    """Time every backend on your data, side by side.

    For each backend (after one untimed warm-up run): the median time, the speed-up over
    the slowest, the largest difference from the direct backend's result, and which method
    auto picks. A signal CSV runs as
    smooth does (its kernel, boundary nearest, origin, missing cells ignored); a backend
    that cannot run the case is skipped with its reason.

    Example:

    \b
      convcli bench samples/astronaut.png --kernel gaussian:sigma=4
      convcli bench samples/trajectory.csv -k box:size=51 --repeat 3 --json
    """
    import statistics

    import numpy as np

    from convcli.cli.jobs.inputs import kind_of_source
    from convcli.engine import backends
    from convcli.errors import ConvcliError

    signal = kind_of_source(input) == "signal"
    options = replace(options, boundary=options.boundary or ("nearest" if signal else "reflect"))
    data, kernel_obj, axes = _load(input, kernel or ("exponential" if signal else "gaussian"),
                                   options)
    names = list(backends())
    if backend:
        wanted = [name.strip() for name in backend.split(",")]
        unknown = [name for name in wanted if name not in names]
        if unknown:
            raise ConvcliError(f"unknown backend {unknown[0]!r}; choose from {', '.join(names)}")
        names = wanted
    rows, skipped = [], {}
    for name in names:
        run_options = replace(options, backend=name)
        seconds = []
        try:
            apply(data, kernel_obj, run_options, axes)  # untimed: imports, caches, skip test
            for _ in range(repeat):
                begin = time.perf_counter()
                outcome = apply(data, kernel_obj, run_options, axes)
                seconds.append(time.perf_counter() - begin)
        except ConvcliError as e:
            skipped[name] = str(e)
            continue
        rows.append({"backend": name, "method": outcome.method,
                     "median_seconds": statistics.median(seconds), "values": outcome.values})
    if not rows:
        raise ConvcliError("no backend can run this case: " +
                           "; ".join(f"{name}: {why}" for name, why in skipped.items()))
    slowest = max(r["median_seconds"] for r in rows)
    first = next((r for r in rows if r["backend"] == "direct"), rows[0])
    reference, first = first["values"], first["backend"]
    for r in rows:
        values = r.pop("values")
        both = ~(np.isnan(values) | np.isnan(reference))
        diff = np.abs(values.astype(complex) - reference.astype(complex))[both]
        r[f"max_abs_diff_vs_{first}"] = float(diff.max()) if diff.size else 0.0
        r["speedup_vs_slowest"] = slowest / r["median_seconds"]
    pick = next((r["method"] for r in rows if r["backend"] == "auto"), None)
    if json_output:
        import json

        typer.echo(json.dumps({"auto_picks": pick, "backends": rows, "skipped": skipped}))
        return
    _table(rows, pick, data.shape, kernel_obj, skipped, first)


def _load(source: str, spec: str, options: EngineOptions):
    from convcli.cli.jobs.inputs import kind_of_source
    from convcli.kernels import parse_kernel

    kind = kind_of_source(source)
    check_axes_apply(options, kind)
    if kind == "signal":
        from convcli.io.csv.table import read_signal

        return read_signal(source).data, parse_kernel(spec, ndim=1), (0,)
    if kind == "image":
        from convcli.io.images import read_image

        return read_image(source).pixels, parse_kernel(spec, ndim=2), (0, 1)
    from convcli.io.arrays import read_array

    array = read_array(source)
    kernel = parse_kernel(spec, ndim=kernel_ndim(options, array.ndim))
    return array, kernel, kernel_axes(options, array.ndim, kernel.ndim)


def _table(rows, pick, shape, kernel, skipped, first) -> None:
    from rich.console import Console
    from rich.table import Table

    picks = f"; auto picks {pick}" if pick else ""
    table = Table(title=f"{shape} with {kernel.name} {kernel.shape}{picks}",
                  title_justify="left", box=None, header_style="bold")
    for column in ("backend", "method", "median", "× slowest", f"max |Δ| vs {first}"):
        table.add_column(column, justify="left" if column in ("backend", "method") else "right",
                         overflow="fold")
    for r in rows:
        table.add_row(r["backend"], r["method"], f"{r['median_seconds'] * 1e3:.2f} ms",
                      f"{r['speedup_vs_slowest']:.1f}×", f"{r[f'max_abs_diff_vs_{first}']:.2e}")
    console = Console()
    console.print(table)
    for name, why in skipped.items():
        console.print(f"skipped {name}: {why}", markup=False, highlight=False)
