"""Encoding: choosing the output format, turning filtered values into the output's samples,
and the per-format encoders (PNG streamed by ``png.PngWriter``, TIFF by tifffile, JPEG, WebP,
GIF and BMP by Pillow, .npy by numpy), each keeping the metadata its format can carry."""

from __future__ import annotations

import io
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convcli.errors import OutputError
from convcli.io.atomic import atomic_output
from convcli.io.images.data import ImageData
from convcli.io.sources import STDIO

FORMATS = {".png": "PNG", ".apng": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF",
           ".tiff": "TIFF", ".webp": "WEBP", ".gif": "GIF", ".bmp": "BMP", ".npy": "NPY"}
"""Output formats by file extension."""
NAMES = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "tiff": "TIFF", "tif": "TIFF",
         "webp": "WEBP", "gif": "GIF", "bmp": "BMP", "npy": "NPY"}
"""Output formats by ``--format`` name (and ``-o png:-`` prefix)."""
QUALITY = {"JPEG": 92, "WEBP": 90}
ANIMATED = {"PNG", "GIF", "TIFF", "WEBP", "NPY"}
SIXTEEN_BIT = {"PNG", "TIFF", "NPY"}


@dataclass(frozen=True)
class Target:
    """Where and how an image is written: ``dest`` (a path or ``-``) and its format."""

    dest: str
    format: str
    quality: int | None = None
    compress_level: int | None = None
    raw: bool = False

    @property
    def raw_values(self) -> bool:
        """True when float values are written as they are (.npy, or --raw TIFF)."""
        return self.raw or self.format == "NPY"


def target_for(output: str, like: ImageData, *, format: str | None = None,
               quality: int | None = None, compress_level: int | None = None,
               raw: bool = False) -> Target:
    """The Target for ``-o output``: ``--format`` wins, then a ``png:`` prefix, then the
    extension; ``-`` takes the extension of the file stdout is redirected to, else the
    input's format.

    >>> from convcli.io.images.data import ImageData
    >>> like = ImageData(np.zeros((1, 1, 1, 3), np.uint8), None, "JPEG")
    >>> target_for("-", like).format, target_for("png:-", like).format
    ('JPEG', 'PNG')
    >>> target_for("out.tif", like).format, target_for("-", like, format="npy").format
    ('TIFF', 'NPY')
    """
    dest = output
    prefix, sep, rest = output.partition(":")
    if sep and prefix.lower() in NAMES and rest:
        dest, format = rest, format or prefix
    if format:
        fmt = NAMES.get(format.lower())
        if fmt is None:
            raise OutputError(f"unknown --format {format!r}; use one of "
                              "png, jpeg, tiff, webp, gif, bmp, npy")
    elif dest == STDIO:
        fmt = _redirected_format() or (like.format if like.format in FORMATS.values()
                                       else "PNG")
    else:
        fmt = FORMATS.get(Path(dest).suffix.lower())
        if fmt is None:
            known = ", ".join(sorted(FORMATS))
            raise OutputError(f"{dest}: unknown image extension {Path(dest).suffix!r}; use "
                              f"one of {known}, or --format")
    if raw and fmt not in ("TIFF", "NPY"):
        raise OutputError(f"{dest}: --raw writes 32-bit floats, which only TIFF and .npy "
                          "hold: name a .tif/.npy output or --format tiff")
    return Target(dest, fmt, quality, compress_level, raw)


def _redirected_format() -> str | None:
    """The format named by the extension of the regular file stdout is redirected to
    (``> e.png``), if any: the shell gave it a name even if convcli was told ``-``."""
    import stat
    import sys

    try:
        fd = sys.stdout.fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return FORMATS.get(Path(os.readlink(f"/proc/self/fd/{fd}")).suffix.lower())
    except (OSError, ValueError, AttributeError):
        return None


