"""The installed convcli command, end to end: real files, real pipes, checked by oracles."""

import io
import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.ndimage as ndi
from PIL import Image

from tests.cli.conftest import SAMPLES, convcli_path, fails, run

TRAJECTORY = SAMPLES / "trajectory.csv"
PHOTO = SAMPLES / "astronaut.png"


def read_csv(text: str) -> tuple[list[str], np.ndarray]:
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    header = lines[0].split(",")
    rows = [[float(c) if c else np.nan for c in ln.split(",")] for ln in lines[1:]]
    return header, np.array(rows)


def kernel_values(spec: str) -> np.ndarray:
    return np.array(json.loads(run("kernels", "show", spec, "--json").stdout)["values"])


def causal_smooth(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """s(t) = Σ_a w(a) x(t − a), the start extended with the first sample (textbook form)."""
    xp = np.concatenate([np.full(len(w) - 1, x[0]), x])
    return np.convolve(xp, w, "valid")


def test_smooth_default_is_the_causal_exponential(tmp_path):
    out = run("smooth", TRAJECTORY, "-q").stdout.decode()
    header, got = read_csv(out)
    _, src = read_csv(TRAJECTORY.read_text())
    assert header == ["t", "x", "y", "z"]
    assert got.shape == src.shape
    np.testing.assert_array_equal(got[:, 0], src[:, 0])  # the time column passes through
    w = kernel_values("exponential")
    assert w[0] == w.max() and abs(w.sum() - 1) < 1e-12
    for c in (1, 2, 3):
        x = src[:, c]
        present = ~np.isnan(x)
        expected = causal_smooth(np.where(present, x, 0.0), w) / causal_smooth(
            present.astype(float), w)
        expected[~present] = np.nan
        np.testing.assert_allclose(got[:, c], expected, rtol=1e-9, atol=1e-9)


def test_smooth_pipeline_of_two(tmp_path):
    data = TRAJECTORY.read_bytes()
    first = run("smooth", "-", "-q", input=data).stdout
    second = run("smooth", "-", "-q", "--kernel", "gaussian:sigma=3", input=first).stdout
    _, a = read_csv(first.decode())
    _, b = read_csv(second.decode())
    g = kernel_values("gaussian:sigma=3")
    col = a[:, 1]
    keep = ~np.isnan(col)
    expected = ndi.convolve1d(np.where(keep, col, 0.0), g, mode="nearest") / ndi.convolve1d(
        keep.astype(float), g, mode="nearest")
    np.testing.assert_allclose(b[keep, 1], expected[keep], rtol=1e-9)


def test_smooth_keeps_layout_of_semicolon_csv_with_text(tmp_path):
    src = tmp_path / "s.csv"
    src.write_text("time;x;label\n1;1.5;a\n2;2.5;b\n3;;c\n4;4.5;d\n")
    out = run("smooth", src, "-q", "--kernel", "box:size=3").stdout.decode()
    lines = out.splitlines()
    assert lines[0] == "time;x;label"
    assert [ln.split(";")[0] for ln in lines[1:]] == ["1", "2", "3", "4"]
    assert [ln.split(";")[2] for ln in lines[1:]] == ["a", "b", "c", "d"]
    assert lines[3].split(";")[1] == ""  # a missing input stays missing
    assert float(lines[1].split(";")[1]) == pytest.approx((1.5 + 1.5 + 2.5) / 3)
    filled = run("smooth", src, "-q", "--kernel", "box:size=3", "--fill-gaps").stdout.decode()
    assert float(filled.splitlines()[3].split(";")[1]) == pytest.approx((2.5 + 4.5) / 2)


def test_filter_edge_matches_ndimage(tmp_path):
    out = tmp_path / "edges.png"
    run("filter", PHOTO, "--kernel", "edge", "--abs", "-o", out, "-q")
    src = np.asarray(Image.open(PHOTO)).astype(float)
    k = kernel_values("edge")
    expected = np.stack([ndi.convolve(src[..., c], k, mode="reflect") for c in range(3)], -1)
    expected = np.clip(np.rint(np.abs(expected)), 0, 255)
    got = np.asarray(Image.open(out))
    assert got.dtype == np.uint8 and got.shape == src.shape
    np.testing.assert_array_equal(got, expected)


def test_filter_pipeline_through_stdout():
    blurred = run("filter", PHOTO, "--kernel", "gaussian:sigma=2", "-o", "-", "-q").stdout
    edges = run("filter", "-", "--kernel", "edge", "-q", input=blurred).stdout
    image = Image.open(io.BytesIO(edges))
    assert image.format == "PNG" and image.size == (512, 512)


def test_filter_raw_feature_map_and_16_bit(tmp_path):
    raw = tmp_path / "map.npy"
    run("filter", PHOTO, "-k", "sobel", "-o", raw, "-q")
    values = np.load(raw)
    src = np.asarray(Image.open(PHOTO)).astype(np.float32)
    k = kernel_values("sobel")
    expected = ndi.convolve(src[..., 0].astype(float), k, mode="reflect")
    np.testing.assert_allclose(values[..., 0], expected, atol=1e-3)
    deep = SAMPLES / "depth16.png"
    out = tmp_path / "deep.png"
    run("filter", deep, "-k", "box:size=3", "-o", out, "-q")
    assert Image.open(out).mode.startswith("I;16") or Image.open(out).mode == "I"


def test_filter_default_output_beside_input(tmp_path):
    src = tmp_path / "photo.png"
    src.write_bytes(PHOTO.read_bytes())
    # stdout is a pipe here, so data goes to stdout: the named file appears only with a tty.
    result = run("filter", src, "-k", "edge", "-q")
    assert result.stdout.startswith(b"\x89PNG")
    assert src.read_bytes() == PHOTO.read_bytes()


def test_convolve_npy_any_dimension(tmp_path):
    rng = np.random.default_rng(0)
    volume = rng.standard_normal((6, 7, 8))
    np.save(tmp_path / "v.npy", volume)
    run("convolve", tmp_path / "v.npy", "box:size=3", "-o", tmp_path / "o.npy", "--boundary",
        "wrap", "-q")
    got = np.load(tmp_path / "o.npy")
    expected = ndi.uniform_filter(volume, 3, mode="wrap")
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_convolve_stride_dilation_correlate(tmp_path):
    x = np.arange(40, dtype=float).reshape(5, 8)
    np.save(tmp_path / "x.npy", x)
    run("convolve", tmp_path / "x.npy", "[1,2; 3,4]", "--mode", "valid", "--correlate",
        "--stride", "1,2", "--dilation", "2", "-o", tmp_path / "o.npy", "-q")
    got = np.load(tmp_path / "o.npy")
    k = np.array([[1, 0, 2], [0, 0, 0], [3, 0, 4]], dtype=float)
    expected = np.array([[np.sum(x[i:i + 3, j:j + 3] * k) for j in range(6)] for i in range(3)])
    np.testing.assert_allclose(got, expected[:, ::2])


def test_pool_signal_and_image(tmp_path):
    out = run("pool", TRAJECTORY, "--size", "10", "--op", "mean", "-q").stdout.decode()
    header, got = read_csv(out)
    _, src = read_csv(TRAJECTORY.read_text())
    assert header == ["t", "x", "y", "z"]
    assert got.shape[0] == src.shape[0] // 10
    np.testing.assert_array_equal(got[:, 0], src[::10, 0][: got.shape[0]])
    window = src[:10, 2]
    if not np.isnan(window).any():
        assert got[0, 2] == pytest.approx(window.mean())
    run("pool", PHOTO, "--size", "2", "-o", tmp_path / "half.png", "-q")
    half = np.asarray(Image.open(tmp_path / "half.png"))
    src_img = np.asarray(Image.open(PHOTO))
    assert half.shape == (256, 256, 3)
    assert half[0, 0, 0] == src_img[:2, :2, 0].max()


def test_bench_reports_every_backend():
    result = json.loads(run("bench", PHOTO, "--kernel", "box:size=5", "--repeat", "1",
                            "--json").stdout)
    names = [r["backend"] for r in result["backends"]]
    assert names == ["auto", "direct", "fft", "scipy"]
    assert all(r["max_abs_diff_vs_direct"] < 1e-2 for r in result["backends"])
    assert result["auto_picks"]


def test_timings_json_and_quiet(tmp_path):
    result = run("smooth", TRAJECTORY, "--timings", "json", "-o", tmp_path / "o.csv")
    report = json.loads(result.stderr.decode())
    assert set(report["stages"]) >= {"read", "kernel", "convolve", "write"}
    assert report["backend"]
    quiet = run("smooth", TRAJECTORY, "-q", "-o", tmp_path / "o2.csv")
    assert quiet.stderr == b""


def test_version_and_help():
    assert run("--version").stdout.decode().startswith("convcli ")
    for command in ("smooth", "filter", "convolve", "pool", "bench", "kernels"):
        assert "Usage" in run(command, "--help").stdout.decode()


@pytest.mark.parametrize("args, needle", [
    (("smooth", "missing.csv"), "no such file"),
    (("filter", "missing.png"), "no such file"),
    (("smooth", "--kernel", "gaussiann", str(TRAJECTORY)), "did you mean"),
    (("filter", str(PHOTO), "--kernel", "box:size=0"), "size"),
    (("convolve", str(TRAJECTORY), "[1,2]", "--stride", "x"), "--stride: takes integers"),
    (("smooth", str(TRAJECTORY), "-o", str(TRAJECTORY)), "is the input"),
    (("filter", str(PHOTO), "-o", "/nonexistent-dir/out.png"), "does not exist"),
    (("filter", str(PHOTO), "-o", "out.xyz"), "unknown image extension"),
])
def test_user_errors_are_one_line(args, needle):
    assert needle in fails(*args)


def test_error_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    fails("smooth", empty)
    header_only = tmp_path / "h.csv"
    header_only.write_text("t,x\n")
    fails("smooth", header_only)
    bad = tmp_path / "bad.csv"
    bad.write_text("t,x\n1,2\n2,abc\n3,4\n")
    assert "x" in fails("smooth", bad, "--columns", "x")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("t,x,y\n1,2,3\n2,3\n")
    assert "line 3" in fails("smooth", ragged)
    inf = tmp_path / "inf.csv"
    inf.write_text("t,x\n1,2\n2,inf\n")
    fails("smooth", inf)
    truncated = tmp_path / "t.png"
    truncated.write_bytes(PHOTO.read_bytes()[:5000])
    fails("filter", truncated)
    not_image = tmp_path / "n.png"
    not_image.write_text("hello")
    fails("filter", not_image)
    small = tmp_path / "small.npy"
    np.save(small, np.ones(3))
    fails("convolve", small, "box:size=5", "--mode", "valid", "-o", tmp_path / "o.npy")
    assert not (tmp_path / "o.npy").exists()


def test_nan_error_names_the_row(tmp_path):
    src = tmp_path / "gap.csv"
    src.write_text("t,x\n0,1\n1,2\n2,\n3,4\n")
    # issue 10: file, line and column, not the row index
    assert f"{src}: line 4, column 'x': a missing value" in fails("smooth", src, "--nan", "error")


def test_failed_write_leaves_no_partial_file(tmp_path):
    out = tmp_path / "o.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text("t,x\n1,2\n2,oops\n")
    fails("smooth", bad, "--columns", "x", "-o", out)
    assert list(tmp_path.iterdir()) == [bad]


def test_start_up_imports_stay_light():
    """`convcli --help` and `import convcli` load no numpy, scipy, Pillow, polars or dask."""
    import subprocess
    import sys

    code = ("import sys, convcli; from convcli.cli.app import app; "
            "print([m for m in ('numpy', 'scipy', 'PIL', 'polars', 'dask') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("args, loaded", [
    (["kernels", "--json"], ["convcli.cli.commands.kernels"]),
    (["smooth", "--help"], ["convcli.cli.commands.smooth"]),
    (["--help"], ["convcli.cli.commands." + name for name in
                  ("bench", "convolve", "filter", "kernels", "pool", "smooth")]),
])
def test_a_run_loads_only_the_command_it_names(args, loaded):
    """A command line that starts with a command imports that command's module alone; the
    root help lists them all."""
    import subprocess
    import sys

    code = (f"import sys; sys.argv = ['convcli', *{args!r}]\n"
            "from convcli.cli.app import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('convcli.cli.commands.')),"
            " file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == repr(sorted(loaded))


def test_decompression_bomb_is_one_line(tmp_path):
    """A small PNG that claims 400 million pixels: Pillow's guard, as one error line."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    side = 20_000
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit grey
    rows = zlib.compress(b"\0" * (1 + side // 8) * side, 9)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows)
                     + chunk(b"IEND", b""))
    assert "decompression bomb" in fails("filter", bomb, "-o", tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("how", ["script", "module"])
def test_a_run_that_ends_without_teardown_still_writes_all_of_stdout(tmp_path, how):
    """A successful run exits at once (no interpreter teardown): stdout, written by polars
    in slices for a large table, is flushed first, and equals the file output."""
    rows = 120_000
    text = "t,x\n" + "".join(f"{i},{(i * 7919) % 1000 / 10}\n" for i in range(rows))
    source = tmp_path / "in.csv"
    source.write_text(text)
    command = [convcli_path()] if how == "script" else [sys.executable, "-m", "convcli"]
    piped = subprocess.run([*command, "smooth", str(source), "-q"], capture_output=True,
                           timeout=120)
    assert piped.returncode == 0, piped.stderr
    run("smooth", source, "-q", "-o", tmp_path / "out.csv")
    assert piped.stdout == (tmp_path / "out.csv").read_bytes()
    assert piped.stdout.count(b"\n") == rows + 1
