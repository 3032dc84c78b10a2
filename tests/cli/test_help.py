"""Help that reads well at 80 columns: one-line summaries, examples whole on one line, numeric
metavars, choices not split, no "see README"; and `kernels` / `kernels show` fit the width."""

import ast
import inspect
import os
import re
import subprocess
import time

import pytest
import typer

from convcli.cli.app import app
from tests.cli.conftest import convcli_path, run

COMMANDS = (("smooth",), ("filter",), ("convolve",), ("pool",), ("bench",), ("kernels",),
            ("kernels", "show"))


def help_at(width: int, *command: str) -> str:
    env = {**os.environ, "COLUMNS": str(width), "TERM": "dumb"}
    result = subprocess.run([convcli_path(), *command, "--help"], capture_output=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode()


def _callbacks():
    command = typer.main.get_command(app)
    for name, sub in command.commands.items():
        yield (name,), sub
        for child, leaf in getattr(sub, "commands", {}).items():
            yield (name, child), leaf


def examples(doc: str) -> list[str]:
    """The example command lines of a docstring (the lines that start with a command)."""
    return [ln.strip() for ln in inspect.cleandoc(doc).splitlines()
            if ln.strip().startswith(("convcli ", "cat "))]


@pytest.fixture(scope="module")
def helps():
    return {command: help_at(80, *command) for command in COMMANDS}


def test_every_command_is_covered():
    assert {names for names, _ in _callbacks()} == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_fits_80_columns(command, helps):
    text = helps[command]
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert "README" not in text
    assert "\x1b[" not in text  # no colour when piped


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_examples_appear_whole_on_one_line(command, helps):
    callback = dict(_callbacks())[command]
    found = examples(callback.help or "")
    if command != ("kernels", "show"):
        assert found, f"convcli {' '.join(command)} --help shows no example"
    lines = {ln.strip() for ln in helps[command].splitlines()}
    for example in found:
        assert example in lines, f"example broken across lines: {example}"


def test_summaries_are_one_line_each():
    text = help_at(80)
    listed = text.split("Commands:")[1].strip().splitlines()
    assert [ln.split()[0] for ln in listed] == ["smooth", "filter", "convolve", "pool", "bench",
                                                "kernels"]
    assert not any(ln.rstrip().endswith("...") for ln in listed), listed
    for ln in helps_of("kernels").split("Commands:")[1].strip().splitlines():
        assert not ln.rstrip().endswith("...")


def helps_of(*command):
    return help_at(80, *command)


@pytest.mark.parametrize("command", ["smooth", "filter", "convolve", "bench"])
def test_metavars_say_what_an_option_takes(command, helps):
    text = helps[(command,)]
    assert re.search(r"--stride INT\[,INT…\]", text) and re.search(r"--dilation INT\[,INT…\]", text)
    assert "--fill-value FLOAT" in text
    assert "<str>" not in text.split("Options:")[1]
    assert "--boundary <fill|reflect|mirror|nearest|wrap>" in text  # not split


def test_pool_and_filter_metavars(helps):
    assert "--size INT" in helps[("pool",)] and "--op <max|min|mean|sum|l2|median>" in helps[
        ("pool",)]
    assert "--bias FLOAT" in helps[("filter",)] and "--compress-level 0-9" in helps[("filter",)]


def test_kernels_list_fits_and_wraps_without_truncating():
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([convcli_path(), "kernels"], capture_output=True, env=env,
                         timeout=60).stdout.decode()
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "…" not in out.replace("…)", "").replace(",…", "")  # nothing cut off
    assert "gaussian_filter" in out and "\x1b[" not in out


@pytest.mark.parametrize("spec", ["exponential", "gaussian:sigma=2", "sobel", "box:size=30"])
def test_kernels_show_fits_80_columns(spec):
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([convcli_path(), "kernels", "show", spec], capture_output=True,
                         env=env, timeout=60).stdout.decode()
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert "underline" not in out and "\x1b[" not in out  # piped: no styling, no claim of it
    assert "in [brackets]" in out and out.count("[") >= 2


def test_kernels_show_prints_every_value_of_a_long_1d_kernel():
    import json

    import numpy as np

    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([convcli_path(), "kernels", "show", "exponential"],
                         capture_output=True, env=env, timeout=60).stdout.decode()
    values = json.loads(run("kernels", "show", "exponential", "--json").stdout)["values"]
    shown = [float(tok.strip("[]")) for ln in out.splitlines()[3:] for tok in ln.split()[1:]]
    np.testing.assert_allclose(shown, values, rtol=1e-3)


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["smooth", "--help"]])
def test_help_and_version_import_nothing_heavy(args):
    """What keeps `convcli --help` under 0.25 s and --version under 0.15 s (measured 0.10-0.13
    s on a quiet machine): neither imports numpy, scipy, Pillow, rich or pydantic."""
    import sys

    probe = (
        "import contextlib, io, sys\n"
        f"sys.argv = ['convcli', *{args!r}]\n"
        "from convcli.cli.app import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, check=True).stdout
    heavy = {"numpy", "scipy", "PIL", "rich", "markdown_it"}
    if args != ["smooth", "--help"]:
        heavy.add("pydantic")
    assert not heavy & set(ast.literal_eval(loaded)), loaded


def test_help_and_version_are_quick():
    def best(*args):
        times = []
        for _ in range(3):
            begin = time.perf_counter()
            subprocess.run([convcli_path(), *args], capture_output=True, timeout=60)
            times.append(time.perf_counter() - begin)
        return min(times)

    assert best("--help") < 1.0 and best("--version") < 1.0  # loose: the machine is shared


SAMPLE_ONLY = re.compile(r"(volume\.npy|big\.zarr|a\.jpg|tcp://)")


def test_the_examples_run(tmp_path):
    """Every example that needs only samples/ runs as written (in a shell, from a scratch
    directory that holds the samples): exit 0 and no error on stderr."""
    from tests.cli.conftest import SAMPLES

    (tmp_path / "samples").symlink_to(SAMPLES)
    env = {**os.environ, "PATH": f"{os.path.dirname(convcli_path())}{os.pathsep}"
                                 f"{os.environ['PATH']}"}
    ran = 0
    for _, callback in _callbacks():
        for example in examples(callback.help or ""):
            if SAMPLE_ONLY.search(example):
                continue
            result = subprocess.run(["bash", "-c", example], cwd=tmp_path, env=env,
                                    capture_output=True, timeout=120)
            err = result.stderr.decode()
            assert result.returncode == 0 and "error" not in err and "Traceback" not in err, (
                example, err[-500:])
            ran += 1
    assert ran >= 10


def test_bench_table_fits_80_columns_without_truncating():
    from tests.cli.conftest import SAMPLES

    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([convcli_path(), "bench", str(SAMPLES / "trajectory.csv"), "-k",
                          "box:size=51", "--repeat", "1"], capture_output=True, env=env,
                         timeout=120).stdout.decode()
    assert all(len(line) <= 80 for line in out.splitlines()) and "…" not in out, out
    assert "nan" not in out  # gaps kept by --nan ignore are not counted as differences
