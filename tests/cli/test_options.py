"""The shared options: declared once, choices from the engine's names, and every option of every
command either working on every kind of input (output shape checked against scipy) or refused
in one line.

The matrix runs in-process through ``convcli.cli.app.main`` (the same error path as the
installed command) on small inputs; a few cases go through the installed command too.
"""

import json
import sys

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import typer
from PIL import Image

from convcli import names
from convcli.cli.app import app, main
from convcli.cli.options import shared_options, suggest
from tests.cli.conftest import fails, run

# ---------------------------------------------------------------------------------------------
# the declaration itself


def test_choices_come_from_the_engine_names():
    from convcli.engine import backends, missing, plan

    assert plan.MODES is names.MODES and plan.BOUNDARIES is names.BOUNDARIES
    assert missing.POLICIES is names.NAN_POLICIES
    assert backends() == list(names.BACKEND_CHOICES)
    command = typer.main.get_command(app)
    for name in ("smooth", "filter", "convolve", "bench"):
        params = {p.name: p for p in command.commands[name].params}
        assert tuple(params["mode"].type_descriptor.choices) == names.MODES
        assert tuple(params["boundary"].type_descriptor.choices) == names.BOUNDARIES
        assert tuple(params["nan"].type_descriptor.choices) == names.NAN_POLICIES
    pool = {p.name: p for p in command.commands["pool"].params}
    assert tuple(pool["op"].type_descriptor.choices) == names.POOL_OPS


def test_each_command_keeps_its_own_defaults():
    command = typer.main.get_command(app)
    defaults = {name: {p.name: p.default for p in command.commands[name].params}
                for name in ("smooth", "filter", "convolve", "bench")}
    assert defaults["smooth"]["boundary"] == "nearest"
    assert defaults["filter"]["boundary"] == "reflect"
    # convolve's boundary depends on the input (issue 12: nearest on a CSV, as smooth; fill
    # otherwise), so its declared default is None
    assert defaults["convolve"]["boundary"] is None
    assert defaults["smooth"]["nan"] == "ignore"
    assert "axes" in defaults["convolve"] and "axes" not in defaults["smooth"]


def test_the_decorator_hands_over_one_parameter_object():
    seen = {}

    @shared_options("probe", offer=("mode", "stride", "quiet"), mode="valid")
    def probe(x: int, *, options, report) -> None:
        seen.update(x=x, options=options, report=report)

    probe(3, mode="full", stride="2,1", quiet=True)
    assert seen["x"] == 3 and seen["options"].mode == "full"
    assert seen["options"].stride == (2, 1) and seen["options"].boundary == "fill"
    assert seen["report"].quiet and seen["report"].command == "probe"
    with pytest.raises(TypeError):
        shared_options("probe", colour="red")


@pytest.mark.parametrize(("kind", "given", "meant"), [
    ("boundary", "constant", "fill"), ("boundary", "edge", "nearest"),
    ("boundary", "symmetric", "reflect"), ("boundary", "reflect101", "mirror"),
    ("boundary", "wrapp", "wrap"), ("mode", "sam", "same"), ("mode", "ful", "full"),
    ("nan", "omit", "ignore"), ("op", "average", "mean"), ("backend", "numpy", "direct"),
])  # fmt: skip
def test_suggestions_know_other_tools_names(kind, given, meant):
    choices = {"boundary": names.BOUNDARIES, "mode": names.MODES, "nan": names.NAN_POLICIES,
               "op": names.POOL_OPS, "backend": names.BACKEND_CHOICES}[kind]
    assert suggest(kind, given, choices) == meant


def test_no_suggestion_for_nonsense():
    assert suggest("mode", "diagonal", names.MODES) is None


# ---------------------------------------------------------------------------------------------
# usage errors: one line (and a Try line), exit 2, through the installed command


