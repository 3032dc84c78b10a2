"""`convcli smooth -` streams: the batch answer, live rows, clear errors."""

import json
import os
import select
import subprocess
import time

import numpy as np
import pytest

from tests.cli.conftest import convcli_path, fails, run

LATE = 30.0
"""Seconds a live row may take to appear: generous, since the wait ends as soon as it does (a
loaded machine may take seconds just to start Python and numpy)."""


def telemetry(rows: int, seed: int = 0) -> bytes:
    """A CSV with a comment, a time column, a text column and missing cells (empty and NA)."""
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((rows, 2)).cumsum(axis=0)
    lines = ["# probe 7", "time,label,x,y"]
    for i, (x, y) in enumerate(values.tolist()):
        cells = [f"{x:.6g}", f"{y:.4f}"]
        if rng.random() < 0.02:
            cells[rng.integers(2)] = "" if rng.random() < 0.5 else "NA"
        lines.append(f"{i * 0.25},{'on' if i % 3 else 'off'},{cells[0]},{cells[1]}")
    return ("\n".join(lines) + "\n").encode()


def assert_same_table(got: bytes, expected: bytes) -> None:
    """The same layout and text cells, byte for byte; numbers equal within the engine's
    tolerance (a block and the whole signal may take different, equally exact methods)."""
    got_lines, expected_lines = got.decode().splitlines(), expected.decode().splitlines()
    assert len(got_lines) == len(expected_lines)
    for line_got, line_expected in zip(got_lines, expected_lines):
        if line_got == line_expected:
            continue
        for cell_got, cell_expected in zip(line_got.split(","), line_expected.split(","),
                                           strict=True):
            if cell_got != cell_expected:
                assert float(cell_got) == pytest.approx(float(cell_expected), rel=1e-9,
                                                        abs=1e-9), (line_got, line_expected)


