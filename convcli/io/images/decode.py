"""Decoding every layout and bit depth: imagecodecs (libpng) for PNG, tifffile for TIFF, Pillow
for JPEG, WebP, BMP, GIF, APNG, palette and bilevel files. Nothing is narrowed: 16-bit stays
16-bit, float TIFFs keep all their channels, every frame is read."""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from convcli.errors import InputError
from convcli.io.images import png_bands
from convcli.io.images.data import ImageData
from convcli.io.images.frames import check_declared_size, split_alpha, stack
from convcli.io.images.metadata import (
    PNG_SIGNATURE,
    Metadata,
    pillow_metadata,
    png_chunks,
    png_metadata,
    tiff_metadata,
)
from convcli.io.sources import Source, read_bytes, source_name

READABLE = "PNG, JPEG, TIFF, BMP, WebP, GIF"


def sniff(data: bytes) -> str | None:
    """The format named by a file's first bytes, or None.

    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n...."), sniff(b"GIF89a"), sniff(b"hello")
    ('PNG', 'GIF', None)
    """
    if data.startswith(PNG_SIGNATURE):
        return "PNG"
    if data[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return "TIFF"
    if data.startswith(b"\xff\xd8"):
        return "JPEG"
    if data.startswith(b"GIF8"):
        return "GIF"
    if data.startswith(b"BM"):
        return "BMP"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def read_image(source: Source, *, progressive: bool = False) -> ImageData:
    """Read every frame of the image at a path, ``-``, bytes or a stream.

    A truncated or corrupt file, one whose header declares more pixels (over all frames)
    than ``frames.MAX_PIXELS``, or one that is no image raises InputError naming it.
    ``progressive``: an 8/16-bit non-interlaced PNG comes back with its rows still to be
    decoded by ``ImageData.rest`` (which raises that InputError if they are bad).
    """
    name = source_name(source)
    data = read_bytes(source)
    fmt = sniff(data)
    if fmt is None:
        raise InputError(f"{name}: not an image file convcli can read ({READABLE}); "
                         "convert it to PNG or TIFF first")
    with _codec_errors(name, fmt):
        if fmt == "PNG":
            return _read_png(name, data, progressive)
        if fmt == "TIFF":
            return _read_tiff(name, data)
        if fmt == "JPEG":
            return _read_jpeg(name, data)
        return _read_pillow(name, data)


@contextmanager
def _codec_errors(name: str, fmt: str) -> Iterator[None]:
    """A codec's errors inside the block as the InputError naming the file (every codec has
    its own error types; all mean a bad file here); InputErrors pass as they are."""
    try:
        yield
    except InputError:
        raise
    except MemoryError:
        raise InputError(f"{name}: too large to decode in memory") from None
    except Exception as e:
        raise InputError(f"{name}: the {fmt} file is truncated or corrupt ({e}); re-export "
                         "it or check the download") from None


def _reported(name: str, rows: Iterator[int]) -> Iterator[int]:
    """``rows``, its codec's errors as the InputError :func:`read_image` raises."""
    with _codec_errors(name, "PNG"):
        yield from rows


def _read_png(name: str, data: bytes, progressive: bool = False) -> ImageData:
    chunks = png_chunks(data)
    kinds = dict(chunks)
    header = kinds.get(b"IHDR")
    if header is None or len(header) != 13:
        raise InputError(f"{name}: PNG without a valid IHDR header; the file is corrupt")
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    frames = struct.unpack(">I", kinds[b"acTL"][:4])[0] if b"acTL" in kinds else 1
    check_declared_size(name, width, height, frames)
    if b"acTL" in kinds or b"tRNS" in kinds or (b"iCCP" in kinds and colour in (0, 4)):
        # Pillow for animation and transparency; libpng warns on stderr about colour ICC
        # profiles in grey files
        return _read_pillow(name, data)
    colour_mode = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}.get(colour, "?")
    if progressive and png_bands.streams(depth, colour, header[12]):
        samples = np.empty((1, height, width, png_bands.SAMPLES_PER_PIXEL[colour]),
                           np.uint8 if depth == 8 else np.uint16)
        rows = _reported(name, png_bands.decode_bands(data, header, samples[0]))
        alpha = colour in (4, 6)  # views: the rows are still to come
        return ImageData(samples[..., :-1] if alpha else samples,
                         samples[..., -1] if alpha else None, "PNG", png_metadata(chunks),
                         source_mode=f"{colour_mode};{depth}", rest=rows)
    import imagecodecs

    samples = stack(name, [imagecodecs.png_decode(data)])
    if samples.shape[1:3] != (height, width):
        raise InputError(f"{name}: decodes to {samples.shape[2]}×{samples.shape[1]}, its "
                         f"header says {width}×{height}; the file is corrupt")
    colour_part, alpha = split_alpha(samples, samples.shape[-1] in (2, 4))
    return ImageData(colour_part, alpha, "PNG", png_metadata(chunks),
                     source_mode=f"{colour_mode};{depth}")