@pytest.mark.parametrize(("args", "needle"), [
    (("smooth", "x.csv", "--mode", "diagonal"), "--mode: 'diagonal' is not one of full, same"),
    (("smooth", "x.csv", "--mode", "sam"), "did you mean 'same'?"),
    (("filter", "x.png", "--boundary", "constant"), "did you mean 'fill'?"),
    (("filter", "x.png", "--boundary", "edge"), "did you mean 'nearest'?"),
    (("pool", "x.csv", "--size", "0"), "--size"),
    (("pool", "x.csv"), "missing option --size"),
    (("convolve", "x.npy"), "missing argument KERNEL"),
    (("smooth", "x.csv", "--modee", "same"), "did you mean --mode?"),
    (("smoth",), "did you mean 'smooth'"),
    (("convolve", "x.npy", "box", "--stride", "0"), "--stride: takes integers ≥ 1"),
    (("convolve", "x.npy", "box", "--dilation", "2,x"), "--dilation: takes integers"),
    (("filter", "x.png", "--fill-value", "abc"), "--fill-value"),
])  # fmt: skip
def test_usage_errors_are_one_line(args, needle):
    err = fails(*args)
    assert needle in err.splitlines()[0]
    assert "╭" not in err and "Usage:" not in err


# ---------------------------------------------------------------------------------------------
# the matrix: every command × every option it offers × every kind of input


