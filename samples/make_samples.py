"""Make convcli's sample inputs in this folder (deterministic: fixed seeds, no network).

    python samples/make_samples.py [--astronaut PATH]

writes trajectory.csv (a noisy spacecraft track), depth16.png (16-bit grey), badge_rgba.png
(RGBA) and kernels/. ``--astronaut`` names scikit-image's ``skimage/data/astronaut.png``
to (re)make astronaut.png; without it an existing astronaut.png is left as it is.

    python samples/make_samples.py --report

runs `convcli smooth` on trajectory.csv (causal, and with --align centre) and prints the median
distance of the raw and the smoothed positions from the true track (``track``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
SEED = 20240601


STEP = 0.02
"""Seconds between samples of the track (50 Hz)."""
NOISE = 2.0
"""Standard deviation of the position noise on each axis, km."""


def track(t: np.ndarray) -> np.ndarray:
    """The true x, y, z (km) at times ``t`` (s): an inclined elliptical orbit (period 5800 s,
    7000 km) whose node precesses 5° a day; about 7.6 km/s, 0.15 km per sample."""
    a, e, inclination = 7000.0, 0.01, np.radians(51.6)
    anomaly = 2 * np.pi * t / 5800.0
    r = a * (1 - e**2) / (1 + e * np.cos(anomaly))
    node = np.radians(5.0) * t / 86400.0
    px, py = r * np.cos(anomaly), r * np.sin(anomaly)
    x = px * np.cos(node) - py * np.cos(inclination) * np.sin(node)
    y = px * np.sin(node) + py * np.cos(inclination) * np.cos(node)
    z = py * np.sin(inclination)
    return np.column_stack([x, y, z])


def trajectory(path: Path, rows: int = 3000) -> None:
    """t (s) and x, y, z (km) of ``track`` sampled every STEP seconds, plus noise."""
    rng = np.random.default_rng(SEED)
    t = np.arange(rows) * STEP
    xyz = track(t) + rng.normal(0.0, NOISE, (rows, 3))
    cells = [[repr(float(f"{v:.6g}")) for v in row] for row in xyz.tolist()]
    for i in rng.choice(rows, 6, replace=False):
        cells[i][rng.integers(3)] = ""
    lines = ["# noisy spacecraft track at 50 Hz: t in s, x y z in km (made by make_samples.py)"]
    lines.append("t,x,y,z")
    lines += [",".join([f"{ti:.2f}", *row]) for ti, row in zip(t, cells)]
    path.write_text("\n".join(lines) + "\n")


def track_errors(path: Path, *options: str) -> tuple[float, float]:
    """Median distance (km) from the true track of the raw rows of ``path`` and of
    `convcli smooth path *options`, over rows with all three coordinates."""
    convcli = Path(sys.executable).parent / "convcli"
    smoothed = subprocess.run([str(convcli), "smooth", str(path), "-q", *options],
                              check=True, capture_output=True, text=True).stdout
    raw = np.genfromtxt(path, delimiter=",", skip_header=2)
    out = np.genfromtxt(StringIO(smoothed), delimiter=",", skip_header=2)
    truth = track(raw[:, 0])
    present = ~np.isnan(raw).any(axis=1)
    distance = np.linalg.norm(raw[:, 1:] - truth, axis=1)[present]
    smooth = np.linalg.norm(out[:, 1:] - truth, axis=1)[present]
    return float(np.median(distance)), float(np.median(smooth))


def depth16(path: Path, size: int = 128) -> None:
    """A 16-bit grey 'depth map': a tilted plane, two bumps and sensor noise."""
    rng = np.random.default_rng(SEED + 1)
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    depth = 0.2 + 0.5 * xx + 0.1 * yy
    depth += 0.3 * np.exp(-((xx - 0.3) ** 2 + (yy - 0.4) ** 2) / 0.01)
    depth -= 0.15 * np.exp(-((xx - 0.7) ** 2 + (yy - 0.7) ** 2) / 0.02)
    depth += rng.normal(0.0, 0.005, depth.shape)
    values = np.clip(np.rint(depth / depth.max() * 65535), 0, 65535).astype(np.uint16)
    Image.fromarray(values).save(path, compress_level=9)


def badge_rgba(path: Path, size: int = 128) -> None:
    """A colour disc on a transparent background, with a soft alpha edge."""
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    radius = np.hypot(xx - 0.5, yy - 0.5)
    rgb = np.stack([255 * xx, 255 * yy, 255 * (1 - xx) * (1 - radius)], axis=-1)
    alpha = np.clip((0.45 - radius) / 0.03, 0, 1) * 255
    rgba = np.rint(np.dstack([rgb, alpha])).astype(np.uint8)
    Image.fromarray(rgba).save(path, compress_level=9)


def astronaut(source: Path, path: Path) -> None:
    """scikit-image's astronaut photo as a 512×512 RGB PNG."""
    image = Image.open(source).convert("RGB")
    if image.size != (512, 512):
        image = image.resize((512, 512), Image.Resampling.LANCZOS)
    image.save(path, compress_level=9)


def kernels(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "sharpen.csv").write_text("0,-1,0\n-1,5,-1\n0,-1,0\n")
    (folder / "laplacian.txt").write_text("# 4-neighbour Laplacian\n0  1  0\n1 -4  1\n0  1  0\n")
    causal = {"kernel": [0.5, 0.3, 0.2], "origin": [0]}
    (folder / "causal3.json").write_text(json.dumps(causal, indent=2) + "\n")
    # a conv2d layer (out=2, in=3, 3, 3): the Sobel x and y gradients of the luma (BT.601),
    # as cross-correlation weights (the deep-learning convention)
    sobel_x = np.outer([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0])
    luma = np.array([0.299, 0.587, 0.114])
    layer = np.stack([luma[:, None, None] * k for k in (sobel_x, sobel_x.T)])
    np.save(folder / "rgb_sobel.npy", layer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--astronaut", type=Path, help="skimage/data/astronaut.png")
    parser.add_argument("--report", action="store_true",
                        help="print the raw and smoothed errors of trajectory.csv")
    args = parser.parse_args()
    if args.report:
        for options in ((), ("--align", "centre")):
            raw, smooth = track_errors(HERE / "trajectory.csv", *options)
            label = " ".join(("convcli smooth", *options))
            print(f"raw {raw:.3f} km, {label}: {smooth:.3f} km ({raw / smooth:.1f}× closer)")
        return
    trajectory(HERE / "trajectory.csv")
    depth16(HERE / "depth16.png")
    badge_rgba(HERE / "badge_rgba.png")
    kernels(HERE / "kernels")
    if args.astronaut:
        astronaut(args.astronaut, HERE / "astronaut.png")


if __name__ == "__main__":
    main()
