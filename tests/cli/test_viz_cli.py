"""Plots, kernel banks and the conv2d layer through the installed command."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from scipy import signal

from convcli.engine.layer import conv2d
from tests.cli.conftest import SAMPLES, fails, run
from tests.engine.test_layer import naive_conv2d

PHOTO = SAMPLES / "astronaut.png"
TRAJECTORY = SAMPLES / "trajectory.csv"
GREY = SAMPLES / "depth16.png"


@pytest.fixture(scope="module")
def grey(tmp_path_factory):
    """A small grey image (8-bit) made from the sample photo."""
    path = tmp_path_factory.mktemp("grey") / "grey.png"
    with Image.open(PHOTO) as im:
        im.convert("L").resize((96, 80)).save(path)
    return path


def maps(*args) -> np.ndarray:
    out = run("filter", *args, "-o", "-", "-q").stdout
    import io

    return np.load(io.BytesIO(out))


def test_repeated_kernels_give_channels_in_order_each_the_single_run(grey, tmp_path):
    out = tmp_path / "g.npy"
    run("filter", grey, "-k", "sobel:direction=x", "-k", "sobel:direction=y",
        "-k", "edge", "-o", out, "-q")
    stack = np.load(out)
    assert stack.shape == (3, 80, 96)
    for channel, spec in zip(stack, ["sobel:direction=x", "sobel:direction=y", "edge"]):
        single = tmp_path / "one.npy"
        run("filter", grey, "-k", spec, "-o", single, "-q")
        np.testing.assert_array_equal(channel, np.load(single))


def test_named_bank_equals_its_members_and_magnitude_is_hypot(grey, tmp_path):
    bank = tmp_path / "b.npy"
    run("filter", grey, "-k", "sobel:direction=all", "-o", bank, "-q")
    stack = np.load(bank)
    assert stack.shape[0] == 2
    mag = tmp_path / "m.tiff"
    run("filter", grey, "-k", "sobel:direction=all", "--combine", "magnitude", "-o", mag, "-q")
    with Image.open(mag) as im:
        got = np.asarray(im, dtype=np.float32)
    np.testing.assert_allclose(got, np.hypot(stack[0], stack[1]), rtol=1e-6)


def test_compass_banks_have_eight_maps_and_max_argmax(grey, tmp_path):
    stack_path = tmp_path / "k.tiff"
    run("filter", grey, "-k", "kirsch:direction=all", "-o", stack_path, "-q")
    with Image.open(stack_path) as im:
        assert im.n_frames == 8
        pages = []
        for i in range(8):
            im.seek(i)
            pages.append(np.asarray(im, dtype=np.float32))
    for how, want in (("max", np.max(pages, axis=0)), ("argmax", np.argmax(pages, axis=0))):
        out = tmp_path / f"{how}.npy"
        run("filter", grey, "-k", "kirsch:direction=all", "--combine", how, "-o", out, "-q")
        np.testing.assert_array_equal(np.load(out), want.astype(np.float32))


def test_gabor_bank_and_compass_bank_counts(grey, tmp_path):
    out = tmp_path / "gb.npy"
    run("filter", grey, "-k", "gabor:orientations=4,frequency=0.2", "-k", "compass:direction=all",
        "-o", out, "-q")
    assert np.load(out).shape == (12, 80, 96)


@pytest.mark.parametrize("args,message", [
    (["-k", "sobel:direction=all", "-o", "x.png"], "--combine"),
    (["-k", "edge", "--combine", "sum", "-o", "x.png"], "two or more kernels"),
    (["-k", "edge", "-o", "x.png", "--plot", "x.gif"], ".png, .svg or .pdf"),
])
def test_bank_and_plot_mistakes_are_one_line(grey, tmp_path, args, message):
    assert message in fails("filter", grey, *args, cwd=tmp_path)


def test_smooth_plot_writes_a_figure_and_the_same_csv(tmp_path):
    plain = run("smooth", TRAJECTORY, "-q").stdout
    figure = tmp_path / "s.svg"
    with_plot = run("smooth", TRAJECTORY, "-q", "--plot", figure).stdout
    assert with_plot == plain
    assert ET.parse(figure).getroot().tag.endswith("svg")


def test_smooth_plot_from_stdin_reads_the_whole_signal(tmp_path):
    figure = tmp_path / "s.pdf"
    out = run("smooth", "-", "-q", "--plot", figure, input=TRAJECTORY.read_bytes()).stdout
    assert out == run("smooth", TRAJECTORY, "-q").stdout
    assert figure.read_bytes().startswith(b"%PDF-")
    assert "cannot --stream" in fails("smooth", "-", "--stream", "--plot", figure,
                                      input=b"t,x\n0,1\n")


def test_filter_and_kernels_show_plots_are_pngs(grey, tmp_path):
    run("filter", grey, "-k", "gaussian:sigma=2", "-o", tmp_path / "b.png", "-q",
        "--plot", tmp_path / "sheet.png")
    run("kernels", "show", "gabor:frequency=0.15,theta=45", "--plot", tmp_path / "k.png")
    for name in ("sheet.png", "k.png"):
        with Image.open(tmp_path / name) as im:
            assert im.format == "PNG" and im.size[0] > 500


def test_without_matplotlib_one_line_names_the_extra(grey, tmp_path):
    blocker = tmp_path / "block"
    (blocker / "matplotlib").mkdir(parents=True)
    (blocker / "matplotlib" / "__init__.py").write_text("raise ImportError('blocked')\n")
    import os
    import subprocess

    from tests.cli.conftest import convcli_path

    env = {**os.environ, "PYTHONPATH": str(blocker)}
    for args in (["kernels", "show", "box", "--plot", "k.png"],
                 ["smooth", str(TRAJECTORY), "-o", "s.csv", "--plot", "s.png"]):
        result = subprocess.run([convcli_path(), *args], cwd=tmp_path, env=env,
                                capture_output=True, timeout=60)
        err = result.stderr.decode()
        assert result.returncode == 2 and err.count("\n") == 1, err
        assert err.startswith("convcli: error: ") and "convcli[plot]" in err
        assert not (tmp_path / "s.csv").exists()  # refused before any work


def test_kernels_show_response_equals_freqz_without_matplotlib():
    data = json.loads(run("kernels", "show", "exponential:tau=3", "--response", "--json").stdout)
    taps = np.array(json.loads(run("kernels", "show", "exponential:tau=3", "--json").stdout)
                    ["values"])
    _, h = signal.freqz(taps, worN=2 * np.pi * np.array(data["frequency"]))
    np.testing.assert_allclose(data["magnitude"], np.abs(h), rtol=1e-12)
    text = run("kernels", "show", "box:size=3", "--response").stdout.decode().splitlines()
    assert text[0].startswith("frequency") and len(text) == 18
    assert text[-1].split()[:2] == ["0.5000", "0.333333"]  # |1 − 2 + 1|/3 at Nyquist
    grid = json.loads(run("kernels", "show", "sobel", "--response", "--json").stdout)
    fy, fx = np.meshgrid(grid["fy"], grid["fx"], indexing="ij")
    values = np.array(json.loads(run("kernels", "show", "sobel", "--json").stdout)["values"])
    want = sum(values[m, n] * np.exp(-2j * np.pi * (fy * m + fx * n))
               for m in range(3) for n in range(3))
    np.testing.assert_allclose(grid["magnitude"], np.abs(want), atol=1e-9)


def test_layer_on_an_image_equals_the_naive_sum(grey, tmp_path):
    weights = np.random.default_rng(3).standard_normal((4, 3, 3, 2))
    np.save(tmp_path / "w.npy", weights)
    out = tmp_path / "maps.npy"
    run("convolve", PHOTO, tmp_path / "w.npy", "--layer", "--mode", "valid", "--stride", "2",
        "-o", out, "-q")
    with Image.open(PHOTO) as im:
        x = np.moveaxis(np.asarray(im.convert("RGB").crop((0, 0, 512, 512)), dtype=float), -1, 0)
    got = np.load(out)
    crop = x[:, :21, :17]  # the naive sum on a corner: its outputs are the layer's corner
    want = naive_conv2d(crop, weights, (2, 2), (1, 1), 1, (0, 0), (0, 0))
    np.testing.assert_allclose(got[:, :want.shape[1], :want.shape[2]], want, rtol=1e-5)
    assert got.shape == (4, 255, 256)


def test_layer_on_an_array_with_groups_and_dilation(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 12, 10))
    w = rng.standard_normal((6, 2, 3, 3))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "w.npy", w)
    run("convolve", tmp_path / "x.npy", tmp_path / "w.npy", "--layer", "--groups", "2",
        "--dilation", "2", "--mode", "valid", "-o", tmp_path / "y.npy", "-q")
    want = naive_conv2d(x, w, (1, 1), (2, 2), 2, (0, 0), (0, 0))
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), want, rtol=1e-10)
    np.testing.assert_allclose(want, conv2d(x, w, dilation=2, groups=2), rtol=1e-10)
    assert "must divide" in fails("convolve", tmp_path / "x.npy", tmp_path / "w.npy",
                                  "--layer", "--groups", "3", "-o", tmp_path / "z.npy")


def test_layer_sample_is_the_sobel_gradient_of_the_luma(tmp_path):
    import scipy.ndimage as ndi

    out = tmp_path / "maps.npy"
    run("convolve", PHOTO, SAMPLES / "kernels" / "rgb_sobel.npy", "--layer", "-o", out, "-q")
    with Image.open(PHOTO) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=float)
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    got = np.load(out)
    assert got.shape == (2, *luma.shape)
    for channel, axis in ((0, 1), (1, 0)):
        want = ndi.sobel(luma, axis=axis, mode="constant")
        np.testing.assert_allclose(got[channel], want, atol=1e-3 * np.abs(want).max())
