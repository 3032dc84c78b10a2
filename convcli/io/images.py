"""Images in and out through Pillow (imported only when an image is read or written).

Colour channels become float32 pixels for the engine; an alpha channel is kept aside and
re-attached unchanged. Output keeps the input's mode and bit depth unless asked otherwise.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from convcli.errors import InputError, OutputError
from convcli.io.arrays import write_array
from convcli.io.atomic import atomic_output
from convcli.io.sources import STDIO, Source, read_bytes, source_name
from convcli.settings import check_memory

if TYPE_CHECKING:
    from PIL.Image import Image

PNG_RLE = 3
"""zlib's Z_RLE strategy: PNG output's default. On 2048² photos and filter outputs it encoded
in 0.13–0.39 s to 0.98–1.05× ImageMagick's size, where zlib levels 1/3/6 took 0.15–1.8 s and
level 1 wrote up to 2.4× the size (flat images); see write_image's ``compress_level``."""

JPEG_QUALITY = 92
WEBP_QUALITY = 90

FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".webp": "WEBP",
    ".gif": "GIF",
}
"""Output formats by file extension (``.npy`` writes the raw float32 values instead)."""

_RANGES = {
    "L": (0.0, 255.0),
    "LA": (0.0, 255.0),
    "RGB": (0.0, 255.0),
    "RGBA": (0.0, 255.0),
    "I;16": (0.0, 65535.0),
    "I": (-(2.0**31), 2.0**31 - 1),
}
_DTYPES = {"I;16": np.uint16, "I": np.int32}
_TO_RGB = {"CMYK", "YCbCr", "LAB", "HSV", "RGBX"}
_ICC_FORMATS = {"PNG", "JPEG", "TIFF", "WEBP"}


@dataclass
class ImageData:
    """An image as the engine sees it, plus what it takes to write a result the same way.

    ``pixels`` is float32, H×W (grey) or H×W×3 (colour), colour channels only; ``alpha`` is
    the untouched alpha channel or None. ``mode`` is the Pillow mode written back: ``L``,
    ``LA``, ``RGB``, ``RGBA``, ``I;16`` (16-bit grey), ``I`` (32-bit int) or ``F`` (float).
    """

    pixels: np.ndarray
    alpha: np.ndarray | None
    mode: str
    format: str | None
    source_mode: str
    icc_profile: bytes | None = None

    @property
    def value_range(self) -> tuple[float, float] | None:
        """The integer range written values are clipped to; None for float images."""
        return _RANGES.get(self.mode)

    @property
    def maxval(self) -> float:
        """The largest pixel value of the mode (1.0 for float images)."""
        return self.value_range[1] if self.value_range else 1.0

    @property
    def bits(self) -> int:
        """Bits per channel."""
        return {"I;16": 16, "I": 32, "F": 32}.get(self.mode, 8)


_BYTES_PER_VALUE = 13
"""Bytes a job holds per decoded value: the codec's 8 bits, float32 pixels, a float64 result."""


