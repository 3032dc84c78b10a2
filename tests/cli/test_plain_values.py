"""Option values checked without pydantic: the same values and errors as Typer's own check."""

import subprocess
import sys
import typing
from types import SimpleNamespace

from convcli.cli.plain_values import plain_value

from .conftest import SAMPLES, fails

BOUNDS = SimpleNamespace(parser=None, min=1, max=17, clamp=False, case_sensitive=True)
FREE = SimpleNamespace(parser=None, min=None, max=None, clamp=False, case_sensitive=True)


def test_plain_values_are_taken_and_the_rest_left_to_typer():
    assert plain_value(int, BOUNDS, "15") == (True, 15)
    assert plain_value(int, BOUNDS, 15) == (True, 15)
    for unplain in ("0", "18", "1.5", " 3", "1_0", "x"):
        assert plain_value(int, BOUNDS, unplain) == (False, None), unplain
    assert plain_value(float, FREE, "-2.5e3") == (True, -2500.0)
    for unplain in ("nan", "inf", "1e", "", "0x10"):
        assert plain_value(float, FREE, unplain) == (False, None), unplain
    choices = typing.Literal["same", "full"]
    assert plain_value(choices, FREE, "same") == (True, "same")
    assert plain_value(choices, FREE, "SAME") == (False, None)
    assert plain_value(bool, FREE, True) == (True, True)
    assert plain_value(list[str], FREE, ("a", "b")) == (True, ["a", "b"])
    assert plain_value(list[int], BOUNDS, ("3", "99")) == (False, None)
    assert plain_value(list[str], FREE, "a") == (False, None)


def test_enum_values_are_the_members_typer_returns():
    import enum

    from typer._coercion import build_runtime_param, resolve_type_descriptor
    from typer.models import OptionInfo

    class Op(enum.Enum):
        MAGNITUDE = "magnitude"
        MAX = "max"

    typer_says = build_runtime_param(resolve_type_descriptor(Op, OptionInfo()))
    assert plain_value(Op, FREE, "max") == (True, Op.MAX)
    assert typer_says._coerce_value("max", None, None) is Op.MAX
    assert plain_value(Op, FREE, Op.MAX) == (True, Op.MAX)
    assert plain_value(Op, FREE, "Max") == (False, None)


def test_a_parser_runs_once_and_its_value_error_goes_to_typer():
    parsed = SimpleNamespace(parser=int, min=None, max=None, clamp=False)
    assert plain_value(str, parsed, "7") == (True, 7)
    assert plain_value(str, parsed, "x") == (False, None)


def test_a_plain_run_does_not_import_pydantic(tmp_path):
    out = tmp_path / "s.csv"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "convcli", "smooth",
         str(SAMPLES / "trajectory.csv"), "-q", "-o", str(out), "--precision", "12",
         "--boundary", "nearest", "--stride", "1"],
        capture_output=True, timeout=120, check=True)
    assert b"pydantic" not in result.stderr
    image = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "convcli", "filter",
         str(SAMPLES / "astronaut.png"), "-k", "edge", "-k", "sobel", "--combine", "max", "-q",
         "-o", str(tmp_path / "e.png")], capture_output=True, timeout=120, check=True)
    assert b"pydantic" not in image.stderr
    assert out.read_bytes().startswith(SAMPLES.joinpath("trajectory.csv").read_bytes()[:20])


def test_values_left_to_typer_keep_their_errors():
    sample = str(SAMPLES / "trajectory.csv")
    assert "must be ≤ 17" in fails("smooth", sample, "--precision", "99")
    assert "takes a whole number" in fails("smooth", sample, "--precision", "1.5")
    assert "did you mean 'same'" in fails("smooth", sample, "--mode", "sam")
    assert "takes a number" in fails("smooth", sample, "--fill-value", "abc")
