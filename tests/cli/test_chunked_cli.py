"""Chunked `convcli convolve`: Zarr/.npy/TIFF in, Zarr/.npy out, locally and on a cluster; every
bad input is one clear error with nothing left behind."""

import json
import socket
import sys
import time

import numpy as np
import pytest

pytest.importorskip("dask.array")
zarr = pytest.importorskip("zarr")

import convcli  # noqa: E402
from convcli.cli.jobs import chunked as chunked_job  # noqa: E402
from convcli.cli.jobs.engine_call import EngineOptions  # noqa: E402
from convcli.cli.report import Timings  # noqa: E402
from convcli.errors import ConvcliError  # noqa: E402
from convcli.io import lazy_arrays  # noqa: E402
from convcli.kernels import parse_kernel  # noqa: E402

SAME_REFLECT = EngineOptions("same", "reflect", 0.0, "auto", False, 1, 1)


@pytest.fixture
def image():
    return np.random.default_rng(7).standard_normal((300, 260)).astype(np.float32)


@pytest.fixture
def zarr_in(tmp_path, image):
    path = tmp_path / "in.zarr"
    zarr.create_array(str(path), shape=image.shape, chunks=(64, 64), dtype=image.dtype)[:] = image
    return path


def convolve(source, output, spec="gaussian:sigma=2", options=SAME_REFLECT, *, chunks=None,
             scheduler=None, quiet=True, json_output=False):
    report = Timings("convolve", quiet=quiet, json_output=json_output)
    chunked_job.run(str(source), None if output is None else str(output), spec, options,
                    report, chunks=chunks, scheduler=scheduler)
    report.report()
    return report


def expected(image, spec="gaussian:sigma=2", options=SAME_REFLECT):
    kernel = parse_kernel(spec, ndim=image.ndim)
    fn = convcli.correlate if options.correlate else convcli.convolve
    return fn(image, kernel.values.astype(np.float32), options.mode, boundary=options.boundary,
              fillvalue=options.fillvalue, stride=options.stride, dilation=options.dilation)


def read(path):
    return np.asarray(zarr.open_array(str(path), mode="r")) if str(path).endswith(".zarr") \
        else np.load(path)


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_zarr_to_zarr_keeps_chunks_and_precision(tmp_path, zarr_in, image):
    out = tmp_path / "out.zarr"
    convolve(zarr_in, out, chunks="100,-1")
    got = zarr.open_array(str(out), mode="r")
    assert got.dtype == np.float32 and got.chunks == (100, 260)
    np.testing.assert_allclose(got[:], expected(image), atol=1e-5)
    assert leftovers(tmp_path) == []


def test_npy_and_tiff_inputs_npy_and_zarr_outputs(tmp_path, image):
    tifffile = pytest.importorskip("tifffile")
    np.save(tmp_path / "in.npy", image)
    tifffile.imwrite(tmp_path / "in.tif", image, tile=(64, 64))
    options = EngineOptions("full", "wrap", 0.0, "auto", True, (2, 3), 2)
    for source, out in [("in.npy", "a.npy"), ("in.tif", "b.zarr"), ("in.npy", "c.zarr")]:
        convolve(tmp_path / source, tmp_path / out, "sobel", options, chunks="50")
        np.testing.assert_allclose(read(tmp_path / out), expected(image, "sobel", options),
                                   atol=1e-4)
    assert leftovers(tmp_path) == []


def test_fortran_order_npy(tmp_path, image):
    np.save(tmp_path / "f.npy", np.asfortranarray(image))
    convolve(tmp_path / "f.npy", tmp_path / "out.npy", chunks="70")
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected(image), atol=1e-5)


def test_replaces_an_existing_output_only_on_success(tmp_path, zarr_in, image, monkeypatch):
    out = tmp_path / "out.zarr"
    zarr.create_array(str(out), shape=(2,), dtype="i1")[:] = [1, 2]
    calls = []
    real = lazy_arrays._write_zarr_chunk

    def failing(block, target, block_info=None):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(block, target, block_info)

    monkeypatch.setattr(lazy_arrays, "_write_zarr_chunk", failing)
    with pytest.raises(ConvcliError, match="no space left on device") as info:
        convolve(zarr_in, out, chunks="64")
    assert str(info.value) == f"cannot write {out}: no space left on device"  # not the temp
    np.testing.assert_array_equal(read(out), [1, 2])  # the old output, untouched
    assert leftovers(tmp_path) == []
    monkeypatch.setattr(lazy_arrays, "_write_zarr_chunk", real)
    convolve(zarr_in, out)
    np.testing.assert_allclose(read(out), expected(image), atol=1e-5)
    assert leftovers(tmp_path) == []


