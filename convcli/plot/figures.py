"""The figures: a signal before/after with its kernel, an image sheet, one kernel.

Each function takes data a job already has (the input, the filtered output, the Kernel) and
returns a ``matplotlib.figure.Figure`` — drawn without pyplot, so no display is needed — whose
axes carry titles the tests read; :func:`save_figure` writes it as PNG, SVG or PDF.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from convcli.errors import OutputError
from convcli.plot import require_matplotlib
from convcli.plot.response import frequencies, group_delay, response_1d, response_2d, to_db
from convcli.plot.time_axis import regular_step

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from convcli.kernels import Kernel

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
ZOOM_ABOVE = 2000
"""Signals longer than this get a second panel zoomed on a stretch of :data:`ZOOM_SAMPLES`."""
ZOOM_SAMPLES = 400
MOST_COLUMNS = 4
"""At most this many signal columns are drawn (the first ones)."""
MOST_MAPS = 8
DISPLAY_SIDE = 1024
"""Images are shown subsampled to at most this many pixels per side."""
BEFORE, AFTER = "#9aa5b1", "#c0392b"


def _figure(width: float, height: float) -> Figure:
    require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def figure_format(dest: str | os.PathLike[str]) -> str:
    """The format of a figure path from its extension (png, svg or pdf)."""
    suffix = Path(dest).suffix.lower()
    if str(dest) == "-" or suffix not in FORMATS:
        raise OutputError(f"--plot {dest}: name a .png, .svg or .pdf file")
    return FORMATS[suffix]


def save_figure(figure: Figure, dest: str | os.PathLike[str]) -> None:
    """Write ``figure`` to ``dest`` (.png, .svg or .pdf), atomically."""
    from convcli.io.atomic import atomic_output

    fmt = figure_format(dest)
    with atomic_output(dest) as out:
        figure.savefig(out, format=fmt, dpi=110)


def signal_figure(time: np.ndarray | None, before: np.ndarray, after: np.ndarray,
                  names: list[str], kernel: Kernel, *, time_name: str = "sample") -> Figure:
    """Columns before and after over time (zoomed when long), the taps, |H| in dB, the delay.

    ``before`` and ``after`` are rows × columns; ``time`` the time column's values (None:
    the sample index). With a regular time step, frequencies are per time unit and the
    delay in time units.
    """
    before = np.asarray(before).reshape(len(before), -1)
    after = np.asarray(after).reshape(len(after), -1)
    n = before.shape[0]
    shown = min(before.shape[1], MOST_COLUMNS)
    zoom = n > ZOOM_ABOVE
    figure = _figure(12, 2.6 * (shown + 1))
    grid = figure.add_gridspec(shown + 1, 6)
    x = np.arange(n, dtype=float) if time is None else np.asarray(time, dtype=float)
    xlabel = "sample" if time is None else time_name
    for c in range(shown):
        full = figure.add_subplot(grid[c, :4] if zoom else grid[c, :])
        _before_after(full, x, before[:, c], after[:, c], xlabel)
        full.set_title(f"{names[c]}: before and after")
        if zoom:
            start = (n - ZOOM_SAMPLES) // 2
            part = slice(start, start + ZOOM_SAMPLES)
            close = figure.add_subplot(grid[c, 4:])
            _before_after(close, x[part], before[part, c], after[part, c], xlabel)
            close.set_title(f"{names[c]}: zoom, samples {start}–{start + ZOOM_SAMPLES - 1}")
            full.axvspan(x[part][0], x[part][-1], color="#f5d76e", alpha=0.35, lw=0)
    if before.shape[1] > shown:
        figure.suptitle(f"the first {shown} of {before.shape[1]} columns")
    step = regular_step(time)
    axes = [figure.add_subplot(grid[shown, 2 * i:2 * i + 2]) for i in range(3)]
    _taps(axes[0], kernel)
    _response_1d(axes[1], axes[2], kernel, step, time_name)
    return figure


def _before_after(ax: Any, x: np.ndarray, before: np.ndarray, after: np.ndarray,
                  xlabel: str) -> None:
    ax.plot(x, before, color=BEFORE, lw=0.8, label="before")
    ax.plot(x, after, color=AFTER, lw=1.2, label="after")
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper right", fontsize="small")


def _taps(ax: Any, kernel: Kernel) -> None:
    values = np.real(kernel.values).ravel()
    (origin,) = kernel.origin_index
    offsets = np.arange(values.size) - origin
    markers = "o" if values.size <= 64 else " "  # long kernels: stems only
    ax.stem(offsets, values, basefmt="k-", markerfmt=markers)
    ax.set_title(f"kernel taps ({kernel.name}, {values.size})")
    ax.set_xlabel("tap j − origin: weight of x(t − j + origin)")
    ax.axhline(0, color="k", lw=0.5)


def _response_1d(mag_ax: Any, delay_ax: Any, kernel: Kernel, step: float | None,
                 time_name: str) -> None:
    taps = np.real(kernel.values).ravel()
    freqs = frequencies()
    scale = 1.0 if step is None else 1.0 / step
    unit = "cycles/sample" if step is None else f"cycles per {time_name} unit"
    mag_ax.plot(freqs * scale, to_db(response_1d(taps, freqs)), color="#2c3e50")
    mag_ax.set_title("magnitude response")
    mag_ax.set_xlabel(f"frequency ({unit})")
    mag_ax.set_ylabel("|H| (dB)")
    mag_ax.set_ylim(bottom=max(float(to_db(response_1d(taps, freqs)).min()) - 5, -125))
    delay = group_delay(taps, freqs, kernel.origin_index[0])
    delay_ax.plot(freqs * scale, delay * (1.0 if step is None else step), color="#16a085")
    delay_ax.set_title(f"delay (at 0: {_delay_text(delay[0], step, time_name)})")
    delay_ax.set_xlabel(f"frequency ({unit})")
    delay_ax.set_ylabel("samples" if step is None else f"{time_name} units")


def _delay_text(delay: float, step: float | None, time_name: str) -> str:
    if not np.isfinite(delay):
        return "undefined, |H(0)| = 0"
    if step is None:
        return f"{delay:.3g} samples"
    return f"{delay * step:.3g} {time_name} units"


def image_figure(before: np.ndarray, maps: list[tuple[str, np.ndarray]],
                 kernels: list[tuple[str, Kernel]], *, maxval: float = 255.0) -> Figure:
    """The before | after | kernel sheet; a bank gives one after panel and kernel per map.

    ``before`` is the input's pixels (H, W) or (H, W, C) in 0…``maxval``; ``maps`` the
    filtered arrays with their labels; ``kernels`` the kernels with theirs.
    """
    maps = maps[:MOST_MAPS]
    kernels = kernels[:MOST_MAPS]
    if len(maps) == 1 and len(kernels) == 1:
        figure = _figure(13, 4.6)
        axes = [figure.add_subplot(1, 3, i + 1) for i in range(3)]
        _picture(axes[0], before, maxval, "before")
        _feature_map(figure, axes[1], maps[0][1], maxval, f"after: {maps[0][0]}")
        _kernel_image(figure, axes[2], kernels[0][1], f"kernel: {kernels[0][0]}")
        return figure
    columns = max(len(maps) + 1, len(kernels))
    figure = _figure(3.2 * columns, 6.6)
    _picture(figure.add_subplot(2, columns, 1), before, maxval, "before")
    for i, (label, values) in enumerate(maps):
        _feature_map(figure, figure.add_subplot(2, columns, i + 2), values, maxval,
                     f"after: {label}")
    for i, (label, kernel) in enumerate(kernels):
        _kernel_image(figure, figure.add_subplot(2, columns, columns + i + 1), kernel,
                      f"kernel: {label}")
    return figure


def _subsampled(values: np.ndarray) -> np.ndarray:
    step = max(1, -(-max(values.shape[:2]) // DISPLAY_SIDE))
    return values[::step, ::step]


def _picture(ax: Any, pixels: np.ndarray, maxval: float, title: str) -> None:
    values = _subsampled(np.asarray(pixels, dtype=float)) / maxval
    if values.ndim == 3 and values.shape[2] == 1:
        values = values[..., 0]
    if values.ndim == 2:
        ax.imshow(values, cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(np.clip(values[..., :3], 0, 1))
    ax.set_title(title)
    ax.set_axis_off()


def _feature_map(figure: Figure, ax: Any, values: np.ndarray, maxval: float, title: str) -> None:
    """A colour map within the input's range as a picture; a grey or signed map with a scale."""
    values = _subsampled(np.asarray(values, dtype=float))
    if values.ndim == 3 and values.shape[2] == 1:
        values = values[..., 0]
    if values.ndim == 3:
        ax.imshow(np.clip(values[..., :3] / maxval, 0, 1))
    elif values.size and float(np.nanmin(values)) < 0:
        top = float(np.nanmax(np.abs(values))) or 1.0
        figure.colorbar(ax.imshow(values, cmap="RdBu_r", vmin=-top, vmax=top), ax=ax,
                        shrink=0.8)
    else:
        figure.colorbar(ax.imshow(values, cmap="gray"), ax=ax, shrink=0.8)
    ax.set_title(title, fontsize="medium")
    ax.set_axis_off()


