"""What an image carries besides its pixels: ICC profile, EXIF (orientation), resolution, timing.

Read from the input once into a :class:`Metadata` and handed to whichever encoder writes the
output; each encoder keeps the parts its format can hold.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXIF_PREFIX = b"Exif\0\0"
"""How EXIF bytes start in JPEG and in Pillow; Metadata.exif always has it (PNG's eXIf not)."""


@dataclass
class Metadata:
    """Everything kept from the input.

    ``dpi`` is (x, y) pixels per inch; ``durations`` one display time in milliseconds per
    frame (empty for still images); ``loop`` the animation's repeat count (0: for ever) or None.
    """

    icc: bytes | None = None
    exif: bytes | None = None
    dpi: tuple[float, float] | None = None
    durations: list[float] = field(default_factory=list)
    loop: int | None = None


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, body) chunks of a PNG file, stopping at IDAT for everything but animation
    control chunks (they are all small).

    >>> png_chunks(PNG_SIGNATURE + struct.pack(">I", 0) + b"IEND" + b"\\0" * 4)
    [(b'IEND', b'')]
    """
    chunks, at = [], len(PNG_SIGNATURE)
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind not in (b"IDAT", b"fdAT"):
            chunks.append((kind, data[at + 8:at + 8 + length]))
        if kind == b"IEND":
            break
        at += 12 + length
    return chunks


def png_metadata(chunks: list[tuple[bytes, bytes]]) -> Metadata:
    """ICC (iCCP), EXIF (eXIf) and resolution (pHYs in metres) of a PNG's chunks."""
    meta = Metadata()
    for kind, body in chunks:
        if kind == b"iCCP":
            try:
                meta.icc = zlib.decompress(body[body.index(b"\0") + 2:])
            except (ValueError, zlib.error):
                meta.icc = None
        elif kind == b"eXIf":
            meta.exif = EXIF_PREFIX + body
        elif kind == b"pHYs" and len(body) == 9:
            x, y, unit = struct.unpack(">IIB", body)
            if unit == 1:
                meta.dpi = (x * 0.0254, y * 0.0254)
    return meta


def pillow_metadata(info: dict) -> Metadata:
    """ICC, EXIF and resolution from a Pillow image's ``info``."""
    dpi = info.get("dpi")
    return Metadata(
        icc=info.get("icc_profile") or None,
        exif=_prefixed(info.get("exif")),
        dpi=(float(dpi[0]), float(dpi[1])) if dpi else None,
        loop=info.get("loop"),
    )


def _prefixed(exif: bytes | None) -> bytes | None:
    if not exif:
        return None
    return exif if exif.startswith(EXIF_PREFIX) else EXIF_PREFIX + exif


def tiff_metadata(page) -> Metadata:
    """ICC (tag 34675), orientation-only EXIF and resolution of a tifffile page."""
    tags = page.tags
    meta = Metadata()
    icc = tags.get("InterColorProfile")
    if icc is not None:
        meta.icc = bytes(icc.value)
    orientation = tags.get("Orientation")
    if orientation is not None and int(orientation.value) != 1:
        meta.exif = exif_with_orientation(int(orientation.value))
    x, y, unit = tags.get("XResolution"), tags.get("YResolution"), tags.get("ResolutionUnit")
    if x is not None and y is not None:
        per = {2: 1.0, 3: 2.54}.get(int(unit.value) if unit is not None else 2)
        if per is not None:
            meta.dpi = (_rational(x.value) * per, _rational(y.value) * per)
    return meta


def _rational(value) -> float:
    if isinstance(value, tuple):
        return value[0] / value[1] if value[1] else 0.0
    return float(value)


def orientation(exif: bytes | None) -> int:
    """The EXIF orientation (1–8) of EXIF bytes, 1 when absent.

    >>> orientation(exif_with_orientation(6))
    6
    >>> orientation(None)
    1
    """
    if not exif:
        return 1
    from PIL import Image

    parsed = Image.Exif()
    try:
        parsed.load(exif)
    except (SyntaxError, ValueError, OSError):
        return 1
    return int(parsed.get(0x0112, 1) or 1)


def exif_with_orientation(value: int) -> bytes:
    """Minimal EXIF bytes holding only an orientation tag."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()
