import io
import math
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli.errors import InputError
from convcli.io.csv.format import format_floats
from convcli.io.csv.rows import format_rows, parse_rows
from convcli.io.csv.sniff import SNIFF_ROWS, sniff_format
from convcli.io.csv.table import read_signal, write_signal

NAN = float("nan")

ROUND_TRIPS = {
    "comma, header, time": b"t,x,y\n0,1.5,-2.25\n1,0.1,3.0\n2,1e-05,1e+16\n",
    "semicolon, no header": b"1.5;2.0;3.0\n4.0;5.0;6.0\n",
    "tab, comments, text column": (
        b"# recorded 2024-05-01\n# units: volts\n\nname\ttime\tv\nalpha\t0.0\t1.0\nbeta\t0.5\t2.0\n"
    ),
    "whitespace, NaN token": b"t x y\n0 1.0 NaN\n1 NaN 4.0\n2 3.0 5.0\n",
    "quoted text with delimiter": b'time,label,v\n0,"a, b",1.0\n1,"say ""hi""",2.0\n',
    "crlf": b"t,x\r\n0,1.0\r\n1,2.0\r\n",
    "no final newline": b"t,x\n0,1.0\n1,2.0",
    "empty missing cells": b"t,x,y\n0,,2.0\n1,1.0,\n2,3.0,4.0\n",
    "NA missing cells": b"t,x\n0,NA\n1,2.0\n2,NA\n",
    "one column": b"1.0\n2.5\nNaN\n-3.0\n",
    "date column": b"date,value\n2024-01-01,1.0\n2024-01-02,2.5\n",
    "padded passthrough": b"id,  x\n  a,1.0\n  b,2.0\n",
    "hash inside cells": b"t,id,x\n0,#a,1.0\n1,b#,2.0\n",
    "negative zero and big values": b"x,y\n-0.0,1.7976931348623157e+308\n5e-324,123456789.0\n",
}


def write_bytes(table, values, tmp_path):
    dest = tmp_path / "out.csv"
    write_signal(table, values, dest)
    return dest.read_bytes()