def test_timings_json_reports_chunks_and_workers(tmp_path, zarr_in, capsys):
    convolve(zarr_in, tmp_path / "out.zarr", chunks="128", json_output=True)
    facts = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert facts["chunks"] == 9 and facts["chunk_shape"] == [128, 128]
    assert facts["scheduler"] == "threads" and facts["workers"] >= 1
    assert facts["backend"] == "chunked:auto" and "convolve" in facts["stages"]


def test_progress_bar_on_a_terminal(tmp_path, zarr_in, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    convolve(zarr_in, tmp_path / "out.zarr", chunks="64", quiet=False)
    err = capsys.readouterr().err
    assert "chunks" in err and "convcli convolve" in err


def test_default_chunks_follow_disk_and_kernel():
    shape, f4, one = (16384, 16384), np.dtype(np.float32), (1, 1)
    assert chunked_job.default_chunks(shape, f4, (2048, 2048), (31, 31), one) == (1024, 1024)
    assert chunked_job.default_chunks(shape, f4, (256, 256), (31, 31), one) == (1024, 1024)
    assert chunked_job.default_chunks(shape, f4, (64, 64), (201, 201), one) == (1600, 1600)
    assert chunked_job.default_chunks((5000,), f4, (10,), (301,), (1,))[0] == 5000
    strided = chunked_job.default_chunks(shape, f4, (2048, 2048), (31, 31), (3, 1))
    assert strided == (1026, 1024)


@pytest.fixture
def fresh_settings():
    from convcli.settings import settings

    settings.cache_clear()
    yield settings
    settings.cache_clear()


def test_should_chunk(tmp_path, zarr_in, image, monkeypatch, fresh_settings):
    np.save(tmp_path / "small.npy", image)
    assert chunked_job.should_chunk(str(zarr_in))
    assert not chunked_job.should_chunk(str(tmp_path / "small.npy"))
    assert not chunked_job.should_chunk("-")
    monkeypatch.setenv("CONVCLI_MEMORY_BUDGET", "4000")  # a quarter: 1000 bytes
    fresh_settings.cache_clear()
    assert chunked_job.should_chunk(str(tmp_path / "small.npy"))
    monkeypatch.setenv("CONVCLI_MEMORY_BUDGET", "lots")
    fresh_settings.cache_clear()
    with pytest.raises(ConvcliError, match="CONVCLI_MEMORY_BUDGET"):
        chunked_job.should_chunk(str(tmp_path / "small.npy"))


def test_on_a_local_cluster(tmp_path, zarr_in, image, monkeypatch, capsys):
    distributed = pytest.importorskip("distributed")
    tifffile = pytest.importorskip("tifffile")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  protocol="tcp", dashboard_address=None) as cluster:
        convolve(zarr_in, tmp_path / "out.zarr", chunks="100", json_output=True,
                 scheduler=cluster.scheduler_address)
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
        convolve(zarr_in, tmp_path / "out.npy", chunks="100", quiet=False)
        tifffile.imwrite(tmp_path / "in.tif", image, tile=(64, 64))  # its reader must pickle
        convolve(tmp_path / "in.tif", tmp_path / "tif.zarr", chunks="100")
    facts = json.loads(capsys.readouterr().err.strip().splitlines()[0])
    assert facts["workers"] == 2 and facts["scheduler"] == cluster.scheduler_address
    for out in ("out.zarr", "out.npy", "tif.zarr"):
        np.testing.assert_allclose(read(tmp_path / out), expected(image), atol=1e-5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def error_of(tmp_path, *args, **kwargs) -> str:
    """The one-line message of the ConvcliError the run raises; nothing may be left behind."""
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ConvcliError) as info:
        convolve(*args, **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    message = str(info.value)
    assert "\n" not in message
    return message


def test_bad_inputs(tmp_path, zarr_in):
    out = tmp_path / "out.zarr"
    zarr.open_group(str(tmp_path / "group.zarr"), mode="w").create_array(
        "a", shape=(4,), dtype="f4")
    assert "Zarr group, not an array" in error_of(tmp_path, tmp_path / "group.zarr", out)
    (tmp_path / "empty.zarr").mkdir()
    assert "not a Zarr array" in error_of(tmp_path, tmp_path / "empty.zarr", out)
    assert "no such file" in error_of(tmp_path, tmp_path / "missing.zarr", out)
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    assert "not a .npy array" in error_of(tmp_path, tmp_path / "junk.npy", out)


def test_bad_chunks(tmp_path, zarr_in):
    out = tmp_path / "out.zarr"
    assert "3 sizes" in error_of(tmp_path, zarr_in, out, chunks="10,10,10")
    assert "integers" in error_of(tmp_path, zarr_in, out, chunks="big")
    assert "positive" in error_of(tmp_path, zarr_in, out, chunks="0,10")


def test_kernel_with_more_dimensions_than_the_array(tmp_path):
    path = tmp_path / "line.zarr"
    zarr.create_array(str(path), shape=(50,), dtype="f4")[:] = np.arange(50)
    message = error_of(tmp_path, path, tmp_path / "out.zarr", "[1,2;3,4]")
    assert "2-D" in message and "1-D" in message


def test_bad_outputs(tmp_path, zarr_in):
    assert "-o OUT.zarr" in error_of(tmp_path, zarr_in, None)
    assert ".zarr directory or a .npy" in error_of(tmp_path, zarr_in, tmp_path / "out.png")
    assert "is the input" in error_of(tmp_path, zarr_in, zarr_in)
    assert "does not exist" in error_of(tmp_path, zarr_in, tmp_path / "no" / "out.zarr")
    (tmp_path / "mine.zarr").mkdir()
    (tmp_path / "mine.zarr" / "notes.txt").write_text("precious")
    assert "not a Zarr store" in error_of(tmp_path, zarr_in, tmp_path / "mine.zarr")


def test_unreachable_scheduler_fails_fast(tmp_path, zarr_in):
    begin = time.perf_counter()
    address = f"tcp://127.0.0.1:{_free_port()}"
    message = error_of(tmp_path, zarr_in, tmp_path / "out.zarr", scheduler=address)
    assert f"cannot reach the Dask scheduler at {address}" in message
    assert time.perf_counter() - begin < 10
    assert "scheduler address" in error_of(tmp_path, zarr_in, tmp_path / "o.zarr",
                                           scheduler="nonsense")


def test_missing_extra_is_one_line(tmp_path, zarr_in, monkeypatch):
    monkeypatch.setitem(sys.modules, "zarr", None)
    message = error_of(tmp_path, zarr_in, tmp_path / "out.zarr")
    assert message.endswith("needs the scale extra: pip install 'convcli[scale]'")
    monkeypatch.delitem(sys.modules, "zarr")
    monkeypatch.setitem(sys.modules, "distributed", None)
    message = error_of(tmp_path, zarr_in, tmp_path / "out.zarr", scheduler="tcp://h:1")
    assert message == "--scheduler needs the scale extra: pip install 'convcli[scale]'"


def _cli(*args, cwd=None):
    import subprocess

    return subprocess.run([sys.executable, "-m", "convcli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def wired():
    if "--scheduler" not in _cli("convolve", "--help").stdout:
        pytest.skip("`convcli convolve` has no --chunks/--scheduler yet")


def test_command_line(tmp_path, zarr_in, image, wired):
    done = _cli("convolve", zarr_in, "gaussian:sigma=2", "-o", tmp_path / "out.zarr",
                "--boundary", "reflect", "--chunks", "100", "--timings", "json")
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stderr.strip().splitlines()[-1])
    assert facts["chunks"] == 9 and facts["workers"] >= 1
    np.testing.assert_allclose(read(tmp_path / "out.zarr"), expected(image), atol=1e-5)
    zarr.open_group(str(tmp_path / "group.zarr"), mode="w")
    unreachable = f"tcp://127.0.0.1:{_free_port()}"
    for args in [("group.zarr", "box"), ("in.zarr", "box", "--chunks", "1,2,3"),
                 ("in.zarr", "box", "--scheduler", unreachable),
                 ("in.zarr", "[[[1,2],[3,4]],[[1,2],[3,4]]]")]:
        done = _cli("convolve", *args, "-o", "o.zarr", cwd=tmp_path)
        assert done.returncode != 0
        assert done.stderr.startswith("convcli: error: ") and done.stderr.count("\n") == 1, \
            done.stderr
        assert not (tmp_path / "o.zarr").exists() and leftovers(tmp_path) == []
