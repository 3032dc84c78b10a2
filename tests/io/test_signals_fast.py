"""The polars path (inputs of 1 MB or more) gives the core path's results, text and errors."""

import subprocess
import sys

import numpy as np
import pytest

import convcli.io.csv.table as signals
from convcli.errors import InputError
from convcli.io.csv.table import read_signal, write_signal

pytest.importorskip("polars")

ROWS = 40_000


def big_table(rows=ROWS, newline="\n", delimiter=","):
    """A >1 MB table: time and text columns, missing cells, tiny, huge and negative values."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=rows) * 1000
    y = rng.normal(size=rows) * 1e-6
    z = 10.0 ** rng.uniform(-8, 22, rows) * rng.choice([-1, 1], rows)
    z[::97] = -0.0
    x, y, z = x.tolist(), y.tolist(), z.tolist()
    lines = ["# big", "time,x,y,label,z".replace(",", delimiter)]
    for i in range(rows):
        xs = ("NaN" if delimiter == " " else "") if i % 101 == 0 else repr(x[i])
        ys = "NA" if i % 103 == 0 else repr(y[i])
        cells = [repr(i * 0.001), xs, ys, f"s{i % 13}", repr(z[i])]
        lines.append(delimiter.join(cells))
    text = newline.join(lines) + newline
    assert len(text) > signals.FAST_BYTES
    return text.encode()


def read_both(data, monkeypatch, **kwargs):
    fast = read_signal(data, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(signals, "polars_installed", lambda: False)
        core = read_signal(data, **kwargs)
    return fast, core


def write_both(table, values, tmp_path, monkeypatch, precision=17):
    """Both writers; at 17 digits (every value's repr) so that inputs round-trip exactly."""
    write_signal(table, values, tmp_path / "fast.csv", precision=precision)
    with monkeypatch.context() as m:
        m.setattr(signals, "polars_installed", lambda: False)
        write_signal(table, values, tmp_path / "core.csv", precision=precision)
    return (tmp_path / "fast.csv").read_bytes(), (tmp_path / "core.csv").read_bytes()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_both_paths_read_and_write_the_same(newline, tmp_path, monkeypatch):
    from convcli.io.csv import polars as polarscsv

    assert polarscsv.WRITES_LIKE_REPR  # else write_signal never takes the polars path
    data = big_table(newline=newline)
    fast, core = read_both(data, monkeypatch)
    assert type(fast.passthrough[0]).__module__.startswith("polars")
    assert fast.fmt == core.fmt
    np.testing.assert_array_equal(fast.data, core.data)
    assert [list(c) for c in fast.passthrough] == core.passthrough
    same_fast, same_core = write_both(fast, fast.data, tmp_path, monkeypatch)
    assert same_fast == same_core == data.replace(b",NA,", b",,")  # NaN written as the first
    np.testing.assert_array_equal(read_signal(same_fast).data, fast.data)
    filtered = fast.data * np.pi
    filtered[5] = np.nan
    out_fast, out_core = write_both(core, filtered, tmp_path, monkeypatch)
    assert out_fast == out_core
    np.testing.assert_array_equal(read_signal(out_fast).data, filtered)


@pytest.mark.parametrize("cells", [1, 4999, 1 << 22])
def test_the_polars_writer_gives_the_same_bytes_in_any_slices(cells, tmp_path, monkeypatch):
    """One slice or many (a row at a time, uneven ones, the whole table): the same bytes."""
    from convcli.io.csv import polars as polarscsv

    table = read_signal(big_table(rows=30_000))
    filtered = table.data * np.e
    monkeypatch.setattr(polarscsv, "SLICE_CELLS", cells)
    fast, core = write_both(table, filtered, tmp_path, monkeypatch, precision=15)
    assert fast == core


@pytest.mark.parametrize("delimiter", [";", "\t", " "])
def test_other_delimiters(delimiter, tmp_path, monkeypatch):
    data = big_table(delimiter=delimiter)
    fast, core = read_both(data, monkeypatch)
    assert isinstance(fast.passthrough[0], list) == (delimiter == " ")
    np.testing.assert_array_equal(fast.data, core.data)
    out_fast, out_core = write_both(fast, fast.data * 3, tmp_path, monkeypatch)
    assert out_fast == out_core


def test_quoted_cells_are_written_back_raw_by_both_writers(tmp_path, monkeypatch):
    lines = big_table().decode().split("\n")
    lines[3] = lines[3].replace(",s", ',"quoted, s')[:-1] + '",' + lines[3].rsplit(",", 1)[1]
    table = read_signal("\n".join(lines).encode())
    assert table.passthrough[1][1].startswith('"quoted, s')
    out_fast, out_core = write_both(table, table.data, tmp_path, monkeypatch)
    assert out_fast == out_core
    assert out_fast.split(b"\n")[3] == lines[3].encode()


def test_latin1_beyond_the_head_goes_to_the_core_path(tmp_path, monkeypatch):
    data = big_table().replace(b"s12,", "s\xe9,".encode("latin-1"))
    table = read_signal(data)
    assert isinstance(table.passthrough[0], list) and table.encoding == "latin-1"
    out_fast, out_core = write_both(table, table.data, tmp_path, monkeypatch)
    assert out_fast == out_core == data.replace(b",NA,", b",,")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1,2,3,a,4,5", "line 30003 has 6 fields, expected 5"),
        ("1,2,3", "line 30003 has 3 fields, expected 5"),
        ("1,inf,3,a,4", "line 30003, column 'x': 'inf' is infinite"),
        ("1,2,oops,a,4", "line 30003, column 'y': 'oops' is not a number"),
    ],
)
def test_errors_are_the_core_paths(line, message, monkeypatch):
    lines = big_table().decode().split("\n")
    lines.insert(30002, line)
    data = "\n".join(lines).encode()
    for path in (True, False):
        with monkeypatch.context() as m:
            m.setattr(signals, "polars_installed", lambda p=path: p)
            with pytest.raises(InputError, match=message):
                read_signal(data)


