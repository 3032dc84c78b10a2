"""`convcli kernels`: list the named kernels, or show one kernel's values."""

from __future__ import annotations

import json
import textwrap
from typing import Annotated, Any, NoReturn

import typer

from convcli.cli.options import complete_kernel
from convcli.errors import KernelError

HELP = """List the named kernels; `convcli kernels show SPEC` shows one.

A kernel spec is NAME or NAME:key=value,… (gaussian:sigma=2.5,radius=8; box:size=7;
sobel:direction=y; exponential:tau=4), a file (.csv/.tsv/.txt rows, .npy, or .json
{"kernel": [[…]], "origin": […], "normalize": true}), an inline matrix ("[1,2,1]",
"[1,2,1; 2,4,2; 1,2,1]"), or ImageMagick's "3x3: 1,2,1 2,4,2 1,2,1" ("WxH+X+Y: …" puts the
origin at column X, row Y). Any kernel also takes normalize, scale=F, transpose,
rotate=90|180|270 (counter-clockwise), origin=i or i;j, and outer (1-D → 2-D).

Normalisation: named smoothing kernels are normalised to unit sum by definition
(normalize=false gives the raw weights); a kernel you write (file or inline) is used exactly as
given unless you add normalize. ImageMagick's -convolve normalises silently and its -morphology
Convolve does not; convcli never does so silently. Values are true-convolution weights, as
ImageMagick's are.

Examples:

\b
  convcli kernels --json
  convcli kernels show gaussian:sigma=2 --ndim 2
  convcli kernels show "[1,2,1]:outer,normalize"
"""

kernels_app = typer.Typer(help=HELP, add_completion=False, rich_markup_mode=None)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fail(error: KernelError) -> NoReturn:
    message = " ".join(str(error).split())
    typer.echo(f"convcli: error: {message}", err=True)
    raise typer.Exit(2)


