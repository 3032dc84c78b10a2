"""The early reader: a large file read and parsed on a thread gives read_signal's table as
it is without one, and loads no numpy on its way."""

import os
import subprocess
import sys

import numpy as np
import pytest

from convcli.errors import InputError, ResourceError
from convcli.io.csv.early import FAST_BYTES, parse_soon
from convcli.io.csv.table import read_signal

pytest.importorskip("polars")

ROWS = 40_000


def _table(head="year,x,label,y\n", bom=b"", newline="\n", cell=None):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=ROWS).tolist(), (rng.normal(size=ROWS) * 1e-5).tolist()
    rows = [f"{1900 + i},{x[i]!r},s{i % 7},{'' if i % 91 == 0 else repr(y[i])}"
            for i in range(ROWS)]
    if cell is not None:
        rows[ROWS // 2] = cell
    text = head + "\n".join(rows) + "\n"
    data = bom + text.replace("\n", newline).encode()
    assert len(data) >= FAST_BYTES
    return data


def _same(a, b):
    assert a.fmt == b.fmt and a.encoding == b.encoding and a.final_newline == b.final_newline
    assert a.extras == b.extras and a.warnings == b.warnings
    np.testing.assert_array_equal(a.data, b.data)
    assert [list(c) for c in a.passthrough] == [list(c) for c in b.passthrough]


@pytest.mark.parametrize("case", [
    {}, {"bom": b"\xef\xbb\xbf"}, {"newline": "\r\n"},
    {"head": "# a preamble\n\nyear,x,label,y\n"},
    {"cell": '1950,"1.5",s1,2'},   # quotes: the core path's
    {"cell": "# a comment"},       # a comment line among the rows: the core path's
    {"cell": "1950,1.5,s1"},       # a ragged row: the core path's (its error)
    {"cell": "1949,inf,s1,2"},     # an infinity: the core path's
])
def test_the_early_table_is_the_table(tmp_path, case):
    path = tmp_path / "in.csv"
    path.write_bytes(_table(**case))
    for kwargs in ({}, {"time_column": "year,label", "columns": ["y"]}):
        try:
            plain = read_signal(str(path), **kwargs)
        except InputError as plain_error:
            with pytest.raises(InputError) as early_error:
                read_signal(str(path), early=parse_soon(str(path), kwargs.get("time_column"),
                                                        kwargs.get("columns")), **kwargs)
            assert str(early_error.value) == str(plain_error)
            continue
        early = parse_soon(str(path), kwargs.get("time_column"), kwargs.get("columns"))
        assert early is not None
        _same(read_signal(str(path), early=early, **kwargs), plain)


def test_small_files_pipes_and_bytes_are_read_by_the_reader(tmp_path):
    small = tmp_path / "small.csv"
    small.write_text("t,x\n0,1\n")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert parse_soon(str(small)) is None
    assert parse_soon(str(fifo)) is None  # a FIFO's size says nothing: never opened here
    assert parse_soon(str(tmp_path / "missing.csv")) is None
    assert parse_soon(b"t,x\n0,1\n" * 200_000) is None
    assert parse_soon("-") is None


def test_the_readers_error_comes_from_result(tmp_path, monkeypatch):
    path = tmp_path / "in.csv"
    path.write_bytes(_table())
    from convcli.settings import settings

    monkeypatch.setattr(settings(), "memory_budget", 1 << 20)  # under the file's size
    early = parse_soon(str(path))
    with pytest.raises(ResourceError, match="in.csv"):
        early.result()


def test_the_thread_loads_no_numpy(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(_table())
    code = ("import sys\nfrom convcli.io.csv.early import parse_soon\n"
            f"raw, parsed = parse_soon({str(path)!r}).result()\n"
            "print(parsed[2].shape, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["(40000,", "4)", "False"]


def test_work_runs_only_while_the_thread_is_busy(tmp_path, monkeypatch):
    import threading

    import convcli.io.csv.early as early_module

    release = threading.Event()
    real = early_module._read_and_parse

    def held(*args):
        release.wait(10)
        return real(*args)

    monkeypatch.setattr(early_module, "_read_and_parse", held)
    path = tmp_path / "t.csv"
    path.write_bytes(_table())
    early = parse_soon(path)
    ran = []
    early.while_busy(lambda: ran.append("busy"), release.set, lambda: ran.append("late"))
    early._future.result(10)  # the thread done: nothing more runs
    early.while_busy(lambda: ran.append("done"))
    assert ran in (["busy"], ["busy", "late"])  # "late" only if it beat the thread's return
    assert "done" not in ran
    _same(read_signal(path, early=early), read_signal(path.read_bytes()))
