"""The Typer app: commands are mounted here; user errors become one line on stderr."""

from __future__ import annotations

import os
import re
import sys
from typing import Annotated

import typer
from typer._click.exceptions import MissingParameter, NoArgsIsHelpError, NoSuchOption, UsageError

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
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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


def usage_lines(exc: UsageError) -> list[str]:
    """A usage error as the one ``convcli: error:`` line (with a close match when there is one)
    and a ``Try 'convcli CMD -h'`` line."""
    message = exc.message.strip()
    param = getattr(exc, "param", None)
    if isinstance(exc, MissingParameter) and param is not None:
        what = "option" if param.param_type_name == "option" else "argument"
        message = f"missing {what} {_param_name(param)}"
    elif isinstance(exc, NoSuchOption):
        message = f"no such option {exc.option_name}"
        if exc.possibilities:
            message += f"; did you mean {' or '.join(sorted(exc.possibilities))}?"
    elif param is not None:
        message = _PYDANTIC_PREFIX.sub("", message).rstrip(".")
        for pattern, plain in _PLAIN_WORDS:
            message = pattern.sub(plain, message)
        message = f"{_param_name(param)}: {message[:1].lower()}{message[1:]}"
        bad = _BAD_CHOICE.search(exc.message)
        if bad:
            from convcli.cli.options import suggest

            choices = re.findall(r"'([^']*)'", bad.group(2))
            hint = suggest(param.name or "", bad.group(1), choices)
            message = (f"{_param_name(param)}: {bad.group(1)!r} is not one of "
                       f"{', '.join(choices)}" + (f"; did you mean {hint!r}?" if hint else ""))
    else:
        message = (message[:1].lower() + message[1:]).replace(". Did you mean", "; did you mean")
    lines = [f"convcli: error: {' '.join(message.split())}"]
    if exc.ctx is not None:
        lines.append(f"Try '{exc.ctx.command_path} -h' for help.")
    return lines


_BAD_CHOICE = re.compile(r"'(.*)' is not one of (.*)$")
_PYDANTIC_PREFIX = re.compile(r"^Value error, ")
_PLAIN_WORDS = [(re.compile(p), w) for p, w in (
    (r"^Input should be greater than or equal to", "must be ≥"),
    (r"^Input should be less than or equal to", "must be ≤"),
    (r"^Input should be a valid integer.*", "takes a whole number"),
    (r"^Input should be a valid number.*", "takes a number"),
)]


def _param_name(param) -> str:
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    if param.param_type_name == "option" and opts:
        return opts[0]
    return (param.name or "").upper()


def main() -> None:
    """Entry point: run the app; a user error is one ``convcli: error:`` line, exit code 2."""
    try:
        code = app(prog_name="convcli", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        sys.stderr.write("\n".join(usage_lines(exc)) + "\n")
        sys.exit(exc.exit_code)
    except ConvcliError as exc:
        if os.environ.get("CONVCLI_DEBUG"):
            raise
        error(str(exc))
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
