"""convcli.io.images against the codec libraries' own encoders and decoders."""

import errno
import io
import os
import struct
import zlib

import imagecodecs
import numpy as np
import pytest
import tifffile
from PIL import Image

from convcli.errors import InputError, OutputError
from convcli.io.images import default_output_path, read_image, target_for, write_image
from convcli.io.images.metadata import exif_with_orientation, orientation

RNG = np.random.default_rng(3)
H, W = 24, 32
LAYOUTS = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}


def samples(layout, dtype):
    top = np.iinfo(dtype).max
    array = RNG.integers(0, top + 1, (H, W, LAYOUTS[layout]), dtype=np.int64).astype(dtype)
    return array[..., 0] if layout == "L" else array


def split(array, layout):
    """(colour (1, H, W, C), alpha (1, H, W) or None) as ImageData holds them."""
    array = array[..., None] if array.ndim == 2 else array
    if layout in ("LA", "RGBA"):
        return array[None, ..., :-1], array[None, ..., -1]
    return array[None], None


def pillow_bytes(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_png_decodes_every_layout_and_depth_exactly(layout, dtype):
    array = samples(layout, dtype)
    image = read_image(imagecodecs.png_encode(array))
    colour, alpha = split(array, layout)
    assert (image.mode, image.bits, image.format) == (layout, dtype(0).itemsize * 8, "PNG")
    np.testing.assert_array_equal(image.frames, colour)
    np.testing.assert_array_equal(image.alpha, alpha)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_tiff_decodes_every_layout_and_depth_exactly(layout, dtype):
    array = samples(layout, dtype)
    buffer = io.BytesIO()
    extra = [2] if layout in ("LA", "RGBA") else None
    photometric = "rgb" if layout.startswith("RGB") else "minisblack"
    tifffile.imwrite(buffer, array, photometric=photometric, extrasamples=extra,
                     planarconfig="contig" if array.ndim == 3 else None)
    image = read_image(buffer.getvalue())
    colour, alpha = split(array, layout)
    assert (image.mode, image.bits) == (layout, dtype(0).itemsize * 8)
    np.testing.assert_array_equal(image.frames, colour)
    np.testing.assert_array_equal(image.alpha, alpha)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_png_and_tiff_encode_every_layout_and_depth_exactly(layout, dtype, tmp_path):
    array = samples(layout, dtype)
    image = read_image(imagecodecs.png_encode(array))
    colour = image.frames[0].astype(np.float64)
    for suffix, decode in ((".png", imagecodecs.png_decode), (".tif", tifffile.imread)):
        write_image(colour, image, tmp_path / f"o{suffix}")
        back = decode((tmp_path / f"o{suffix}").read_bytes()) if suffix == ".png" \
            else decode(tmp_path / f"o{suffix}")
        assert back.dtype == dtype
        np.testing.assert_array_equal(back, array)


def test_png_bands_join_into_one_valid_stream(tmp_path):
    from convcli.io.images.png import PngWriter

    array = RNG.integers(0, 65536, (50, 7, 3)).astype(np.uint16)
    with open(tmp_path / "b.png", "wb") as out:
        writer = PngWriter(out, 50, 7, 3, np.uint16)
        for start in range(0, 50, 9):
            writer.rows(array[start:start + 9])
        writer.close()
    np.testing.assert_array_equal(imagecodecs.png_decode((tmp_path / "b.png").read_bytes()),
                                  array)


def test_float_tiff_keeps_every_channel(tmp_path):
    floats = RNG.normal(size=(H, W, 5)).astype(np.float32)
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, floats, photometric="minisblack", planarconfig="contig")
    image = read_image(buffer.getvalue())
    assert (image.mode, image.channels, image.alpha) == ("F5", 5, None)
    np.testing.assert_array_equal(image.frames[0], floats)
    write_image(image.frames[0] * 2, image, tmp_path / "f.tif")
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "f.tif"), floats * 2)
    with pytest.raises(OutputError, match="float samples"):
        write_image(image.frames[0], image, tmp_path / "f.png")


def test_raw_writes_float32_with_any_channels(tmp_path):
    image = read_image(imagecodecs.png_encode(samples("RGBA", np.uint8)))
    values = image.frames[0] - 100.5
    write_image(values, image, tmp_path / "r.tif", raw=True)
    back = tifffile.imread(tmp_path / "r.tif")
    assert back.dtype == np.float32 and back.shape == (H, W, 3)
    np.testing.assert_array_equal(back, values.astype(np.float32))
    with pytest.raises(OutputError, match="--raw writes 32-bit floats"):
        write_image(values, image, tmp_path / "r.png", raw=True)


