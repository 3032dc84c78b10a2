"""Written kernels: numbers in rows, nested lists and ImageMagick kernel strings to arrays."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np

from convcli.errors import KernelError
from convcli.kernels.limits import MAX_DEPTH, MAX_NUMBER_CHARS, check_size, shortened

NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
IMAGEMAGICK_RE = re.compile(r"\s*(\d+)(?:x(\d+))?(?:([+-]\d+)([+-]\d+))?\s*:(.*)", re.DOTALL)
_NON_FINITE = ("nan", "inf", "infinity")


def parse_value(token: str, where: str) -> float:
    """One finite number, or KernelError (``where``: what the user wrote it in)."""
    token = token.strip()
    if len(token) > MAX_NUMBER_CHARS:
        raise KernelError(f"{where}: the number {shortened(token)} is too long "
                          f"(at most {MAX_NUMBER_CHARS} characters)")
    if NUMBER_RE.fullmatch(token):
        value = float(token)
        if math.isfinite(value):
            return value
    elif token.lower().lstrip("+-") not in _NON_FINITE:
        raise KernelError(f"{where}: {shortened(token)} is not a number")
    raise KernelError(f"{where}: non-finite value {shortened(token)}; kernel values must be "
                      "finite")


def load_json(text: str, where: str) -> Any:
    """``json.loads`` for kernels: lists nested at most MAX_DEPTH deep (deeper ones are refused
    before parsing, not by a RecursionError), and numbers of at most MAX_NUMBER_CHARS."""
    depth = 0
    for char in text:
        depth += char == "["
        if depth > MAX_DEPTH + 1:  # one level more for an object holding the rows
            raise KernelError(f"{where}: lists nested more than {MAX_DEPTH} deep; a kernel "
                              f"has 1, 2 or 3 axes")
        depth -= char == "]"

    def number(token: str, kind: type) -> float | int:
        if len(token) > MAX_NUMBER_CHARS:
            raise KernelError(f"{where}: the number {shortened(token)} is too long "
                              f"(at most {MAX_NUMBER_CHARS} characters)")
        return kind(token)

    return json.loads(text, parse_int=lambda t: number(t, int),
                      parse_float=lambda t: number(t, float))


def split_row(text: str, where: str) -> list[str]:
    """The cells of one row: separated by commas (none may be empty) or by whitespace."""
    if "," not in text:
        return text.split()
    cells = [cell.strip() for cell in text.split(",")]
    if not all(cells):
        raise KernelError(f"{where}: empty value (two commas in a row, or one at an end)")
    return cells


def rows_to_array(rows: list[tuple[str, list[float]]], where: str) -> np.ndarray:
    """Labelled rows of numbers as a 2-D array, or 1-D if there is a single row."""
    if not rows:
        raise KernelError(f"{where} is empty")
    first_label, first = rows[0]
    for label, row in rows[1:]:
        if len(row) != len(first):
            raise KernelError(
                f"{where}: {label} has {len(row)} values but {first_label} has {len(first)}; "
                "every row needs the same number"
            )
    check_size((len(rows), len(first)), where)
    array = np.array([row for _, row in rows], dtype=float)
    return array[0] if len(rows) == 1 else array


def nested_to_array(data: Any, where: str) -> np.ndarray:
    """A number or nested lists of numbers (JSON) as an array of 1 to 3 axes."""

    def shape_of(item: Any) -> tuple[int, ...]:
        if isinstance(item, list):
            if not item:
                raise KernelError(f"{where}: empty list")
            shapes = [shape_of(x) for x in item]
            if any(s != shapes[0] for s in shapes):
                lengths = sorted({s[0] if s else 0 for s in shapes})
                raise KernelError(
                    f"{where}: rows have different lengths ({', '.join(map(str, lengths))}); "
                    "every row needs the same number of values"
                )
            return (len(item), *shapes[0])
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise KernelError(f"{where}: {json.dumps(item)} is not a number")
        try:
            finite = math.isfinite(float(item))
        except OverflowError:
            finite = False
        if not finite:
            raise KernelError(f"{where}: non-finite value {item}; kernel values must be finite")
        return ()

    shape = shape_of(data)
    if len(shape) > 3:
        raise KernelError(f"{where} has {len(shape)} axes; a kernel has 1, 2 or 3")
    check_size(shape or (1,), where)
    return np.atleast_1d(np.array(data, dtype=float))


def parse_inline(text: str) -> np.ndarray:
    """``[1,2,1]``, ``[1,2,1; 2,4,2; 1,2,1]`` (rows split by ';') or ``[[1,2],[3,4]]``."""
    where = "inline kernel"
    body = text.strip()[1:-1]
    if "[" in body or "]" in body:
        try:
            data = load_json(text, where)
        except json.JSONDecodeError as error:
            raise KernelError(f"{where}: cannot read nested lists ({error.msg})") from None
        return nested_to_array(data, where)
    lines = body.split(";")
    if len(lines) > 1 and not lines[-1].strip():
        lines.pop()  # a trailing ';'
    rows = []
    for i, line in enumerate(lines, 1):
        cells = split_row(line, f"{where}, row {i}")
        if not cells and len(lines) > 1:
            raise KernelError(f"{where}: row {i} is empty")
        rows.append((f"row {i}", [parse_value(c, where) for c in cells]))
    if rows == [("row 1", [])]:
        raise KernelError(f"{where} is empty")
    return rows_to_array(rows, where)


def _imagemagick_values(text: str, where: str) -> list[float]:
    """Comma/space separated numbers; ``nan`` and ``-`` (not in the kernel) count as 0."""
    if ";" in text:
        raise KernelError(f"{where}: only one kernel is allowed (no ';' kernel lists)")
    tokens = [t for t in re.split(r"[\s,]+", text) if t]
    return [0.0 if t.lower() in ("-", "nan") else parse_value(t, where) for t in tokens]


def parse_imagemagick(text: str) -> tuple[np.ndarray, tuple[int, int] | None]:
    """ImageMagick's ``WxH[+X+Y]: values`` (or ``W: values``, a square), row by row.

    +X+Y is the origin (column X, row Y), as in ImageMagick, whose convolution is a true
    one: the values are used as they are. Returns the (H, W) array and origin (row, col).
    """
    match = IMAGEMAGICK_RE.fullmatch(text)
    if match is None:
        head = text.split(":", 1)[0].strip()
        raise KernelError(
            f"ImageMagick-style kernel: cannot read the size {head!r}; write WxH or WxH+X+Y, "
            "e.g. '3x3: 1,2,1 2,4,2 1,2,1'"
        )
    w_text, h_text, x_text, y_text, body = match.groups()
    width, height = int(w_text), int(h_text or w_text)
    geometry = f"{width}x{height}" + (f"{x_text}{y_text}" if x_text else "")
    where = f"ImageMagick-style kernel '{geometry}:'"
    if width < 1 or height < 1:
        raise KernelError(f"{where}: the size must be at least 1x1")
    check_size((height, width), where)
    values = _imagemagick_values(body, where)
    if len(values) != width * height:
        raise KernelError(
            f"{where} needs {width * height} values ({width} wide, {height} high), "
            f"got {len(values)}"
        )
    origin = None
    if x_text is not None:
        x, y = int(x_text), int(y_text)
        if not (0 <= x < width and 0 <= y < height):
            raise KernelError(f"{where}: origin {x_text}{y_text} is outside the kernel")
        origin = (y, x)
    return np.array(values).reshape(height, width), origin


def is_bare_numbers(text: str) -> bool:
    """True for ImageMagick's size-less form: only numbers, commas and spaces."""
    tokens = [t for t in re.split(r"[\s,]+", text) if t]
    return bool(tokens) and all(NUMBER_RE.fullmatch(t) for t in tokens)


