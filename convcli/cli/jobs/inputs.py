"""Which kind of input a path (or stdin) holds: a signal CSV, a .npy array or an image."""

from __future__ import annotations

from pathlib import Path

from convcli.io.sources import stdin_buffer

SIGNAL_SUFFIXES = {".csv", ".tsv", ".txt", ".dat"}
ARRAY_SUFFIXES = {".npy"}
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8", b"RIFF")


def kind_of(source: str | bytes) -> str:
    """'signal', 'array' or 'image', from the suffix of a path or the first bytes of data."""
    if isinstance(source, bytes):
        if source.startswith(b"\x93NUMPY"):
            return "array"
        return "image" if source.startswith(_IMAGE_MAGIC) else "signal"
    suffix = Path(source).suffix.lower()
    if suffix in SIGNAL_SUFFIXES:
        return "signal"
    if suffix in ARRAY_SUFFIXES:
        return "array"
    return "image"


def kind_of_source(source: str) -> str:
    """The kind of a path, or of stdin by peeking at its first bytes (nothing is consumed)."""
    if source != "-":
        return kind_of(source)
    return kind_of(stdin_buffer().peek(16)[:16])
