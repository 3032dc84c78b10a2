"""`convcli filter` on images through the installed command, checked against the codec
libraries' own decoders and scipy.ndimage."""

import subprocess
import sys
from pathlib import Path

import imagecodecs
import numpy as np
import pytest
import tifffile
from PIL import Image
from scipy import ndimage

CONVCLI = str(Path(sys.executable).parent / "convcli")
RNG = np.random.default_rng(7)
H, W = 20, 26
CHANNELS = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}


def run(*args, input=None):
    return subprocess.run([CONVCLI, *map(str, args), "-q"], input=input, capture_output=True)


def image(layout, dtype):
    top = np.iinfo(dtype).max
    array = RNG.integers(0, top + 1, (H, W, CHANNELS[layout])).astype(dtype)
    return array[..., 0] if layout == "L" else array


def decode(path):
    data = Path(path).read_bytes()
    if data.startswith(b"\x89PNG"):
        return imagecodecs.png_decode(data)
    return tifffile.imread(path)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("layout", CHANNELS)
def test_identity_round_trip_is_exact(layout, dtype, suffix, tmp_path):
    array = image(layout, dtype)
    source = tmp_path / "in.png"
    source.write_bytes(imagecodecs.png_encode(array))
    result = run("filter", source, "-k", "identity", "-o", tmp_path / f"out{suffix}")
    assert result.returncode == 0, result.stderr
    back = decode(tmp_path / f"out{suffix}")
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, array)


@pytest.mark.parametrize("suffix", [".jpg", ".webp", ".gif", ".bmp"])
def test_eight_bit_formats(suffix, tmp_path):
    smooth = np.add.outer(np.arange(H) * 4, np.arange(W) * 3).astype(np.uint8) // 64 * 64
    array = np.dstack([smooth, smooth[::-1], 255 - smooth])
    source = tmp_path / "in.png"
    source.write_bytes(imagecodecs.png_encode(array))
    assert run("filter", source, "-k", "identity", "-o", tmp_path / f"o{suffix}",
               "--quality", "95").returncode == 0
    back = np.asarray(Image.open(tmp_path / f"o{suffix}").convert("RGB")).astype(int)
    tolerance = 0 if suffix in (".gif", ".bmp") else 8
    assert np.abs(back - array).mean() <= tolerance


def test_16_bit_equals_scipy_on_the_uint16_values(tmp_path):
    array = image("RGB", np.uint16)
    source = tmp_path / "in.png"
    source.write_bytes(imagecodecs.png_encode(array))
    assert run("filter", source, "-k", "gaussian:sigma=1.5", "-o", tmp_path / "o.png"
               ).returncode == 0
    from convcli.kernels import parse_kernel

    kernel = parse_kernel("gaussian:sigma=1.5", ndim=2).values
    expected = np.clip(np.rint(ndimage.convolve(array.astype(np.float64), kernel[..., None],
                                                mode="reflect")), 0, 65535)
    np.testing.assert_array_equal(decode(tmp_path / "o.png"), expected)


GEOMETRY = [("--mode", "valid"), ("--mode", "full"), ("--stride", "2"), ("--stride", "2,1"),
            ("--dilation", "2")]


@pytest.mark.parametrize(("option", "value"), GEOMETRY)
@pytest.mark.parametrize("suffix", [".png", ".tif", ".webp", ".npy"])
def test_modes_strides_dilation_resize_colour_and_alpha(option, value, suffix, tmp_path):
    array = image("RGBA", np.uint16 if suffix != ".webp" else np.uint8)
    source = tmp_path / "in.png"
    source.write_bytes(imagecodecs.png_encode(array))
    result = run("filter", source, "-k", "box:size=3", option, value, "--boundary",
                 "nearest", "-o", tmp_path / f"o{suffix}")
    assert result.returncode == 0, result.stderr
    from convcli.engine import correlate

    kernel = np.full((3, 3), 1 / 9)
    args = {"mode": "same", "boundary": "nearest", "axes": (0, 1)}
    if option == "--mode":
        args["mode"] = value
    else:
        numbers = tuple(int(v) for v in value.split(","))
        args[option[2:]] = numbers if len(numbers) > 1 else numbers[0]
    colour = correlate(array[..., :3].astype(np.float64), kernel, **args)
    delta = np.zeros((3, 3))
    delta[1, 1] = 1
    alpha = correlate(array[..., 3].astype(np.float64), delta, **args)
    if suffix == ".npy":
        np.testing.assert_allclose(np.load(tmp_path / "o.npy"), colour, rtol=1e-5, atol=1e-2)
        return
    if suffix == ".webp":
        back = np.asarray(Image.open(tmp_path / "o.webp"))
    else:
        back = decode(tmp_path / f"o{suffix}")
    assert back.shape == colour.shape[:2] + (4,)
    np.testing.assert_array_equal(back[..., 3], alpha)
    if suffix != ".webp":
        np.testing.assert_array_equal(back[..., :3], np.clip(np.rint(colour), 0, 65535))