@kernels_app.callback(invoke_without_command=True)
def list_kernels(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List every named kernel with its parameters, defaults and description."""
    if ctx.invoked_subcommand is not None:
        return
    from convcli.kernels import named_kernels

    entries = named_kernels()
    if as_json:
        typer.echo(json.dumps([e.to_dict() for e in entries], indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console()
    console.print("Named kernels (convcli kernels show NAME:key=value prints the values):\n",
                  highlight=False)
    for entry in entries:
        head = Text(entry.name, style="bold")
        if entry.aliases:
            head.append(f" ({', '.join(entry.aliases)})", style="dim")
        others = [f"{d}-D" for d in sorted(entry.ndims) if d != entry.ndim]
        dims = f"{entry.ndim}-D" + (f", also {', '.join(others)}" if others else "")
        params = ", ".join(f"{p.name}={p.unset if p.default is None else p.default}"
                           for p in entry.params)
        head.append(f" · {entry.category} · {dims}" + (f" · {params}" if params else ""))
        console.print(head, highlight=False)
        console.print(textwrap.fill(entry.description, console.width, initial_indent="    ",
                                    subsequent_indent="    ", break_on_hyphens=False),
                      highlight=False, markup=False)


@kernels_app.command("show")
def show(
    spec: Annotated[str, typer.Argument(
        metavar="SPEC", autocompletion=complete_kernel,
        help="Kernel spec, e.g. gaussian:sigma=2 or '[1,2,1]'.")],
    ndim: Annotated[
        int | None,
        typer.Option("--ndim", metavar="INT",
                     help="Ask for a 1-, 2- or 3-D kernel (default: its natural one)."),
    ] = None,
    as_json: JsonOpt = False,
    response: Annotated[bool, typer.Option(
        "--response", help="Print the magnitude of its frequency response instead.")] = False,
    plot: Annotated[str | None, typer.Option(
        "--plot", metavar="FILE", help="Draw the kernel and its frequency response to this "
        ".png, .svg or .pdf (the plot extra).")] = None,
) -> None:
    """Show a kernel's values, with its size, sum, rank and origin."""
    from convcli.kernels import parse_kernel

    try:
        kernel = parse_kernel(spec, ndim)
    except KernelError as error:
        _fail(error)
    if plot is not None:
        from convcli.plot.figures import kernel_figure, save_figure

        save_figure(kernel_figure(kernel, spec), plot)
        return
    if response:
        _print_response(kernel, as_json)
        return
    facts = describe(kernel, spec)
    if as_json:
        typer.echo(json.dumps(facts, ensure_ascii=False))
        return
    _render(kernel, facts)


def describe(kernel: Any, spec: str) -> dict[str, Any]:
    """The kernel as a JSON-ready dict: values, origin, shape, sum, rank, separability."""
    factors = kernel.separable_factors()
    return {
        "spec": spec,
        "name": kernel.name,
        "params": kernel.params,
        "shape": list(kernel.shape),
        "ndim": kernel.ndim,
        "values": kernel.values.tolist(),
        "origin": list(kernel.origin_index),
        "centered": kernel.origin is None,
        "sum": kernel.sum,
        "rank": kernel.rank,
        "separable": factors is not None,
        "factors": None if factors is None else [f.tolist() for f in factors],
    }


def _format(value: float, integral: bool) -> str:
    if integral:
        return str(int(value))
    text = f"{value:.4g}"
    return "0" if text in ("0", "-0") else text


def _shade(value: float, peak: float) -> str:
    """A background from grey (0) to red (most positive) or blue (most negative)."""
    t = abs(value) / peak if peak else 0.0
    target = (200, 50, 40) if value > 0 else (40, 90, 210)
    r, g, b = (round(48 + (c - 48) * t) for c in target)
    return f"white on rgb({r},{g},{b})"


def _window(n: int, centre: int, most: int) -> range:
    """At most ``most`` indices of 0…n−1, around ``centre``."""
    if n <= most:
        return range(n)
    start = min(max(0, centre - most // 2), n - most)
    return range(start, start + most)


def _render(kernel: Any, facts: dict[str, Any]) -> None:
    import numpy as np
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    console = Console()
    styled = console.color_system is not None  # a terminal: shading and underline
    values = kernel.values
    origin = kernel.origin_index
    params = ", ".join(f"{k}={v}" for k, v in kernel.params.items() if v is not None)
    facts_line = [f"shape {'×'.join(map(str, kernel.shape))}", f"sum {kernel.sum:.6g}"]
    if kernel.ndim > 1:
        facts_line.append(f"rank {facts['rank']}" + (" (separable)" if facts["separable"] else ""))
    where = " (centred)" if facts["centered"] else ""
    marked = "underlined" if styled else "in [brackets]"
    facts_line.append(f"origin {';'.join(map(str, origin))}{where}, {marked} below")
    console.print(f"[bold]{escape(kernel.name)}[/bold] {escape(params)}".rstrip(), highlight=False)
    console.print(", ".join(facts_line), highlight=False, markup=False)
    if kernel.ndim == 3:
        console.print(f"3-D kernel: the slice at index {origin[0]} of axis 0", highlight=False)
        values, origin = values[origin[0]], origin[1:]
    integral = bool(np.all(values == np.round(values)) and np.abs(values).max() < 1e6)
    peak = float(np.abs(values).max())
    cell = max(len(_format(v, integral)) for v in values.flat)
    label_width = len(str(values.size)) + 1  # the row labels and a space
    per_row = max(1, (console.width - label_width) // (cell + 2))  # " value " or "[value]"
    if values.ndim == 1:  # wrapped into rows of per_row taps, labelled by first index
        n = values.size
        per_row = min(per_row, n)
        grid = np.full(-(-n // per_row) * per_row, np.nan)
        grid[:n] = values
        grid = grid.reshape(-1, per_row)
        centre = divmod(origin[0], per_row)
        labels = [str(r * per_row) for r in range(grid.shape[0])]
        headers = [f"+{c}" for c in range(per_row)]
    else:
        grid, centre = values, origin
        labels = [str(r) for r in range(grid.shape[0])]
        headers = [str(c) for c in range(grid.shape[1])]
    rows = _window(grid.shape[0], centre[0], 40)
    cols = _window(grid.shape[1], centre[1], per_row)
    if len(rows) < grid.shape[0] or len(cols) < grid.shape[1]:
        console.print(
            f"showing rows {labels[rows[0]]}–{labels[rows[-1]]}, columns {cols[0]}–{cols[-1]}; "
            "--json prints every value",
            highlight=False,
        )
    table = Table(show_header=True, header_style="dim", box=None, padding=0, show_edge=False)
    table.add_column("", style="dim", justify="right", width=label_width - 1)
    table.add_column("", width=1)
    for c in cols:
        table.add_column(f"{headers[c]} ", justify="right", width=cell + 2)
    for r in rows:
        cells = []
        for c in cols:
            value = grid[r, c]
            if np.isnan(value):
                cells.append("")
                continue
            text = _format(value, integral)
            if (r, c) == tuple(centre):
                cells.append(Text(f" {text} ", _shade(value, peak) + " underline") if styled
                             else Text(f"[{text}]"))
            else:
                cells.append(Text(f" {text} ", _shade(value, peak) if styled else ""))
        table.add_row(labels[r], "", *cells)
    console.print(table)


RESPONSE_POINTS = 17
"""``--response`` prints |H| at this many frequencies, 0 to 0.5 cycles/sample."""


def _print_response(kernel: Any, as_json: bool) -> None:
    """|H| (and dB) at evenly spaced frequencies: a column for 1-D, a fy × fx grid for 2-D."""
    import numpy as np

    from convcli.plot.response import frequencies, response_1d, response_2d, to_db

    freqs = frequencies(RESPONSE_POINTS)
    if kernel.ndim == 1:
        magnitude = np.abs(response_1d(kernel.values, freqs))
        if as_json:
            typer.echo(json.dumps({"frequency": freqs.tolist(), "magnitude": magnitude.tolist()}))
            return
        typer.echo("frequency (cycles/sample)  |H|        dB")
        for f, m, db in zip(freqs, magnitude, to_db(magnitude)):
            typer.echo(f"{f:9.4f}  {m:19.6g}  {db:8.2f}")
        return
    values = kernel.values if kernel.ndim == 2 else kernel.values[kernel.origin_index[0]]
    step = 2 * (RESPONSE_POINTS - 1)
    grid, axis = response_2d(values, size=max(step, *values.shape))
    zero = len(axis) // 2
    take = (zero + np.round(freqs * len(axis)).astype(int)) % len(axis)  # +0.5 ≡ −0.5
    magnitude = grid[np.ix_(take, take)]
    shown = freqs
    if as_json:
        typer.echo(json.dumps({"fy": shown.tolist(), "fx": shown.tolist(),
                               "magnitude": magnitude.tolist()}))
        return
    typer.echo("|H| over fy (rows) × fx (columns), cycles/pixel")
    typer.echo("fy\\fx " + " ".join(f"{f:7.3f}" for f in shown))
    for f, row in zip(shown, magnitude):
        typer.echo(f"{f:6.3f} " + " ".join(f"{m:7.3g}" for m in row))