@pytest.mark.parametrize("source", ["P", "1", "P+transparency"])
def test_palette_and_bilevel(source):
    rgb = Image.fromarray(samples("RGB", np.uint8))
    image = rgb.convert("1") if source == "1" else rgb.convert("P")
    if source == "P+transparency":
        image.info["transparency"] = 0
    data = read_image(pillow_bytes(image, "PNG"))
    expected = np.asarray(Image.open(io.BytesIO(pillow_bytes(image, "PNG"))).convert(
        {"1": "L", "P": "RGB", "P+transparency": "RGBA"}[source]))
    colour, alpha = split(expected, {"1": "L", "P": "RGB", "P+transparency": "RGBA"}[source])
    np.testing.assert_array_equal(data.frames, colour)
    np.testing.assert_array_equal(data.alpha, alpha)


def test_cmyk_jpeg_becomes_rgb_as_pillow_decodes_it():
    cmyk = Image.fromarray(samples("RGBA", np.uint8), "RGBA").convert("CMYK")
    data = pillow_bytes(cmyk, "JPEG", quality=95)
    image = read_image(data)
    assert (image.mode, image.source_mode) == ("RGB", "CMYK")
    np.testing.assert_array_equal(image.frames[0], np.asarray(Image.open(io.BytesIO(data))
                                                              .convert("RGB")))


@pytest.mark.parametrize("fmt", ["WEBP", "BMP", "GIF", "JPEG"])
def test_pillow_formats_decode_as_their_codec_does(fmt):
    source = Image.fromarray(samples("RGB", np.uint8) // 64 * 64)
    data = pillow_bytes(source, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    image = read_image(data)
    assert image.format == fmt
    expected = imagecodecs.jpeg8_decode(data) if fmt == "JPEG" else \
        np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    np.testing.assert_array_equal(image.frames[0], expected)


def gif_frames(values=(10, 120, 240), durations=(40, 80, 120)):
    frames = [Image.fromarray(np.full((H, W), v, np.uint8)) for v in values]
    return pillow_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:],
                        duration=list(durations), loop=2)


@pytest.mark.parametrize("suffix", [".gif", ".png", ".webp", ".tif"])
def test_every_frame_with_durations_and_loop(suffix, tmp_path):
    image = read_image(gif_frames())
    assert image.frames.shape[0] == 3 and image.meta.durations == [40, 80, 120]
    write_image(image.frames.astype(np.float32) + 1, image, tmp_path / f"o{suffix}")
    back = Image.open(tmp_path / f"o{suffix}")
    assert back.n_frames == 3
    firsts = []
    for i in range(3):
        back.seek(i)
        firsts.append(int(np.asarray(back.convert("L"))[0, 0]))
        if suffix != ".tif":
            assert back.info["duration"] == [40, 80, 120][i]
    assert firsts == [11, 121, 241] or suffix == ".webp"
    if suffix in (".gif", ".png"):
        assert back.info.get("loop") == 2


def test_multipage_tiff_and_npy_shape(tmp_path):
    pages = RNG.integers(0, 65536, (4, H, W, 3)).astype(np.uint16)
    buffer = io.BytesIO()
    with tifffile.TiffWriter(buffer) as tif:
        for page in pages:
            tif.write(page, photometric="rgb")
    image = read_image(buffer.getvalue())
    assert image.frames.shape == (4, H, W, 3)
    write_image(image.frames.astype(np.float64), image, tmp_path / "o.npy")
    assert np.load(tmp_path / "o.npy").shape == (4, H, W, 3)
    with pytest.raises(OutputError, match="4 frames and JPEG holds one|8-bit samples only"):
        write_image(image.frames, image, tmp_path / "o.jpg")


ICC = b"\0\0\0\x10fake icc profile"


