"""Figures: the expected panels (read from the figure before saving), the response values
against scipy.signal.freqz, and files that parse as PNG, SVG and PDF."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from scipy import signal

from convcli.errors import OutputError
from convcli.kernels import parse_kernel
from convcli.plot import response as R

pytest.importorskip("matplotlib")
from convcli.plot import figures as F  # noqa: E402

RNG = np.random.default_rng(7)


def titles(figure) -> list[str]:
    return [ax.get_title() for ax in figure.axes if ax.get_title()]


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")  # scipy at |H|=0
@pytest.mark.parametrize("spec", ["exponential:tau=4", "gaussian:sigma=2", "savgol",
                                  "[1,-3,2,5]", "derivative"])
def test_response_equals_freqz(spec):
    kernel = parse_kernel(spec)
    freqs = R.frequencies(101)
    _, h = signal.freqz(kernel.values, worN=2 * np.pi * freqs)
    np.testing.assert_allclose(R.response_1d(kernel.values, freqs), h, rtol=1e-12, atol=1e-12)
    _, gd = signal.group_delay((kernel.values, [1.0]), w=2 * np.pi * freqs[:40])
    got = R.group_delay(kernel.values, freqs[:40], kernel.origin_index[0])
    ok = np.isfinite(got)
    np.testing.assert_allclose(got[ok], gd[ok] - kernel.origin_index[0], atol=1e-8)


def test_response_2d_is_the_dft_of_the_kernel():
    values = parse_kernel("sobel").values
    magnitude, freqs = R.response_2d(values, size=8)
    fy, fx = 0.25, -0.125
    h = sum(values[m, n] * np.exp(-2j * np.pi * (fy * m + fx * n))
            for m in range(3) for n in range(3))
    row, col = np.searchsorted(freqs, fy), np.searchsorted(freqs, fx)
    assert magnitude[row, col] == pytest.approx(abs(h))


def test_signal_figure_has_before_after_zoom_taps_response_and_delay():
    n = 5000
    time = np.arange(n) * 0.5
    before = np.cumsum(RNG.standard_normal((n, 2)), axis=0)
    kernel = parse_kernel("exponential:tau=6")
    figure = F.signal_figure(time, before, before * 0.5, ["x", "y"], kernel, time_name="t")
    assert titles(figure)[:4] == ["x: before and after", "x: zoom, samples 2300–2699",
                                  "y: before and after", "y: zoom, samples 2300–2699"]
    assert titles(figure)[4].startswith("kernel taps")
    magnitude, delay = figure.axes[5], figure.axes[6]
    assert magnitude.get_title() == "magnitude response"
    assert "per t unit" in magnitude.get_xlabel()  # a regular step: per time unit
    f, db = magnitude.lines[0].get_data()
    _, h = signal.freqz(kernel.values, worN=2 * np.pi * f * 0.5)
    np.testing.assert_allclose(db, 20 * np.log10(np.abs(h)), atol=1e-9)
    mean_age = float(np.sum(np.arange(kernel.shape[0]) * kernel.values))  # DC group delay
    assert delay.lines[0].get_data()[1][0] == pytest.approx(mean_age * 0.5)
    np.testing.assert_array_equal(figure.axes[0].lines[1].get_data()[1], before[:, 0] * 0.5)


def test_short_signal_has_no_zoom_and_irregular_time_is_per_sample():
    time = np.array([0.0, 1.0, 3.0, 4.0, 7.0])
    x = RNG.standard_normal((5, 1))
    figure = F.signal_figure(time, x, x, ["x"], parse_kernel("box"))
    assert titles(figure) == ["x: before and after", "kernel taps (box, 3)",
                              "magnitude response", "delay (at 0: 0 samples)"]
    assert "cycles/sample" in figure.axes[2].get_xlabel()


def test_image_sheet_and_bank_sheet_panels():
    pixels = RNG.uniform(0, 255, (40, 50, 3))
    edge = parse_kernel("edge")
    sheet = F.image_figure(pixels, [("edge", pixels - 128)], [("edge", edge)])
    assert titles(sheet) == ["before", "after: edge", "kernel: edge"]
    maps = [(f"m{i}", pixels[..., 0] * i) for i in range(3)]
    kernels = [(f"k{i}", edge) for i in range(3)]
    bank = F.image_figure(pixels[..., 0], maps, kernels)
    assert titles(bank) == ["before", "after: m0", "after: m1", "after: m2",
                            "kernel: k0", "kernel: k1", "kernel: k2"]


def test_kernel_figures_1d_and_2d():
    one = F.kernel_figure(parse_kernel("hann:size=9"), "hann:size=9")
    assert titles(one) == ["kernel taps (hann, 9)", "magnitude response",
                           "delay (at 0: 0 samples)"]
    two = F.kernel_figure(parse_kernel("gabor:frequency=0.2"), "gabor:frequency=0.2")
    assert titles(two) == ["kernel: gabor:frequency=0.2", "|H| over the frequency plane"]
    image = two.axes[1].images[0].get_array()
    np.testing.assert_allclose(image, R.response_2d(parse_kernel("gabor:frequency=0.2").values)[0])


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_saved_files_parse(tmp_path, suffix):
    path = tmp_path / f"k{suffix}"
    F.save_figure(F.kernel_figure(parse_kernel("box"), "box"), path)
    data = path.read_bytes()
    if suffix == ".png":
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
            assert im.format == "PNG"
    elif suffix == ".svg":
        assert ET.fromstring(data).tag.endswith("svg")
    else:
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_unknown_figure_format_is_refused(tmp_path):
    with pytest.raises(OutputError, match=".png, .svg or .pdf"):
        F.figure_format(tmp_path / "k.gif")
