"""End-to-end command-line benchmark: convcli against the tools a user knows, in one run.

- start-up: `convcli --version`, `convcli --help` and `convcli smooth` on the sample trajectory;
- a 1M-row t,x,y,z CSV: `convcli smooth` (the default install: polars is a core dependency)
  against a polars script (read_csv, ewm_mean(alpha=0.1, adjust=False), write_csv) and
  Miller's `step -a ewma`, with each process's peak RSS (targets: ≤ 1.5× polars, ≤ 200 MB);
- a 4096² RGB PNG with the 3×3 Laplacian (edge): `convcli filter` against ImageMagick's
  `-morphology Convolve Laplacian:0` and libvips' `vips conv` (default and level-1 PNG).

Medians of --repeat runs (wall time of the whole process), ratios against each peer, output
sizes. Peers that are not installed are skipped (apt-get install miller imagemagick
libvips-tools; pip install polars).

    python benchmarks/cli.py [--repeat 3] [--rows 1000000] [--side 4096] [--no-images]
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

ROOT = Path(__file__).resolve().parents[1]
CONVCLI = str(Path(sys.executable).parent / "convcli")
POLARS_SCRIPT = """
import sys, polars as pl
df = pl.read_csv(sys.argv[1])
df = df.with_columns([pl.col(c).ewm_mean(alpha=0.1, adjust=False) for c in ("x", "y", "z")])
df.write_csv(sys.argv[2])
"""


def wall(cmd: list[str] | str, repeat: int, shell: bool = False) -> float:
    return timed(cmd, repeat, shell)[0]


def timed(cmd: list[str] | str, repeat: int, shell: bool = False) -> tuple[float, float, float]:
    """Median wall seconds, the largest peak RSS (MB, from wait4) and the median CPU seconds
    (user + system: what a busy machine changes least) of ``repeat`` runs."""
    times, peaks, cpus = [], [], []
    for _ in range(repeat):
        begin = time.perf_counter()
        process = subprocess.Popen(cmd, shell=shell, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        times.append(time.perf_counter() - begin)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{cmd} failed")
        peaks.append(usage.ru_maxrss / 1024)  # Linux: kilobytes
        cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(times), max(peaks), statistics.median(cpus)


def make_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    t = np.arange(rows)
    walk = np.cumsum(rng.standard_normal((rows, 3)), axis=0)
    noisy = np.round(walk + rng.standard_normal((rows, 3)) * 0.5, 6)
    with open(path, "w") as f:
        f.write("t,x,y,z\n")
        np.savetxt(f, np.column_stack([t, noisy]), fmt=["%d", "%.6f", "%.6f", "%.6f"],
                   delimiter=",")


def make_png(path: Path, side: int) -> None:
    from PIL import Image

    Image.open(ROOT / "samples" / "astronaut.png").convert("RGB").resize(
        (side, side), Image.LANCZOS).save(path, compress_level=6)


def report(label: str, ours: float, peers: dict[str, float], sizes: dict[str, int] | None = None):
    print(f"\n## {label}")
    print(f"  convcli: {ours:.3f} s" + (f"  ({sizes['convcli'] / 1e6:.1f} MB)" if sizes else ""))
    for name, seconds in peers.items():
        size = f"  ({sizes[name] / 1e6:.1f} MB, convcli/{name} size "\
            f"{sizes['convcli'] / sizes[name]:.2f})" if sizes and name in sizes else ""
        print(f"  {name}: {seconds:.3f} s → convcli/{name} = {ours / seconds:.2f}{size}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--no-images", action="store_true", help="Skip the PNG comparison.")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="convcli-bench-"))
    sample = ROOT / "samples" / "trajectory.csv"

    print("## start-up (median wall)")
    print(f"  python -c pass: {wall([sys.executable, '-c', 'pass'], 5):.3f} s")
    print(f"  convcli --version: {wall([CONVCLI, '--version'], 5):.3f} s  (target ≤ 0.15)")
    print(f"  convcli --help: {wall([CONVCLI, '--help'], 5):.3f} s  (target < 0.25)")
    print(f"  convcli smooth sample: "
          f"{wall([CONVCLI, 'smooth', str(sample), '-q', '-o', str(tmp / 's.csv')], 5):.3f} s"
          "  (target < 0.4)")

    csv = tmp / "big.csv"
    make_csv(csv, args.rows)
    runs = {"convcli": [CONVCLI, "smooth", str(csv), "-q", "-o", str(tmp / "o.csv")]}
    try:
        import polars  # noqa: F401

        script = tmp / "ewm.py"
        script.write_text(POLARS_SCRIPT)
        runs["polars"] = [sys.executable, str(script), str(csv), str(tmp / "p.csv")]
    except ImportError:
        print("polars is not installed: no polars comparison")
    if shutil.which("mlr"):
        runs["miller"] = ["sh", "-c", f"mlr --icsv --ocsv step -a ewma -d 0.1 -f x,y,z {csv} "
                          f"> {tmp / 'm.csv'}"]
    results = {name: [] for name in runs}
    for _ in range(args.repeat):  # interleaved, so that a busy moment hits every tool
        for name, command in runs.items():
            results[name].append(timed(command, 1))
    print(f"\n## smooth {args.rows:,}-row t,x,y,z CSV ({csv.stat().st_size / 1e6:.0f} MB; "
          "targets: ≤ 1.5× polars, ≤ 200 MB peak RSS)")
    ours = statistics.median(t for t, _, _ in results["convcli"])
    for name, runs_of in results.items():
        seconds = statistics.median(t for t, _, _ in runs_of)
        peak = max(rss for _, rss, _ in runs_of)
        cpu = statistics.median(c for _, _, c in runs_of)
        ratio = f"  convcli/{name} = {ours / seconds:.2f}" if name != "convcli" else ""
        print(f"  {name}: {seconds:.3f} s (CPU {cpu:.2f} s), peak RSS {peak:.0f} MB{ratio}")
    print(f"  load average during the runs: {os.getloadavg()[0]:.1f}")

    if args.no_images:
        shutil.rmtree(tmp, ignore_errors=True)
        return
    png = tmp / "big.png"
    make_png(png, args.side)
    out = tmp / "ours.png"
    ours = wall([CONVCLI, "filter", str(png), "-k", "edge", "-q", "-o", str(out)], args.repeat)
    peers, sizes = {}, {"convcli": out.stat().st_size}
    if shutil.which("convert"):
        im_out = tmp / "im.png"
        peers["imagemagick"] = wall(["convert", str(png), "-morphology", "Convolve",
                                     "Laplacian:0", str(im_out)], args.repeat)
        sizes["imagemagick"] = im_out.stat().st_size
    if shutil.which("vips"):
        mat = tmp / "lap.mat"
        mat.write_text("3 3\n-1 -1 -1\n-1 8 -1\n-1 -1 -1\n")
        for name, suffix in (("vips", ""), ("vips-level1", "[compression=1]")):
            target = tmp / f"{name}.png"
            peers[name] = wall(["vips", "conv", str(png), f"{target}{suffix}", str(mat)],
                               args.repeat)
            sizes[name] = target.stat().st_size
    report(f"filter {args.side}² RGB PNG, 3×3 Laplacian (target ≤ 0.5× ImageMagick, "
           "size ≤ 1.25×)", ours, peers, sizes)
    shutil.rmtree(tmp, ignore_errors=True)
    os.environ.pop("unused", None)


if __name__ == "__main__":
    main()
