"""ImageData: decoded frames in their own sample type, alpha aside, and what it takes to write
a result the same way."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from convcli.io.images.metadata import Metadata

LAYOUTS = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


@dataclass
class ImageData:
    """An image as decoded.

    ``frames`` is (frames, H, W, channels) in the file's sample type (uint8, uint16, int32 or
    float32), colour channels only (1 for grey, 3 for RGB, any number for float TIFF);
    ``alpha`` the untouched alpha channel, (frames, H, W), or None. ``format`` is the file's
    format name (``PNG``, ``JPEG``, ``TIFF``, ``WEBP``, ``BMP``, ``GIF``). ``rest``, while the
    file is still being decoded (``read_image(progressive=True)``): an iterator that decodes
    the rest of frame 0 a band at a time, yielding how many rows are ready; :meth:`complete`
    runs it to the end.

    >>> image = ImageData(np.zeros((1, 2, 3, 3), np.uint16), None, "PNG")
    >>> image.mode, image.bits, image.value_range, image.pixels.shape
    ('RGB', 16, (0.0, 65535.0), (2, 3, 3))
    """

    frames: np.ndarray
    alpha: np.ndarray | None
    format: str
    meta: Metadata = field(default_factory=Metadata)
    source_mode: str = ""
    rest: Iterator[int] | None = field(default=None, repr=False)

    def complete(self) -> ImageData:
        """Decode whatever ``rest`` has not decoded yet; returns the image."""
        if self.rest is not None:
            for _ in self.rest:
                pass
            self.rest = None
        return self

    @property
    def dtype(self) -> np.dtype:
        return self.frames.dtype

    @property
    def channels(self) -> int:
        """Colour channels (alpha not counted)."""
        return self.frames.shape[-1]

    @property
    def mode(self) -> str:
        """``L``, ``LA``, ``RGB``, ``RGBA`` (any depth) or ``F<n>`` for an n-channel float map."""
        if self.dtype.kind == "f" and self.channels not in (1, 3):
            return f"F{self.channels}"
        return LAYOUTS.get(self.channels + (self.alpha is not None), f"F{self.channels}")

    @property
    def bits(self) -> int:
        """Bits per sample."""
        return self.dtype.itemsize * 8

    @property
    def value_range(self) -> tuple[float, float] | None:
        """The range integer output is clipped to; None for float images."""
        if self.dtype.kind == "f":
            return None
        info = np.iinfo(self.dtype)
        return float(info.min), float(info.max)

    @property
    def maxval(self) -> float:
        """The largest sample value (1.0 for float images)."""
        return self.value_range[1] if self.value_range else 1.0

    @property
    def pixels(self) -> np.ndarray:
        """The first frame's colour channels as float32, H×W (grey) or H×W×C."""
        first = self.frames[0]
        if first.shape[-1] == 1:
            first = first[..., 0]
        return first.astype(np.float32)

    @property
    def height(self) -> int:
        return self.frames.shape[1]

    @property
    def width(self) -> int:
        return self.frames.shape[2]
