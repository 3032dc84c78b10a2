"""Make the README's three pictures from the samples, through the command line.

    .venv/bin/python samples/make_figures.py [--out docs/figures]

1. smooth.png  — `convcli smooth samples/trajectory.csv --kernel exponential:tau=8 --plot …`
2. filter.png  — `convcli filter samples/astronaut.png -k sobel:direction=all --combine
                  magnitude --plot …`
3. gabor.png   — `convcli kernels show gabor:frequency=0.1,theta=30,gamma=0.5 --plot …`

Needs the plot extra (pip install -e ".[plot]"). The data outputs go to a temporary directory.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
JOBS = {
    "smooth.png": ["smooth", str(HERE / "trajectory.csv"), "--kernel", "exponential:tau=8",
                   "--columns", "x,y", "-o", "{tmp}/trajectory.smooth.csv"],
    "filter.png": ["filter", str(HERE / "astronaut.png"), "-k", "sobel:direction=all",
                   "--combine", "magnitude", "-o", "{tmp}/astronaut.sobel.png"],
    "gabor.png": ["kernels", "show", "gabor:frequency=0.1,theta=30,gamma=0.5"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "docs" / "figures")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in JOBS.items():
            command = [sys.executable, "-m", "convcli", *(a.format(tmp=tmp) for a in args),
                       "--plot", str(out / name)]
            if args[0] != "kernels":
                command.append("-q")
            subprocess.run(command, check=True)
            print(out / name)


if __name__ == "__main__":
    main()
