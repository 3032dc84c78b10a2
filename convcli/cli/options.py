"""The options the commands share, declared once: :func:`shared_options` adds them to a command.

Like sqlite-utils' ``output_options``: a command declares only its own options plus the
parameters it wants handed over — ``options`` (an :class:`EngineOptions`), ``report`` (a
:class:`~convcli.cli.report.Timings`) and ``output`` — and the decorator adds the shared options
to its signature (so Typer shows and parses them), with the command's own defaults::

    @shared_options("smooth", boundary="nearest", nan="ignore", output="-")
    def smooth(signal: ..., *, options: EngineOptions, report: Timings, output: str) -> None:

Choice lists come from :mod:`convcli.names`, the engine's own names; a bad value is a usage
error naming the closest valid one (other tools' names included: scipy's ``constant`` is our
``fill``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from difflib import get_close_matches
from typing import Annotated, Any, Literal

import typer

from convcli import names
from convcli.cli.jobs.engine_call import EngineOptions

# Every option this module can add, in the order help shows them.
ENGINE = ("mode", "boundary", "fill_value", "axes", "nan", "backend", "correlate", "stride",
          "dilation")
REPORT = ("quiet", "timings")
ALL = (*ENGINE, "output", *REPORT)


def suggest(kind: str, value: str, choices: Sequence[str]) -> str | None:
    """The valid choice closest to ``value``: by another tool's name for it, or by spelling.

    >>> suggest("boundary", "constant", names.BOUNDARIES), suggest("mode", "sam", names.MODES)
    ('fill', 'same')
    """
    low = value.lower()
    aliases = {k: v for k, v in names.ALIASES.get(kind, {}).items() if v in choices}
    if low in aliases:
        return aliases[low]
    close = get_close_matches(low, [*choices, *aliases], n=1, cutoff=0.6)
    return aliases.get(close[0], close[0]) if close else None


def choice(choices: Sequence[str]) -> Any:
    """The annotation of an option choosing among ``choices`` (Typer completes and checks it).

    >>> choice(("max", "mean"))
    typing.Literal['max', 'mean']
    """
    return Literal[tuple(choices)]


LARGEST = 2**31 - 1  # no axis is longer: a larger stride, dilation or axis is a typo


def integers(text: Any, least: int | None = 1) -> int | tuple[int, ...]:
    """An integer, or one per axis: ``2`` → 2, ``2,1`` → (2, 1), each at least ``least``.

    >>> integers("2,1"), integers("3")
    ((2, 1), 3)
    """
    if isinstance(text, int | tuple):
        return text
    text = str(text)
    if len(text) > 60:
        raise typer.BadParameter(f"{text[:20]}… is not a sensible size")
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise typer.BadParameter(f"takes integers like 2 or 2,1, got {text!r}") from None
    if least is not None and min(values) < least:
        raise typer.BadParameter(f"takes integers ≥ {least}, got {text!r}")
    if max(abs(v) for v in values) > LARGEST:
        raise typer.BadParameter(f"{text} is larger than any input (at most {LARGEST})")
    return values[0] if len(values) == 1 else values


def _any_integers(text: Any) -> int | tuple[int, ...]:
    return integers(text, least=None)


INTEGERS = "INT[,INT…]"  # the metavar of an option taking one integer or one per axis


def complete_kernel(incomplete: str) -> list[tuple[str, str]]:
    """Shell completion of a kernel spec: the registry's names and aliases (``gau`` →
    gaussian), then a named kernel's parameters (``gaussian:s`` → ``gaussian:sigma=``), each
    with its description. No kernel is built.

    >>> [name for name, _ in complete_kernel("gau")]
    ['gaussian', 'gauss']
    >>> complete_kernel("gaussian:sig")[0][0]
    'gaussian:sigma='
    """
    from convcli.errors import KernelError
    from convcli.kernels import lookup, named_kernels

    name, colon, params = incomplete.partition(":")
    if not colon:
        return [(key, entry.description) for entry in named_kernels()
                for key in (entry.name, *entry.aliases) if key.startswith(incomplete)]
    try:
        entry = lookup(name)
    except KernelError:
        return []
    done, _, last = params.rpartition(",")
    prefix = f"{name}:{done},".replace(":,", ":")
    return [(f"{prefix}{p.name}=", p.help) for p in entry.params if p.name.startswith(last)]


def _declarations(output_help: str) -> dict[str, Any]:
    """Each shared option's annotation: type, flags and help (its default is per command)."""
    boundary_help = ("How the input extends past its edges: fill (with --fill-value), "
                     "reflect (dcba|abcd), mirror (dcb|abcd), nearest (aa|ab), wrap (cd|abcd).")
    return {
        "mode": Annotated[choice(names.MODES), typer.Option(
            help="Output size: full, same (the input's size) or valid.")],
        "boundary": Annotated[choice(names.BOUNDARIES), typer.Option(help=boundary_help)],
        "fill_value": Annotated[float, typer.Option(
            "--fill-value", metavar="FLOAT", help="Value beyond the edges for --boundary fill.")],
        "axes": Annotated[str | None, typer.Option(
            parser=_any_integers, metavar=INTEGERS,
            help="The axes an N-D kernel runs over (0,1). Default: the last N axes, as the "
            "Python API.")],
        "nan": Annotated[choice(names.NAN_POLICIES), typer.Option(
            help="Missing values (NaN): ignore (renormalised weights), propagate, zero, error.")],
        "backend": Annotated[choice(names.BACKEND_CHOICES), typer.Option(
            help="Engine backend: auto picks the fastest by a measured cost model.")],
        "correlate": Annotated[bool, typer.Option(
            "--correlate", help="Cross-correlation (kernel not flipped) instead of convolution.")],
        "stride": Annotated[str, typer.Option(
            parser=integers, metavar=INTEGERS,
            help="Keep every s-th output: 2, or one per axis: 2,1.")],
        "dilation": Annotated[str, typer.Option(
            parser=integers, metavar=INTEGERS, help="Spread the kernel taps d apart: 2, or 2,1.")],
        "output": Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                                     help=output_help)],
        "quiet": Annotated[bool, typer.Option("--quiet", "-q", help="No timing table on stderr.")],
        "timings": Annotated[choice(("table", "json")), typer.Option(
            help="Timings on stderr as a table, or one JSON object for scripts.")],
    }