def facts(stderr: bytes) -> dict:
    return json.loads(stderr.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("command", [
    ["smooth", "@"],
    ["smooth", "@", "--kernel", "gaussian:sigma=4", "--boundary", "reflect", "--fill-gaps"],
    ["smooth", "@", "--kernel", "box:size=6", "--boundary", "fill", "--nan", "zero",
     "--correlate"],
    ["convolve", "@", "[1,2,1]:normalize=true"],
])
def test_streamed_output_is_the_batch_output(tmp_path, command):
    """A file runs in batch, stdin streams (over a megabyte: several blocks): same bytes."""
    source = tmp_path / "telemetry.csv"
    source.write_bytes(telemetry(60_000))
    expected = run(*[source if a == "@" else a for a in command], "--timings", "json")
    streamed = run(*["-" if a == "@" else a for a in command], "--timings", "json",
                   input=source.read_bytes())
    assert_same_table(streamed.stdout, expected.stdout)
    assert facts(expected.stderr)["path"] == "batch"
    assert facts(streamed.stderr)["path"] == "stream"
    assert facts(streamed.stderr)["rows"] == 60_000


def test_stream_flag_streams_a_file_and_writes_it_whole(tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(telemetry(500))
    result = run("smooth", source, "--stream", "-o", out, "--timings", "json")
    assert facts(result.stderr)["path"] == "stream"
    assert_same_table(out.read_bytes(), run("smooth", source, "-q").stdout)


def test_wrap_needs_the_whole_signal(tmp_path):
    data = telemetry(300)
    expected = run("smooth", "-", "--boundary", "wrap", "--no-stream", "-q", input=data).stdout
    result = run("smooth", "-", "--boundary", "wrap", "--timings", "json", input=data)
    assert result.stdout == expected
    assert facts(result.stderr)["path"] == "batch"
    err = fails("smooth", "-", "--boundary", "wrap", "--stream", input=data)
    assert "'wrap' cannot stream" in err


class Live:
    """`convcli ARGS` with a pipe on each side, read as a user at a terminal would."""

    def __init__(self, *args):
        self.process = subprocess.Popen([convcli_path(), *args, "-q"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = b""

    def write(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def lines_within(self, seconds: float, expected: int) -> list[bytes]:
        """The output lines that have appeared, waiting up to ``seconds`` for ``expected``."""
        deadline = time.monotonic() + seconds
        fd = self.process.stdout.fileno()
        while self.out.count(b"\n") < expected and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.05)[0]:
                self.out += os.read(fd, 1 << 16)
        return self.out.splitlines()

    def close(self) -> tuple[bytes, bytes]:
        rest, err = self.process.communicate(timeout=30)  # closes stdin first
        return self.out + rest, err


@pytest.mark.parametrize("kernel, lag", [("exponential", 0), ("gaussian:sigma=3", 12)])
def test_rows_appear_while_the_input_stays_open(kernel, lag):
    """A causal kernel's rows appear at once, a centred one's after half the kernel."""
    data = telemetry(80, seed=3).splitlines(keepends=True)
    head, first, second = data[:2], data[2:52], data[52:]
    live = Live("smooth", "-", "--kernel", kernel)
    try:
        live.write(b"".join(head + first))
        shown = live.lines_within(LATE, 2 + 50 - lag)
        assert len(shown) == 2 + 50 - lag
        # nothing more appears until more rows come
        assert live.lines_within(0.5, len(shown) + 1) == shown
        live.write(b"".join(second))
        assert len(live.lines_within(LATE, 2 + 80 - lag)) == 2 + 80 - lag
        out, err = live.close()
    finally:
        live.process.kill()
    assert live.process.returncode == 0, err
    assert out == run("smooth", "-", "--kernel", kernel, "--no-stream", "-q",
                      input=b"".join(data)).stdout


def test_columns_changing_mid_stream_is_an_error_naming_the_line(tmp_path):
    lines = telemetry(400).splitlines(keepends=True)
    lines[300] = b"75.0,on,1.5\n"  # line 301: three fields
    data = b"".join(lines)
    err = fails("smooth", "-", input=data)
    assert "line 301 has 3 fields, expected 4" in err
    out = tmp_path / "out.csv"
    err = fails("smooth", "-", "-o", out, input=data)
    assert "line 301" in err
    assert list(tmp_path.iterdir()) == []


def test_rows_already_written_stay_written_when_a_later_row_is_bad():
    live = Live("smooth", "-")
    try:
        good = telemetry(200).splitlines(keepends=True)
        live.write(b"".join(good))
        assert len(live.lines_within(LATE, 202)) == 202
        live.write(b"50.0,on,1.5,2.5,9\n")
        out, err = live.close()
    finally:
        live.process.kill()
    assert live.process.returncode == 2
    assert err.decode() == "convcli: error: stdin: line 203 has 5 fields, expected 4\n"
    assert out.count(b"\n") == 202


def test_text_that_is_not_utf8_passes_through_byte_for_byte():
    """UTF-8 labels, then a Latin-1 one while rows wait for the kernel's look-ahead."""
    rows = [f"{i},{'é' if i < 60 else 'x'},{i % 7}\n".encode() for i in range(120)]
    rows[100] = b"100,caf\xe9,2\n"
    live = Live("smooth", "-", "--kernel", "gaussian:sigma=3")
    try:
        live.write(b"t,label,x\n" + b"".join(rows[:60]))
        assert len(live.lines_within(LATE, 1 + 60 - 12)) == 1 + 60 - 12
        live.write(b"".join(rows[60:]))
        out, err = live.close()
    finally:
        live.process.kill()
    assert out == run("smooth", "-", "--kernel", "gaussian:sigma=3", "--no-stream", "-q",
                      input=b"t,label,x\n" + b"".join(rows)).stdout


def test_a_file_read_whole_into_a_closed_pipe_ends_quietly(tmp_path):
    # polars writes the rows of a large file straight to stdout: `| head` must end it quietly
    source = tmp_path / "in.csv"
    source.write_bytes(telemetry(60_000))
    command = (f"'{convcli_path()}' smooth '{source}' -q | head -c 100 > '{tmp_path / 'h'}';"
               " exit ${PIPESTATUS[0]}")
    result = subprocess.run(command, shell=True, executable="/bin/bash", capture_output=True,
                            timeout=120)
    assert result.returncode == 0 and result.stderr == b""
    assert (tmp_path / "h").read_bytes().startswith(b"# probe 7\ntime,label,x,y\n")
