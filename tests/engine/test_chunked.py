"""A Dask array in gives a lazy Dask array out, equal to the in-memory engine's answer."""

import subprocess
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

import convcli  # noqa: E402
from convcli.engine import run  # noqa: E402
from tests.engine.conftest import assert_close, random_array  # noqa: E402

MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "reflect", "mirror", "nearest", "wrap"]


def check(x, k, mode, chunks, *, flip=True, **options):
    """Chunked == in memory, lazily."""
    fn = convcli.convolve if flip else convcli.correlate
    expected = fn(x, k, mode, **options)
    lazy = fn(da.from_array(x, chunks=chunks), k, mode, **options)
    assert isinstance(lazy, da.Array)
    assert lazy.dtype == expected.dtype
    got = lazy.compute(scheduler="sync")
    assert got.dtype == expected.dtype
    assert_close(got, expected, expected.dtype)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("stride", [1, 2, (3, 1)])
@pytest.mark.parametrize("dilation", [1, (2, 3)])
def test_2d_grid(mode, boundary, stride, dilation, rng):
    x = rng.standard_normal((23, 19))
    k = rng.standard_normal((4, 3))
    # Chunks smaller than the kernel, middling, and one chunk.
    for chunks, flip in [((2, 3), True), ((7, 5), False), (40, True)]:
        check(x, k, mode, chunks, flip=flip, boundary=boundary, fillvalue=1.5, stride=stride,
              dilation=dilation)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("origin", [0, 2, 4])
def test_1d_origin_and_stride(boundary, origin, rng):
    x = rng.standard_normal(50)
    k = rng.standard_normal(5)
    for stride, chunks in [(1, 6), (3, 4), (4, 11)]:
        check(x, k, "same", chunks, boundary=boundary, origin=origin, stride=stride)
        check(x, k, "same", chunks, flip=False, boundary=boundary, origin=origin, stride=stride,
              dilation=2)


def test_3d_with_origin_stride_dilation(rng):
    x = rng.standard_normal((12, 10, 9))
    k = rng.standard_normal((3, 2, 4))
    check(x, k, "same", (5, 4, 3), boundary="wrap", origin=(2, 0, 1), stride=(2, 1, 3),
          dilation=(1, 2, 1))
    check(x, k, "full", 4, boundary="mirror", stride=2)
    check(x, k, "valid", (6, 3, 9), dilation=(2, 1, 1))


def test_axes_and_per_slice_kernels(rng):
    x = rng.standard_normal((11, 12, 5))
    check(x, rng.standard_normal((3, 4)), "same", (4, 5, 2), axes=(0, 1), boundary="reflect",
          stride=(1, 2))
    check(x, rng.standard_normal(6), "full", 3, axes=1, boundary="nearest", dilation=2)
    # A kernel that differs along a broadcast axis: each chunk takes its own slices.
    check(x, rng.standard_normal((11, 3, 1)), "same", (4, 5, 5), axes=1, boundary="wrap")
    # An input of size 1 on a broadcast axis where the kernel is larger.
    check(x[:1], rng.standard_normal((4, 3, 2)), "same", 3, axes=(1, 2), boundary="mirror")


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32", "complex128"])
def test_dtypes(dtype, rng):
    x = random_array(rng, (30, 21), dtype)
    k = random_array(rng, (3, 3), dtype)
    check(x, k, "same", 8, boundary="nearest", fillvalue=3)
    check(x, k, "full", 5, flip=False, boundary="fill", fillvalue=3, stride=2)


def test_kernel_larger_than_input(rng):
    # 'valid' swaps the operands as scipy does; 'same' pads wider than the input.
    check(rng.standard_normal((3, 4)), rng.standard_normal((6, 7)), "valid", 2)
    check(rng.standard_normal((3, 4)), rng.standard_normal((6, 7)), "valid", 2, flip=False)
    check(rng.standard_normal(3), rng.standard_normal(8), "same", 1, boundary="reflect")
    check(rng.standard_normal(2), rng.standard_normal(9), "full", 1, boundary="wrap", stride=2)