_TIFF_DIRECT = {1, 2}  # MINISBLACK, RGB: read as stored; others (palette, CMYK…) via Pillow


def _read_tiff(name: str, data: bytes) -> ImageData:
    import tifffile

    with tifffile.TiffFile(io.BytesIO(data)) as tif:
        pages = list(tif.pages)
        total = sum(p.imagewidth * p.imagelength for p in pages)
        first = pages[0]
        check_declared_size(name, first.imagewidth, first.imagelength,
                            -(-total // max(1, first.imagewidth * first.imagelength)))
        if int(first.photometric) not in _TIFF_DIRECT or first.bitspersample < 8:
            return _read_pillow(name, data)
        frames = []
        for page in pages:
            array = page.asarray()
            axes = page.axes
            if "S" in axes and axes.index("S") != len(axes) - 1:
                array = np.moveaxis(array, axes.index("S"), -1)
            frames.append(array)
        samples = stack(name, frames)
        if samples.dtype.kind == "f":
            samples = samples.astype(np.float32, copy=False)
        elif samples.dtype.kind == "b":
            samples = samples.astype(np.uint8) * np.uint8(255)
        extra = tuple(first.extrasamples or ())
        alpha = bool(extra) and extra[-1] in (1, 2) and samples.dtype.kind in "ui" and \
            samples.shape[-1] in (2, 4)
        colour_part, alpha_part = split_alpha(samples, alpha)
        meta = tiff_metadata(first)
    return ImageData(np.ascontiguousarray(colour_part), alpha_part, "TIFF", meta,
                     source_mode=f"{first.photometric.name};{first.bitspersample}")


def _read_jpeg(name: str, data: bytes) -> ImageData:
    """Grey and RGB JPEG through imagecodecs' libjpeg-turbo (0.33 s for a 4096² photo where
    Pillow's path took 1.9 s, loaded machine); CMYK and others through Pillow."""
    from PIL import Image

    header = Image.open(io.BytesIO(data))  # reads the header only
    if header.mode not in ("L", "RGB"):
        return _read_pillow(name, data)
    check_declared_size(name, header.width, header.height)
    import imagecodecs

    samples = stack(name, [imagecodecs.jpeg8_decode(data)])
    return ImageData(samples, None, "JPEG", pillow_metadata(header.info),
                     source_mode=header.mode)


_PILLOW_KEEP = {"L": np.uint8, "LA": np.uint8, "RGB": np.uint8, "RGBA": np.uint8,
                "I": np.int32, "F": np.float32}


def _read_pillow(name: str, data: bytes) -> ImageData:
    from PIL import Image, ImageSequence

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        frame_count = getattr(image, "n_frames", 1)
        check_declared_size(name, image.width, image.height, frame_count)
        source_mode, fmt = image.mode, image.format
        meta = pillow_metadata(image.info)
        decoded, durations = [], []
        for frame in ImageSequence.Iterator(image):
            frame.load()
            durations.append(float(frame.info.get("duration", 0) or 0))
            decoded.append(frame.copy())
    wants_alpha = any(_has_alpha(f) for f in decoded)
    arrays = [_pillow_array(f, wants_alpha) for f in decoded]
    samples = stack(name, arrays)
    alpha = wants_alpha or (source_mode in ("LA", "RGBA") and samples.dtype == np.uint8)
    colour_part, alpha_part = split_alpha(samples, alpha and samples.shape[-1] in (2, 4))
    if frame_count > 1 or fmt in ("GIF", "PNG", "WEBP") and meta.loop is not None:
        meta = Metadata(meta.icc, meta.exif, meta.dpi, durations, meta.loop)
    return ImageData(np.ascontiguousarray(colour_part), alpha_part, fmt or "?", meta,
                     source_mode=source_mode)


def _has_alpha(frame) -> bool:
    return frame.mode in ("LA", "RGBA", "PA") or (
        frame.mode in ("P", "L", "RGB") and "transparency" in frame.info)


def _pillow_array(frame, alpha: bool) -> np.ndarray:
    mode = frame.mode
    if mode.startswith("I;16"):
        return np.asarray(frame).astype(np.uint16)
    if mode == "I" and frame.format == "PNG":  # Pillow's name for 16-bit grey PNG
        return np.asarray(frame).astype(np.uint16)
    if mode in _PILLOW_KEEP and not (alpha and mode in ("L", "RGB")):
        return np.asarray(frame).astype(_PILLOW_KEEP[mode], copy=False)
    if mode == "1":
        return np.asarray(frame.convert("LA" if alpha else "L"))
    grey = mode in ("L", "LA")
    target = ("LA" if alpha else "L") if grey else ("RGBA" if alpha else "RGB")
    return np.asarray(frame.convert(target))
