"""The band-by-band PNG decoder against imagecodecs' own decode of the whole file: every
layout it takes, both depths, all five PNG filters, IDAT split anywhere, bad files."""

import struct
import zlib

import imagecodecs
import numpy as np
import pytest

from convcli.errors import InputError
from convcli.io.images import png_bands, read_image

RNG = np.random.default_rng(11)
COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}
H, W = 23, 19


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + \
        struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filtered(raw: np.ndarray, kinds: list[int], bpp: int) -> bytes:
    """The rows of ``raw`` (H, bytes) filtered with the PNG filter ``kinds[row]`` (0–4), by
    the specification's formulas, one byte at a time."""
    out = bytearray()
    prior = np.zeros(raw.shape[1], np.int64)
    for row, kind in zip(raw.astype(np.int64), kinds):
        out.append(kind)
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prior[i], (prior[i - bpp] if i >= bpp else 0)
            predictor = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
            out.append((x - predictor) % 256)
        prior = row
    return bytes(out)


def png_file(array: np.ndarray, kinds: list[int], idat_size: int = 1 << 20) -> bytes:
    """A PNG of ``array`` (H, W, samples) with the given per-row filters, its zlib stream
    split into IDAT chunks of ``idat_size`` bytes (and one empty IDAT)."""
    height, width, samples = array.shape
    depth = array.dtype.itemsize * 8
    raw = np.ascontiguousarray(array, array.dtype.newbyteorder(">")).view(np.uint8)
    stream = zlib.compress(filtered(raw.reshape(height, -1), kinds, samples * depth // 8), 6)
    header = struct.pack(">IIBBBBB", width, height, depth, COLOUR_TYPES[samples], 0, 0, 0)
    idats = [chunk(b"IDAT", stream[at:at + idat_size])
             for at in range(0, len(stream), idat_size)]
    idats.insert(1, chunk(b"IDAT", b""))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + b"".join(idats) + \
        chunk(b"IEND", b"")


def decoded_in_bands(data: bytes, shape, dtype) -> tuple[np.ndarray, list[int]]:
    out = np.empty(shape, dtype)
    return out, list(png_bands.decode_bands(data, data[16:29], out))


FILTERS = {"none": [0], "sub": [1], "up": [2], "average": [3], "paeth": [4],
           "mixed": [0, 1, 2, 3, 4, 4, 3, 2, 1]}


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("samples", [1, 2, 3, 4])
def test_every_layout_depth_and_filter_equals_the_codec(samples, dtype, filters, monkeypatch):
    monkeypatch.setattr(png_bands, "BAND_BYTES", 100)  # bands of a few rows: each led by
    monkeypatch.setattr(png_bands, "INFLATE_INPUT", 7)  # the row above; inflated piecemeal
    array = RNG.integers(0, np.iinfo(dtype).max + 1, (H, W, samples)).astype(dtype)
    array[5:9] = array[4]  # runs of equal rows and pixels, as photos have
    array[:, 3:8] = array[:, 2:3]
    kinds = (FILTERS[filters] * H)[:H]
    data = png_file(array, kinds, idat_size=37)
    out, ready = decoded_in_bands(data, array.shape, dtype)
    expected = imagecodecs.png_decode(data)
    np.testing.assert_array_equal(out, expected.reshape(array.shape))
    np.testing.assert_array_equal(out, array)
    assert ready[-1] == H and len(ready) > 3 and ready == sorted(ready)


@pytest.mark.parametrize("samples", [1, 2, 3, 4])
def test_read_image_progressive_equals_the_whole_decode(samples):
    array = RNG.integers(0, 256, (H, W, samples)).astype(np.uint8)
    data = imagecodecs.png_encode(array if samples > 1 else array[..., 0])
    whole = read_image(data)
    progressive = read_image(data, progressive=True)
    assert progressive.rest is not None and whole.rest is None
    progressive.complete()
    assert progressive.rest is None and progressive.mode == whole.mode
    np.testing.assert_array_equal(progressive.frames, whole.frames)
    np.testing.assert_array_equal(progressive.alpha, whole.alpha)


def test_other_pngs_decode_whole():
    palette = imagecodecs.png_encode(RNG.integers(0, 256, (H, W, 3)).astype(np.uint8))
    header = palette[16:29]
    assert png_bands.streams(header[8], header[9], header[12])
    interlaced = header[:12] + b"\x01"
    assert not png_bands.streams(interlaced[8], interlaced[9], interlaced[12])
    assert not png_bands.streams(4, 0, 0) and not png_bands.streams(8, 3, 0)


def test_truncated_or_corrupt_image_data_is_an_input_error():
    array = RNG.integers(0, 256, (64, 64, 3)).astype(np.uint8)
    data = png_file(array, [4] * 64, idat_size=500)
    with pytest.raises(InputError, match="the PNG file is truncated or corrupt"):
        read_image(data[: len(data) // 2], progressive=True)  # at once: before any output
    at = data.index(b"IDAT") + 40
    flipped = data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]
    with pytest.raises(InputError, match="CRC error"):
        read_image(flipped, progressive=True)
    lines = (1 + 64 * 3) * 64
    short = zlib.compress(bytes(lines - 10))  # a complete stream, ten bytes short
    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    file = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", short) + \
        chunk(b"IEND", b"")
    short_image = read_image(file, progressive=True)  # found as the rows are decoded
    with pytest.raises(InputError, match="ends after row 63"):
        short_image.complete()


def test_stored_png_is_a_png_libpng_reads():
    lines = bytes(range(256)) * 1000  # more than one stored block
    header = struct.pack(">IIBBBBB", 255, 1000, 8, 0, 0, 0, 0)
    rows = np.frombuffer(lines, np.uint8).reshape(1000, 256)
    rows = rows.copy()
    rows[:, 0] = 0  # filter None on every row
    decoded = imagecodecs.png_decode(png_bands.stored_png(header, 1000, rows.tobytes()))
    np.testing.assert_array_equal(decoded, rows[:, 1:])
