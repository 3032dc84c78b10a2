"""The Typer app: commands are mounted here; user errors become one line on stderr."""

from __future__ import annotations

import os
import re
import signal
import sys
import warnings
from collections.abc import Sequence
from contextlib import suppress
from typing import Annotated

import typer
from typer._click.exceptions import MissingParameter, NoArgsIsHelpError, NoSuchOption, UsageError

from convcli import __version__
from convcli.cli.plain_values import install as install_plain_values
from convcli.cli.report import error
from convcli.errors import ConvcliError
from convcli.io.atomic import ReaderGone
from convcli.settings import settings

install_plain_values()  # no pydantic import for plain option values (0.1 s a run)

COMMANDS = {
    "smooth": "smooth",
    "filter": "filter_image",
    "convolve": "convolve",
    "pool": "pool",
    "bench": "bench",
    "kernels": "kernels_app",
}
"""Each command's function (a Typer app for a group) in ``convcli.cli.commands.<name>``."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"convcli {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    if debug:
        settings().debug = True


def mounted(names: Sequence[str] = tuple(COMMANDS)) -> typer.Typer:
    """The app with the commands ``names`` mounted (each module imported then): a run mounts
    only the command it runs, 10–15 ms less than importing and converting all six."""
    from importlib import import_module

    root = typer.Typer(
        name="convcli",
        help="Filter signals (CSV) and images by convolution with a named or file-given "
        "kernel.\n\nData goes to stdout or -o FILE, diagnostics to stderr; - means "
        "stdin/stdout.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(_root)
    for name in names:
        command = getattr(import_module(f"convcli.cli.commands.{name}"), COMMANDS[name])
        if isinstance(command, typer.Typer):
            root.add_typer(command, name=name)
        else:
            root.command(name)(command)
    return root


def _for(args: Sequence[str]) -> typer.Typer:
    """The app a command line needs: its command alone when it starts with one (not while
    the shell asks for completions, which name the commands), else every command."""
    wanted = args[0] if args else None
    if wanted in COMMANDS and "_CONVCLI_COMPLETE" not in os.environ:
        return mounted([wanted])
    return __getattr__("app")


def __getattr__(name: str):
    if name == "app":  # every command, for help, completion and tests: made once, on first use
        globals()["app"] = value = mounted()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Signalled(BaseException):
    """SIGINT, SIGTERM or SIGHUP, raised where the program is so that temp files are cleaned
    up (not a KeyboardInterrupt: Typer would turn that into a silent exit 130)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, _frame: object) -> None:
    for other in _HANDLED:  # a second signal must not interrupt the clean-up
        signal.signal(other, signal.SIG_IGN)
    raise Signalled(signum)


_HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _guard_standard_streams() -> None:
    """A standard stream the shell closed (``>&-``) keeps its descriptor taken (by /dev/null,
    read-only), so no file we open lands on it; writing there then fails instead."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDONLY)  # the lowest free descriptor: this one


def _say(message: str) -> None:
    with suppress(Exception):  # stderr may be closed or gone (SIGHUP)
        error(message)


# Library options an error names as its way out → the flag that sets them here.
_FLAGS = {"backend": "--backend {value}", "stream": "--no-stream", "nan": "--nan {value}"}


def _with_flag(exc: ConvcliError) -> str:
    """The error's message, with the flag for the option it names (if any)."""
    flag = _FLAGS.get(getattr(exc, "option", None) or "")
    value = getattr(exc, "value", None)
    if flag is None or ("{value}" in flag and value is None):
        return str(exc)
    return f"{exc} ({flag.format(value=value)})"


def usage_line(exc: UsageError) -> str:
    """A usage error as one ``convcli: error:`` line: the close match when there is one, and
    where the command's help is."""
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
    where = f" (see '{exc.ctx.command_path} -h')" if exc.ctx is not None else ""
    return f"convcli: error: {' '.join(message.split()).rstrip('.')}{where}"


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


def _debug() -> bool:
    """Whether tracebacks are wanted (``--debug`` or ``CONVCLI_DEBUG``)."""
    try:
        return settings().debug
    except ConvcliError:  # a malformed setting is itself the error being reported
        return False


def _run_app() -> None:
    """The app with the cyclic garbage collector paused, then the objects made so far frozen.

    Importing numpy and polars and making a job's objects (none in cycles) would run the
    collector hundreds of times for nothing (~5 % of a 1M-row smooth), and one collection
    after the job walks them all (26 ms); frozen, neither that walk nor Python's exit walks
    them (0.1–0.2 s; atexit handlers still run). A job that runs long (a stream, a chunked
    array) resumes the collector: :func:`convcli.cli.jobs.allocator.collect_cycles`."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        code = _for(sys.argv[1:])(prog_name="convcli", standalone_mode=False)
    finally:
        gc.freeze()
        (gc.enable if enabled else gc.disable)()
    sys.exit(code if isinstance(code, int) else 0)


def main() -> None:
    """Entry point: run the app; a user error is one ``convcli: error:`` line, exit code 2;
    SIGINT, SIGTERM and SIGHUP clean up and exit 128 + the signal's number."""
    _guard_standard_streams()
    for signum in _HANDLED:
        signal.signal(signum, _on_signal)
    if not _debug():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow etc.: results say it
    try:
        _run_app()
    except NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        sys.stderr.write(usage_line(exc) + "\n")
        sys.exit(exc.exit_code)
    except ConvcliError as exc:
        if _debug():
            raise
        _say(_with_flag(exc))
        sys.exit(2)
    except (BrokenPipeError, ReaderGone):  # the reader went away (`| head`): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        sys.exit(0)
    except (KeyboardInterrupt, Signalled) as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        _say("interrupted" if signum == signal.SIGINT
             else f"stopped by {signal.Signals(signum).name}")
        sys.exit(128 + signum)
    except RecursionError:
        if _debug():
            raise
        _say("input nested too deeply to read")
        sys.exit(2)
    except OSError as exc:
        if _debug():
            raise
        from convcli.io.atomic import is_temp

        name = getattr(exc, "filename", None)
        where = f": {name}" if name and not is_temp(str(name)) else ""
        _say(f"{exc.strerror or exc}{where}")
        sys.exit(2)


def entry() -> None:
    """What the console script runs (through :func:`convcli.cli.entry`): :func:`main`; a run
    that succeeded then ends at once, without the interpreter's teardown (unloading every
    module and freeing numpy's and polars' objects one by one: ~25 ms after a 1M-row smooth;
    the system frees the process's memory in one go). Not when Dask or a child process is
    about, whose exit handlers close workers; ``main`` itself stays an ordinary function
    (tests call it)."""
    try:
        main()
    except SystemExit as exc:
        if exc.code not in (0, None) or not _quick_exit_is_safe():
            raise
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away after the last row: not an error
        pass
    except (OSError, ValueError):  # the ordinary exit reports it
        sys.exit(0)
    os._exit(0)


def _quick_exit_is_safe() -> bool:
    """No module loaded whose exit handlers must run (Dask's clusters, process pools)."""
    if any(name in sys.modules for name in ("dask", "distributed")):
        return False
    if "multiprocessing" in sys.modules:
        import multiprocessing

        return not multiprocessing.active_children()
    return True
