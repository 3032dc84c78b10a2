"""PNG decoding band by band, so that the strip pipeline convolves and encodes the first
rows while later ones are still being decoded (on the other core).

For a non-interlaced 8- or 16-bit grey, grey+alpha, RGB or RGBA PNG: the IDAT chunks are
checked (CRC) and inflated incrementally by isal (which releases the GIL); each band of
filtered scanlines is then unfiltered by libpng itself (imagecodecs' ``png_decode``): it is
handed as a small PNG whose image data is *stored* (uncompressed) deflate blocks, led by the
previous band's last decoded row as a filter-"None" row, which every filter of the band's
first row refers to (libspng, faster, for the layouts it returns as they are). Unfiltering
is the slow part of decoding (the whole 4096² photo re-wrapped as stored blocks still takes
libpng 0.19 s of its 0.23 s), so it is what overlaps; the samples are the codec's own, bit for
bit. Other PNGs are decoded whole (``decode._read_png``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import numpy as np

from convcli.io.images.metadata import PNG_SIGNATURE
from convcli.io.images.png import chunk

SAMPLES_PER_PIXEL = {0: 1, 2: 3, 4: 2, 6: 4}
"""Samples per pixel by PNG colour type, for the colour types decoded band by band."""
BAND_BYTES = 1 << 20
"""Filtered bytes unfiltered per libpng call (about 85 rows of the 4096² RGB photo)."""
INFLATE_INPUT = 1 << 16
"""Compressed bytes fed to the inflater at a time."""
_STORED_BLOCK = 0xFFFF
_SPNG = {(8, 1), (8, 3), (8, 4), (16, 4)}
"""(bits, samples) that imagecodecs' libspng decodes as they are: it unfilters the 4096² RGB
photo's bands in 0.12 s where libpng takes 0.19 s; libpng for the other layouts."""


def streams(depth: int, colour: int, interlace: int) -> bool:
    """True when a PNG of this IHDR is decoded band by band.

    >>> streams(8, 2, 0), streams(16, 6, 0), streams(8, 3, 0), streams(8, 2, 1)
    (True, True, False, False)
    """
    return depth in (8, 16) and colour in SAMPLES_PER_PIXEL and interlace == 0


def stored_png(header: bytes, rows: int, lines) -> bytearray:
    """A PNG of ``rows`` filtered scanlines ``lines`` (bytes-like), its IDAT stored blocks:
    libpng unfilters it without inflating anything. One copy of ``lines``.

    >>> import imagecodecs
    >>> header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    >>> lines = bytes([0, 10, 20, 2, 1, 1])  # None [10 20], then Up [+1 +1]
    >>> imagecodecs.png_decode(stored_png(header, 2, lines)).tolist()
    [[10, 20], [11, 21]]
    """
    from isal import isal_zlib

    view = memoryview(lines).cast("B")
    size = len(view)
    starts = range(0, size, _STORED_BLOCK) if size else range(1)
    idat = 2 + 5 * len(starts) + size + 4
    head = PNG_SIGNATURE + chunk(b"IHDR", header[:4] + struct.pack(">I", rows) + header[8:])
    png = bytearray(len(head) + 12 + idat + 12)
    png[:len(head)] = head
    at = len(head)
    png[at:at + 10] = struct.pack(">I", idat) + b"IDAT\x78\x01"
    body, at = at + 4, at + 10
    for start in starts:
        block = view[start:start + _STORED_BLOCK]
        last = start + _STORED_BLOCK >= size
        png[at:at + 5] = struct.pack("<BHH", last, len(block), len(block) ^ 0xFFFF)
        png[at + 5:at + 5 + len(block)] = block
        at += 5 + len(block)
    png[at:at + 4] = struct.pack(">I", isal_zlib.adler32(view))
    at += 4
    png[at:at + 4] = struct.pack(">I", isal_zlib.crc32(memoryview(png)[body:at]))
    png[at + 4:] = chunk(b"IEND", b"")
    return png


def idat_payloads(data: bytes) -> Iterator[memoryview]:
    """The bodies of the IDAT chunks in order, each checked against its CRC."""
    from isal import isal_zlib

    view, at, seen = memoryview(data), len(PNG_SIGNATURE), False
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", view[at:at + 8])
        end = at + 12 + length
        if kind == b"IDAT":
            if end > len(data):
                raise ValueError("the image data ends early")
            body = view[at + 8:end - 4]
            crc = struct.unpack(">I", view[end - 4:end])[0]
            if isal_zlib.crc32(body, isal_zlib.crc32(kind)) != crc:
                raise ValueError("CRC error in an IDAT chunk")
            seen = True
            yield body
        elif seen or kind == b"IEND":
            return
        at = end


def inflated(payloads: Iterator[memoryview], limit: int) -> Iterator[bytes]:
    """The zlib stream split over ``payloads``, inflated in pieces of at most ``limit``
    bytes (a decompression bomb never inflates all at once); stops at the stream's end."""
    from isal import isal_zlib

    inflater = isal_zlib.decompressobj()
    for body in payloads:
        for at in range(0, len(body), INFLATE_INPUT):
            data = body[at:at + INFLATE_INPUT]
            while data:
                yield inflater.decompress(data, limit)
                if inflater.eof:
                    return
                data = inflater.unconsumed_tail
    yield inflater.flush()


def decode_bands(data: bytes, header: bytes, out: np.ndarray) -> Iterator[int]:
    """Decode the PNG ``data`` (IHDR body ``header``) into ``out`` (H, W, samples) of uint8
    or uint16, band by band: the iterator returned yields the number of rows decoded so far
    after each band.

    Raises ValueError for a file whose image data is truncated or corrupt: at once when its
    IDAT chunks are cut short or fail their CRC (a cut file: before any output is written),
    from the iterator when the compressed stream itself is bad.
    """
    return _bands(list(idat_payloads(data)), header, out)


def _bands(payloads: list[memoryview], header: bytes, out: np.ndarray) -> Iterator[int]:
    import imagecodecs

    height, width, depth = out.shape[0], out.shape[1], out.dtype.itemsize * 8
    line = 1 + width * out.shape[2] * depth // 8
    band = max(1, BAND_BYTES // line)
    samples = out.shape[2]
    unfilter = imagecodecs.spng_decode if (depth, samples) in _SPNG else imagecodecs.png_decode
    pieces = inflated(iter(payloads), band * line)
    # the filtered lines still to unfilter; from the second band on, led by the row above
    # as a filter-None line (decoded again, to the same values)
    pending = bytearray()
    lead = 0
    row = 0
    while row < height:
        rows = min(band, height - row)
        want = lead + rows * line
        for piece in pieces:
            pending += piece
            if len(pending) >= want:
                break
        if len(pending) < want:
            whole = row + (len(pending) - lead) // line
            raise ValueError(f"the image data ends after row {whole}")
        png = stored_png(header, rows + (lead > 0), memoryview(pending)[:want])
        target = out[row - (lead > 0):row + rows]
        unfilter(png, out=target if target.shape[2] > 1 else target[..., 0])
        last = out[row + rows - 1]
        del pending[:want - line]  # keep room for the last row as the next band's lead
        pending[:line] = b"\0" + (last.astype(">u2") if depth == 16 else last).tobytes()
        lead = line
        row += rows
        yield row