def _kernel_image(figure: Figure, ax: Any, kernel: Kernel, title: str) -> None:
    values = np.real(kernel.values)
    where = ""
    if values.ndim == 3:
        values, where = values[kernel.origin_index[0]], f" (slice {kernel.origin_index[0]})"
    if values.ndim == 1:
        values = values[None, :]
    top = float(np.abs(values).max()) or 1.0
    image = ax.imshow(values, cmap="RdBu_r", vmin=-top, vmax=top)
    if values.size <= 81:
        for (r, c), v in np.ndenumerate(values):
            ax.text(c, r, f"{v:.3g}", ha="center", va="center", fontsize="small")
    figure.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(title + where, fontsize="medium")
    ax.set_xlabel("column")
    ax.set_ylabel("row")


def kernel_figure(kernel: Kernel, spec: str) -> Figure:
    """One kernel: a stem plot, |H| in dB and the delay (1-D), or its image and |H| over the
    frequency plane (2-D; a 3-D kernel by its origin slice)."""
    if kernel.ndim == 1:
        figure = _figure(13, 3.8)
        axes = [figure.add_subplot(1, 3, i + 1) for i in range(3)]
        _taps(axes[0], kernel)
        _response_1d(axes[1], axes[2], kernel, None, "sample")
    else:
        figure = _figure(11, 4.8)
        axes = [figure.add_subplot(1, 2, i + 1) for i in range(2)]
        _kernel_image(figure, axes[0], kernel, f"kernel: {spec}")
        values = np.real(kernel.values)
        if values.ndim == 3:
            values = values[kernel.origin_index[0]]
        magnitude, freqs = response_2d(values)
        edge = (freqs[0], freqs[-1], freqs[-1], freqs[0])
        figure.colorbar(axes[1].imshow(magnitude, extent=edge, cmap="magma"), ax=axes[1],
                        shrink=0.8, label="|H|")
        axes[1].set_title("|H| over the frequency plane")
        axes[1].set_xlabel("fx (cycles/pixel)")
        axes[1].set_ylabel("fy (cycles/pixel)")
    figure.suptitle(spec)
    return figure
