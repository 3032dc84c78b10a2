"""`convcli kernels` and `convcli kernels show`, run in-process."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from convcli.cli.commands.kernels import kernels_app
from convcli.kernels import named_kernels, parse_kernel

app = typer.Typer()
app.add_typer(kernels_app, name="kernels")


@app.command()
def other() -> None:
    """A second command, so that `kernels` is mounted as a sub-command."""


runner = CliRunner(env={"COLUMNS": "160"})


def run(*args: str):
    return runner.invoke(app, ["kernels", *args])


def test_list_table_names_every_kernel():
    result = run()
    assert result.exit_code == 0, result.output
    for entry in named_kernels():
        assert entry.name in result.stdout
    assert "sigma=1.0" in result.stdout and "radius=auto" in result.stdout


def test_list_json_has_name_params_defaults_and_description():
    result = run("--json")
    assert result.exit_code == 0
    listing = json.loads(result.stdout)
    assert [k["name"] for k in listing] == [e.name for e in named_kernels()]
    for item in listing:
        assert item["description"]
        assert item["ndim"] in (1, 2)
        for param in item["params"].values():
            assert {"type", "default", "description"} <= set(param)
    gaussian = next(k for k in listing if k["name"] == "gaussian")
    assert gaussian["params"]["sigma"]["default"] == 1.0
    assert gaussian["params"]["radius"] == {
        "type": "int", "default": None, "unset": "auto",
        "description": gaussian["params"]["radius"]["description"],
    }  # fmt: skip
    sobel = next(k for k in listing if k["name"] == "sobel")
    assert sobel["params"]["direction"]["choices"] == ["x", "y", "z"]


def test_show_json_for_scripts():
    result = run("show", "sobel:direction=y", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["values"] == [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
    assert data["origin"] == [1, 1] and data["centered"] is True
    assert data["shape"] == [3, 3] and data["sum"] == 0
    assert data["separable"] is True and data["rank"] == 1
    np.testing.assert_allclose(np.outer(*data["factors"]), data["values"], atol=1e-12)


def test_show_json_for_a_written_and_a_causal_kernel():
    data = json.loads(run("show", "[1,2;3,4]", "--json").stdout)
    assert data["separable"] is False and data["rank"] == 2 and data["factors"] is None
    data = json.loads(run("show", "exponential:tau=2", "--json").stdout)
    assert data["origin"] == [0] and data["centered"] is False
    np.testing.assert_allclose(data["values"], parse_kernel("exponential:tau=2").values)
    assert data["sum"] == pytest.approx(1.0)


def test_show_ndim_option():
    data = json.loads(run("show", "gaussian", "--ndim", "2", "--json").stdout)
    assert data["shape"] == [9, 9] and data["separable"] is True
    data = json.loads(run("show", "box", "--ndim", "3", "--json").stdout)
    assert data["shape"] == [3, 3, 3]


@pytest.mark.parametrize("spec", ["sobel", "gaussian:sigma=2", "exponential", "box:size=3,outer",
                                  "gaussian", "[0.001,2000000]"])  # fmt: skip
def test_show_table(spec):
    result = run("show", spec)
    assert result.exit_code == 0, result.output
    assert "shape" in result.stdout and "sum" in result.stdout and "origin" in result.stdout
    assert result.stderr == ""


def test_show_table_lists_the_values():
    out = run("show", "sobel").stdout
    assert "rank 1 (separable)" in out and "origin 1;1 (centred), in [brackets]" in out
    assert [line.split() for line in out.splitlines()[-3:]] == [
        ["0", "1", "0", "-1"], ["1", "2", "[0]", "-2"], ["2", "1", "0", "-1"],
    ]  # fmt: skip  (piped: no underline, the origin is bracketed)
    wide = run("show", "gaussian:sigma=40,radius=100", "--ndim", "2").stdout
    assert "--json prints every value" in wide


@pytest.mark.parametrize(
    "args,message",
    [
        (["show", "gausian"], "convcli: error: unknown kernel 'gausian'; did you mean 'gaussian'"),
        (["show", "[1,2"], "convcli: error: inline kernel: missing ']'"),
        (["show", "box:size=0"], "convcli: error: box: size must be >= 1, got 0"),
        (["show", "sobel", "--ndim", "1"], "convcli: error: kernel 'sobel' is 2-D or 3-D only"),
        (["show", "missing.csv"], "convcli: error: kernel file 'missing.csv' not found"),
    ],
)
def test_user_errors_are_one_line_on_stderr_with_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_help_states_the_normalisation_rule_and_the_spec_forms():
    text = " ".join(run("--help").stdout.split())
    assert "named smoothing kernels are normalised to unit sum by definition" in text
    assert "used exactly as given unless you add normalize" in text
    assert "3x3: 1,2,1 2,4,2 1,2,1" in text
    assert "show" in text
