"""Frames: stacking decoded frames into one array, and the guard against decompression bombs
(declared size × frames checked before any pixel is decoded)."""

from __future__ import annotations

import numpy as np

from convcli.errors import InputError

MAX_PIXELS = 2 * 89_478_485
"""Pixels (width × height × frames) a file may declare: Pillow's decompression-bomb error
threshold, counted over every frame, not only the first."""


BYTES_PER_PIXEL = 16
"""Memory a job may hold per declared pixel: up to four 16-bit samples decoded, and as much
again for an output collected whole (bands add only a few MiB)."""


def check_declared_size(name: str, width: int, height: int, frames: int = 1) -> None:
    """Refuse a file whose header declares more than MAX_PIXELS pixels over all its frames.

    >>> check_declared_size("a.gif", 4096, 4096, 3)
    >>> check_declared_size("b.gif", 10_000, 10_000, 2)
    Traceback (most recent call last):
    ...
    convcli.errors.InputError: b.gif: declares 2 frame(s) of 10000×10000 = 200,000,000 pixels, \
more than the 178,956,970 that guard against decompression bombs; if the file is genuine, \
split or crop it first
    """
    total = int(width) * int(height) * max(1, int(frames))
    if width <= 0 or height <= 0:
        raise InputError(f"{name}: the header declares an empty {width}×{height} image; "
                         "the file is corrupt")
    if total > MAX_PIXELS:
        raise InputError(
            f"{name}: declares {frames} frame(s) of {width}×{height} = {total:,} pixels, more "
            f"than the {MAX_PIXELS:,} that guard against decompression bombs; if the file is "
            "genuine, split or crop it first")
    from convcli.settings import check_memory

    check_memory(total * BYTES_PER_PIXEL, f"{name}: {frames} frame(s) of {width}×{height}, "
                 "decoded and filtered")


def stack(name: str, frames: list[np.ndarray]) -> np.ndarray:
    """Frames (H, W[, C]) of one shape and type as one (frames, H, W, C) array."""
    shaped = [f if f.ndim == 3 else f[..., None] for f in frames]
    first = shaped[0]
    for frame in shaped[1:]:
        if frame.shape != first.shape or frame.dtype != first.dtype:
            raise InputError(
                f"{name}: its frames differ in size or sample type ({first.shape} {first.dtype}"
                f" vs {frame.shape} {frame.dtype}); split it into single images first")
    return np.stack(shaped) if len(shaped) > 1 else first[None]


def split_alpha(samples: np.ndarray, has_alpha: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """(frames, H, W, C) → colour channels and the last channel as alpha when ``has_alpha``."""
    if not has_alpha:
        return samples, None
    return samples[..., :-1], np.ascontiguousarray(samples[..., -1])