@pytest.mark.parametrize("text", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_round_trip_is_identical(text, tmp_path):
    table = read_signal(text)
    assert write_bytes(table, table.data, tmp_path) == text


def test_filtered_columns_are_replaced_and_others_kept(tmp_path):
    table = read_signal(b"# c\nTime,x,label,y\n0.0,1,a,2\n0.5,3,b,4\n")
    assert table.header == ["Time", "x", "label", "y"]
    assert table.filtered == ["x", "y"]
    assert table.comments == ["# c"]
    assert table.delimiter == ","
    out = write_bytes(table, table.data * 10 + 0.1, tmp_path)
    assert out == b"# c\nTime,x,label,y\n0.0,10.1,a,20.1\n0.5,30.1,b,40.1\n"


def test_nan_is_written_like_the_input_missing_cells(tmp_path):
    table = read_signal(b"t,x\n0,1.0\n1,null\n")
    assert write_bytes(table, [NAN, 2.0], tmp_path) == b"t,x\n0,null\n1,2.0\n"
    table = read_signal(b"t,x\n0,1.0\n1,2.0\n")
    assert write_bytes(table, [NAN, 2.0], tmp_path) == b"t,x\n0,\n1,2.0\n"
    table = read_signal(b"t x\n0 1.0\n1 2.0\n")
    assert write_bytes(table, [NAN, 2.0], tmp_path) == b"t x\n0 NaN\n1 2.0\n"


@pytest.mark.parametrize("token", ["", "NaN", "nan", "NA", "N/A", "null", " NA "])
def test_missing_values_read_as_nan(token):
    table = read_signal(f"t,x\n0,1.0\n1,{token}\n2,3.0\n".encode())
    assert np.isnan(table.data[1, 0]) and table.data[2, 0] == 3.0


def test_values_round_trip_exactly():
    values = [0.1, 1 / 3, 1e-300, 6.02214076e23, -2.5e-7]
    text = "x\n" + "\n".join(map(repr, values)) + "\n"
    assert read_signal(text.encode()).data[:, 0].tolist() == values


@pytest.mark.parametrize(
    ("text", "delimiter", "header"),
    [
        (b"a,b\n1,2\n", ",", ["a", "b"]),
        (b"a;b\n1;2\n", ";", ["a", "b"]),
        (b"a\tb\n1\t2\n", "\t", ["a", "b"]),
        (b"a  b\n1 2\n", " ", ["a", "b"]),
        (b"1,2\n3,4\n", ",", None),
        (b'"x","y"\n1,2\n', ",", ["x", "y"]),
    ],
)
def test_sniffs_delimiter_and_header(text, delimiter, header):
    table = read_signal(text)
    assert table.delimiter == delimiter
    assert table.header == header


def test_decimal_commas_are_not_numbers():
    with pytest.raises(InputError, match="no numeric column to filter"):
        read_signal(b"0,5;1,5\n2,0;3,0\n")


def test_header_needs_numbers_below_it():
    # text in every column and row: no header, and nothing numeric to filter
    with pytest.raises(InputError, match="no numeric column to filter; the columns are: 0, 1"):
        read_signal(b"a,b\nc,d\n")
    # a text column under a text first cell does not make a header by itself
    table = read_signal(b"foo,1\nbar,2\n")
    assert table.header is None and table.filtered == ["1"]


@pytest.mark.parametrize("name", ["t", "Time", "TIMESTAMP", "date", "Index"])
def test_time_column_is_detected_by_name(name):
    table = read_signal(f"{name},x\n0,1.0\n1,2.0\n".encode())
    assert table.fmt.time_column == 0 and table.filtered == ["x"]


def test_time_column_by_name_or_index():
    text = b"a,b,c\n0,1,2\n1,3,4\n"
    assert read_signal(text, time_column="b").filtered == ["a", "c"]
    assert read_signal(text, time_column=2).filtered == ["a", "b"]
    assert read_signal(text, time_column="2", columns=["0"]).filtered == ["a"]
    assert read_signal(b"0,1\n1,2\n", time_column=0).filtered == ["1"]
    assert read_signal(b"0,1\n1,2\n", time_column="1").filtered == ["0"]


def test_time_column_errors():
    with pytest.raises(InputError, match=r"no time column 'T'; the columns are: a, b"):
        read_signal(b"a,b\n1,2\n", time_column="T")
    with pytest.raises(InputError, match=r"time column 5 is out of range: the input has 2 columns"):
        read_signal(b"a,b\n1,2\n", time_column=5)
    with pytest.raises(InputError, match="has no header, so name columns by 0-based index"):
        read_signal(b"1,2\n3,4\n", time_column="t")


def test_columns_select_what_is_filtered(tmp_path):
    table = read_signal(b"t,x,y,z\n0,1,2,3\n1,4,5,6\n", columns=["z", "x"])
    assert table.filtered == ["x", "z"]
    assert table.data.tolist() == [[1.0, 3.0], [4.0, 6.0]]
    # integer cells in, integral values out without ".0" (issue 10)
    assert write_bytes(table, table.data, tmp_path) == b"t,x,y,z\n0,1,2,3\n1,4,5,6\n"


def test_named_time_column_can_be_filtered_when_not_chosen_as_time():
    assert read_signal(b"t,x\n0,1\n1,2\n", columns=["t"]).filtered == ["t"]
    with pytest.raises(InputError, match="column 't' is the time column"):
        read_signal(b"t,x\n0,1\n1,2\n", columns=["t"], time_column="t")


def test_unknown_column_lists_the_available_ones():
    with pytest.raises(InputError, match=r"no column 'w'; the columns are: t, x, y"):
        read_signal(b"t,x,y\n0,1,2\n", columns=["w"])


def test_named_text_column_names_line_and_column():
    with pytest.raises(InputError, match=r"line 3, column 'name': 'bob' is not a number"):
        read_signal(b"# c\nt,name\n0,bob\n", columns=["name"])


def test_a_text_cell_later_in_a_numeric_column():
    text = "t,x\n" + "".join(f"{i},{i}.5\n" for i in range(300)) + "300,oops\n"
    with pytest.raises(InputError, match=r"line 302, column 'x': 'oops' is not a number"):
        read_signal(text.encode())


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity", "1e400"])
def test_infinity_is_refused_naming_line_and_column(cell):
    with pytest.raises(InputError, match=rf"line 4, column 'y': '{cell}' is infinite"):
        read_signal(f"t,x,y\n0,1,2\n1,2,3\n2,3,{cell}\n".encode())


def test_headerless_columns_are_named_by_index():
    with pytest.raises(InputError, match=r"line 2, column 1 \(counting from 0\): 'x'"):
        read_signal(b"1,2\n3,x\n", columns=["1"])


def test_ragged_rows_name_the_line():
    with pytest.raises(InputError, match="line 3 has 3 fields, expected 2"):
        read_signal(b"a,b\n1,2\n3,4,5\n")
    text = "# note\na,b\n" + "".join(f"{i},{i}\n" for i in range(500)) + "# later\n9\n"
    with pytest.raises(InputError, match="line 504 has 1 fields, expected 2"):
        read_signal(text.encode())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "no data: the input is empty"),
        (b"\n\n", "no data: the input is empty"),
        (b"# only\n# comments\n", "no data"),
        (b"t,x,y\n", "has a header but no data rows"),
        (b"t,x\x00\n", "binary file"),
    ],
)
def test_empty_inputs(text, message):
    with pytest.raises(InputError, match=message):
        read_signal(text)


def test_comments_and_blank_lines_in_the_body_are_skipped():
    table = read_signal(b"t,x\n0,1\n\n# gap\n   # indented\n1,2\n")
    assert table.data[:, 0].tolist() == [1.0, 2.0]
    assert table.passthrough == [["0", "1"]]


def test_messages_name_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n1,2\n3\n")
    with pytest.raises(InputError, match=rf"^{path}: line 3 has 1 fields"):
        read_signal(path)
    with pytest.raises(InputError, match="no such file"):
        read_signal(tmp_path / "missing.csv")