_DEFAULTS: dict[str, Any] = {
    "mode": "same", "boundary": "fill", "fill_value": 0.0, "axes": None, "nan": "propagate",
    "backend": "auto", "correlate": False, "stride": "1", "dilation": "1", "output": None,
    "quiet": False, "timings": "table",
}
_HANDED = ("options", "report")  # parameters the decorator fills in


def shared_options(command: str, *, offer: Iterable[str] = ALL, without: Iterable[str] = (),
                   output_help: str = "Output file, or - for stdout.",
                   **defaults: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the shared options named in ``offer`` (less ``without``) to a command, with
    ``defaults`` for this one.

    The command receives ``options`` (an :class:`EngineOptions` from the engine options offered,
    the rest at their defaults, ``nan`` included), ``report`` (a Timings for ``command``, quiet
    and JSON as asked) and ``output``, for each of those it declares.
    """
    offered = tuple(name for name in ALL if name in set(offer) - set(without))
    unknown = set(defaults) - set(_DEFAULTS)
    if unknown:
        raise TypeError(f"no shared option named {', '.join(sorted(unknown))}")
    values = {**_DEFAULTS, **defaults}
    annotations = _declarations(output_help)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        own = inspect.signature(fn, eval_str=True)
        wanted = [p for p in own.parameters if p in (*_HANDED, "output")]
        kept = [p for p in own.parameters.values() if p.name not in (*_HANDED, "output")]
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                   annotation=annotations[name], default=values[name])
                 for name in offered]

        @functools.wraps(fn)
        def command_fn(*args: Any, **kwargs: Any) -> Any:
            given = {**values, **{name: kwargs.pop(name) for name in offered}}
            handed: dict[str, Any] = {}
            if "options" in wanted:
                handed["options"] = _engine_options(given)
            if "report" in wanted:
                from convcli.cli.report import Timings

                handed["report"] = Timings(command, quiet=given["quiet"],
                                           json_output=given["timings"] == "json")
            if "output" in wanted:
                handed["output"] = given["output"]
            return fn(*args, **kwargs, **handed)

        parameters = [*kept, *added]
        command_fn.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]
        command_fn.__annotations__ = {p.name: p.annotation for p in parameters}
        return command_fn

    return decorate


def _engine_options(given: dict[str, Any]) -> EngineOptions:
    return EngineOptions(
        mode=given["mode"], boundary=given["boundary"], fillvalue=float(given["fill_value"]),
        backend=given["backend"], correlate=bool(given["correlate"]),
        stride=integers(given["stride"]), dilation=integers(given["dilation"]),
        nan=given["nan"], axes=_as_tuple(given["axes"]))


def _as_tuple(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, int) else tuple(value)
