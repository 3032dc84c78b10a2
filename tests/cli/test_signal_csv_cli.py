"""Signal CSVs shaped like real published series, through the installed command (issue 10)."""

import numpy as np
import pytest
from scipy import ndimage

from tests.cli.conftest import SAMPLES, fails, run

NILE = "year,flow\n1871,1120\n1872,1160\n1873,963\n1874,1210\n1875,1160\n"
QUARTERLY = (
    '"year","quarter","gdp","cpi"\n'
    "1990,1,100.5,50.1\n1990,2,101.25,50.3\n1990,3,102.0,50.6\n1990,4,103.75,50.9\n"
    "1991,1,104.0,51.2\n"
)
PANDAS = ",date,co2\n0,1958-03,315.7\n1,1958-04,317.45\n2,1958-05,317.51\n3,1958-06,316.1\n"


def smooth(tmp_path, text, *args, name="in.csv", stream=False):
    src = tmp_path / name
    src.write_bytes(text.encode() if isinstance(text, str) else text)
    if stream:
        return run("smooth", "-", "-q", *args, input=src.read_bytes())
    return run("smooth", src, "-q", *args)


def box3(values):
    """The 3-point moving mean with the ends repeated (smooth's boundary nearest)."""
    return ndimage.uniform_filter1d(np.asarray(values, float), 3, mode="nearest")


def column(out: bytes, j: int, skip: int = 1) -> list[str]:
    return [line.split(",")[j] for line in out.decode().splitlines()[skip:]
            if line and not line.startswith("#")]


def test_year_column_passes_through_and_integers_stay_integers(tmp_path):
    out = smooth(tmp_path, NILE, "-k", "[1,1,1]").stdout
    assert column(out, 0) == ["1871", "1872", "1873", "1874", "1875"]
    # sums of integers are integers: written without ".0"
    assert column(out, 1) == ["3400", "3243", "3333", "3333", "3530"]


def test_no_floating_point_noise(tmp_path):
    out = smooth(tmp_path, "t,x\n0,6930.52\n1,6930.52\n2,316.1\n", "-k", "box:size=1").stdout
    assert out == b"t,x\n0,6930.52\n1,6930.52\n2,316.1\n"
    out = smooth(tmp_path, "t,x\n0,0.1\n1,0.2\n", "-k", "[1,1]:origin=0").stdout
    assert out == b"t,x\n0,0.2\n1,0.3\n"  # 0.1 + 0.2 is 0.30000000000000004 in float64


def test_precision_option(tmp_path):
    out = smooth(tmp_path, "t,x\n0,1\n1,2\n2,2\n", "-k", "box:size=3", "--precision", "4").stdout
    assert out == b"t,x\n0,1.333\n1,1.667\n2,2\n"


def test_year_and_quarter_columns_and_quoted_header(tmp_path):
    result = smooth(tmp_path, QUARTERLY, "-k", "box:size=3")
    lines = result.stdout.decode().splitlines()
    assert lines[0] == '"year","quarter","gdp","cpi"'
    assert [line.split(",")[:2] for line in lines[1:]] == [
        ["1990", "1"], ["1990", "2"], ["1990", "3"], ["1990", "4"], ["1991", "1"]]
    gdp = [float(v) for v in column(result.stdout, 2)]
    np.testing.assert_allclose(gdp, box3([100.5, 101.25, 102.0, 103.75, 104.0]), rtol=1e-14)
    assert b"warning" not in result.stderr  # a year repeating beside a quarter is even


def test_pandas_index_and_date_columns(tmp_path):
    out = smooth(tmp_path, PANDAS, "-k", "box:size=3").stdout.decode().splitlines()
    assert out[0] == ",date,co2"
    assert [line.split(",")[:2] for line in out[1:]] == [
        ["0", "1958-03"], ["1", "1958-04"], ["2", "1958-05"], ["3", "1958-06"]]
    co2 = [float(line.split(",")[2]) for line in out[1:]]
    np.testing.assert_allclose(co2, box3([315.7, 317.45, 317.51, 316.1]), rtol=1e-14)


def test_several_time_columns_by_name(tmp_path):
    out = smooth(tmp_path, "a,b,x\n1,5,1\n2,6,2\n3,7,3\n", "-k", "box:size=3",
                 "--time-column", "a,B").stdout
    assert column(out, 0) == ["1", "2", "3"] and column(out, 1) == ["5", "6", "7"]


