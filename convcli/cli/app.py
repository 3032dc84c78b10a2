"""The Typer app: commands are mounted here; user errors become one line on stderr."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from convcli import __version__
from convcli.cli.commands import bench, convolve, pool, smooth
from convcli.cli.commands import filter as filter_cmd
from convcli.cli.report import error
from convcli.errors import ConvcliError

app = typer.Typer(
    name="convcli",
    help="Filter signals (CSV) and images by convolution with a named or file-given kernel.\n\n"
    "Data goes to stdout or -o FILE, diagnostics to stderr; - means stdin/stdout.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"convcli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    if debug:
        os.environ["CONVCLI_DEBUG"] = "1"


app.command("smooth")(smooth.smooth)
app.command("filter")(filter_cmd.filter_image)
app.command("convolve")(convolve.convolve)
app.command("pool")(pool.pool)
app.command("bench")(bench.bench)


def _mount_kernels() -> None:
    from convcli.cli.commands.kernels import kernels_app

    app.add_typer(kernels_app, name="kernels")


_mount_kernels()


# Library options an error names as its way out → the flag that sets them here.
_FLAGS = {"backend": "--backend {value}", "stream": "--no-stream", "nan": "--nan {value}"}


def _with_flag(exc: ConvcliError) -> str:
    """The error's message, with the flag for the option it names (if any)."""
    flag = _FLAGS.get(getattr(exc, "option", None) or "")
    value = getattr(exc, "value", None)
    if flag is None or ("{value}" in flag and value is None):
        return str(exc)
    return f"{exc} ({flag.format(value=value)})"


def main() -> None:
    """Entry point: run the app; a user error is one ``convcli: error:`` line, exit code 2."""
    try:
        app()
    except ConvcliError as exc:
        if os.environ.get("CONVCLI_DEBUG"):
            raise
        error(_with_flag(exc))
        sys.exit(2)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(130)
    except OSError as exc:
        if os.environ.get("CONVCLI_DEBUG"):
            raise
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        error(f"{exc.strerror or exc}{where}")
        sys.exit(2)
