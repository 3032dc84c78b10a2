"""Images in and out: every layout and bit depth, every frame, metadata kept.

``decode`` reads (imagecodecs, tifffile, Pillow), ``encode`` chooses the output format and
writes it, ``png`` is the fast streaming PNG encoder, ``strips`` the band-by-band pipeline,
``frames`` and ``metadata`` what comes with the pixels.
"""

from __future__ import annotations

import os

import numpy as np

from convcli.io.images.data import ImageData
from convcli.io.images.decode import read_image
from convcli.io.images.encode import (
    FORMATS,
    Target,
    check_writable,
    default_output_path,
    open_sink,
    target_for,
    to_samples,
)

__all__ = ["ImageData", "read_image", "write_image", "target_for", "default_output_path",
           "FORMATS", "Target"]


def write_image(
    values: np.ndarray,
    like: ImageData,
    dest: str | os.PathLike[str] | Target,
    *,
    alpha: np.ndarray | None | bool = True,
    abs_: bool = False,
    normalize: bool = False,
    bias: float = 0.0,
    compress_level: int | None = None,
    raw: bool = False,
    format: str | None = None,
    quality: int | None = None,
) -> None:
    """Write filtered ``values`` — (H, W[, C]) or (frames, H, W, C), any size — as an image
    like ``like`` to ``dest`` (a path, ``-`` or a Target), atomically.

    ``alpha`` is the alpha to attach, (frames, H, W) or (H, W); True takes ``like.alpha``
    (which must then have the values' geometry), False or None writes none. ``bias``, then
    ``abs_``, then ``normalize`` (min..max onto the full range) are applied; integer output is
    rounded and clipped to the input's sample type (see ``encode.to_samples``).
    """
    target = dest if isinstance(dest, Target) else target_for(
        str(dest), like, format=format, quality=quality, compress_level=compress_level,
        raw=raw)
    values = np.asarray(values)
    if values.ndim == 2:
        values = values[None, ..., None]
    elif values.ndim == 3:
        values = values[None] if values.shape[:2] != like.frames.shape[:2] or \
            like.frames.shape[0] == 1 else values[..., None]
    if alpha is True:
        alpha = like.alpha
    if alpha is False or target.raw_values:
        alpha = None
    if alpha is not None:
        alpha = np.asarray(alpha)
        alpha = alpha[None] if alpha.ndim == 2 else alpha
        if alpha.shape != values.shape[:3]:
            raise ValueError(f"alpha has shape {alpha.shape}, the values {values.shape[:3]}")
    shaped = ImageData(np.empty((values.shape[0], 0, 0, values.shape[-1]), like.dtype),
                       alpha, like.format, like.meta, like.source_mode)
    check_writable(target, shaped)
    stretch = None
    if normalize:
        shifted = np.abs(values + bias) if abs_ else values + bias
        stretch = (float(shifted.min()), float(shifted.max()))
    frames, height, width, channels = values.shape
    raw_out = target.raw_values
    dtype = np.float32 if raw_out or like.dtype.kind == "f" else like.dtype
    samples = channels + (alpha is not None)
    with open_sink(target, like, frames, height, width, samples, dtype) as sink:
        for f in range(frames):
            out = to_samples(values[f], like, raw=raw_out, abs_=abs_, bias=bias,
                             stretch=stretch)
            if alpha is not None:
                out = np.concatenate([out, alpha[f][..., None].astype(out.dtype)], -1)
            sink.rows(out)