@pytest.mark.parametrize("stream", [False, True])
def test_uneven_time_steps_warn_once_naming_the_line(tmp_path, stream):
    text = "# gauge\nyear,flow\n1871,1120\n1872,1160\n1875,963\n1874,1210\n1876,1\n"
    result = smooth(tmp_path, text, stream=stream)
    err = result.stderr.decode()
    assert err.count("\n") == 1
    assert err.startswith("convcli: warning: ")
    assert "time column 'year' steps by 3 at line 5, after steps of 1" in err
    result = smooth(tmp_path, "t,x\n0,1\n1,2\n2,3\n1,4\n", stream=stream)
    assert "time column 't' goes back by 1 at line 5" in result.stderr.decode()


@pytest.mark.parametrize("stream", [False, True])
def test_a_bad_cell_is_an_error_naming_file_line_column_and_cell(tmp_path, stream):
    text = "t,gdp,cpi\n0,1,2\n1,2,29.37x\n2,3,4\n"
    src = tmp_path / "macro.csv"
    src.write_text(text)
    if stream:
        err = fails("smooth", "-", input=text.encode())
        assert err.startswith("convcli: error: stdin: line 3, column 'cpi': '29.37x' is not")
    else:
        err = fails("smooth", src)
        assert err.startswith(f"convcli: error: {src}: line 3, column 'cpi': '29.37x' is not")
    assert "--bad-cells missing" in err


@pytest.mark.parametrize("cell", ["-", ".", "n.a."])
def test_bad_cells_missing_reads_them_as_missing(tmp_path, cell):
    out = smooth(tmp_path, f"t,x\n0,1\n1,{cell}\n2,3\n", "-k", "box:size=3",
                 "--bad-cells", "missing").stdout
    assert out == b"t,x\n0,1\n1,\n2,3\n"


def test_a_long_bad_cell_is_shortened(tmp_path):
    big = "7" * 200_000 + "x"
    err = fails("smooth", _write(tmp_path, f"t,x\n0,1\n1,{big}\n"))
    assert "(200001 characters)" in err and len(err) < 300


def test_an_all_text_column_passes_through(tmp_path):
    out = smooth(tmp_path, "t,station,x\n0,A1,1\n1,B2,2\n2,C3,3\n", "-k", "box:size=3").stdout
    assert column(out, 1) == ["A1", "B2", "C3"]
    assert column(out, 2) == ["1.33333333333333", "2", "2.66666666666667"]


def test_nan_error_names_file_line_and_column(tmp_path):
    src = _write(tmp_path, "t,x,y\n0,1,2\n# note\n1,2,\n")
    err = fails("smooth", src, "--nan", "error")
    assert f"{src}: line 4, column 'y': a missing value" in err
    err = fails("smooth", "-", "--nan", "error", input=src.read_bytes())
    assert "stdin: line 4, column 'y': a missing value" in err


COMMENTED = (
    "# station 7\nt;x;label\r\n0;1.5;a\r\n# recalibrated\r\n\r\n1;2.5;b\r\n2;3.5;\"c;d\"\r\n"
    "# end\r\n"
)


@pytest.mark.parametrize("stream", [False, True])
def test_comments_blank_lines_quotes_crlf_and_semicolons_kept(tmp_path, stream):
    out = smooth(tmp_path, COMMENTED, "-k", "box:size=1", stream=stream).stdout
    assert out == COMMENTED.encode()


def test_byte_order_mark_and_tabs(tmp_path):
    text = b"\xef\xbb\xbftime\tx\n0\t1.25\n1\t2.5\n"
    assert smooth(tmp_path, text, "-k", "box:size=1").stdout == text[3:]


def test_stream_and_batch_write_the_same_bytes(tmp_path):
    rng = np.random.default_rng(3)
    rows = [f"{1900 + i},{v:.4f},{'' if i % 37 == 5 else f'{w:.3f}'}"
            for i, (v, w) in enumerate(rng.normal(size=(5000, 2)).cumsum(axis=0).tolist())]
    rows.insert(2500, "# a comment in the middle")
    text = "# published series\nYear,a,b\n" + "\n".join(rows) + "\n"
    batch = smooth(tmp_path, text, "--no-stream").stdout
    stream = smooth(tmp_path, text, "--stream").stdout
    piped = smooth(tmp_path, text, stream=True).stdout
    assert batch == stream == piped
    assert b"# a comment in the middle\n" in batch


def test_align_centre_removes_the_lag_of_the_causal_default(tmp_path):
    ramp = "t,x\n" + "".join(f"{i},{i}\n" for i in range(200))
    causal = [float(v) for v in column(smooth(tmp_path, ramp).stdout, 1)]
    centre = [float(v) for v in column(smooth(tmp_path, ramp, "--align", "centre").stdout, 1)]
    middle = slice(80, 120)
    lag = np.arange(200)[middle] - np.array(causal)[middle]
    np.testing.assert_allclose(lag, 3.5, atol=0.1)  # the mean delay, about τ − ½
    assert np.max(np.abs(np.arange(200)[middle] - np.array(centre)[middle])) < 0.6