def test_gif_frames_and_durations_kept(tmp_path):
    frames = [Image.fromarray(np.full((H, W), v, np.uint8)) for v in (10, 120, 240)]
    source = tmp_path / "in.gif"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=[30, 60, 90],
                   loop=0)
    assert run("filter", source, "-k", "identity", "-o", tmp_path / "o.gif").returncode == 0
    back = Image.open(tmp_path / "o.gif")
    seen = []
    for i in range(back.n_frames):
        back.seek(i)
        seen.append((int(np.asarray(back.convert("L"))[0, 0]), back.info["duration"]))
    assert seen == [(10, 30), (120, 60), (240, 90)]
    assert run("filter", source, "-k", "identity", "-o", tmp_path / "o.npy").returncode == 0
    assert np.load(tmp_path / "o.npy").shape == (3, H, W, 3)


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("jpeg", b"\xff\xd8"),
                                            ("tiff", b"II*\0"), ("webp", b"RIFF"),
                                            ("npy", b"\x93NUMPY")])
def test_format_chooses_stdout_format(fmt, magic, tmp_path):
    jpeg = imagecodecs.jpeg8_encode(image("RGB", np.uint8))
    result = run("filter", "-", "-k", "identity", "--format", fmt, "-o", "-", input=jpeg)
    assert result.returncode == 0 and result.stdout.startswith(magic), result.stderr
    default = run("filter", "-", "-k", "identity", "-o", "-", input=jpeg)
    assert default.stdout.startswith(b"\xff\xd8")
    prefixed = run("filter", "-", "-k", "identity", "-o", f"{fmt}:-", input=jpeg)
    assert prefixed.stdout.startswith(magic) and not (Path.cwd() / f"{fmt}:-").exists()


@pytest.mark.parametrize("suffix", [".png", ".npy", ".tif", ".jpg"])
def test_closed_pipe_ends_quietly(suffix, tmp_path):
    fmt = {".png": "png", ".npy": "npy", ".tif": "tiff", ".jpg": "jpeg"}[suffix]
    sample = Path(__file__).resolve().parents[2] / "samples" / "astronaut.png"
    script = (f'"{CONVCLI}" filter "{sample}" -q -k edge --format {fmt} -o - '
              f'2>"{tmp_path}/err" | head -c 100 > /dev/zero; echo ${{PIPESTATUS[0]}}')
    status = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert status.stdout.strip() == "0"
    assert (tmp_path / "err").read_text() == ""


