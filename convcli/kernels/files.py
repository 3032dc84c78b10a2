"""Kernel files: .csv/.tsv/.txt rows, .npy arrays and .json objects."""

from __future__ import annotations

import difflib
import json
import math
import os
from pathlib import Path

import numpy as np

from convcli.errors import KernelError
from convcli.kernels.kernel import Kernel
from convcli.kernels.limits import check_gain, check_size
from convcli.kernels.matrix import load_json, nested_to_array, parse_value, rows_to_array, split_row

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
SUFFIXES = (*TEXT_SUFFIXES, ".npy", ".json")
MAX_FILE_BYTES = 64 * 2**20
JSON_KEYS = ("kernel", "origin", "normalize", "scale")


def looks_like_path(text: str) -> bool:
    """True when ``text`` reads as a file name (a kernel suffix or a directory part)."""
    return Path(text).suffix.lower() in SUFFIXES or "/" in text or os.sep in text


def load_kernel_file(path: str) -> Kernel:
    """The kernel in ``path``, its values exactly as written (a .json may ask to normalise)."""
    where = f"kernel file {path!r}"
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise KernelError(
            f"{where}: unknown type {suffix or '(no extension)'}; "
            "use .csv, .tsv, .txt, .npy or .json"
        )
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise KernelError(f"{where} cannot be read: {error.strerror}") from None
    if size == 0:
        raise KernelError(f"{where} is empty")
    if suffix != ".npy" and size > MAX_FILE_BYTES:
        raise KernelError(f"{where} is too large to be a kernel (over {MAX_FILE_BYTES} bytes)")
    name = Path(path).name
    if suffix == ".npy":
        return Kernel(_load_npy(path, where), None, name, {"file": path})
    text = _read_text(path, where)
    if suffix == ".json":
        return _load_json(text, where, name, path)
    return Kernel(_load_rows(text, where), None, name, {"file": path})


def _read_text(path: str, where: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise KernelError(f"{where} is not a UTF-8 text file") from None
    except OSError as error:
        raise KernelError(f"{where} cannot be read: {error.strerror}") from None


def _load_rows(text: str, where: str) -> np.ndarray:
    """One row per line, cells split by commas or whitespace; '#' starts a comment."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            at = f"{where}, line {number}"
            rows.append((f"line {number}", [parse_value(c, at) for c in split_row(line, at)]))
    if not rows:
        raise KernelError(f"{where} has no values (only blank or comment lines)")
    return rows_to_array(rows, where)


def _load_npy(path: str, where: str) -> np.ndarray:
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError):
        raise KernelError(f"{where} is not a valid .npy file") from None
    if array.dtype.kind not in "biuf":
        raise KernelError(f"{where}: values must be real numbers, not {array.dtype}")
    if array.ndim > 3:
        raise KernelError(f"{where} has {array.ndim} axes; a kernel has 1, 2 or 3")
    if array.size == 0:
        raise KernelError(f"{where} is empty (shape {array.shape})")
    check_size(array.shape or (1,), where)
    values = np.atleast_1d(np.array(array, dtype=float))
    if not np.all(np.isfinite(values)):
        raise KernelError(f"{where} has non-finite values (NaN or inf)")
    return values


def _load_json(text: str, where: str, name: str, path: str) -> Kernel:
    """A list of rows, or {"kernel": rows, "origin": [...], "normalize": …, "scale": …}."""
    try:
        data = load_json(text, where)
    except json.JSONDecodeError as error:
        raise KernelError(
            f"{where} is not valid JSON: {error.msg} at line {error.lineno}"
        ) from None
    if isinstance(data, list):
        return Kernel(nested_to_array(data, where), None, name, {"file": path})
    if not isinstance(data, dict):
        raise KernelError(f'{where} must hold a list of rows or an object with a "kernel" key')
    for key in data:
        if key not in JSON_KEYS:
            close = difflib.get_close_matches(key, JSON_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise KernelError(
                f"{where}: unknown key {key!r}{hint}; the keys are {', '.join(JSON_KEYS)}"
            )
    if "kernel" not in data:
        raise KernelError(f'{where} has no "kernel" key holding the values')
    values = nested_to_array(data["kernel"], where)
    origin = data.get("origin")
    if origin is not None:
        if isinstance(origin, int) and not isinstance(origin, bool):
            origin = [origin] * values.ndim
        if not (
            isinstance(origin, list)
            and all(isinstance(o, int) and not isinstance(o, bool) for o in origin)
        ):
            raise KernelError(f'{where}: "origin" must be a whole number or a list of them')
        if len(origin) != values.ndim or any(not 0 <= o < n for o, n in zip(origin, values.shape)):
            dims = "×".join(map(str, values.shape))
            raise KernelError(f'{where}: "origin" {origin} does not fit the {dims} kernel')
        origin = tuple(origin)
    kernel = Kernel(values, origin, name, {"file": path})
    normalize = data.get("normalize", False)
    if not isinstance(normalize, bool):
        raise KernelError(f'{where}: "normalize" must be true or false')
    if normalize:
        kernel = kernel.normalized()
    if "scale" in data:
        scale = data["scale"]
        if isinstance(scale, bool) or not isinstance(scale, (int, float)):
            raise KernelError(f'{where}: "scale" must be a number')
        try:
            scale = float(scale)
        except OverflowError:
            scale = math.inf
        if not math.isfinite(scale):
            raise KernelError(f'{where}: "scale" must be finite')
        kernel = kernel.scaled(scale)
        check_gain(kernel.values, f'{where}: "scale" {scale:g}')
    return kernel
