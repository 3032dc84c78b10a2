"""Issue 11, through the installed command: nothing lost at the file boundary (inputs, devices,
links), faults and absurd sizes answered in one line. One test per numbered case.

No test writes to a device node: FIFOs and symlinks made here stand in for them."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.cli.conftest import convcli_path, fails, run

CSV = "t,x\n" + "".join(f"{i},{np.sin(i / 5):.6f}\n" for i in range(200))


@pytest.fixture
def signal_csv(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(CSV)
    return path


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def one_line(err: bytes) -> str:
    text = err.decode()
    assert text.startswith("convcli: error: ") and text.count("\n") == 1, text
    assert "Traceback" not in text and "Warning" not in text
    return text


# 1 ----------------------------------------------------------------------------------------
def test_1_zarr_group_output_never_contains_or_sits_inside_the_input(tmp_path):
    zarr = pytest.importorskip("zarr")
    group = zarr.open_group(str(tmp_path / "grp.zarr"), mode="w")
    group.create_array("raw", shape=(64, 64), dtype="f4")[:] = 1.0
    group.create_array("sibling", shape=(4,), dtype="f4")[:] = 2.0
    for out in ("grp.zarr", "grp.zarr/inner.zarr", "grp.zarr/raw"):
        err = fails("convolve", "grp.zarr/raw", "box:size=3", "-o", out, cwd=tmp_path)
        assert "input" in err, err
    group = zarr.open_group(str(tmp_path / "grp.zarr"), mode="r")
    assert sorted(group.array_keys()) == ["raw", "sibling"]
    assert np.all(np.asarray(group["raw"]) == 1.0)
    assert not (tmp_path / "grp.zarr" / "inner.zarr").exists()
    run("convolve", "grp.zarr/raw", "box:size=3", "-o", "other.zarr", cwd=tmp_path)


# 2 ----------------------------------------------------------------------------------------
def test_2_fifo_fd_and_symlink_outputs_are_written_not_replaced(tmp_path, signal_csv):
    expected = run("smooth", signal_csv, "-q").stdout
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    run("smooth", signal_csv, "-q", "-o", fifo)
    reader.join(10)
    assert got == [expected] and fifo.is_fifo()

    to_stdout = tmp_path / "stdout.csv"
    to_stdout.symlink_to("/proc/self/fd/1")
    assert run("smooth", signal_csv, "-q", "-o", to_stdout).stdout == expected
    assert to_stdout.is_symlink() and os.readlink(to_stdout) == "/proc/self/fd/1"

    elsewhere = tmp_path / "real"
    elsewhere.mkdir()
    (elsewhere / "target.csv").write_text("old\n")
    (tmp_path / "link.csv").symlink_to(elsewhere / "target.csv")
    run("smooth", signal_csv, "-q", "-o", tmp_path / "link.csv")
    assert (tmp_path / "link.csv").is_symlink()
    assert (elsewhere / "target.csv").read_bytes() == expected
    assert hidden(tmp_path) == [] and hidden(elsewhere) == []


# 3 ----------------------------------------------------------------------------------------
def test_3_inputs_are_never_overwritten_through_stdin_or_the_kernel(tmp_path, signal_csv):
    from PIL import Image

    png = tmp_path / "a.png"
    Image.fromarray(np.arange(64 * 64, dtype=np.uint8).reshape(64, 64)).save(png)
    kernel = tmp_path / "k.csv"
    kernel.write_text("1,2,1\n")
    before = {p: p.read_bytes() for p in (signal_csv, png, kernel)}
    cases = [
        (signal_csv, ("smooth", "-", "-o", signal_csv)),  # streams
        (signal_csv, ("smooth", "-", "--no-stream", "-o", signal_csv)),
        (png, ("filter", "-", "-k", "box:size=3", "-o", png)),
        (None, ("smooth", signal_csv, "-k", kernel, "-o", kernel)),
        (None, ("convolve", signal_csv, kernel, "-o", kernel)),
    ]
    for stdin, args in cases:
        with open(stdin or os.devnull, "rb") as f:
            result = subprocess.run([convcli_path(), *map(str, args)], stdin=f,
                                    capture_output=True, timeout=60)
        assert result.returncode == 2, (args, result.stderr)
        assert "refusing to overwrite" in one_line(result.stderr)
    assert {p: p.read_bytes() for p in before} == before


# 4 ----------------------------------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_4_full_disk_with_chunked_npy_output_is_one_line(tmp_path, tiny_disk):
    pytest.importorskip("dask.array")
    np.save(tmp_path / "in.npy", np.ones((1024, 1024), dtype=np.float32))  # 4 MiB > 1 MiB
    out = tiny_disk / "out.npy"
    result = run("convolve", tmp_path / "in.npy", "box:size=3", "--chunks", "256", "-o", out,
                 check=False)
    assert result.returncode == 2, result
    err = one_line(result.stderr)
    assert "no space left on device" in err.lower() and str(out) in err
    assert ".part" not in err
    assert list(tiny_disk.iterdir()) == []


# 5 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_5_sigterm_and_sighup_clean_up_like_sigint(tmp_path, signum):
    out = tmp_path / "out.csv"
    proc = subprocess.Popen([convcli_path(), "smooth", "-", "-o", str(out), "-q"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"x\n1\n2\n3\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while not hidden(tmp_path) and time.monotonic() < deadline:  # the temp file exists
        time.sleep(0.05)
    assert hidden(tmp_path), "the streaming run never started"
    proc.send_signal(signum)
    err = proc.communicate(timeout=30)[1]
    assert proc.returncode == 128 + signum
    assert err.decode().startswith("convcli: error: ") and err.count(b"\n") == 1
    assert hidden(tmp_path) == [] and not out.exists()


def test_5_a_rerun_removes_what_kill_9_left_and_long_names_work(tmp_path, signal_csv):
    out = tmp_path / "out.csv"
    proc = subprocess.Popen([convcli_path(), "smooth", "-", "-o", str(out), "-q"],
                            stdin=subprocess.PIPE)
    proc.stdin.write(b"x\n1\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while not hidden(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    (left,) = hidden(tmp_path)
    ours_not = tmp_path / ".out.csv.notes.part"  # not our name: kept
    ours_not.write_text("keep")
    old = time.time() - 3600
    for name in (left, ours_not.name):
        os.utime(tmp_path / name, (old, old))
    run("smooth", signal_csv, "-q", "-o", out)
    assert hidden(tmp_path) == [ours_not.name]
    long_name = tmp_path / ("n" * 240 + ".csv")  # 244 characters
    run("smooth", signal_csv, "-q", "-o", long_name)
    assert long_name.read_text().startswith("t,x")


# 6 ----------------------------------------------------------------------------------------
def _server(reply: bytes) -> tuple[socket.socket, str]:
    """A TCP server that accepts and sends ``reply`` (maybe nothing), then stays silent."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    return listener, f"tcp://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def zarr_input(tmp_path):
    zarr = pytest.importorskip("zarr")
    pytest.importorskip("distributed")
    path = tmp_path / "in.zarr"
    zarr.create_array(str(path), shape=(256, 256), chunks=(64, 64), dtype="f4")[:] = 1.0
    return path