def parse_bare_numbers(text: str) -> np.ndarray:
    """ImageMagick's values without a size: a square of n×n values, row by row."""
    where = "ImageMagick-style kernel"
    values = _imagemagick_values(text, where)
    side = math.isqrt(len(values))
    if side * side != len(values):
        raise KernelError(
            f"{where}: {len(values)} values without a size; give a square number of values "
            f"or the size, e.g. '{len(values)}x1: …', or write [{', '.join(text.split())}]"
        )
    check_size((side, side), where)
    return np.array(values).reshape(side, side)


def parse_origin(text: str | None, shape: tuple[int, ...], where: str) -> tuple[int, ...] | None:
    """``i`` (every axis), ``i;j`` (one per axis) or ``center``; checked against ``shape``."""
    if text is None or not text.strip():
        raise KernelError(f"{where}: origin needs a value, e.g. origin=0 or origin=1;1")
    if text.strip().lower() in ("center", "centre"):
        return None
    parts = text.split(";")
    try:
        origin = tuple(int(p) for p in parts)
    except ValueError:
        raise KernelError(
            f"{where}: origin must be whole numbers, one per axis (e.g. 0 or 1;1), got {text!r}"
        ) from None
    if len(origin) == 1:
        origin = origin * len(shape)
    if len(origin) != len(shape):
        raise KernelError(
            f"{where}: origin needs {len(shape)} values (one per axis), got {len(origin)}"
        )
    if any(not 0 <= o < n for o, n in zip(origin, shape)):
        dims = "×".join(map(str, shape))
        raise KernelError(f"{where}: origin {text.strip()} is outside the {dims} kernel")
    return origin