def check_writable(target: Target, like: ImageData, frames: int | None = None) -> None:
    """Refuse, before any work, an output format that cannot hold the result's samples."""
    fmt, dest = target.format, target.dest
    frames = like.frames.shape[0] if frames is None else frames
    if target.raw_values:
        return
    kind, channels = like.dtype.kind, like.channels
    if kind == "f" and fmt != "TIFF":
        raise OutputError(f"{dest}: the input holds float samples, which {fmt} cannot; write "
                          ".tif or .npy")
    if kind == "f" or like.dtype == np.int32:
        return
    if channels not in (1, 3):
        raise OutputError(f"{dest}: {channels}-channel images fit only TIFF or .npy")
    if like.bits == 16 and fmt not in SIXTEEN_BIT:
        raise OutputError(f"{dest}: {fmt} holds 8-bit samples only and the input has 16; "
                          "write .png or .tif to keep them, or .npy for the raw values")
    if like.bits > 16 and fmt != "TIFF":
        raise OutputError(f"{dest}: {like.bits}-bit samples fit only TIFF or .npy")
    if frames > 1 and fmt not in ANIMATED:
        raise OutputError(f"{dest}: the input has {frames} frames and {fmt} holds one; write "
                          ".png (APNG), .gif, .webp, .tif or .npy, or split the frames first")
    if like.alpha is not None and fmt == "JPEG":
        raise OutputError(f"{dest}: JPEG has no alpha channel; write .png, .webp or .tif to "
                          "keep it")


def to_samples(values: np.ndarray, like: ImageData, *, raw: bool, abs_: bool = False,
               bias: float = 0.0, stretch: tuple[float, float] | None = None) -> np.ndarray:
    """Filtered ``values`` (float, or exact integer sums) as output samples: ``bias`` added,
    then the magnitude (``abs_``), then ``stretch`` = (low, high) mapped onto 0..maxval (0..1
    raw); integer output is rounded to nearest (ties to even) and clipped to the input's type.

    >>> like = ImageData(np.zeros((1, 1, 3, 1), np.uint8), None, "PNG")
    >>> to_samples(np.array([-3.0, 2.5, 300.0]), like, raw=False).tolist()
    [0, 2, 255]
    >>> to_samples(np.array([-3, 2, 300], np.int16), like, raw=False, abs_=True).tolist()
    [3, 2, 255]
    """
    integer = not raw and like.dtype.kind in "ui"
    if integer and values.dtype.kind in "ui" and not bias and stretch is None:
        low, high = like.value_range  # exact integer sums: clipped, nothing to round
        magnitude = np.abs(values) if abs_ and values.dtype.kind == "i" else values
        return np.clip(magnitude, int(low), int(high)).astype(like.dtype)
    work = np.float64 if like.bits > 8 else np.float32
    values = np.array(values, dtype=work)
    if bias:
        values += bias
    if abs_:
        np.abs(values, out=values)
    if stretch is not None:
        low, high = stretch
        top = like.maxval if integer else 1.0
        if high > low:
            values -= low
            values *= top / (high - low)
        else:
            values[...] = 0
    if not integer:
        return values.astype(np.float32 if raw or like.dtype.kind != "f" else like.dtype)
    low, high = like.value_range
    np.rint(values, out=values)
    np.clip(values, low, high, out=values)
    return values.astype(like.dtype)


class FrameSink:
    """Collects each frame's rows in order for the encoders that need whole frames; like
    ``png.PngWriter`` it has ``prepare`` (thread-safe) and ``write`` (in order). ``pad``: one
    unused sample more per pixel (RGB held as RGBX, which Pillow encodes without a copy)."""

    def __init__(self, frames: int, height: int, width: int, samples: int, dtype,
                 pad: bool = False) -> None:
        self.held = np.empty((frames, height, width, samples + pad), dtype)
        self.array = self.held[..., :samples] if pad else self.held
        self.frame = self.row = 0

    @staticmethod
    def prepare(rows: np.ndarray) -> np.ndarray:
        return rows

    def rows(self, rows: np.ndarray) -> None:
        self.write(rows)

    def write(self, rows: np.ndarray) -> None:
        n = rows.shape[0]
        self.array[self.frame, self.row:self.row + n] = rows
        self.row += n
        if self.row >= self.array.shape[1]:
            self.frame, self.row = self.frame + 1, 0


@contextmanager
def open_sink(target: Target, like: ImageData, frames: int, height: int, width: int,
              samples: int, dtype):
    """A sink for ``frames`` × height × width × samples output samples of ``dtype`` (alpha
    included as the last sample), encoded to ``target`` atomically when the block ends."""
    with atomic_output(target.dest) as out:
        if target.format == "PNG":
            from convcli.io.images.png import PngWriter

            writer = PngWriter(out, height, width, samples, dtype, like.meta, frames,
                               target.compress_level)
            yield writer
            writer.close()
            return
        padded = target.format == "JPEG" and frames == 1 and samples == 3 and \
            np.dtype(dtype) == np.uint8
        sink = FrameSink(frames, height, width, samples, dtype, pad=padded)
        yield sink
        _encode_whole(out, target, like, sink.held if padded else sink.array, rgbx=padded)


