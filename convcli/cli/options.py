"""Options shared by the commands, declared once."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from convcli.errors import ConvcliError


class Mode(str, Enum):
    full = "full"
    same = "same"
    valid = "valid"


class Boundary(str, Enum):
    fill = "fill"
    reflect = "reflect"
    mirror = "mirror"
    nearest = "nearest"
    wrap = "wrap"


class BackendName(str, Enum):
    auto = "auto"
    direct = "direct"
    fft = "fft"
    scipy = "scipy"


class TimingsFormat(str, Enum):
    table = "table"
    json = "json"


ModeOpt = Annotated[Mode, typer.Option(help="Output size: full, same (input's size) or valid.")]
BoundaryOpt = Annotated[Boundary, typer.Option(
    help="How the input extends past its edges: fill (with --fill-value), reflect "
    "(dcba|abcd), mirror (dcb|abcd), nearest (aa|ab), wrap (cd|abcd).")]
FillOpt = Annotated[float, typer.Option("--fill-value", help="Value beyond the edges for "
                                        "--boundary fill.")]
BackendOpt = Annotated[BackendName, typer.Option(
    help="Engine backend: auto picks the fastest by a measured cost model.")]
CorrelateOpt = Annotated[bool, typer.Option(
    "--correlate", help="Cross-correlation (kernel not flipped) instead of true convolution.")]
StrideOpt = Annotated[str, typer.Option(help="Keep every s-th output: 2, or one per axis: 2,1.")]
DilationOpt = Annotated[str, typer.Option(help="Spread the kernel taps d apart: 2, or 2,1.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No timing table on stderr.")]
TimingsOpt = Annotated[TimingsFormat, typer.Option(
    help="Timings on stderr as a rich table, or one JSON object for scripts.")]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Output file, or - for stdout.")]


def int_tuple(text: str, name: str) -> int | tuple[int, ...]:
    """'2' → 2, '2,1' → (2, 1); a clear error otherwise."""
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise ConvcliError(f"--{name} takes integers like 2 or 2,1, got {text[:40]!r}") from None
    if any(abs(v) > 2**31 - 1 for v in values):
        raise ConvcliError(f"--{name} {text[:40]}: too large (at most {2**31 - 1})")
    return values[0] if len(values) == 1 else values