def test_reads_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"t,x\n0,1\n")))
    assert read_signal("-").data.tolist() == [[1.0]]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"t,x\n0,1\n3\n")))
    with pytest.raises(InputError, match="^stdin: line 3"):
        read_signal("-")


def test_reads_text_streams_and_writes_stdout(capsysbinary):
    table = read_signal(io.StringIO("t,x\n0,1.5\n"))
    write_signal(table, table.data, "-")
    assert capsysbinary.readouterr().out == b"t,x\n0,1.5\n"


def test_latin1_text_round_trips(tmp_path):
    text = "städt,x\nMünchen,1.0\n".encode("latin-1")
    table = read_signal(text)
    assert table.header == ["städt", "x"]
    assert write_bytes(table, table.data, tmp_path) == text


def test_byte_order_mark_is_dropped(tmp_path):
    table = read_signal(b"\xef\xbb\xbft,x\n0,1.0\n")
    assert table.header == ["t", "x"]
    assert write_bytes(table, table.data, tmp_path) == b"t,x\n0,1.0\n"


def test_wrong_value_shape_is_a_programming_error(tmp_path):
    table = read_signal(b"t,x\n0,1\n1,2\n")
    with pytest.raises(ValueError, match="shape"):
        write_signal(table, np.zeros(3), tmp_path / "out.csv")


def block_lines(text):
    return text.split("\n")[:-1]


def test_blocks_parse_and_format_like_the_whole():
    rows = [f"{i * 0.5!r},{math.sin(i)!r},{'x' if i % 7 else ''},lbl{i}" for i in range(400)]
    rows[250] = "# a comment in the middle"
    lines = ["# preamble", "t,v,w,name", *rows]
    whole = read_signal(("\n".join(lines) + "\n").encode())
    fmt = sniff_format(lines[: 2 + SNIFF_ROWS + 1])
    assert fmt == whole.fmt
    parts = []
    for start in range(fmt.skip, len(lines), 128):
        parts.append(parse_rows(lines[start : start + 128], fmt, start + 1))
    data = np.vstack([p[0] for p in parts])
    np.testing.assert_array_equal(data, whole.data)
    text = "".join(format_rows(fmt, d, cells) for d, cells, _ in parts)
    assert text == format_rows(fmt, whole.data, whole.passthrough)


def test_block_errors_use_file_line_numbers():
    fmt = sniff_format(["t,x", "0,1"])
    with pytest.raises(InputError, match="line 1001, column 'x': 'bad'"):
        parse_rows(["5,6", "7,bad"], fmt, 1000)


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50))
def test_format_floats_at_17_digits_is_repr(values):
    cells = format_floats(np.array(values, dtype=np.float64), "NA", precision=17)
    assert cells == ["NA" if math.isnan(v) else repr(v) for v in values]


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=50))
def test_format_floats_keeps_15_digits_and_no_more(values):
    # issue 10: the shortest decimal of the value rounded to 15 significant digits (the last
    # within one unit)
    cells = format_floats(np.array(values, dtype=np.float64), "NA")
    for value, cell in zip(values, cells):
        if math.isinf(float(f"{value:.15g}")):
            assert cell == repr(value)
            continue
        mantissa = cell.lower().split("e")[0].lstrip("-").replace(".", "").strip("0")
        assert len(mantissa) <= 15
        unit = 10.0 ** (math.floor(math.log10(abs(value))) - 14) if value else 0.0
        assert abs(float(cell) - value) <= 1.01 * unit


def test_fast_and_line_by_line_parses_agree():
    rows = [f"{i},{i / 3!r},{'' if i % 11 == 0 else repr(i * 1e-6)}" for i in range(1000)]
    plain = ("t,a,b\n" + "\n".join(rows) + "\n").encode()
    rows.insert(500, "# forces the line-by-line parse")
    commented = ("t,a,b\n" + "\n".join(rows) + "\n").encode()
    a, b = read_signal(plain), read_signal(commented)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.passthrough == b.passthrough


def test_wide_tables_read_and_write_in_linear_time(tmp_path):
    # issue 11: 10k columns took 0.9 s, 30k 5.6 s, 100k over a minute (quadratic)
    import time

    n = 60_000
    text = ",".join(f"c{j}" for j in range(n)) + "\n"
    text += "".join(",".join(str(i + j) for j in range(n)) + "\n" for i in range(3))
    begin = time.perf_counter()
    table = read_signal(text.encode())
    assert write_bytes(table, table.data, tmp_path) == text.encode()
    assert time.perf_counter() - begin < 20


@pytest.mark.parametrize("tail", ["\n", "\n\n", "\n# end\n"])
def test_blank_lines_at_the_end_are_kept(tail, tmp_path):
    # issue 10: a file ending in a blank line was refused ("line 4 has 1 fields")
    text = "t,x\n0,1\n1,2\n" + tail
    table = read_signal(text.encode())
    assert table.data[:, 0].tolist() == [1.0, 2.0]
    write_signal(table, table.data, tmp_path / "o.csv")
    assert (tmp_path / "o.csv").read_text() == text
