"""The strip pipeline: an image is filtered and encoded a band of rows at a time, the next
band's convolution overlapping the previous band's encoding (a writer thread), so memory
holds the decoded input, one band and what the encoder keeps — never a float copy of the
whole image.

A band is convolved with ``halo`` rows of real input on each side (the kernel's reach), so
its rows equal those of a whole-image convolution; the image's own top and bottom get the
boundary rule from the engine as usual.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import numpy as np

from convcli.io.images.data import ImageData
from convcli.io.images.encode import Target, check_writable, open_sink, to_samples

STRIP_SAMPLES = 1 << 19
"""Samples per band (rows × width × channels): ~2 MB of float32, which stays in cache."""


def strip_rows(width: int, channels: int, halo: int) -> int:
    """Rows per band: about STRIP_SAMPLES, and at least 4 halos so the overlap stays small.

    >>> strip_rows(4096, 3, 1), strip_rows(4096, 3, 15)
    (42, 60)
    """
    return max(4 * halo, 1, STRIP_SAMPLES // max(1, width * channels))


class _Writer:
    """Feeds bands to a sink from a thread; an error there (a closed pipe) is raised in the
    caller at its next band."""

    def __init__(self, sink) -> None:
        self.sink, self.error = sink, None
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (rows := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.sink.rows(rows)
                except BaseException as e:  # handed to the caller
                    self.error = e

    def put(self, rows: np.ndarray) -> None:
        self._raise()
        self.queue.put(rows)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            self.queue.put(None)
            raise error


def filter_in_strips(image: ImageData, target: Target, convolve: Callable, halo: int, *,
                     abs_: bool = False, bias: float = 0.0) -> None:
    """Write ``convolve`` (a 'same'-size filter of (rows, W, C) float bands) of every frame of
    ``image`` to ``target``, band by band, alpha re-attached unchanged."""
    check_writable(target, image)
    frames, height, width, channels = image.frames.shape
    raw = target.raw_values
    alpha = image.alpha if not raw else None
    samples = channels + (alpha is not None)
    dtype = np.float32 if raw or image.dtype.kind == "f" else image.dtype
    work = np.float32 if image.bits <= 8 else np.float64
    step = strip_rows(width, channels, halo)
    with open_sink(target, image, frames, height, width, samples, dtype) as sink:
        writer = _Writer(sink)
        try:
            for f in range(frames):
                for start in range(0, height, step):
                    stop = min(height, start + step)
                    low, high = max(0, start - halo), min(height, stop + halo)
                    band = convolve(image.frames[f, low:high].astype(work))
                    values = to_samples(band[start - low:stop - low], image, raw=raw,
                                        abs_=abs_, bias=bias)
                    if alpha is not None:
                        values = np.concatenate([values, alpha[f, start:stop, :, None]], -1)
                    writer.put(values)
        finally:
            writer.close()