@pytest.mark.parametrize(
    "extra",
    [
        '1,2,3,"quoted, text",4',
        "   # indented comment,1,2,3,4",
        "",
        "  ",
        "5, 6,7,a,8",
        "6,n/A,7,a,8",
    ],
)
def test_what_polars_would_read_differently_goes_to_the_core_path(extra, monkeypatch):
    lines = big_table().decode().split("\n")
    lines.insert(20000, extra)
    fast, core = read_both("\n".join(lines).encode(), monkeypatch)
    assert isinstance(fast.passthrough[0], list)
    np.testing.assert_array_equal(fast.data, core.data)


def run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()


def test_small_inputs_import_neither_polars_nor_pillow_nor_scipy():
    code = (
        "import sys\n"
        "from convcli.io.csv import table as signals\n"
        "from convcli.io import images, arrays, atomic\n"
        "t = signals.read_signal(b't,x\\n0,1\\n1,2\\n')\n"
        "signals.write_signal(t, t.data, '-')\n"
        "print(*(m in sys.modules for m in ('polars', 'PIL', 'scipy')))\n"
    )
    assert run(code)[-3:] == ["False", "False", "False"]


def test_large_inputs_use_polars(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(big_table())
    code = (
        "import sys\n"
        "from convcli.io.csv import table as signals\n"
        f"signals.read_signal({str(path)!r})\n"
        "print('polars' in sys.modules)\n"
    )
    assert run(code) == ["True"]


def test_a_final_blank_line_is_kept_as_the_core_path_keeps_it(tmp_path, monkeypatch):
    data = big_table() + b"\n"
    fast, core = read_both(data, monkeypatch)
    assert fast.extras == core.extras == [(ROWS, "")]
    out_fast, out_core = write_both(fast, fast.data, tmp_path, monkeypatch)
    assert out_fast == out_core == data.replace(b",NA,", b",,")


def test_polars_written_output_keeps_the_writers_error(tmp_path):
    # polars re-raises a file object's OSError as a plain OSError without errno: a closed
    # pipe must stay a BrokenPipeError (ends quietly), a full disk an ENOSPC
    import errno
    import io

    from convcli.io.csv.polars import format_body

    table = read_signal(big_table())

    class Failing(io.RawIOBase):
        def __init__(self, error):
            self.error = error

        def writable(self):
            return True

        def write(self, data):
            raise self.error

    with pytest.raises(BrokenPipeError):
        format_body(table.fmt, table.data, table.passthrough, out=Failing(BrokenPipeError()))
    with pytest.raises(OSError) as caught:
        format_body(table.fmt, table.data, table.passthrough,
                    out=Failing(OSError(errno.ENOSPC, "No space left on device")))
    assert caught.value.errno == errno.ENOSPC
    with open(tmp_path / "whole.csv", "wb") as out:
        assert format_body(table.fmt, table.data, table.passthrough, out=out) == b""
    assert (tmp_path / "whole.csv").read_bytes() == format_body(
        table.fmt, table.data, table.passthrough)


def reference_round(values, precision):
    """The former rounding (log10 for the exponent, masks over the whole array): the new one
    must give the same values bit for bit."""
    powers = np.array([float(f"1e{k}") for k in range(-340, 312)])
    magnitude = np.abs(values)
    finite = np.isfinite(values) & (magnitude > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.where(finite, magnitude, 1.0))).astype(np.int64)
    exponent += magnitude >= powers[exponent + 341]
    exponent -= magnitude < powers[exponent + 340]
    shift = precision - 1 - exponent
    out = values.copy()
    up = finite & (shift >= 0) & (shift <= 22)
    down = finite & (shift < 0) & (shift >= -22)
    out[up] = np.rint(values[up] * powers[shift[up] + 340]) / powers[shift[up] + 340]
    out[down] = np.rint(values[down] / powers[340 - shift[down]]) * powers[340 - shift[down]]
    for i in np.flatnonzero(finite & ~up & ~down).tolist():
        out[i] = float(f"{values[i]:.{precision}g}")
    overflow = np.isinf(out) & finite
    out[overflow] = values[overflow]
    return out


