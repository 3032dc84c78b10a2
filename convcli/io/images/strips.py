"""The strip pipeline: an image is filtered and encoded a band of rows at a time, bands
running on every core at once (convolution, rounding and, for PNG, filtering and deflate,
all of which release the GIL), joined in order by the encoder. An image still being decoded
(``ImageData.rest``, a PNG) is decoded here, band by band, by the calling thread while the
others convolve and encode the rows it has. Memory holds the decoded input, a few bands and
what the encoder keeps — never a float copy of the whole image.

A band is convolved with ``halo`` rows of real input on each side (the kernel's reach), so
its rows equal those of a whole-image convolution; the image's own top and bottom get the
boundary rule from the engine as usual.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from convcli.io.images.data import ImageData
from convcli.io.images.encode import Target, check_writable, open_sink, to_samples
from convcli.settings import settings

STRIP_SAMPLES = 1 << 18
"""Samples per band (rows × width × channels): 1 MiB of float32, which stays in cache (on the
4096² photo, 3×3: 1.40–1.48 s in-process against 1.51–2.15 s for 2 MiB bands, loaded machine)."""

AHEAD = 16
"""Bands per core queued while the input is still being decoded (a band's result is its
encoded rows, small for PNG), so that the decoding thread keeps decoding."""


def strip_rows(width: int, channels: int, halo: int) -> int:
    """Rows per band: about STRIP_SAMPLES, and at least 4 halos so the overlap stays small.

    >>> strip_rows(4096, 3, 2), strip_rows(4096, 3, 30)
    (21, 120)
    """
    return max(4 * halo, 1, STRIP_SAMPLES // max(1, width * channels))


def filter_in_strips(image: ImageData, target: Target, convolve: Callable, halo: int, *,
                     abs_: bool = False, bias: float = 0.0, work=None) -> None:
    """Write ``convolve`` (a 'same'-size filter of (rows, W, C) bands in the type ``work``,
    float32 — float64 above 8 bits — when None) of every frame of ``image`` to ``target``,
    band by band, alpha re-attached unchanged."""
    check_writable(target, image)
    frames, height, width, channels = image.frames.shape
    raw = target.raw_values
    alpha = image.alpha if not raw else None
    samples = channels + (alpha is not None)
    dtype = np.float32 if raw or image.dtype.kind == "f" else image.dtype
    if work is None:
        work = np.float32 if image.bits <= 8 else np.float64
    step = strip_rows(width, channels, halo)
    bands = [(f, start, min(height, start + step))
             for f in range(frames) for start in range(0, height, step)]
    threads = settings().threads
    rest, ready = image.rest, 0 if image.rest is not None else height

    def decoded(rows: int) -> bool:
        """Decode a band more of the input unless ``rows`` rows are ready; False when they
        are ready."""
        nonlocal ready
        if ready >= rows:
            return False
        ready = next(rest, height)
        return True

    with open_sink(target, image, frames, height, width, samples, dtype) as sink:
        def band(f: int, start: int, stop: int):
            low, high = max(0, start - halo), min(height, stop + halo)
            values = convolve(image.frames[f, low:high].astype(work))
            out = to_samples(values[start - low:stop - low], image, raw=raw, abs_=abs_,
                             bias=bias)
            if alpha is not None:
                out = np.concatenate([out, alpha[f, start:stop, :, None]], -1)
            return sink.prepare(out)

        if threads == 1:
            for f, start, stop in bands:
                while decoded(min(height, stop + halo)):
                    pass
                sink.write(band(f, start, stop))
            image.complete()
            return
        with ThreadPoolExecutor(threads, thread_name_prefix="convcli-band") as pool:
            pending: deque = deque()
            try:
                for f, start, stop in bands:
                    # this thread decodes while the pool convolves and encodes the bands
                    # decoded so far, writing those done in order between bands
                    while decoded(min(height, stop + halo)):
                        while pending and pending[0].done():
                            sink.write(pending.popleft().result())
                    pending.append(pool.submit(band, f, start, stop))
                    # while rows remain to decode, this thread decodes rather than waits
                    if len(pending) > (AHEAD if ready < height else 2) * threads:
                        sink.write(pending.popleft().result())
                image.complete()
                while pending:
                    sink.write(pending.popleft().result())
            finally:
                for future in pending:
                    future.cancel()
