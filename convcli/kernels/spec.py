"""The kernel spec language: one string that names, loads or writes a kernel.

::

    SPEC      = BASE [":" MODIFIERS]
    BASE      = NAME                         gaussian, sobel, exponential, …
              | "[" ROWS "]"                 [1,2,1]   [1,2,1; 2,4,2; 1,2,1]   [[1,2],[3,4]]
              | W["x"H]["+"X"+"Y] ":" VALUES ImageMagick: 3x3: 1,2,1 2,4,2 1,2,1
              | VALUES                       ImageMagick without a size: n×n values
              | PATH                         .csv .tsv .txt .npy .json
    MODIFIERS = KEY["=" VALUE] {"," KEY["=" VALUE]}

A named kernel's own parameters and the modifiers any kernel takes share the list:
``normalize`` (true/false), ``scale`` (number), ``transpose``, ``rotate`` (90/180/270,
counter-clockwise), ``origin`` (``i``, ``i;j``, or ``center``), ``outer`` (1-D → 2-D by outer
product with itself). A bare key means true. They apply in this order: outer, the dimension
asked for, transpose, rotate, origin, normalize, scale.

Normalisation rule: named smoothing kernels (box, gaussian, windows, binomial, disk,
exponential, motion, …) are normalised to unit sum by definition (``normalize=false`` gives
the raw profile); every other kernel, and any kernel the user writes (file or inline), is
used exactly as given unless ``normalize`` is asked for. A kernel summing to zero (edges) is
left unchanged by ``normalize``. ImageMagick's ``-convolve`` normalises silently and its
``-morphology Convolve`` does not; convcli never normalises a written kernel silently.

In the ImageMagick form, +X+Y is the origin (column X, row Y), ``nan`` or ``-`` mean a tap
outside the kernel (weight 0), and modifiers may follow the values after a second ':'. A path
that exists is taken as a path first, so file names may contain ':'.
"""

from __future__ import annotations

import os
import re

from convcli.errors import KernelError
from convcli.kernels.files import load_kernel_file, looks_like_path
from convcli.kernels.kernel import Kernel
from convcli.kernels.limits import check_gain, check_size
from convcli.kernels.matrix import (
    IMAGEMAGICK_RE,
    is_bare_numbers,
    parse_bare_numbers,
    parse_imagemagick,
    parse_inline,
    parse_origin,
)
from convcli.kernels.registry import (
    MODIFIERS,
    lookup,
    parse_bool,
    parse_float,
    parse_int,
    unknown_param_message,
)

NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_SPELLINGS = {"normalise": "normalize"}


def parse_kernel(spec: str, ndim: int | None = None) -> Kernel:
    """The kernel a spec string describes (values and origin).

    Parameters
    ----------
    spec : str
        A library name with parameters (``gaussian:sigma=2``), a file, inline values
        (``[1,2,1]``, ``[1,2;3,4]``) or an ImageMagick-style kernel, with modifiers such as
        ``normalize=false``.
    ndim : {None, 1, 2, 3}
        None gives the kernel's natural dimension; 1, 2 or 3 asks for that many axes:
        separable smoothing kernels become outer products of their profile, a written row
        becomes a (1, K) row for 2-D, a (1, K) or (K, 1) matrix is squeezed for 1-D.

    Returns
    -------
    Kernel
        The weights and origin; a kernel with no such form, and every other user mistake,
        raises :class:`KernelError`.

    Examples
    --------
    >>> parse_kernel("[1,2,1]").values
    array([1., 2., 1.])
    >>> parse_kernel("box:size=3", ndim=2).shape
    (3, 3)
    """
    if ndim not in (None, 1, 2, 3):
        raise KernelError(f"a kernel has 1, 2 or 3 axes, not {ndim}")
    if not isinstance(spec, str) or not spec.strip():
        raise KernelError(
            "empty kernel spec: give a name (see `convcli kernels`), a file, or values such as "
            "[1,2,1]"
        )
    kind, base, tail = split_spec(spec.strip())
    if kind == "name":
        where = lookup(base).name
    elif kind == "file":
        where = f"kernel file {base!r}"
    else:
        where = "inline kernel" if kind == "inline" else "ImageMagick-style kernel"
    items = parse_items(tail, where)
    mods = {key: value for key, value in items.items() if key in MODIFIERS}
    own = {key: value for key, value in items.items() if key not in MODIFIERS}
    normalize = (
        parse_bool(mods["normalize"], f"{where}: normalize") if "normalize" in mods else None
    )
    outer = "outer" in mods and parse_bool(mods["outer"], f"{where}: outer")

    if kind == "name":
        kernel = lookup(base).build(own, 1 if outer else ndim, normalize)
        normalize = None  # the entry applied it
    else:
        if own:
            raise KernelError(unknown_param_message(where, [], next(iter(own))))
        kernel = _load(kind, base)
    if outer:
        kernel = outer_product(kernel, where)
    kernel = with_ndim(kernel, ndim, where)
    kernel = _apply_modifiers(kernel, mods, normalize, where)
    check_size(kernel.shape, where)
    return Kernel(kernel.values, kernel.origin, kernel.name, {**kernel.params, **mods})