def _timed_failure(*args, cwd=None, within=20.0) -> str:
    begin = time.monotonic()
    result = run(*args, check=False, cwd=cwd)
    assert time.monotonic() - begin < within
    assert result.returncode == 2, result
    return one_line(result.stderr)


def test_6_schedulers_that_hang_refuse_or_are_malformed_end_in_seconds(tmp_path, zarr_input):
    out = tmp_path / "out.zarr"
    for reply in (b"", (1 << 30).to_bytes(8, "little")):  # silent; a 1 GB length prefix
        listener, address = _server(reply)
        try:
            err = _timed_failure("convolve", zarr_input, "box", "-o", out,
                                 "--scheduler", address)
        finally:
            listener.close()
        assert "handshake" in err, err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    assert "refused" in _timed_failure("convolve", zarr_input, "box", "-o", out,
                                       "--scheduler", refused, within=10)
    assert "65535" in _timed_failure("convolve", zarr_input, "box", "-o", out,
                                     "--scheduler", "tcp://host:99999", within=10)
    assert hidden(tmp_path) == [] and not out.exists()


def test_6_tiny_chunks_are_refused_at_once(tmp_path):
    pytest.importorskip("dask.array")
    np.save(tmp_path / "in.npy", np.zeros((1024, 1024)))
    err = _timed_failure("convolve", tmp_path / "in.npy", "box", "--chunks", "1", "-o",
                         tmp_path / "out.npy", within=15)
    assert "1,048,576 chunks" in err


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and one worker, as separate processes that a test may kill."""
    pytest.importorskip("distributed")
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("the dask command is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port",
                                  str(port), "--no-dashboard"], **quiet)
    worker = subprocess.Popen([str(dask), "worker", address, "--nthreads", "1",
                               "--no-dashboard", "--no-nanny"], **quiet)
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(1, timeout=60)
    yield address, scheduler, worker
    for proc in (worker, scheduler):
        proc.kill()
        proc.wait()


def _run_and_kill(tmp_path, address, victim) -> str:
    zarr = pytest.importorskip("zarr")
    path = tmp_path / "slow.zarr"
    zarr.create_array(str(path), shape=(1024, 1024), chunks=(128, 128), dtype="f4")[:] = 1.0
    proc = subprocess.Popen([convcli_path(), "convolve", str(path), "box:size=61",
                             "--backend", "direct", "--chunks", "128", "-o",
                             str(tmp_path / "out.npy"), "--scheduler", address, "-q"],
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(n.endswith(".part") for n in hidden(tmp_path)):  # chunks being written
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(0.5)
    victim.kill()
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 2, err
    assert not (tmp_path / "out.npy").exists() and hidden(tmp_path) == []
    return one_line(err)


def test_6_every_worker_gone_mid_job_is_one_line(tmp_path, cluster):
    address, _, worker = cluster
    assert "worker" in _run_and_kill(tmp_path, address, worker)


# 7 ----------------------------------------------------------------------------------------
def _budget(nbytes: int) -> dict:
    return {**os.environ, "CONVCLI_MEMORY_BUDGET": str(nbytes)}


def test_7_endless_inputs_and_lying_headers_are_refused_before_allocating(tmp_path):
    fifo = tmp_path / "zeros.csv"
    os.mkfifo(fifo)

    def endless():  # a generator we control, standing in for /dev/urandom
        with suppress_broken_pipe(), open(fifo, "wb") as f:
            while True:
                f.write(b"1" * 65536)

    threading.Thread(target=endless, daemon=True).start()
    result = subprocess.run([convcli_path(), "smooth", str(fifo), "--no-stream", "-q"],
                            capture_output=True, timeout=60, env=_budget(8 << 20))
    assert result.returncode == 2 and "memory budget" in one_line(result.stderr)
    result = subprocess.run([convcli_path(), "smooth", "-", "--no-stream", "-q"],
                            stdin=open("/dev/zero", "rb"), capture_output=True, timeout=60,
                            env=_budget(8 << 20))
    assert result.returncode == 2 and "memory budget" in one_line(result.stderr)

    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
    liar = tmp_path / "liar.npy"
    liar.write_bytes(b"\x93NUMPY\x01\x00" + len(header.ljust(117) + "\n").to_bytes(2, "little")
                     + (header.ljust(117) + "\n").encode() + bytes(880))
    assert liar.stat().st_size < 1100
    err = fails("convolve", liar, "box:size=3", "-o", tmp_path / "out.npy")
    assert "8,000,000,000,000 bytes" in err and "truncated" in err


def suppress_broken_pipe():
    from contextlib import suppress

    return suppress(BrokenPipeError, OSError)


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares an RGB width × height image (its pixel data cut short)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(1000))) + chunk(b"IEND", b""))


def test_7_an_image_under_the_bomb_limit_but_over_the_budget(tmp_path):
    png = tmp_path / "big.png"
    png.write_bytes(_png_header(9400, 9400))  # 88.4 Mpx, under PIL's 89.5 Mpx guard: 3.4 GB
    result = subprocess.run([convcli_path(), "filter", str(png), "-k", "box:size=3", "-o",
                             str(tmp_path / "out.png")], capture_output=True, timeout=60,
                            env=_budget(1 << 30))
    assert result.returncode == 2
    err = one_line(result.stderr)
    assert "9400×9400" in err and "GiB" in err and "memory budget" in err


# 8 ----------------------------------------------------------------------------------------
def test_8_absurd_specs_and_options_are_one_line(tmp_path, signal_csv):
    digits = "1" * 5000
    (tmp_path / "deep.json").write_text("[" * 5000 + "1" + "]" * 5000)
    (tmp_path / "long.json").write_text(f"[1, {digits}]")
    for kernel in ("[" * 5000 + "1" + "]" * 5000, tmp_path / "deep.json",
                   f"[1,{digits}]", tmp_path / "long.json", f"box:size={digits}"):
        err = fails("smooth", signal_csv, "-k", kernel, "-o", tmp_path / "o.csv")
        assert len(err) < 300, err
    result = run("smooth", signal_csv, "--dilation", "99999999999999999999", check=False)
    assert result.returncode == 2 and result.stderr.startswith(b"convcli: error: --dilation")
    assert b"Traceback" not in result.stderr  # a usage error: its line and a "Try" line
    result = subprocess.run(f"'{convcli_path()}' smooth '{signal_csv}' -q >&-", shell=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 2 and "standard output is closed" in one_line(result.stderr)


def test_8_a_scheduler_killed_mid_job_is_one_line(tmp_path, cluster):
    address, scheduler, _ = cluster
    assert "scheduler" in _run_and_kill(tmp_path, address, scheduler).lower()


# 10 ---------------------------------------------------------------------------------------
def test_10_messages(tmp_path, signal_csv):
    from PIL import Image

    assert "not found" not in fails("smooth", signal_csv, "-k", "/dev/zero")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "a.png")
    assert "--bias" in fails("filter", tmp_path / "a.png", "-k", "box", "--bias", "nan",
                             "-o", tmp_path / "b.png")
    assert "overflow" in fails("smooth", signal_csv, "-k", "box:size=3,scale=1e308")
    (tmp_path / "huge.csv").write_text("x\n1e300\n1e308\n-1e308\n")
    result = run("smooth", tmp_path / "huge.csv", "-k", "[1e10,1e10,1e10]", "-q")
    assert result.stderr == b""  # overflow gives inf, and no RuntimeWarning lines
    np.save(tmp_path / "v.npy", np.zeros(1 << 20))
    command = (f"'{convcli_path()}' convolve '{tmp_path / 'v.npy'}' box:size=3 -q"
               f" | head -c 100 > '{tmp_path / 'head.out'}'; exit ${{PIPESTATUS[0]}}")
    result = subprocess.run(command, shell=True, executable="/bin/bash", capture_output=True,
                            timeout=60)
    assert result.returncode == 0 and result.stderr == b""
