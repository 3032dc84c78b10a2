"""Merging a bank's feature maps (stacked on axis 0) into one map.

``magnitude`` √(Σ mₖ²) (the gradient magnitude of a Sobel x/y pair), ``max`` the largest
response at each sample (ImageMagick's rotated-kernel maximum, ``Sobel:>``), ``sum`` and
``argmax`` (the index of the largest response: which kernel, e.g. which direction, won).
"""

from __future__ import annotations

import numpy as np

COMBINATIONS = ("magnitude", "max", "sum", "argmax")


def combine(maps: np.ndarray, how: str) -> np.ndarray:
    """One map from ``maps`` (k, …) merged along axis 0 by ``how`` (see the module text).

    >>> maps = np.array([[3.0, -1.0], [4.0, 2.0]])
    >>> combine(maps, "magnitude"), combine(maps, "argmax")
    (array([5.        , 2.23606798]), array([1., 1.]))
    """
    if how == "magnitude":
        return np.sqrt(np.sum(np.square(maps), axis=0))
    if how == "max":
        return np.max(maps, axis=0)
    if how == "sum":
        return np.sum(maps, axis=0)
    if how == "argmax":
        return np.argmax(maps, axis=0).astype(maps.dtype)
    raise ValueError(f"combine must be one of {', '.join(COMBINATIONS)}, not {how!r}")