def kernel_file(spec: str) -> str | None:
    """The file a spec reads its kernel from (None for a name or written values), so that a
    job can refuse an output that would overwrite it.

    >>> kernel_file("gaussian:sigma=2") is None
    True
    """
    try:
        kind, base, _ = split_spec(spec.strip())
    except KernelError:
        return None
    return base if kind == "file" else None


def split_spec(text: str) -> tuple[str, str, str | None]:
    """(kind, base, modifiers text or None); kind is name, inline, imagemagick, bare or file."""
    head = text.split(":", 1)[0].strip()
    if text.startswith("["):
        end = _closing_bracket(text)
        rest = text[end + 1 :].strip()
        if rest and not rest.startswith(":"):
            raise KernelError(f"inline kernel: unexpected {rest!r} after ']'")
        return "inline", text[: end + 1], rest[1:] if rest else None
    if os.path.isfile(text) and looks_like_path(text):
        return "file", text, None
    for at in reversed([i for i, c in enumerate(text) if c == ":"]):
        if os.path.isfile(text[:at]) and looks_like_path(text[:at]):
            return "file", text[:at], text[at + 1 :]
    if NAME_RE.fullmatch(head):
        return "name", head, _tail(text)
    if IMAGEMAGICK_RE.match(text) or re.match(r"\s*\d+x", text):
        geometry, _, rest = text.partition(":")
        values, colon, mods = rest.partition(":")
        if ";" in values:
            raise KernelError("ImageMagick-style kernel: only one kernel is allowed (no ';' lists)")
        return "imagemagick", f"{geometry}:{values}", mods if colon else None
    if is_bare_numbers(head):
        return "bare", head, _tail(text)
    candidate = text
    if ":" in text and re.fullmatch(r"[\w\s=;,.+-]*", text.rsplit(":", 1)[1]):
        candidate = text.rsplit(":", 1)[0]
    if looks_like_path(candidate):
        if os.path.isdir(candidate):
            raise KernelError(f"kernel file {candidate!r} is a directory")
        if os.path.exists(candidate):
            raise KernelError(f"kernel file {candidate!r} is not a regular file (a device, "
                              "FIFO or socket); write the kernel to a file")
        raise KernelError(f"kernel file {candidate!r} not found")
    lookup(head)  # raises: an unknown name, with suggestions
    raise KernelError(f"cannot read the kernel spec {text!r}")  # pragma: no cover


def _tail(text: str) -> str | None:
    return text.split(":", 1)[1] if ":" in text else None


def _closing_bracket(text: str) -> int:
    depth = 0
    for i, char in enumerate(text):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth == 0:
            return i
    raise KernelError("inline kernel: missing ']'")


