"""Chunked benchmark: a float32 Zarr array convolved chunk by chunk, convcli against dask-image.

A size² float32 Zarr array (16384²: 1 GiB, in 2048² chunks) is convolved with a 31×31 Gaussian
and with a 7×7 non-separable kernel, "same" size, reflect boundary, read from Zarr and written
to Zarr on Dask's threaded scheduler. Each run is its own child process, timed by wall clock
(interpreter start included), its peak RSS from the child's rusage. convcli runs the CLI's
chunked job (``convcli.cli.jobs.chunked.run``) with its default chunks; dask-image runs
``dask_image.ndfilters.convolve`` on the same chunks. The two outputs are checked equal.
Targets: peak RSS ≤ 700 MB at 16384²; ≥ 10× dask-image's speed on the Gaussian, ≥ 1× on the
7×7.

    python benchmarks/chunked.py                         # 16384², 3 runs each
    python benchmarks/chunked.py --size 4096 --repeat 3  # a quick run

dask-image is not a dependency of convcli: ``pip install dask-image`` for this script.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CASES = {  # name → kernel spec (a path is filled in for the 7×7)
    "gaussian 31×31": "gaussian:sigma=5,radius=15",
    "random 7×7": "kernel7.npy",
}
TOOLS = ("convcli", "dask-image")


def make_input(path: Path, size: int, chunk: int) -> None:
    """A size² float32 Zarr array of Gaussian noise, written one band of chunks at a time."""
    import zarr

    array = zarr.create_array(str(path), shape=(size, size), chunks=(chunk, chunk),
                              dtype="float32")
    rng = np.random.default_rng(0)
    for start in range(0, size, chunk):
        rows = min(chunk, size - start)
        array[start:start + rows] = rng.standard_normal((rows, size), dtype=np.float32)


def work_chunks(source: Path, spec: str) -> str:
    """The chunks convcli chooses by default for this input and kernel, as --chunks text."""
    import zarr

    from convcli.cli.jobs.chunked import default_chunks
    from convcli.kernels import parse_kernel

    array = zarr.open_array(str(source), mode="r")
    kernel = parse_kernel(spec, ndim=2)
    chunks = default_chunks(array.shape, array.dtype, array.chunks, kernel.shape, (1, 1))
    return ",".join(map(str, chunks))


def child(tool: str, source: str, spec: str, output: str, chunks: str) -> None:
    """One run, in this (child) process."""
    if tool == "convcli":
        from convcli.cli.jobs import chunked as chunked_job
        from convcli.cli.jobs.engine_call import EngineOptions
        from convcli.cli.report import Timings

        options = EngineOptions("same", "reflect", 0.0, "auto", False, 1, 1)
        chunked_job.run(source, output, spec, options, Timings("convolve", quiet=True),
                        chunks=chunks, scheduler=None)
        return
    import dask
    import dask.array as da
    from dask_image.ndfilters import convolve

    from convcli.kernels import parse_kernel

    weights = parse_kernel(spec, ndim=2).values.astype(np.float32)
    image = da.from_zarr(source).rechunk(tuple(int(c) for c in chunks.split(",")))
    result = convolve(image, weights, mode="reflect")
    with dask.config.set(scheduler="threads"):
        result.to_zarr(output, overwrite=True)


def timed_run(tool: str, source: Path, spec: str, output: Path, chunks: str
              ) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child run."""
    shutil.rmtree(output, ignore_errors=True)
    begin = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--child", tool, str(source), spec,
                                str(output), chunks])
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - begin
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{tool} failed on {spec} (exit {process.returncode})")
    return seconds, usage.ru_maxrss / 1024  # kB on Linux


def max_difference(a: Path, b: Path) -> float:
    import dask.array as da

    return float(abs(da.from_zarr(str(a)) - da.from_zarr(str(b))).max().compute())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=16384, help="side of the square input")
    parser.add_argument("--chunk", type=int, default=2048, help="side of the Zarr chunks")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and kernel")
    parser.add_argument("--workdir", default=None, help="where the arrays go (default: a "
                        "temporary directory, removed at the end)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    work = Path(args.workdir or tempfile.mkdtemp(prefix="convcli-chunked-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = work / "input.zarr"
        if not source.exists():
            make_input(source, args.size, args.chunk)
        kernel7 = np.random.default_rng(7).standard_normal((7, 7))
        np.save(work / "kernel7.npy", kernel7)
        nbytes = args.size * args.size * 4
        print(f"input: {args.size}² float32 ({nbytes / 2**20:.0f} MiB) in {args.chunk}² Zarr "
              f"chunks; {os.cpu_count()} cores; median of {args.repeat}\n")
        print("| kernel | chunks | tool | median time (s) | peak RSS (MB) | dask-image / convcli |")
        print("|---|---|---|---:|---:|---:|")
        for name, spec in CASES.items():
            spec = str(work / spec) if spec.endswith(".npy") else spec
            chunks = work_chunks(source, spec)
            results = {}
            for tool in TOOLS:
                output = work / f"{tool}.zarr"
                runs = [timed_run(tool, source, spec, output, chunks)
                        for _ in range(args.repeat)]
                results[tool] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
            for tool in TOOLS:
                seconds, rss = results[tool]
                ratio = results["dask-image"][0] / results["convcli"][0]
                print(f"| {name} | {chunks.replace(',', '×')} | {tool} | {seconds:.2f} | "
                      f"{rss:.0f} | {f'{ratio:.1f}×' if tool == 'convcli' else ''} |", flush=True)
            difference = max_difference(work / "convcli.zarr", work / "dask-image.zarr")
            print(f"<!-- {name}: max |convcli − dask-image| = {difference:.2e} -->", flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
