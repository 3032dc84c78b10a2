"""Make convcli's sample inputs in this folder (deterministic: fixed seeds, no network).

    python samples/make_samples.py [--astronaut PATH]

writes trajectory.csv (a noisy spacecraft track), depth16.png (16-bit grey), badge_rgba.png
(RGBA) and kernels/. ``--astronaut`` names scikit-image's ``skimage/data/astronaut.png``
to (re)make astronaut.png; without it an existing astronaut.png is left as it is.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
SEED = 20240601


def trajectory(path: Path, rows: int = 3000) -> None:
    """t (s) and x, y, z (km) of an inclined, slowly precessing elliptical orbit plus noise."""
    rng = np.random.default_rng(SEED)
    t = np.arange(rows) * 10.0
    a, e, inclination = 7000.0, 0.01, np.radians(51.6)
    anomaly = 2 * np.pi * t / 5800.0
    r = a * (1 - e**2) / (1 + e * np.cos(anomaly))
    node = np.radians(5.0) * t / t[-1]
    px, py = r * np.cos(anomaly), r * np.sin(anomaly)
    x = px * np.cos(node) - py * np.cos(inclination) * np.sin(node)
    y = px * np.sin(node) + py * np.cos(inclination) * np.cos(node)
    z = py * np.sin(inclination)
    xyz = np.column_stack([x, y, z]) + rng.normal(0.0, 0.8, (rows, 3))
    cells = [[repr(float(f"{v:.6g}")) for v in row] for row in xyz.tolist()]
    for i in rng.choice(rows, 6, replace=False):
        cells[i][rng.integers(3)] = ""
    lines = ["# noisy spacecraft track: t in s, x y z in km (made by make_samples.py)"]
    lines.append("t,x,y,z")
    lines += [",".join([str(int(ti)), *row]) for ti, row in zip(t, cells)]
    path.write_text("\n".join(lines) + "\n")


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
    args = parser.parse_args()
    trajectory(HERE / "trajectory.csv")
    depth16(HERE / "depth16.png")
    badge_rgba(HERE / "badge_rgba.png")
    kernels(HERE / "kernels")
    if args.astronaut:
        astronaut(args.astronaut, HERE / "astronaut.png")


if __name__ == "__main__":
    main()