def test_random_cases_against_memory(rng):
    for _ in range(40):
        nd = int(rng.integers(1, 4))
        xs = tuple(int(v) for v in rng.integers(1, 14, nd))
        ks = tuple(int(v) for v in rng.integers(1, 5, nd))
        chunks = tuple(int(v) for v in rng.integers(1, 8, nd))
        mode = str(rng.choice(["full", "same"]))
        check(rng.standard_normal(xs), rng.standard_normal(ks), mode, chunks,
              flip=bool(rng.integers(2)), boundary=str(rng.choice(BOUNDARIES)),
              stride=int(rng.integers(1, 4)), dilation=int(rng.integers(1, 3)))


def test_lazy_and_reported():
    def explode(block):
        raise AssertionError("computed too early")

    x = da.zeros((40, 40), chunks=10).map_blocks(explode, dtype=float)
    outcome = run(x, np.ones((3, 3)), "same", flip=True, boundary="reflect")
    assert isinstance(outcome.values, da.Array) and outcome.method == "chunked:auto"
    assert outcome.values.chunks == ((10,) * 4, (10,) * 4)


def test_same_mode_keeps_the_chunks_and_two_calls_share_a_graph(rng):
    x = rng.standard_normal((50, 40))
    lazy = da.from_array(x, chunks=(20, 15))
    first = convcli.convolve(lazy, np.ones((5, 3)), "same", boundary="reflect")
    second = convcli.convolve(lazy, np.ones((5, 3)) * 2, "same", boundary="reflect")
    assert first.chunks == lazy.chunks and first.name != second.name
    got = da.stack([first, second]).compute()
    assert_close(got[1], 2 * convcli.convolve(x, np.ones((5, 3)), "same", boundary="reflect"))


def test_errors_are_eager():
    x = da.zeros((10, 10), chunks=5)
    with pytest.raises(ValueError, match="more than the input"):
        convcli.convolve(x, np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="unknown boundary"):
        convcli.convolve(x, np.ones(3), boundary="bogus", axes=0)
    with pytest.raises(ValueError, match="backend"):
        convcli.convolve(x, np.ones((2, 2)), backend="bogus")


def test_each_chunk_runs_through_the_engine(rng, monkeypatch):
    """Every chunk is one engine call, so auto and separability apply per chunk."""
    import dask

    import convcli.engine as engine

    real, methods = engine.run, []

    def spy(*args, **kwargs):
        outcome = real(*args, **kwargs)
        methods.append(outcome.method)
        return outcome

    g = np.exp(-0.5 * (np.arange(-7, 8) / 2.0) ** 2).astype(np.float32)
    x = rng.standard_normal((64, 64)).astype(np.float32)
    lazy = convcli.convolve(da.from_array(x, chunks=32), np.outer(g, g), "same")
    monkeypatch.setattr(engine, "run", spy)
    with dask.config.set(scheduler="sync"):
        lazy.compute()
    # Rank 1 found per chunk: the direct backend's 1-D passes, or ndimage's (once imported).
    assert len(methods) == 4, methods
    assert all("separable" in m or "correlate1d" in m for m in methods), methods


def test_import_convcli_does_not_import_dask():
    code = ("import sys, numpy as np, convcli; convcli.convolve(np.ones(5), np.ones(2)); "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'zarr')]")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_on_a_local_cluster(rng):
    distributed = pytest.importorskip("distributed")
    x = rng.standard_normal((60, 50)).astype(np.float32)
    k = rng.standard_normal((5, 4)).astype(np.float32)
    lazy = convcli.correlate(da.from_array(x, chunks=16), k, "same", boundary="mirror",
                             stride=(2, 1))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        got = client.compute(lazy).result(timeout=30)
    assert_close(got, convcli.correlate(x, k, "same", boundary="mirror", stride=(2, 1)),
                 np.float32)
