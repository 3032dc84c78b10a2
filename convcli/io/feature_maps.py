"""Writing a stack of feature maps (channel axis first): .npy, or a multi-page float TIFF."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from convcli.errors import OutputError
from convcli.io.arrays import write_array
from convcli.io.atomic import atomic_output

SUFFIXES = (".npy", ".tif", ".tiff")


def write_feature_maps(maps: np.ndarray, dest: str | os.PathLike[str]) -> None:
    """Write ``maps`` (channels, H, W[, colours]) to ``dest``, atomically.

    ``.npy`` (or ``-``) keeps the array as it is (float64 stays float64); ``.tif``/``.tiff``
    writes one 32-bit float page per channel, in channel order (Pillow; colour maps, one page
    of H×W×colours each, need tifffile, the ``scale`` extra). Any other extension is refused:
    an 8-bit picture has one channel (merge them with ``--combine``).
    """
    suffix = "" if str(dest) == "-" else Path(dest).suffix.lower()
    if suffix in ("", ".npy"):
        write_array(np.asarray(maps), dest)
        return
    values = np.asarray(maps, dtype=np.float32)
    if suffix not in SUFFIXES:
        raise OutputError(
            f"{dest}: {values.shape[0]} feature maps go to .npy or float .tif/.tiff; "
            "merge them into one picture with --combine magnitude|max|sum|argmax")
    if values.ndim != 3:
        _write_tifffile(values, dest)
        return
    from PIL import Image

    pages = [Image.fromarray(page) for page in values]
    buffer = io.BytesIO()  # Pillow reads back what it wrote while adding pages
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
    with atomic_output(dest) as out:
        out.write(buffer.getbuffer())


def _write_tifffile(values: np.ndarray, dest: str | os.PathLike[str]) -> None:
    try:
        import tifffile
    except ImportError:
        raise OutputError(
            f"{dest}: colour feature maps as TIFF need tifffile (pip install 'convcli[scale]'); "
            "or write .npy") from None
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, values, photometric="minisblack")
    with atomic_output(dest) as out:
        out.write(buffer.getbuffer())
