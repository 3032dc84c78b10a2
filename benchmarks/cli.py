"""End-to-end command-line benchmark: convcli against the tools a user knows, in one run.

- start-up: `convcli --version`, `convcli --help` and `convcli smooth` on the sample trajectory;
- a 1M-row t,x,y,z CSV: `convcli smooth` (the default install: polars is a core dependency)
  against a polars script (read_csv, ewm_mean(alpha=0.1, adjust=False), write_csv) and
  Miller's `step -a ewma`, with each process's peak RSS (targets: ≤ 1.5× polars, ≤ 200 MB);
  then a 1e7-row file, which streams: its peak RSS (target: constant memory);
- images (issue 9), each against libvips `vips conv` and ImageMagick 6 `-morphology Convolve`,
  with wall time, output size and peak RSS (GNU time): a 4096² RGB PNG (the astronaut photo
  resized up) with the 3×3 Laplacian (edge) — targets ≤ 0.8× libvips' level-1 PNG time, size
  ≤ 1.0×, peak RSS ≤ 200 MB —, the same as 16-bit RGB, a 31×31 Gaussian on the 8-bit photo,
  and the photo as a 4096² JPEG (JPEG out).

Medians of --repeat runs (wall time of the whole process), ratios against each peer, output
sizes. Peers that are not installed are skipped (apt-get install miller imagemagick
libvips-tools; pip install polars).

    python benchmarks/cli.py [--repeat 3] [--rows 1000000] [--stream-rows 10000000]
                             [--side 4096] [--no-images] [--only images]
                             [--cases png,png16,gaussian,jpeg]
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
    """Median wall seconds, the largest peak RSS (MB) and the median CPU seconds (user +
    system: what a busy machine changes least) of ``repeat`` runs. RSS and CPU come from GNU
    time when installed: wait4's own figure counts this (large) process's peak too, which a
    child's exec inherits."""
    times, peaks, cpus = [], [], []
    for _ in range(repeat):
        with tempfile.NamedTemporaryFile("r", suffix=".time") as log:
            argv = ["bash", "-c", cmd] if shell else list(cmd)
            if GNU_TIME:
                argv = [GNU_TIME, "-f", "%M %U %S", "-o", log.name, *argv]
            begin = time.perf_counter()
            process = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
            times.append(time.perf_counter() - begin)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{cmd} failed")
            if GNU_TIME:
                peak, user, system = log.read().split()[-3:]
                peaks.append(int(peak) / 1024)
                cpus.append(float(user) + float(system))
            else:
                peaks.append(usage.ru_maxrss / 1024)  # Linux: kilobytes
                cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(times), max(peaks), statistics.median(cpus)


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
"""GNU time, which reports the command's own peak RSS."""


def make_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    t = np.arange(rows)
    walk = np.cumsum(rng.standard_normal((rows, 3)), axis=0)
    noisy = np.round(walk + rng.standard_normal((rows, 3)) * 0.5, 6)
    with open(path, "w") as f:
        f.write("t,x,y,z\n")
        np.savetxt(f, np.column_stack([t, noisy]), fmt=["%d", "%.6f", "%.6f", "%.6f"],
                   delimiter=",")


def make_big_csv(path: Path, rows: int) -> None:
    """``make_csv``'s table for many rows, written by polars (np.savetxt takes minutes)."""
    import polars as pl

    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.standard_normal((rows, 3)), axis=0)
    noisy = np.round(walk + rng.standard_normal((rows, 3)) * 0.5, 6)
    pl.DataFrame({"t": np.arange(rows), "x": noisy[:, 0], "y": noisy[:, 1],
                  "z": noisy[:, 2]}).write_csv(path, float_precision=6)


