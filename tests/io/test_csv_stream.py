"""StreamTable writes write_signal's bytes, whatever the blocks (issue 10 and 13's io/csv)."""

import numpy as np
import pytest

from convcli.engine.missing import convolve_missing
from convcli.engine.stream import StreamConvolver
from convcli.errors import InputError
from convcli.io.csv.stream import MAX_LINE_BYTES, StreamTable
from convcli.io.csv.table import read_signal, write_signal

TEXT = (
    "# site 4\r\nyear,label,x,y\r\n"
    + "".join(
        f"{1900 + i},{'ab'[i % 2]},{i * i % 17},{'' if i % 11 == 3 else f'{i / 7:.3f}'}\r\n"
        + ("# moved\r\n\r\n" if i in (5, 40) else "")
        for i in range(60)
    )
    + "# the end\r\n"
)


def batch(text: bytes, kernel, origin, tmp_path) -> bytes:
    table = read_signal(text)
    values = convolve_missing(table.data, kernel, "same", policy="ignore", axes=0,
                              boundary="nearest", origin=origin).values
    write_signal(table, values, tmp_path / "b.csv")
    return (tmp_path / "b.csv").read_bytes()


@pytest.mark.parametrize("origin", [(0,), (2,)])  # causal, and with look-ahead
@pytest.mark.parametrize("size", [1, 7, 64, 100_000])
def test_stream_bytes_are_the_batch_bytes(tmp_path, origin, size):
    kernel = np.array([0.5, 0.25, 0.15, 0.1])
    data = TEXT.encode()
    expected = batch(data, kernel, origin, tmp_path)
    table = StreamTable(StreamConvolver(kernel, boundary="nearest", origin=origin,
                                        nan="ignore", backend="direct"), "in")
    out = b"".join(table.feed(data[i:i + size], False) for i in range(0, len(data), size))
    out += table.finish()
    assert out.decode().splitlines() == expected.decode().splitlines()
    assert b"# moved\r\n\r\n" in out and out.endswith(b"# the end\r\n")


def test_take_rows_extends_and_crops_time_cells():
    table = read_signal(b"year,name,x\n2000,a,1\n2001,b,2\n# c\n2002,c,3\n")
    taken = table.take_rows([-1, 0, 2, 3])
    assert taken.passthrough == [["1999", "2000", "2002", "2003"], ["", "a", "c", ""]]
    assert taken.extras == [(2, "# c")]
    assert np.isnan(taken.data[0, 0]) and taken.data[2, 0] == 3


def test_an_endless_line_is_refused_in_bounded_memory():
    table = StreamTable(StreamConvolver(np.ones(1)), "stdin")
    table.feed(b"t,x\n0,1\n", False)
    chunk = b"9" * (1 << 20)
    with pytest.raises(InputError, match="stdin: line 3 is longer than 16 MiB"):
        for _ in range(MAX_LINE_BYTES // len(chunk) + 2):
            table.feed(chunk, False)