def test_help_states_the_mean_delay():
    text = run("smooth", "--help", "-q", check=False).stdout.decode()
    assert "mean delay" in text and "--align" in text


def test_the_readme_job_improves_on_its_sample():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    raw, smoothed = script.track_errors(SAMPLES / "trajectory.csv")
    assert smoothed < raw / 2


@pytest.mark.parametrize(("mode", "rows"), [("full", 9), ("valid", 5)])
def test_mode_full_and_valid_add_or_drop_rows_with_the_time_column(tmp_path, mode, rows):
    text = "t,x,label\n" + "".join(f"{10 * i},{i * i},r{i}\n" for i in range(7))
    out = smooth(tmp_path, text, "-k", "box:size=3", "--mode", mode).stdout.decode()
    lines = out.splitlines()[1:]
    assert len(lines) == rows
    times = [int(line.split(",")[0]) for line in lines]
    first = -10 if mode == "full" else 10
    assert times == list(range(first, first + 10 * rows, 10))
    x = np.array([float(line.split(",")[1]) for line in lines])
    squares = np.arange(7.0) ** 2
    expected = np.convolve(np.pad(squares, 2, mode="edge"), np.ones(3) / 3, "valid")
    expected = expected if mode == "full" else expected[2:-2]
    np.testing.assert_allclose(x, expected, rtol=1e-13)
    if mode == "valid":
        assert [line.split(",")[2] for line in lines] == ["r1", "r2", "r3", "r4", "r5"]


def test_stride_subsamples_rows_and_time(tmp_path):
    text = "t,x\n" + "".join(f"{i},{i}\n" for i in range(7))
    out = smooth(tmp_path, text, "-k", "box:size=1", "--stride", "3").stdout
    assert out == b"t,x\n0,0\n3,3\n6,6\n"


def test_convolve_on_a_csv_uses_smooth_boundary(tmp_path):
    src = _write(tmp_path, "t,x\n0,6930\n1,6930\n2,6930\n")
    out = run("convolve", src, "[1,2,1]:normalize=true", "-q").stdout
    assert out == b"t,x\n0,6930\n1,6930\n2,6930\n"


def test_pool_on_a_large_csv_with_time_and_text_columns(tmp_path):
    rows = 120_000
    text = "time,label,x\n" + "".join(f"{i},s{i % 7},{i % 10}\n" for i in range(rows))
    src = _write(tmp_path, text)
    assert src.stat().st_size > 1 << 20  # the polars path
    out = run("pool", src, "--size", "10", "--op", "mean", "-q").stdout.decode().splitlines()
    assert out[0] == "time,label,x" and len(out) == rows // 10 + 1
    assert out[1:3] == ["0,s0,4.5", "10,s3,4.5"]
    assert out[-1] == f"{rows - 10},s{(rows - 10) % 7},4.5"


def test_bench_on_a_csv_with_gaps(tmp_path):
    import json

    src = _write(tmp_path, "t,x\n" + "".join(f"{i},{'' if i % 9 == 4 else i}\n"
                                            for i in range(300)))
    result = run("bench", src, "--repeat", "1", "--json")
    report = json.loads(result.stdout)
    assert {r["backend"] for r in report["backends"]} >= {"direct", "auto"}
    for name, why in report["skipped"].items():
        assert why, name
    chosen = json.loads(run("bench", src, "--repeat", "1", "--json", "--backend",
                            "direct,scipy").stdout)
    assert [r["backend"] for r in chosen["backends"]] == ["direct", "scipy"]
    fails("bench", src, "--backend", "nope")


def test_a_stream_line_that_never_ends_is_refused(tmp_path):
    from convcli.io.csv.stream import MAX_LINE_BYTES

    endless = b"t,x\n0,1\n1," + b"9" * (MAX_LINE_BYTES + (1 << 20))
    err = fails("smooth", "-", input=endless)
    assert "line 3 is longer than 16 MiB" in err


def _write(tmp_path, text: str):
    src = tmp_path / "in.csv"
    src.write_text(text)
    return src


@pytest.mark.parametrize("path", ["--stream", "--no-stream"])
def test_a_closed_pipe_ends_quietly(tmp_path, path):
    import subprocess

    from tests.cli.conftest import convcli_path

    src = _write(tmp_path, "t,x\n" + "".join(f"{i},{i % 13}\n" for i in range(400_000)))
    process = subprocess.Popen([convcli_path(), "smooth", str(src), path, "-q"],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout.readline() == b"t,x\n"
    process.stdout.close()  # the reader goes away, as `| head -1` does
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""