def stream_row(tmp: Path, rows: int) -> None:
    """A file too large to read whole streams in constant memory: one run's wall time, rows
    per second and peak RSS (issue 10: constant memory)."""
    csv = tmp / "stream.csv"
    make_big_csv(csv, rows)
    seconds, peak, cpu = timed([CONVCLI, "smooth", str(csv), "-q", "-o", str(tmp / "so.csv")],
                               1)
    print(f"\n## smooth {rows:,}-row t,x,y,z CSV ({csv.stat().st_size / 1e6:.0f} MB: streams)")
    print(f"  convcli: {seconds:.2f} s (CPU {cpu:.2f} s), {rows / seconds / 1e3:.0f} k rows/s, "
          f"peak RSS {peak:.0f} MB")
    csv.unlink()


def make_photo(side: int):
    """The astronaut sample resized up to side² with Lanczos, as uint8 RGB."""
    from PIL import Image

    return np.asarray(Image.open(ROOT / "samples" / "astronaut.png").convert("RGB").resize(
        (side, side), Image.LANCZOS))


def measured(cmd: list[str] | str, repeat: int, shell: bool = False) -> tuple[float, float]:
    """Median wall seconds and the largest peak RSS (MB) over ``repeat`` runs (GNU time)."""
    times, peaks = [], []
    for _ in range(repeat):
        with tempfile.NamedTemporaryFile("r", suffix=".time") as log:
            timed = ["/usr/bin/time", "-f", "%M", "-o", log.name]
            begin = time.perf_counter()
            if shell:
                subprocess.run(timed + ["bash", "-c", cmd], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            else:
                subprocess.run(timed + cmd, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - begin)
            peaks.append(int(log.read().split()[-1]) / 1024)
    return statistics.median(times), max(peaks)


def vips_matrix(path: Path, kernel: np.ndarray) -> Path:
    """A libvips .mat file (width height scale offset, then the rows)."""
    rows = "\n".join(" ".join(f"{v:.9g}" for v in row) for row in kernel)
    path.write_text(f"{kernel.shape[1]} {kernel.shape[0]} 1 0\n{rows}\n")
    return path


def image_case(label: str, tmp: Path, source: Path, suffix: str, spec: str,
               magick: list[str], repeat: int, targets: str = "") -> None:
    """One image row: convcli, libvips and ImageMagick on ``source`` with the same kernel,
    their runs interleaved (a busy moment of the machine hits every tool)."""
    from convcli.kernels import parse_kernel

    kernel = parse_kernel(spec, ndim=2).values
    commands: dict[str, tuple[list[str], Path]] = {}
    ours = tmp / f"ours{suffix}"
    commands["convcli"] = ([CONVCLI, "filter", str(source), "-k", spec, "-q", "-o", str(ours)],
                           ours)
    if shutil.which("vips"):
        mat = vips_matrix(tmp / "k.mat", kernel[::-1, ::-1])
        options = "[compression=1]" if suffix == ".png" else "[Q=92]"
        for name, extra in (("vips-level1" if suffix == ".png" else "vips", options),
                            *((("vips-default", ""),) if suffix == ".png" else ())):
            target = tmp / f"{name}{suffix}"
            commands[name] = (["vips", "conv", str(source), f"{target}{extra}", str(mat)],
                              target)
    if shutil.which("convert"):
        target = tmp / f"im{suffix}"
        commands["imagemagick"] = (["convert", str(source), *magick, str(target)], target)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (command, _) in commands.items():
            samples[name].append(measured(command, 1))
    runs = {name: (statistics.median(t for t, _ in got), max(p for _, p in got),
                   commands[name][1].stat().st_size) for name, got in samples.items()}
    print(f"\n## {label}" + (f" ({targets})" if targets else ""))
    ours_s, _, ours_size = runs["convcli"]
    for name, (seconds, peak, size) in runs.items():
        ratio = "" if name == "convcli" else \
            f"  → convcli/{name}: time {ours_s / seconds:.2f}, size {ours_size / size:.2f}"
        print(f"  {name}: {seconds:.3f} s, {size / 1e6:.1f} MB, peak {peak:.0f} MB{ratio}")
    print(f"  load average: {os.getloadavg()[0]:.1f}")


IMAGE_CASES = ("png", "png16", "gaussian", "jpeg")


def image_rows(tmp: Path, side: int, repeat: int, cases=IMAGE_CASES) -> None:
    """The image rows of issue 9 (``cases``: some of IMAGE_CASES), all in this run."""
    import imagecodecs

    photo = make_photo(side)
    png, png16, jpeg = tmp / "photo.png", tmp / "photo16.png", tmp / "photo.jpg"
    png.write_bytes(imagecodecs.png_encode(photo, level=6))
    png16.write_bytes(imagecodecs.png_encode(photo.astype(np.uint16) * 257, level=6))
    jpeg.write_bytes(imagecodecs.jpeg8_encode(photo, level=90))
    laplacian = ["-morphology", "Convolve", "Laplacian:0"]
    if "png" in cases:
        image_case(f"filter {side}² RGB PNG, 3×3 Laplacian", tmp, png, ".png", "edge",
                   laplacian, repeat,
                   "targets: time ≤ 0.8× vips-level1, size ≤ 1.0×, peak ≤ 200 MB")
    if "png16" in cases:
        image_case(f"filter {side}² 16-bit RGB PNG, 3×3 Laplacian", tmp, png16, ".png",
                   "edge", laplacian, repeat)
    if "gaussian" in cases:
        image_case(f"filter {side}² RGB PNG, 31×31 Gaussian (sigma 3.75)", tmp, png, ".png",
                   "gaussian:sigma=3.75", ["-morphology", "Convolve", "Gaussian:15x3.75"],
                   repeat)
    if "jpeg" in cases:
        image_case(f"filter {side}² RGB JPEG, 3×3 Laplacian (JPEG out, quality 92)", tmp,
                   jpeg, ".jpg", "edge", [*laplacian, "-quality", "92"], repeat)


def report(label: str, ours: float, peers: dict[str, float], sizes: dict[str, int] | None = None):
    print(f"\n## {label}")
    print(f"  convcli: {ours:.3f} s" + (f"  ({sizes['convcli'] / 1e6:.1f} MB)" if sizes else ""))
    for name, seconds in peers.items():
        size = f"  ({sizes[name] / 1e6:.1f} MB, convcli/{name} size "\
            f"{sizes['convcli'] / sizes[name]:.2f})" if sizes and name in sizes else ""
        print(f"  {name}: {seconds:.3f} s → convcli/{name} = {ours / seconds:.2f}{size}")


def user_install() -> None:
    """Measure what a user's install runs: ``pip install`` byte-compiles the package, and a
    user's shell does not set PYTHONDONTWRITEBYTECODE (this machine does, which would make
    every run compile convcli's modules from source: ~70 ms)."""
    import compileall

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(ROOT / "convcli"), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stream-rows", type=int, default=10_000_000,
                        help="Rows of the file that streams (0: skip that row).")
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--no-images", action="store_true", help="Skip the image rows.")
    parser.add_argument("--only", choices=("images",), help="Only these rows (no start-up "
                        "or CSV rows).")
    parser.add_argument("--cases", default=",".join(IMAGE_CASES),
                        help=f"Image rows to run, comma-separated: {', '.join(IMAGE_CASES)}.")
    args = parser.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    unknown = set(cases) - set(IMAGE_CASES)
    if unknown:
        parser.error(f"unknown --cases {', '.join(sorted(unknown))}")
    user_install()
    tmp = Path(tempfile.mkdtemp(prefix="convcli-bench-"))
    if args.only == "images":
        image_rows(tmp, args.side, args.repeat, cases)
        shutil.rmtree(tmp, ignore_errors=True)
        return
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
    if args.stream_rows:
        stream_row(tmp, args.stream_rows)

    if not args.no_images:
        image_rows(tmp, args.side, args.repeat, cases)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
