from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convcli.io.csv.table import read_signal
from convcli.io.images import read_image

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_samples_are_small():
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total < 1_100_000


def test_trajectory():
    table = read_signal(SAMPLES / "trajectory.csv")
    assert table.header == ["t", "x", "y", "z"] and table.filtered == ["x", "y", "z"]
    assert table.data.shape == (3000, 3)
    assert np.isnan(table.data).sum() == 6
    assert 6000 < np.nanmax(np.linalg.norm(table.data, axis=1)) < 7300


@pytest.mark.parametrize(
    ("name", "mode", "shape"),
    [
        ("astronaut.png", "RGB", (512, 512, 3)),
        ("depth16.png", "L16", (128, 128)),
        ("badge_rgba.png", "RGBA", (128, 128, 3)),
    ],
)
def test_images(name, mode, shape):
    data = read_image(SAMPLES / name)
    bits = f"{data.bits}" if data.bits != 8 else ""
    assert (data.mode + bits, data.pixels.shape) == (mode, shape)


def test_the_script_remakes_the_samples(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.trajectory(tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == (SAMPLES / "trajectory.csv").read_bytes()
    for name, make in (("depth16.png", script.depth16), ("badge_rgba.png", script.badge_rgba)):
        make(tmp_path / name)
        ours, kept = Image.open(tmp_path / name), Image.open(SAMPLES / name)
        assert ours.mode == kept.mode
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(kept))
    script.kernels(tmp_path / "kernels")
    for path in (SAMPLES / "kernels").iterdir():
        assert (tmp_path / "kernels" / path.name).read_bytes() == path.read_bytes()


def test_kernel_files_load():
    files = pytest.importorskip("convcli.kernels.files")
    assert files.load_kernel_file(str(SAMPLES / "kernels" / "sharpen.csv")).shape == (3, 3)
    assert files.load_kernel_file(str(SAMPLES / "kernels" / "laplacian.txt")).sum == 0
    causal = files.load_kernel_file(str(SAMPLES / "kernels" / "causal3.json"))
    assert causal.shape == (3,) and causal.origin == (0,)