H, W, ROWS = 11, 13, 40
KERNEL = "box:size=3"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Small inputs of every kind: grey, RGB, RGBA, 16-bit PNGs, a signal CSV, .npy arrays."""
    where = tmp_path_factory.mktemp("matrix")
    rng = np.random.default_rng(12)
    made = {}
    for name, mode, channels, top in (("grey", "L", 1, 255), ("rgb", "RGB", 3, 255),
                                      ("rgba", "RGBA", 4, 255), ("deep", "I;16", 1, 65535)):
        shape = (H, W) if channels == 1 else (H, W, channels)
        values = rng.integers(0, top, size=shape, endpoint=True)
        path = where / f"{name}.png"
        if mode == "I;16":
            Image.fromarray(values.astype(np.uint16)).save(path)
        else:
            Image.fromarray(values.astype(np.uint8), mode).save(path)
        made[name] = path
    t = np.arange(ROWS) * 0.5
    x, y = rng.normal(size=ROWS), rng.normal(size=ROWS)
    x[7] = np.nan
    csv = "t,x,y\n" + "".join(f"{a},{'' if np.isnan(b) else b},{c}\n" for a, b, c in zip(t, x, y))
    (where / "signal.csv").write_text(csv)
    made["signal"] = where / "signal.csv"
    array = rng.normal(size=(9, 10))
    array[3, 4] = np.nan
    np.save(where / "array.npy", array)
    made["array"] = where / "array.npy"
    np.save(where / "ints.npy", rng.integers(-50, 50, size=(9, 10)).astype(np.int32))
    made["ints"] = where / "ints.npy"
    return made


# Values tried for each option (beyond its default); every option a command offers must be here.
VALUES = {
    "mode": names.MODES,
    "boundary": names.BOUNDARIES,
    "fill_value": ("2.5",),
    "axes": ("0", "0,1", "1,0", "-1", "5"),
    "nan": names.NAN_POLICIES,
    "backend": names.BACKEND_CHOICES,
    "correlate": (None,),
    "stride": ("2", "2,1", "3,2,1"),
    "dilation": ("2", "2,1"),
    "quiet": (None,),
    "timings": ("json",),
    "kernel": ("gaussian:sigma=1", "[1,2,1]"),
    "columns": ("x", "nope"),
    "time_column": ("t", "y"),
    "fill_gaps": (None,),
    "stream": ("--stream", "--no-stream"),
    "absolute": (None,),
    "normalize": (None,),
    "bias": ("128",),
    "compress_level": ("0", "9"),
    "format": ("png",),
    "quality": ("80",),
    "raw": (None,),
    "chunks": ("4", "4,5"),
    "size": ("2", "3"),
    "op": names.POOL_OPS,
    "repeat": ("1",),
    "json_output": (None,),
    "bad_cells": ("error", "missing"),
    "precision": ("6",),
    "align": ("causal", "centre"),
    "combine": ("magnitude",),
    "layer": (None,),
    "groups": ("2",),
}
GEOMETRY = {"mode", "stride", "dilation", "axes", "size"}
NOT_RUN = {"output", "help", "scheduler",  # -o is always given; a cluster is not at hand
           "plot"}  # a figure file beside the output: tests/cli/test_viz_cli.py
INPUTS = {
    "smooth": ("signal",),
    "filter": ("grey", "rgb", "rgba", "deep"),
    "convolve": ("grey", "rgb", "rgba", "deep", "signal", "array", "ints"),
    "pool": ("grey", "rgb", "rgba", "deep", "signal", "array"),
    "bench": ("grey", "signal", "array"),
}
SUFFIX = {"grey": ".png", "rgb": ".png", "rgba": ".png", "deep": ".png", "signal": ".csv",
          "array": ".npy", "ints": ".npy"}


def _flag(param, value):
    if value is None:
        return [param.opts[0]]
    if value.startswith("--"):
        return [value]
    return [param.opts[0], value]


def _cases():
    command = typer.main.get_command(app)
    for name, kinds in INPUTS.items():
        for param in command.commands[name].params:
            if param.name in NOT_RUN or param.param_type_name != "option":
                continue
            assert param.name in VALUES, f"{name} --{param.name}: give the matrix its values"
            for i, value in enumerate(VALUES[param.name]):
                # the first value on every input; the others rotate through the inputs,
                # except for the options that change the output's geometry
                every = i == 0 or param.name in GEOMETRY
                for kind in kinds if every else kinds[i % len(kinds)::len(VALUES[param.name])]:
                    yield pytest.param(name, param.name, _flag(param, value), kind,
                                       id=f"{name}-{param.name}={value}-{kind}")


def _run_main(args, capsys, monkeypatch):
    """Run ``convcli ARGS`` in-process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["convcli", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    captured = capsys.readouterr()
    code = ended.value.code
    return (0 if code is None else code), captured.out, captured.err


def _length(n, k, mode, stride, dilation):
    """Samples on one axis after a convolution, as scipy.signal.convolve gives them, strided."""
    extent = (k - 1) * dilation + 1
    dense = scipy.signal.convolve(np.zeros(n), np.zeros(extent), mode=mode).shape[0]
    return len(range(0, dense, stride))


def _per_axis(text, naxes):
    values = [int(v) for v in text.split(",")]
    return values * naxes if len(values) == 1 else values


def _expected_shape(command, option, flag, shape, axes, kernel_side):
    """The output shape the options ask for, from scipy's rule (None: the input's)."""
    if command == "pool":  # one size and stride per axis (issue 12: --size 2,3)
        size = _per_axis(flag[1], len(axes)) if option == "size" else [2] * len(axes)
        stride = _per_axis(flag[1], len(axes)) if option == "stride" else size
        return tuple(((n - size[axes.index(a)]) // stride[axes.index(a)] + 1) if a in axes
                     else n for a, n in enumerate(shape))
    mode = flag[1] if option == "mode" else "same"
    stride = _per_axis(flag[1], len(axes)) if option == "stride" else [1] * len(axes)
    dilation = _per_axis(flag[1], len(axes)) if option == "dilation" else [1] * len(axes)
    out = list(shape)
    for i, a in enumerate(axes):
        out[a] = _length(shape[a], kernel_side, mode, stride[i], dilation[i])
    return tuple(out)


def _read(path, kind):
    if kind == "signal":
        lines = [ln for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]
        return np.array([[float(c) if c else np.nan for c in ln.split(",")] for ln in lines[1:]])
    if path.suffix == ".npy":
        return np.load(path)
    return np.asarray(Image.open(path))


@pytest.mark.parametrize(("command", "option", "flag", "kind"), list(_cases()))
def test_every_option_works_or_is_refused_in_one_line(command, option, flag, kind, inputs,
                                                      tmp_path, capsys, monkeypatch):
    source = inputs[kind]
    args = [command, str(source)]
    if command == "convolve":
        args.append(KERNEL)
    elif command in ("smooth", "filter", "bench") and option != "kernel":
        args += ["-k", KERNEL]
    if command == "pool" and option != "size":
        args += ["--size", "2"]
    if command == "bench":
        args += ["--repeat", "1"] if option != "repeat" else []
        args += ["--json"] if option != "json_output" else []
    output = tmp_path / f"out{SUFFIX[kind]}"
    if option == "chunks":
        output = tmp_path / "out.npy"
    if command != "bench":
        args += ["-o", str(output)]
    if command != "bench" and option not in ("quiet", "timings"):
        args.append("-q")
    code, out, err = _run_main([*args, *flag], capsys, monkeypatch)
    if code != 0:  # refused: one line, exit 2, no traceback
        lines = err.splitlines()
        assert code == 2, (code, err)
        assert lines and lines[0].startswith("convcli: error: "), err
        assert len(lines) == 1, err
        return
    if command == "bench":
        report = json.loads(out)
        ran = {row["backend"] for row in report["backends"]} | set(report["skipped"])
        assert ran == ({flag[1]} if option == "backend" else set(names.BACKEND_CHOICES))
        return
    if option == "timings":
        assert json.loads(err.splitlines()[-1])["command"] == command
    before, after = _read(source, kind), _read(output, kind)
    if kind == "signal":
        axes, side = (0,), 3
    elif kind in ("array", "ints"):
        axes = (0, 1) if option != "axes" else tuple(
            int(a) % 2 for a in flag[1].split(","))
        side = 3
    else:
        axes, side = (0, 1), 3
    if option == "kernel":
        side = 9 if flag[1].startswith("gaussian") else 3  # gaussian:sigma=1 has radius 4
        if flag[1] == "[1,2,1]" and kind not in ("signal",):
            axes = axes[-1:]  # a 1-D kernel runs over the last axis
    if option == "columns" and flag[1] == "x":
        assert after.shape[0] == before.shape[0]
        return
    expected = _expected_shape(command, option, flag, before.shape, axes, side)
    assert after.shape == expected, (after.shape, expected)
    if kind == "ints" and command == "convolve" and option not in ("nan",):
        assert after.dtype == np.float64  # box:size=3 is fractional: floats, as the API


def test_integer_arrays_keep_their_dtype(inputs, tmp_path):
    ints = np.load(inputs["ints"])
    out = tmp_path / "o.npy"
    run("convolve", inputs["ints"], "[1,2,1]", "-o", out, "-q")
    got = np.load(out)
    assert got.dtype == np.int32
    expected = scipy.signal.convolve(ints.astype(np.int64), np.array([[1, 2, 1]]), mode="same")
    np.testing.assert_array_equal(got, expected)


def test_axes_default_is_the_last_axes_and_can_be_named(inputs, tmp_path):
    array = np.load(inputs["array"])
    array = np.nan_to_num(array)
    np.save(tmp_path / "a.npy", array)
    row, column = np.array([[1.0, 2.0, 1.0]]), np.array([[1.0], [2.0], [1.0]])
    for axes, kernel in ((None, row), ("0", column)):
        out = tmp_path / "o.npy"
        run("convolve", tmp_path / "a.npy", "[1,2,1]", "-o", out, "-q",
            *(("--axes", axes) if axes else ()))
        np.testing.assert_allclose(np.load(out),
                                   scipy.signal.convolve(array, kernel, mode="same"), atol=1e-12)


def test_nan_policies_on_an_array(inputs, tmp_path):
    array = np.load(inputs["array"])  # one NaN at (3, 4)
    counts = {}
    for policy in ("ignore", "propagate", "zero"):
        out = tmp_path / f"{policy}.npy"
        run("convolve", inputs["array"], "box:size=3", "--nan", policy, "-o", out, "-q")
        counts[policy] = int(np.isnan(np.load(out)).sum())
    assert counts == {"ignore": 1, "propagate": 9, "zero": 0}
    zero = np.load(tmp_path / "zero.npy")
    expected = scipy.signal.convolve(np.nan_to_num(array), np.ones((3, 3)) / 9, mode="same")
    np.testing.assert_allclose(zero, expected, atol=1e-12)
    assert "missing value" in fails("convolve", inputs["array"], "box:size=3", "--nan", "error",
                                    "-o", tmp_path / "e.npy")


def test_nan_policies_on_a_float_image(tmp_path, capsys, monkeypatch):
    pixels = np.random.default_rng(3).random((12, 14)).astype(np.float32)
    pixels[5, 6] = np.nan
    Image.fromarray(pixels, "F").save(tmp_path / "f.tif")
    counts = {}
    for policy in ("ignore", "propagate", "zero"):
        out = tmp_path / f"{policy}.tif"
        code, _, err = _run_main(["filter", str(tmp_path / "f.tif"), "-k", "box:size=3",
                                  "--nan", policy, "-o", str(out), "-q"], capsys, monkeypatch)
        assert code == 0, err
        counts[policy] = int(np.isnan(np.asarray(Image.open(out))).sum())
    assert counts == {"ignore": 1, "propagate": 9, "zero": 0}
    present = np.asarray(Image.open(tmp_path / "ignore.tif"))
    weights = scipy.ndimage.uniform_filter((~np.isnan(pixels)).astype(float), 3, mode="reflect")
    sums = scipy.ndimage.uniform_filter(np.nan_to_num(pixels).astype(float), 3, mode="reflect")
    expected = sums / weights
    expected[5, 6] = np.nan
    np.testing.assert_allclose(present, expected, rtol=1e-5, atol=1e-6)
