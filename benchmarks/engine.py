"""Engine benchmark: every convcli backend against the numpy/scipy functions, in one run.

Prints, per grid case, the best time of each (the functions of a case take turns, round after
round) and the ratios the engine issue sets as
targets: auto / fastest peer (≤ 1.10), fft / scipy's FFT convolution (≤ 1.2), and for the
31×31 Gaussian on 4096² float32 the speed-up over scipy.ndimage.convolve (≥ 40). Then the
peak memory of each backend on a 4096² image against input + output bytes (≤ 3×).

    python benchmarks/engine.py            # the whole grid (~15 minutes on 2 cores)
    python benchmarks/engine.py --quick    # the smaller cases only
    python benchmarks/engine.py --small    # 1-D 1e3 and 1e4, 512² images: the fixed cost
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc

import numpy as np
import scipy.ndimage as ndi
import scipy.signal as ss

import convcli

BUDGET_MACS = 4e9  # a peer whose direct work exceeds this many multiply-adds is skipped


LOOP_SECONDS = 20e-3  # calls shorter than this are timed in loops of about this long


def loops_for(fn) -> int:
    """Calls per timed loop: a microsecond call is below the clock's resolution and the
    scheduler's noise, and the first call after another function's pays for caches that one
    evicted (up to 0.3 ms here): loops of 20 ms make both small."""
    fn()  # warm-up: plans, caches, imports (a first call's time says nothing of the next)
    begin = time.perf_counter()
    fn()
    return max(1, min(100_000, int(LOOP_SECONDS / max(time.perf_counter() - begin, 1e-7))))


def best_ms(fns: dict, repeat: int) -> dict:
    """Each function's best time per call (ms) over ``repeat`` rounds, the functions taking
    turns within each round: a load that comes and goes on a shared machine reaches every
    function of a case alike, and the best of the rounds is the least disturbed (timeit's
    advice). Ratios are taken within one case."""
    loops = {name: loops_for(fn) for name, fn in fns.items()}
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            begin = time.perf_counter()
            for _ in range(loops[name]):
                fn()
            best[name] = min(best[name], (time.perf_counter() - begin) / loops[name])
    return {name: seconds * 1e3 for name, seconds in best.items()}


def median_ms(fn, repeat: int) -> float:
    """Median wall time of one call, in loops as :func:`best_ms` (the 4096² speed-up)."""
    loops = loops_for(fn)
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        for _ in range(loops):
            fn()
        times.append((time.perf_counter() - begin) / loops)
    return statistics.median(times) * 1e3


def gaussian(size: int) -> np.ndarray:
    r = np.arange(size) - size // 2
    g = np.exp(-0.5 * (r / (size / 6)) ** 2)
    return np.outer(g, g) / g.sum() ** 2


def one_d_cases(quick: bool, small: bool = False):
    sizes = [10**3, 10**4] if small else [10**3, 10**4, 10**5, 10**6] + ([] if quick else [10**7])
    for n in sizes:
        for k in (5, 51, 501, 5001):
            if k < n:
                yield n, k


def two_d_cases(quick: bool, small: bool = False):
    sides = [512] if small else [512, 2048] + ([] if quick else [4096])
    for dtype in (np.float32, np.float64):
        for side in sides:
            for name in ("3x3", "5x5", "15x15", "31x31 gauss", "101x101"):
                yield dtype, side, name


def kernel_2d(name: str, rng, dtype) -> np.ndarray:
    if name == "31x31 gauss":
        return gaussian(31).astype(dtype)
    k = int(name.split("x")[0])
    return rng.standard_normal((k, k)).astype(dtype)


def run_case(label, ours, peers, macs, repeat):
    row = {"case": label}
    row.update(best_ms({name: fn for name, fn, cost in peers + ours if cost <= BUDGET_MACS},
                       repeat))
    peer_times = [row[p[0]] for p in peers if p[0] in row]
    best = min(peer_times)
    row["auto/best"] = row["auto"] / best
    ffts = [row[p] for p in ("fftconvolve", "oaconvolve") if p in row]
    row["fft/scipy-fft"] = row["fft"] / min(ffts)
    print(f"{label:34s} " + "  ".join(
        f"{k}={v:.2f}" if isinstance(v, float) and "/" in k else f"{k}={v:.3g}ms"
        for k, v in row.items() if k != "case"), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--repeat", type=int, default=7, help="rounds per case (best of)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    print("## 1-D float64, 'same' (best ms)")
    for n, k in one_d_cases(args.quick, args.small):
        x = rng.standard_normal(n)
        w = rng.standard_normal(k)
        macs = float(n) * k
        peers = [
            ("np.convolve", lambda: np.convolve(x, w, "same"), macs),
            ("signal.convolve", lambda: ss.convolve(x, w, "same"), 0),
            ("fftconvolve", lambda: ss.fftconvolve(x, w, "same"), 0),
            ("oaconvolve", lambda: ss.oaconvolve(x, w, "same"), 0),
            ("ndimage", lambda: ndi.convolve1d(x, w, mode="constant"), macs),
        ]
        ours = [(b, lambda b=b: convcli.convolve(x, w, "same", backend=b),
                 macs if b == "direct" else 0) for b in ("auto", "direct", "fft", "scipy")]
        rows.append(run_case(f"N={n:.0e} K={k}", ours, peers, macs, args.repeat))
    print("## 2-D images, 'same' (best ms)")
    for dtype, side, name in two_d_cases(args.quick, args.small):
        img = rng.standard_normal((side, side)).astype(dtype)
        k = kernel_2d(name, rng, dtype)
        macs = float(side) ** 2 * k.size
        peers = [
            ("ndimage", lambda: ndi.convolve(img, k, mode="constant"), macs),
            ("signal.convolve", lambda: ss.convolve(img, k, "same"), 0),
            ("fftconvolve", lambda: ss.fftconvolve(img, k, "same"), 0),
            ("oaconvolve", lambda: ss.oaconvolve(img, k, "same"), 0),
        ]
        ours = [(b, lambda b=b: convcli.convolve(img, k, "same", backend=b),
                 macs if b == "direct" and name != "31x31 gauss" else 0)
                for b in ("auto", "direct", "fft", "scipy")]
        row = run_case(f"{np.dtype(dtype).name} {side}² {name}", ours, peers, macs,
                       args.repeat)
        if side == 4096 and dtype == np.float32 and name == "31x31 gauss":
            full = median_ms(lambda: ndi.convolve(img, k, mode="constant"), 1)
            print(f"  31x31 gauss 4096² float32: ndimage.convolve {full:.0f} ms, auto "
                  f"{row['auto']:.0f} ms → {full / row['auto']:.1f}× faster; auto/oaconvolve "
                  f"{row['auto'] / row['oaconvolve']:.2f}")
        rows.append(row)
    worst = max(rows, key=lambda r: r["auto/best"])
    print(f"\nworst auto/best: {worst['auto/best']:.2f} ({worst['case']}); "
          f"median auto/best {statistics.median(r['auto/best'] for r in rows):.2f}; "
          f"worst fft/scipy-fft {max(r['fft/scipy-fft'] for r in rows):.2f}")
    if args.small:
        return
    print("\n## peak memory on the largest image of the run, float32 (× input+output bytes)")
    side = 2048 if args.quick else 4096
    img = rng.standard_normal((side, side)).astype(np.float32)
    for name in ("3x3", "31x31 gauss", "101x101"):
        k = kernel_2d(name, rng, np.float32)
        for backend in ("auto", "direct", "fft", "scipy"):
            if backend == "direct" and name == "101x101":
                continue
            gc.collect()
            tracemalloc.start()
            convcli.convolve(img, k, "same", backend=backend)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"{name:12s} {backend:7s} peak {peak / 2**20:7.1f} MiB = "
                  f"{peak / (2 * img.nbytes):.2f}×")


if __name__ == "__main__":
    main()