def _encode_whole(out, target: Target, like: ImageData, array: np.ndarray,
                  rgbx: bool = False) -> None:
    if target.format == "NPY":
        values = array if array.shape[0] > 1 else array[0]
        if values.shape[-1] == 1:
            values = values[..., 0]
        from numpy.lib import format as npy  # header then bytes: a closed pipe stays an EPIPE

        values = np.ascontiguousarray(values)
        npy.write_array_header_1_0(out, npy.header_data_from_array_1_0(values))
        out.write(memoryview(values).cast("B"))
    elif target.format == "TIFF":
        _encode_tiff(out, like, array, has_alpha=not target.raw_values and
                     like.alpha is not None)
    else:
        _encode_pillow(out, target, like, array, rgbx)


def _encode_tiff(out, like: ImageData, array: np.ndarray, has_alpha: bool) -> None:
    import tifffile

    samples = array.shape[-1]
    colour = samples - has_alpha
    photometric = "rgb" if colour == 3 and array.dtype.kind in "ui" else "minisblack"
    options: dict = {"photometric": photometric, "planarconfig": "contig"}
    if has_alpha:
        options["extrasamples"] = [2]  # unassociated alpha
    if like.meta.icc:
        options["iccprofile"] = like.meta.icc
    if like.meta.dpi:
        options["resolution"] = like.meta.dpi
        options["resolutionunit"] = "INCH"
    from convcli.io.images.metadata import orientation

    turn = orientation(like.meta.exif)
    if turn != 1:
        options["extratags"] = [(274, "H", 1, turn, True)]
    buffer = io.BytesIO()
    with tifffile.TiffWriter(buffer) as tif:
        for frame in array:
            tif.write(frame if samples > 1 or photometric != "minisblack" else frame[..., 0],
                      metadata=None, **options)
    out.write(buffer.getvalue())


def _encode_pillow(out, target: Target, like: ImageData, array: np.ndarray,
                   rgbx: bool = False) -> None:
    """``rgbx``: ``array`` is one RGB frame held as RGBX, handed to Pillow without a copy."""
    from PIL import Image

    samples = array.shape[-1] - rgbx
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[samples]
    if rgbx:
        height, width = array.shape[1:3]
        images = [Image.frombuffer("RGBX", (width, height), array[0], "raw", "RGBX", 0, 1)]
    else:
        images = [Image.fromarray(frame if samples > 1 else frame[..., 0], mode)
                  for frame in array]
    params: dict = {}
    if target.format in QUALITY:
        params["quality"] = target.quality or QUALITY[target.format]
    meta = like.meta
    if meta.icc and target.format in ("JPEG", "WEBP"):
        params["icc_profile"] = meta.icc
    if meta.exif and target.format in ("JPEG", "WEBP"):
        params["exif"] = meta.exif
    if meta.dpi and target.format in ("JPEG", "BMP"):
        params["dpi"] = tuple(round(v) for v in meta.dpi)
    if len(images) > 1:
        params.update(save_all=True, append_images=images[1:])
        if meta.durations:
            params["duration"] = [int(round(d)) for d in meta.durations]
        params["loop"] = meta.loop or 0
    elif target.format == "GIF" and meta.loop is not None:
        params["loop"] = meta.loop
    buffer = io.BytesIO()
    try:
        images[0].save(buffer, format=target.format, **params)
    except (OSError, ValueError, KeyError) as e:
        raise OutputError(f"{target.dest}: {target.format} cannot hold this {mode} image ({e});"
                          " write .png or .tif") from None
    out.write(buffer.getvalue())


def default_output_path(input_path: str | os.PathLike[str], kernel_label: str) -> Path:
    """``<stem>.<kernel>.<ext>`` beside the input, the label made safe for a file name.

    >>> default_output_path("photos/cat.png", "gaussian:sigma=2").as_posix()
    'photos/cat.gaussian-sigma=2.png'
    """
    import re

    if str(input_path) == STDIO:
        raise OutputError("the input is stdin: name an output file (or - for stdout)")
    path = Path(input_path)
    label = re.sub(r"[^A-Za-z0-9_.=+-]+", "-", kernel_label).strip("-._")[:64] or "filtered"
    return path.with_name(f"{path.stem}.{label}{path.suffix}")
