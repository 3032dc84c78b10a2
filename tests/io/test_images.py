import io
import sys

import numpy as np
import pytest
from PIL import Image

from convcli.errors import InputError, OutputError
from convcli.io.images import default_output_path, read_image, write_image

RNG = np.random.default_rng(3)
H, W = 24, 32


def encode(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def u8(*shape):
    return RNG.integers(0, 256, (H, W, *shape), dtype=np.uint8)


def palette_image(transparent):
    image = Image.fromarray(u8()).convert("P")
    if transparent:
        image.info["transparency"] = 0
    return image


SOURCES = {
    "L": (lambda: Image.fromarray(u8()), "L", (H, W), False),
    "I;16": (
        lambda: Image.fromarray(RNG.integers(0, 65536, (H, W), dtype=np.uint16)),
        "I;16",
        (H, W),
        False,
    ),
    "RGB": (lambda: Image.fromarray(u8(3)), "RGB", (H, W, 3), False),
    "RGBA": (lambda: Image.fromarray(u8(4)), "RGBA", (H, W, 3), True),
    "LA": (lambda: Image.fromarray(u8(2)), "LA", (H, W), True),
    "P": (lambda: palette_image(False), "RGB", (H, W, 3), False),
    "P+transparency": (lambda: palette_image(True), "RGBA", (H, W, 3), True),
    "1": (lambda: Image.fromarray(u8() > 127), "L", (H, W), False),
}


@pytest.mark.parametrize("name", SOURCES)
def test_every_mode_round_trips_through_png(name, tmp_path):
    make, mode, shape, has_alpha = SOURCES[name]
    source = make()
    data = read_image(encode(source, "PNG"))
    assert (data.mode, data.pixels.shape, data.pixels.dtype) == (mode, shape, np.float32)
    assert (data.alpha is not None) == has_alpha
    assert data.source_mode == source.mode and data.format == "PNG"
    write_image(data.pixels, data, tmp_path / "out.png")
    back = Image.open(tmp_path / "out.png")
    assert back.mode == mode
    expected = source.convert(mode) if source.mode in ("P", "1") else source
    np.testing.assert_array_equal(np.asarray(back), np.asarray(expected))


def test_bit_depths():
    assert read_image(encode(SOURCES["I;16"][0](), "PNG")).bits == 16
    assert read_image(encode(SOURCES["I;16"][0](), "PNG")).maxval == 65535
    assert read_image(encode(SOURCES["RGB"][0](), "PNG")).bits == 8


LOSSLESS = [("PNG", ".png"), ("TIFF", ".tif"), ("BMP", ".bmp"), ("GIF", ".gif")]
LOSSY = [("JPEG", ".jpg"), ("WEBP", ".webp")]


@pytest.mark.parametrize(("fmt", "suffix"), LOSSLESS + LOSSY)
@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_formats_round_trip(fmt, suffix, mode, tmp_path):
    smooth = np.add.outer(np.arange(H) * 4, np.arange(W) * 3).astype(np.uint8)
    array = smooth if mode == "L" else np.dstack([smooth, smooth[::-1], 255 - smooth])
    if fmt == "GIF":  # few colours, so that the palette holds them all
        array = array // 64 * 64
    data = read_image(encode(Image.fromarray(array), fmt))
    assert data.format == fmt
    write_image(data.pixels, data, tmp_path / f"out{suffix}")
    back = np.asarray(Image.open(tmp_path / f"out{suffix}").convert(data.mode)).astype(float)
    if (fmt, suffix) in LOSSLESS:
        np.testing.assert_array_equal(back, data.pixels)
    else:
        assert np.abs(back - data.pixels).mean() < 3


def test_alpha_survives_tiff_and_webp(tmp_path):
    rgba = u8(4)
    data = read_image(encode(Image.fromarray(rgba), "PNG"))
    for suffix in (".tif", ".webp"):
        write_image(data.pixels, data, tmp_path / f"out{suffix}")
        back = np.asarray(Image.open(tmp_path / f"out{suffix}"))
        np.testing.assert_array_equal(back[..., 3], rgba[..., 3])


def test_gif_reads_the_first_frame():
    frames = [Image.fromarray(np.full((H, W), v, np.uint8)) for v in (10, 200)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    data = read_image(buffer.getvalue())
    assert np.all(data.pixels == 10)


def test_32_bit_int_and_float_tiffs(tmp_path):
    ints = RNG.integers(-(2**20), 2**20, (H, W), dtype=np.int32)
    data = read_image(encode(Image.fromarray(ints), "TIFF"))
    assert (data.mode, data.bits) == ("I", 32)
    write_image(data.pixels, data, tmp_path / "i.tif")
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "i.tif")), ints)
    floats = RNG.normal(size=(H, W)).astype(np.float32)
    data = read_image(encode(Image.fromarray(floats), "TIFF"))
    assert (data.mode, data.value_range) == ("F", None)
    write_image(data.pixels * 1000, data, tmp_path / "f.tif")
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "f.tif")), floats * 1000)
    with pytest.raises(OutputError, match=r"float values can only be written as \.tif/\.tiff"):
        write_image(data.pixels, data, tmp_path / "f.png")


def grey(values):
    array = np.asarray(values, dtype=np.uint8).reshape(1, -1)
    return read_image(encode(Image.fromarray(array), "PNG"))


def written(tmp_path, pixels, like, **options):
    write_image(
        np.asarray(pixels, dtype=np.float32).reshape(like.pixels.shape),
        like,
        tmp_path / "o.png",
        **options,
    )
    return np.asarray(Image.open(tmp_path / "o.png")).ravel().tolist()


def test_round_and_clip(tmp_path):
    like = grey(np.zeros(6))
    values = [-3.0, 0.5, 1.5, 2.49, 254.6, 300.0]
    assert written(tmp_path, values, like) == np.clip(np.rint(values), 0, 255).tolist()