def test_bad_input_is_one_line_and_no_output(tmp_path):
    whole = imagecodecs.png_encode(image("RGB", np.uint8))
    source = tmp_path / "cut.png"
    source.write_bytes(whole[: len(whole) // 2])
    result = run("filter", source, "-o", tmp_path / "o.png")
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2 and len(lines) == 1
    assert lines[0].startswith(f"convcli: error: {source}: the PNG file is truncated")
    deep = tmp_path / "deep.png"
    deep.write_bytes(imagecodecs.png_encode(image("RGB", np.uint16)))
    result = run("filter", deep, "-o", tmp_path / "o.jpg")
    assert result.returncode == 2 and b"8-bit samples only" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.png", "deep.png"]


def test_exif_orientation_kept(tmp_path):
    from convcli.io.images.metadata import exif_with_orientation

    source = tmp_path / "in.jpg"
    Image.fromarray(image("RGB", np.uint8)).save(source, exif=exif_with_orientation(8),
                                                 icc_profile=b"\0\0\0\x10icc")
    for suffix in (".jpg", ".png", ".tif"):
        assert run("filter", source, "-k", "identity", "-o", tmp_path / f"o{suffix}"
                   ).returncode == 0
        back = Image.open(tmp_path / f"o{suffix}")
        assert back.getexif().get(0x0112) == 8 and back.info["icc_profile"] == b"\0\0\0\x10icc"


def test_convolve_command_on_an_image_with_valid_mode(tmp_path):
    source = tmp_path / "in.png"
    source.write_bytes(imagecodecs.png_encode(image("LA", np.uint8)))
    assert run("convolve", source, "box:size=5", "--mode", "valid", "-o", tmp_path / "o.png"
               ).returncode == 0
    assert imagecodecs.png_decode((tmp_path / "o.png").read_bytes()).shape == (H - 4, W - 4, 2)



def test_stdout_redirected_to_a_named_file_takes_its_extension(tmp_path):
    source = tmp_path / "in.jpg"
    source.write_bytes(imagecodecs.jpeg8_encode(image("RGB", np.uint8)))
    with open(tmp_path / "e.png", "wb") as out:
        subprocess.run([CONVCLI, "filter", str(source), "-q", "-k", "edge"], stdout=out,
                       check=True)
    assert (tmp_path / "e.png").read_bytes().startswith(b"\x89PNG")


INTEGER_KERNELS = ["edge", "sobel", "[1,2,1; 2,4,2; 1,2,1]", "[0,200,0; 200,-900,200; 0,200,0]"]


@pytest.mark.parametrize("spec", INTEGER_KERNELS)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_integral_kernels_equal_scipy_rounded_and_clipped(spec, dtype, tmp_path):
    """Exact integer sums, in int16 where the largest sum fits (8-bit), else int32: the same
    samples as scipy.ndimage (the last kernel with a fill value)."""
    from convcli.kernels import parse_kernel

    array = image("RGBA", dtype)
    source = tmp_path / "in.png"
    source.write_bytes(imagecodecs.png_encode(array))
    extra = ["--boundary", "fill", "--fill-value", "7"] if "200" in spec else []
    assert run("filter", source, "-k", spec, *extra, "-o", tmp_path / "o.png").returncode == 0
    kernel = parse_kernel(spec, ndim=2).values
    mode = {"cval": 7, "mode": "constant"} if extra else {"mode": "reflect"}
    expected = np.clip(ndimage.convolve(array[..., :3].astype(np.float64), kernel[..., None],
                                        **mode), 0, np.iinfo(dtype).max)
    got = decode(tmp_path / "o.png")
    np.testing.assert_array_equal(got[..., :3], expected)
    np.testing.assert_array_equal(got[..., 3], array[..., 3])


def test_exact_integer_type_choices():
    from convcli.cli.jobs.engine_call import EngineOptions
    from convcli.cli.jobs.image import exact_integer_type
    from convcli.io.images.data import ImageData
    from convcli.kernels import parse_kernel

    def chosen(spec, dtype, **options):
        picture = ImageData(np.zeros((1, 2, 2, 3), dtype), None, "PNG")
        return exact_integer_type(picture, parse_kernel(spec, ndim=2),
                                  EngineOptions(**{"boundary": "reflect", **options}))

    assert chosen("edge", np.uint8) == np.int16 and chosen("edge", np.uint16) == np.int32
    assert chosen("[0,200,0; 200,-900,200; 0,200,0]", np.uint8) == np.int32
    assert chosen("gaussian:sigma=1", np.uint8) is None  # fractional weights: float
    assert chosen("edge", np.uint8, boundary="fill", fillvalue=0.5) is None
    assert chosen("edge", np.uint8, boundary="fill", fillvalue=255) == np.int16
    assert chosen("edge", np.float32) is None


def test_png_cut_short_mid_image_writes_nothing(tmp_path):
    """Cut inside its image data, a PNG that decodes band by band fails before any output:
    no file, and nothing on stdout either."""
    rows = np.repeat(RNG.integers(0, 256, (1, 300, 3)), 400, axis=0).astype(np.uint8)
    rows[::7] = RNG.integers(0, 256, rows[::7].shape)
    whole = imagecodecs.png_encode(rows)
    source = tmp_path / "cut.png"
    source.write_bytes(whole[: len(whole) * 3 // 5])
    for target in ("o.png", "-"):
        result = subprocess.run([CONVCLI, "filter", source, "-k", "edge", "-q", "-o", target],
                                capture_output=True, cwd=tmp_path)
        assert result.returncode == 2 and result.stdout == b""
        lines = result.stderr.decode().splitlines()
        assert len(lines) == 1 and "the PNG file is truncated or corrupt" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.png"]


def test_png_stream_short_of_rows_fails_mid_image_without_output_file(tmp_path):
    """Whole chunks holding too few rows: found while the first bands are being written,
    one error line, and the output file never appears."""
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))

    width, height = 64, 3000
    lines = bytes((1 + width * 3) * (height - 5))  # filter None, black: five rows short
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    source = tmp_path / "short.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
                       chunk(b"IDAT", zlib.compress(lines)) + chunk(b"IEND", b""))
    result = run("filter", source, "-k", "edge", "-o", tmp_path / "o.png")
    lines_out = result.stderr.decode().splitlines()
    assert result.returncode == 2 and len(lines_out) == 1
    assert "ends after row 2995" in lines_out[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.png"]
