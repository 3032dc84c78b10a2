"""Streaming benchmark: a t,x,y,z stream from a generator process through `convcli smooth -`.

The generator (this script with --generate) writes ``--rows`` rows of a noisy random walk to a
pipe; `convcli smooth -` (the causal exponential, streaming) writes to /dev/null. Reported:
throughput of the whole pipeline, and the peak RSS of the convcli process (its rusage, from
wait4). Miller's `step -a ewma` runs on the same stream when `mlr` is installed
(apt-get install miller), and the generator alone shows it is not the bottleneck.
Targets (issue 6): peak RSS under 200 MB, throughput at least Miller's.

    python benchmarks/stream.py [--rows 10000000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CONVCLI = str(Path(sys.executable).parent / "convcli")
BLOCK_ROWS = 100_000
POOL_ROWS = 200_000
MAX_RSS_MB = 200


def generate(rows: int) -> None:
    """Write the t,x,y,z stream to stdout: a noisy random walk, 6 decimals. The x,y,z cells
    repeat from a precomputed pool, so that the generator is much faster than its readers."""
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.standard_normal((POOL_ROWS, 3)), axis=0)
    noisy = walk + rng.standard_normal((POOL_ROWS, 3)) * 0.5
    pool = list(map(",".join, zip(*[[f"{v:.6f}" for v in column]
                                    for column in noisy.T.tolist()])))
    out = sys.stdout.buffer
    out.write(b"t,x,y,z\n")
    for start in range(0, rows, BLOCK_ROWS):
        count = min(BLOCK_ROWS, rows - start)
        at = start % POOL_ROWS
        lines = zip(map(str, range(start, start + count)), pool[at: at + count])
        out.write(("\n".join(map(",".join, lines)) + "\n").encode())
    out.flush()


def pipeline(rows: int, command: list[str] | None) -> tuple[float, float | None]:
    """Seconds of generator | command > /dev/null, and the command's peak RSS in MB."""
    begin = time.perf_counter()
    source = subprocess.Popen([sys.executable, __file__, "--generate", str(rows)],
                              stdout=subprocess.PIPE)
    if command is None:
        subprocess.run(["cat"], stdin=source.stdout, stdout=subprocess.DEVNULL, check=True)
        source.stdout.close()
        source.wait()
        return time.perf_counter() - begin, None
    sink = subprocess.Popen(command, stdin=source.stdout, stdout=subprocess.DEVNULL)
    source.stdout.close()  # the sink holds the pipe now
    _, status, usage = os.wait4(sink.pid, 0)
    seconds = time.perf_counter() - begin
    source.wait()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return seconds, usage.ru_maxrss / 1024  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=1e7)
    parser.add_argument("--generate", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate is not None:
        generate(int(args.generate))
        return
    rows = int(args.rows)
    runs = {"generator alone": None,
            "convcli smooth -": [CONVCLI, "smooth", "-", "-q"]}
    if shutil.which("mlr"):
        runs["mlr step -a ewma"] = ["mlr", "--icsv", "--ocsv", "step", "-a", "ewma",
                                    "-d", "0.1", "-f", "x,y,z"]
    else:
        print("mlr is not installed (apt-get install miller): no Miller comparison")
    print(f"{rows:,} rows of t,x,y,z through a pipe\n")
    print(f"{'':18} {'seconds':>8} {'rows/s':>12} {'peak RSS':>10}")
    rates = {}
    for name, command in runs.items():
        seconds, rss = pipeline(rows, command)
        rates[name] = rows / seconds
        memory = f"{rss:.0f} MB" if rss is not None else ""
        print(f"{name:18} {seconds:8.2f} {rates[name]:12,.0f} {memory:>10}", flush=True)
        if name == "convcli smooth -":
            verdict = "ok" if rss < MAX_RSS_MB else "OVER"
            print(f"{'':18} peak RSS {rss:.0f} MB, target < {MAX_RSS_MB} MB: {verdict}")
    if "mlr step -a ewma" in rates:
        ratio = rates["convcli smooth -"] / rates["mlr step -a ewma"]
        print(f"\nconvcli / Miller throughput: {ratio:.2f}× "
              f"({'ok' if ratio >= 1 else 'SLOWER'}, target ≥ 1)")


if __name__ == "__main__":
    main()
