"""Check the auto backend's cost model: each backend's estimate next to its measured time.

    python benchmarks/calibrate.py

For each case it prints estimate and measurement (ms) per backend and the ratio, then the cost
table it calibrates, convcli/engine/backends/costs.py (each constant with the benchmark that
measured it): the constants marked with this script were set from its output (median ratio ≈ 1).
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import scipy.fft  # noqa: F401  (as in a long-running process: imports already paid)
import scipy.ndimage  # noqa: F401
import scipy.signal  # noqa: F401

from convcli.engine.backends import available
from convcli.engine.backends.costs import COSTS
from convcli.engine.plan import make_plan


def measure(fn, repeat=3) -> float:
    fn()
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def cases(rng):
    """(label, input, kernel, options) of every case."""
    for n, k in ((10**4, 5), (10**5, 51), (10**6, 5), (10**6, 51), (10**6, 501), (10**6, 5001)):
        yield f"1-D {n} {k}", rng.standard_normal(n), rng.standard_normal(k), {}
    g = np.exp(-0.5 * (np.arange(-15, 16) / 5.0) ** 2)
    for side in (512, 2048):
        for dtype in (np.float32, np.float64):
            img = rng.standard_normal((side, side)).astype(dtype)
            for name, k in (("3x3", rng.standard_normal((3, 3))),
                            ("5x5", rng.standard_normal((5, 5))),
                            ("15x15", rng.standard_normal((15, 15))),
                            ("31g", np.outer(g, g)),
                            ("101", rng.standard_normal((101, 101)))):
                yield f"{np.dtype(dtype).name} {side}² {name}", img, k.astype(dtype), {}
    img = rng.standard_normal((512, 512, 3)).astype(np.float32)
    for d in (1, 1500):  # a dilation whose padding dwarfs the image (gathered taps)
        yield (f"512² RGB 3x3 reflect dilation {d}", img,
               rng.standard_normal((3, 3)).astype(np.float32),
               {"boundary": "reflect", "dilation": d, "axes": (0, 1)})


def main() -> None:
    rng = np.random.default_rng(0)
    ratios: dict[str, list[float]] = {}
    for label, x, k, options in cases(rng):
        plan = make_plan(x, k, "same", flip=True, **options)
        line = [f"{label:24s}"]
        for backend in available().values():
            try:
                method = backend.estimate(plan)
            except ValueError:  # this backend cannot run the case
                continue
            if method.seconds > 3:
                continue
            actual = measure(method.run)
            ratios.setdefault(method.name, []).append(actual / method.seconds)
            line.append(f"{method.name} est {method.seconds * 1e3:.1f} got {actual * 1e3:.1f}")
        print("  ".join(line), flush=True)
    print("\nmeasured/estimated, median per method:")
    for key, values in sorted(ratios.items()):
        print(f"  {key:40s} {statistics.median(values):.2f}  (n={len(values)})")
    print("\nthe cost table (convcli/engine/backends/costs.py):")
    for name, entry in COSTS.items():
        print(f"  {name:28s} {entry.seconds:<10.3g} per {entry.per}  [{entry.measured_by}]")


if __name__ == "__main__":
    main()