def test_bias_abs_normalize(tmp_path):
    like = grey(np.zeros(5))
    values = np.array([-100.0, -20.0, 0.0, 30.0, 60.0])
    assert (
        written(tmp_path, values, like, bias=128) == np.clip(np.rint(values + 128), 0, 255).tolist()
    )
    assert written(tmp_path, values, like, abs_=True) == np.abs(values).tolist()
    expected = np.rint((values - values.min()) / np.ptp(values) * 255)
    assert written(tmp_path, values, like, normalize=True) == expected.tolist()
    shifted = np.abs(values - 50)
    expected = np.rint((shifted - shifted.min()) / np.ptp(shifted) * 255)
    assert written(tmp_path, values, like, bias=-50, abs_=True, normalize=True) == expected.tolist()
    assert written(tmp_path, np.full(5, 7.0), like, normalize=True) == [0] * 5


def test_sixteen_bit_output_clips_to_65535(tmp_path):
    like = read_image(encode(Image.fromarray(np.zeros((1, 3), np.uint16)), "PNG"))
    write_image(np.array([[-5.0, 1000.4, 70000.0]]), like, tmp_path / "o.png")
    assert np.asarray(Image.open(tmp_path / "o.png")).tolist() == [[0, 1000, 65535]]


def test_npy_output_is_the_raw_float_map(tmp_path):
    like = grey(np.zeros(3))
    write_image(np.array([[-3.5, 0.25, 400.0]]), like, tmp_path / "o.npy", bias=1)
    out = np.load(tmp_path / "o.npy")
    assert out.dtype == np.float32 and out.tolist() == [[-2.5, 1.25, 401.0]]


def test_raw_tiff_and_its_colour_limit(tmp_path):
    like = grey(np.zeros(3))
    write_image(np.array([[-3.5, 0.25, 400.0]]), like, tmp_path / "o.tif", raw=True)
    assert np.asarray(Image.open(tmp_path / "o.tif")).tolist() == [[-3.5, 0.25, 400.0]]
    colour = read_image(encode(Image.fromarray(u8(3)), "PNG"))
    with pytest.raises(
        OutputError, match=r"no multi-channel float TIFF; write the 3-channel float map as \.npy"
    ):
        write_image(colour.pixels, colour, tmp_path / "c.tif", raw=True)
    assert not (tmp_path / "c.tif").exists()


def test_unwritable_combinations_leave_no_file(tmp_path):
    rgba = read_image(encode(Image.fromarray(u8(4)), "PNG"))
    with pytest.raises(OutputError, match="cannot write a RGBA image as JPEG"):
        write_image(rgba.pixels, rgba, tmp_path / "o.jpg")
    deep = read_image(encode(SOURCES["I;16"][0](), "PNG"))
    with pytest.raises(OutputError, match="cannot write a I;16 image as JPEG"):
        write_image(deep.pixels, deep, tmp_path / "o.jpg")
    with pytest.raises(OutputError, match="unknown image extension '.xyz'"):
        write_image(rgba.pixels, rgba, tmp_path / "o.xyz")
    assert list(tmp_path.iterdir()) == []


def test_stdout_uses_the_input_format(capsysbinary):
    data = read_image(encode(Image.fromarray(u8(3)), "BMP"))
    write_image(data.pixels, data, "-")
    assert capsysbinary.readouterr().out[:2] == b"BM"


def test_reads_paths_and_stdin(tmp_path, monkeypatch):
    path = tmp_path / "in.png"
    path.write_bytes(encode(Image.fromarray(u8()), "PNG"))
    assert read_image(path).pixels.shape == (H, W)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    assert read_image("-").pixels.shape == (H, W)


def test_truncated_and_non_images(tmp_path):
    whole = encode(Image.fromarray(u8(3)), "PNG")
    with pytest.raises(InputError, match="truncated or corrupt"):
        read_image(whole[: len(whole) // 2])
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(InputError, match=rf"^{path}: not an image file"):
        read_image(path)
    with pytest.raises(InputError, match="no such file"):
        read_image(tmp_path / "missing.png")


@pytest.mark.parametrize("limit", [H * W - 1, (H * W) // 2 - 1])
def test_decompression_bomb_is_refused_naming_the_limit(limit, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    with pytest.raises(InputError, match=f"more than {limit:,} pixels"):
        read_image(encode(Image.fromarray(u8()), "PNG"))


def test_default_output_path():
    assert str(default_output_path("dir/photo.png", "gaussian")) == "dir/photo.gaussian.png"
    assert str(default_output_path("a.b.jpg", "gauss(sigma=2)")) == "a.b.gauss-sigma=2.jpg"
    assert str(default_output_path("x.tif", "../../etc/passwd")) == "x.etc-passwd.tif"
    assert str(default_output_path("x.tif", "???")) == "x.filtered.tif"
    with pytest.raises(OutputError, match="the input is stdin"):
        default_output_path("-", "box")


def test_png_strategy_and_explicit_level(tmp_path):
    smooth = np.add.outer(np.arange(64), np.arange(64)).astype(np.uint8)
    data = read_image(encode(Image.fromarray(smooth), "PNG"))
    write_image(data.pixels, data, tmp_path / "rle.png")
    write_image(data.pixels, data, tmp_path / "l9.png", compress_level=9)
    write_image(data.pixels, data, tmp_path / "l0.png", compress_level=0)
    sizes = {p.stem: p.stat().st_size for p in tmp_path.iterdir()}
    assert sizes["l0"] > sizes["rle"] and sizes["l0"] > sizes["l9"]
    for path in tmp_path.iterdir():
        np.testing.assert_array_equal(np.asarray(Image.open(path)), smooth)