def test_metadata_kept_png_jpeg_tiff(tmp_path):
    exif = exif_with_orientation(6)
    source = Image.fromarray(samples("RGB", np.uint8))
    for fmt, params in (("PNG", {}), ("JPEG", {"quality": 95})):
        data = pillow_bytes(source, fmt, icc_profile=ICC, exif=exif, dpi=(300, 300), **params)
        image = read_image(data)
        assert image.meta.icc == ICC and orientation(image.meta.exif) == 6
        for suffix in (".png", ".jpg", ".tif", ".webp"):
            write_image(image.frames[0], image, tmp_path / f"o{suffix}")
            back = Image.open(tmp_path / f"o{suffix}")
            assert back.info.get("icc_profile") == ICC, suffix
            assert back.getexif().get(0x0112) == 6, suffix
            if suffix in (".png", ".jpg", ".tif"):
                assert [round(float(v)) for v in back.info["dpi"]] == [300, 300], suffix


def png_with_header(width, height, frames=None):
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(  # noqa
        ">I", zlib.crc32(kind + body))
    parts = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header)]
    if frames:
        parts.append(chunk(b"acTL", struct.pack(">II", frames, 0)))
    parts += [chunk(b"IDAT", zlib.compress(b"\0" * 10)), chunk(b"IEND", b"")]
    return b"".join(parts)


def test_bad_input():
    whole = imagecodecs.png_encode(samples("RGB", np.uint8))
    with pytest.raises(InputError, match="truncated or corrupt"):
        read_image(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="truncated or corrupt"):
        read_image(png_with_header(W, H))  # the header promises more rows than the data
    with pytest.raises(InputError, match="decompression bombs"):
        read_image(png_with_header(60_000, 60_000))
    with pytest.raises(InputError, match=r"declares 400 frame\(s\).*decompression bombs"):
        read_image(png_with_header(1000, 1000, frames=400))
    with pytest.raises(InputError, match="not an image file"):
        read_image(b"hello, world")


def test_16_bit_cannot_go_to_jpeg_and_alpha_not_to_jpeg(tmp_path):
    deep = read_image(imagecodecs.png_encode(samples("RGB", np.uint16)))
    with pytest.raises(OutputError, match="8-bit samples only"):
        write_image(deep.frames[0], deep, tmp_path / "o.jpg")
    rgba = read_image(imagecodecs.png_encode(samples("RGBA", np.uint8)))
    with pytest.raises(OutputError, match="JPEG has no alpha"):
        write_image(rgba.frames[0], rgba, tmp_path / "o.jpg")
    with pytest.raises(OutputError, match="unknown image extension"):
        write_image(rgba.frames[0], rgba, tmp_path / "o.xyz")
    assert not list(tmp_path.iterdir())


def test_full_disk_names_the_path(tmp_path, monkeypatch):
    from convcli.io.images import png

    def full(self):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(png.PngWriter, "close", full)
    image = read_image(imagecodecs.png_encode(samples("RGB", np.uint8)))
    with pytest.raises(OutputError) as caught:
        write_image(image.frames[0], image, tmp_path / "o.png")
    assert str(caught.value).lower() == \
        f"cannot write {tmp_path / 'o.png'}: no space left on device".lower()
    assert not list(tmp_path.iterdir())


def test_round_clip_bias_abs_normalize(tmp_path):
    image = read_image(imagecodecs.png_encode(np.zeros((1, 6), np.uint8)))

    def written(values, **options):
        write_image(np.array(values, float).reshape(1, -1), image, tmp_path / "o.png",
                    **options)
        return imagecodecs.png_decode((tmp_path / "o.png").read_bytes()).ravel().tolist()

    assert written([-3, 0.5, 1.5, 2.49, 254.6, 300]) == [0, 0, 2, 2, 255, 255]
    assert written([-100, -20, 0, 30, 60, 0], bias=128) == [28, 108, 128, 158, 188, 128]
    assert written([-100, -20, 0, 30, 60, 0], abs_=True) == [100, 20, 0, 30, 60, 0]
    assert written([-100, -20, 0, 30, 60, 0], normalize=True) == [0, 128, 159, 207, 255, 159]


def test_target_for():
    image = read_image(imagecodecs.jpeg8_encode(samples("RGB", np.uint8)))
    assert target_for("-", image).format == "JPEG"
    assert target_for("png:-", image).format == "PNG"
    assert target_for("png:-", image).dest == "-"
    assert target_for("x.jpg", image, format="tiff").format == "TIFF"
    with pytest.raises(OutputError, match="unknown --format"):
        target_for("-", image, format="svg")


def test_default_output_path():
    assert default_output_path("photos/cat.png", "gaussian:sigma=2").name == \
        "cat.gaussian-sigma=2.png"
    with pytest.raises(OutputError):
        default_output_path("-", "edge")