def read_image(source: Source) -> ImageData:
    """Read the image (the first frame of an animation) at a path, ``-``, bytes or a stream.

    PNG, JPEG, TIFF, BMP, WebP and GIF. Palette images become RGB (RGBA when they have
    transparency) and 1-bit images L. A truncated or unreadable file, or one with more pixels
    than ``PIL.Image.MAX_IMAGE_PIXELS`` (a guard against decompression bombs), raises
    InputError.
    """
    from PIL import Image, UnidentifiedImageError

    name = source_name(source)
    data = read_bytes(source)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            check_memory(image.width * image.height * len(image.getbands()) * _BYTES_PER_VALUE,
                         f"{name}: {image.width}×{image.height} {image.mode}, decoded and filtered")
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InputError(
                f"{name}: the image has more than {Image.MAX_IMAGE_PIXELS:,} pixels, the limit "
                "that guards against decompression bombs"
            ) from None
        except UnidentifiedImageError:
            raise InputError(
                f"{name}: not an image file convcli can read (PNG, JPEG, TIFF, BMP, WebP, GIF)"
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            raise InputError(f"{name}: the image is truncated or corrupt ({e})") from None
    source_mode, source_format = image.mode, image.format
    image = _usable(image, name)
    array = np.asarray(image)
    mode = "I;16" if image.mode.startswith("I;16") else image.mode
    alpha = None
    if mode in ("LA", "RGBA"):
        alpha, array = array[..., -1].copy(), array[..., :-1]
        if mode == "LA":
            array = array[..., 0]
    return ImageData(
        pixels=array.astype(np.float32),
        alpha=alpha,
        mode=mode,
        format=source_format,
        source_mode=source_mode,
        icc_profile=image.info.get("icc_profile"),
    )


def _usable(image: Image, name: str) -> Image:
    """``image`` in one of the modes ImageData holds."""
    mode = image.mode
    if mode == "1":
        return image.convert("L")
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if mode == "PA":
        return image.convert("RGBA")
    if mode in _TO_RGB:
        return image.convert("RGB")
    if mode in _RANGES or mode == "F" or mode.startswith("I;16"):
        return image
    raise InputError(f"{name}: unsupported image mode {mode}")


def write_image(
    pixels: np.ndarray,
    like: ImageData,
    dest: str | os.PathLike[str],
    *,
    abs_: bool = False,
    normalize: bool = False,
    bias: float = 0.0,
    compress_level: int | None = None,
    raw: bool = False,
) -> None:
    """Write filtered ``pixels`` (shaped like ``like.pixels``) to ``dest``, atomically.

    Values get ``bias`` added, then optionally their magnitude (``abs_``), then optionally a
    stretch of their min..max onto 0..``maxval`` (``normalize``; 0..1 for float output). Integer
    modes are then rounded to nearest (ties to even), clipped to the mode's range and written
    in ``like``'s mode with its alpha re-attached. The format comes from ``dest``'s extension
    (``like``'s format for ``-``). ``.npy`` writes the float32 values; ``raw`` (or a float
    input) writes a 32-bit float TIFF, which Pillow has for one channel only: a colour float
    map raises OutputError asking for ``.npy``. PNG uses zlib's fast run-length strategy
    unless ``compress_level`` (0–9) asks for classic deflate at that level.
    """
    from PIL import Image

    suffix = "" if str(dest) == STDIO else Path(dest).suffix.lower()
    raw = raw or suffix == ".npy" or like.mode == "F"
    values = _transformed(pixels, like, abs_=abs_, normalize=normalize, bias=bias, raw=raw)
    if suffix == ".npy":
        write_array(values.astype(np.float32), dest)
        return
    if suffix:
        fmt = FORMATS.get(suffix)
    else:
        fmt = like.format if like.format in FORMATS.values() else "PNG"
    if fmt is None:
        known = ", ".join(sorted(FORMATS)) + ", .npy"
        raise OutputError(f"{dest}: unknown image extension {suffix!r}; use one of {known}")
    if raw:
        if fmt != "TIFF":
            raise OutputError(f"{dest}: float values can only be written as .tif/.tiff or .npy")
        if values.ndim == 3:
            raise OutputError(
                f"{dest}: Pillow has no multi-channel float TIFF; write the {values.shape[2]}-"
                "channel float map as .npy instead"
            )
        image = Image.fromarray(values.astype(np.float32))
    else:
        image = Image.fromarray(_with_alpha(values.astype(_DTYPES.get(like.mode, np.uint8)), like))
    params = _save_params(fmt, like, compress_level)
    with atomic_output(dest) as out:
        try:
            image.save(out, format=fmt, **params)
        except (OSError, KeyError, ValueError) as e:
            raise OutputError(
                f"{dest}: cannot write a {image.mode} image as {fmt} ({e}); "
                "write .png or .tif instead, or .npy for the raw values"
            ) from None


def _transformed(
    pixels: np.ndarray, like: ImageData, *, abs_: bool, normalize: bool, bias: float, raw: bool
) -> np.ndarray:
    """The values to write, after bias, abs, normalize and (integer output) round and clip."""
    integer = not raw
    dtype = np.float64 if like.mode == "I" else np.float32
    values = np.array(pixels, dtype=dtype)
    if values.shape != like.pixels.shape and values.shape != like.pixels.shape[:2] + (1,):
        raise ValueError(f"pixels have shape {values.shape}, the image has {like.pixels.shape}")
    values = values.reshape(like.pixels.shape)
    if bias:
        values += bias
    if abs_:
        np.abs(values, out=values)
    if normalize:
        low, high = float(values.min()), float(values.max())
        top = like.maxval if integer else 1.0
        if high > low:
            values -= low
            values *= top / (high - low)
        else:
            values[...] = 0
    if integer:
        low, high = like.value_range
        np.rint(values, out=values)
        np.clip(values, low, high, out=values)
    return values


def _with_alpha(values: np.ndarray, like: ImageData) -> np.ndarray:
    if like.alpha is None:
        return values
    if values.ndim == 2:
        return np.stack([values, like.alpha], axis=-1)
    return np.dstack([values, like.alpha])


def _save_params(fmt: str, like: ImageData, compress_level: int | None) -> dict:
    params: dict = {}
    if fmt == "PNG" and compress_level is None:
        params["compress_type"] = PNG_RLE
    elif fmt == "PNG":
        params["compress_level"] = compress_level
    elif fmt == "JPEG":
        params["quality"] = JPEG_QUALITY
    elif fmt == "WEBP":
        params["quality"] = WEBP_QUALITY
    if like.icc_profile and fmt in _ICC_FORMATS:
        params["icc_profile"] = like.icc_profile
    return params


def default_output_path(input_path: str | os.PathLike[str], kernel_label: str) -> Path:
    """``<stem>.<kernel>.<ext>`` beside the input, the label made safe for a file name."""
    if str(input_path) == STDIO:
        raise OutputError("the input is stdin: name an output file (or - for stdout)")
    path = Path(input_path)
    label = re.sub(r"[^A-Za-z0-9_.=+-]+", "-", kernel_label).strip("-._")[:64] or "filtered"
    return path.with_name(f"{path.stem}.{label}{path.suffix}")