@pytest.mark.parametrize("precision", [1, 6, 15, 16])
def test_rounding_in_chunks_gives_the_former_values(precision):
    from convcli.io.csv.format import CHUNK, round_significant

    rng = np.random.default_rng(3)
    powers = np.array([float(f"1e{k}") for k in range(-320, 309)])
    values = np.concatenate([
        np.cumsum(rng.normal(size=3 * CHUNK)) * 0.1234567,  # whole chunks on the quick path
        10.0 ** rng.uniform(-320, 308, 20_000) * rng.choice([-1, 1], 20_000),
        powers, np.nextafter(powers, 0), np.nextafter(powers, np.inf),
        [0.0, -0.0, np.nan, np.inf, -np.inf, 1.7976931348623157e308, 5e-324, 9.5e-5],
    ])
    with np.errstate(over="ignore"):
        expected = reference_round(values, precision)
    got = round_significant(values, precision)
    np.testing.assert_array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


@pytest.mark.parametrize("time_cells", ["steady", "decimal", "odd", "back", "repeats", "gaps",
                                        "dates"])
def test_both_paths_warn_alike_of_the_time_column(time_cells, monkeypatch):
    """A time column read by polars is checked as the core path checks its text: the same
    warning (or none) for steady, decimal, uneven, backward, repeated, missing or date cells."""
    rows = 100_000
    times = [str(1800 + i) for i in range(rows)]
    if time_cells == "decimal":
        times = [repr(round(i * 0.1, 1)) for i in range(rows)]
    if time_cells == "odd":
        times[rows - 7] = str(int(times[rows - 7]) + 2)
    if time_cells == "back":
        times[rows // 2] = "1800"
    if time_cells == "repeats":
        times = [str(1800 + i // 4) for i in range(rows)]
    if time_cells == "gaps":
        times[5] = times[rows - 3] = ""
    if time_cells == "dates":
        times = [f"2020-01-{1 + i % 28:02d}" for i in range(rows)]
    text = "year,value\n" + "".join(f"{t},{i * 1.5:.3f}\n" for i, t in enumerate(times))
    assert len(text) > signals.FAST_BYTES
    fast, core = read_both(text.encode(), monkeypatch)
    assert type(fast.passthrough[0]).__module__.startswith("polars")  # read by polars
    assert fast.warnings == core.warnings
    assert bool(fast.warnings) == (time_cells in ("odd", "back"))