def parse_items(text: str | None, where: str) -> dict[str, str | None]:
    """``key=value,key`` as {key: value or None}; malformed or repeated keys are errors."""
    items: dict[str, str | None] = {}
    if text is None or not text.strip():
        return items
    for item in text.split(","):
        key, eq, value = item.partition("=")
        key = key.strip().lower()
        key = _SPELLINGS.get(key, key)
        if not KEY_RE.fullmatch(key):
            raise KernelError(
                f"{where}: malformed parameter {item.strip()!r}; write key=value, "
                "e.g. sigma=2, with commas between them"
            )
        if key in items:
            raise KernelError(f"{where}: parameter {key!r} given twice")
        items[key] = value.strip() if eq else None
    return items


def _load(kind: str, base: str) -> Kernel:
    if kind == "file":
        return load_kernel_file(base)
    if kind == "inline":
        return Kernel(parse_inline(base), None, "inline")
    if kind == "bare":
        return Kernel(parse_bare_numbers(base), None, "imagemagick")
    values, origin = parse_imagemagick(base)
    return Kernel(values, origin, "imagemagick")


def outer_product(kernel: Kernel, where: str) -> Kernel:
    """A 1-D kernel as the 2-D outer product with itself (origin on the diagonal)."""
    if kernel.ndim != 1:
        raise KernelError(f"{where}: outer needs a 1-D kernel, this one is {kernel.ndim}-D")
    check_size(kernel.shape * 2, where)
    origin = None if kernel.origin is None else kernel.origin * 2
    values = kernel.values[:, None] * kernel.values[None, :]
    return Kernel(values, origin, kernel.name, kernel.params)


def with_ndim(kernel: Kernel, ndim: int | None, where: str) -> Kernel:
    """Add leading axes of length 1, or drop axes of length 1, to get ``ndim`` axes."""
    if ndim is None or kernel.ndim == ndim:
        return kernel
    origin = kernel.origin_index
    if kernel.ndim < ndim:
        extra = ndim - kernel.ndim
        values = kernel.values.reshape((1,) * extra + kernel.shape)
        origin = (0,) * extra + origin
    else:
        drop = [a for a, n in enumerate(kernel.shape) if n == 1][: kernel.ndim - ndim]
        if len(drop) < kernel.ndim - ndim:
            dims = "×".join(map(str, kernel.shape))
            raise KernelError(f"{where} is {kernel.ndim}-D ({dims}); a {ndim}-D kernel is needed")
        values = kernel.values.squeeze(axis=tuple(drop))
        origin = tuple(o for a, o in enumerate(origin) if a not in drop)
    centred = kernel.origin is None
    return Kernel(values, None if centred else origin, kernel.name, kernel.params)


def _apply_modifiers(
    kernel: Kernel, mods: dict[str, str | None], normalize: bool | None, where: str
) -> Kernel:
    if "transpose" in mods and parse_bool(mods["transpose"], f"{where}: transpose"):
        if kernel.ndim < 2:
            raise KernelError(
                f"{where}: transpose needs a 2-D kernel, this one is 1-D "
                "(ask for a 2-D kernel, or write a column such as [1;2;1])"
            )
        kernel = kernel.transposed()
    if "rotate" in mods:
        text = mods["rotate"] or ""
        degrees = parse_int(text, f"{where}: rotate") if text else 1
        if not text or degrees % 90:
            raise KernelError(f"{where}: rotate must be 90, 180 or 270 (degrees counter-clockwise)")
        kernel = kernel.rotated(degrees // 90)
    if "origin" in mods:
        kernel = kernel.with_origin(parse_origin(mods["origin"], kernel.shape, where))
    if normalize:
        kernel = kernel.normalized()
    if "scale" in mods:
        text = mods["scale"]
        if text is None:
            raise KernelError(f"{where}: scale needs a value, e.g. scale=2")
        kernel = kernel.scaled(parse_float(text, f"{where}: scale"))
        check_gain(kernel.values, f"{where}: scale={text}")
    return kernel
