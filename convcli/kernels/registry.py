"""The registry of named kernels.

Each named kernel is a small function registered with :func:`register`, which records its
parameters (type, default, limits), a one-line description, the dimensions it exists in and
whether it is a smoothing kernel (normalised to unit sum by definition). The family modules in
:mod:`convcli.kernels.library` (``smoothing``, ``windows``, ``time_series``, ``edges``,
``enhance``, ``gabor``) register themselves when the registry is first used; ``banks`` holds
the named banks (several kernels from one spec).
"""

from __future__ import annotations

import difflib
import importlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from convcli.errors import KernelError
from convcli.kernels.kernel import Kernel
from convcli.kernels.limits import check_size, shortened

FAMILIES = ("smoothing", "windows", "time_series", "edges", "enhance", "gabor")
BANK_KEYS = ("orientations",)
"""Keys that make a bank of kernels (see :mod:`convcli.kernels.library.banks`)."""
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")
_INT_RE = re.compile(r"[+-]?\d+(\.0*)?")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def parse_bool(text: str | None, what: str) -> bool:
    """``true/yes/on/1`` or ``false/no/off/0`` (a bare key, ``None``, means true)."""
    if text is None:
        return True
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise KernelError(f"{what} must be true or false, got {text!r}")


def parse_float(text: str, what: str) -> float:
    """A finite decimal number, or KernelError naming ``what``."""
    text = text.strip()
    if not _FLOAT_RE.fullmatch(text):
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise KernelError(f"{what} must be a finite number, got {shortened(text)}")
        raise KernelError(f"{what} must be a number, got {shortened(text)}")
    value = float(text)
    if not math.isfinite(value):
        raise KernelError(f"{what} must be a finite number, got {shortened(text)}")
    return value


def parse_int(text: str, what: str) -> int:
    """A whole number (``7`` or ``7.0``), or KernelError naming ``what``."""
    text = text.strip()
    if not _INT_RE.fullmatch(text) or len(text) > 30:
        raise KernelError(f"{what} must be a whole number, got {shortened(text)}")
    return int(float(text)) if "." in text else int(text)


@dataclass(frozen=True)
class Param:
    """One parameter of a named kernel: its type, default, limits and meaning."""

    name: str
    kind: type
    default: Any
    help: str
    choices: tuple[Any, ...] = ()
    low: float | None = None
    low_open: bool = False
    high: float | None = None
    odd: bool = False
    unset: str = "auto"
    """What a ``None`` default is called in the listing (``auto``: computed from the rest)."""

    def parse(self, text: str | None, kernel: str) -> Any:
        """The value of ``text`` (``None`` for a bare key), checked against the limits."""
        what = f"{kernel}: {self.name}"
        if self.kind is bool:
            return parse_bool(text, what)
        if text is None or not text.strip():
            example = self.default if self.default is not None else "…"
            raise KernelError(f"{what} needs a value, e.g. {self.name}={example}")
        if self.kind is str:
            value: Any = text.strip().lower()
        elif self.kind is int:
            value = parse_int(text, what)
        else:
            value = parse_float(text, what)
        if self.choices and value not in self.choices:
            allowed = ", ".join(str(c) for c in self.choices)
            raise KernelError(f"{what} must be one of {allowed}; got {text.strip()!r}")
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            sign = ">" if self.low_open else ">="
            raise KernelError(f"{what} must be {sign} {_num(self.low)}, got {_num(value)}")
        if self.high is not None and value > self.high:
            raise KernelError(f"{what} must be at most {_num(self.high)}, got {_num(value)}")
        if self.odd and value % 2 == 0:
            raise KernelError(f"{what} must be odd, got {value}")
        return value

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        out: dict[str, Any] = {
            "type": self.kind.__name__,
            "default": self.default,
            "description": self.help,
        }
        if self.default is None:
            out["unset"] = self.unset
        if self.choices:
            out["choices"] = list(self.choices)
        return out


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class KernelEntry:
    """A named kernel: how to build it and what to tell the user about it.

    ``func`` receives the parameters as keywords; a ``separable`` kernel's function returns
    its 1-D profile (the registry takes outer products for 2-D and 3-D), any other gets
    ``ndim`` as its first argument and returns the whole array.
    """

    name: str
    func: Callable[..., np.ndarray]
    description: str
    category: str
    params: tuple[Param, ...]
    ndims: tuple[int, ...]
    aliases: tuple[str, ...] = ()
    normalized: bool = False
    separable: bool = False
    causal: bool = False
    exclusive: tuple[tuple[str, str], ...] = ()

    @property
    def ndim(self) -> int:
        """The natural dimension: what ``ndim=None`` gives."""
        return self.ndims[0]

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (name, params with defaults, description, …)."""
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "category": self.category,
            "description": self.description,
            "ndim": self.ndim,
            "ndims": sorted(self.ndims),
            "normalized": self.normalized,
            "params": {p.name: p.to_dict() for p in self.params},
        }

    def build(
        self,
        given: dict[str, str | None],
        ndim: int | None = None,
        normalize: bool | None = None,
    ) -> Kernel:
        """The kernel for the parameters ``given`` as text (unknown names are an error).

        ``normalize`` overrides the entry's own rule (smoothing kernels: unit sum).
        """
        for key, text in given.items():
            if key in BANK_KEYS or (key == "direction" and text == "all"):
                raise KernelError(
                    f"{self.name}:{key}={text} is a bank of kernels, one feature map each: "
                    "give it to `convcli filter -k` (one kernel is needed here)")
            if self.param(key) is None:
                raise KernelError(
                    unknown_param_message(self.name, [p.name for p in self.params], key)
                )
        values = {p.name: p.default for p in self.params}
        for key, text in given.items():
            values[key] = self.param(key).parse(text, self.name)  # type: ignore[union-attr]
        for a, b in self.exclusive:
            if a in given and b in given:
                raise KernelError(f"{self.name}: give {a} or {b}, not both")
        nd = self.ndim if ndim is None else ndim
        if nd not in self.ndims:
            dims = " or ".join(f"{d}-D" for d in sorted(self.ndims))
            raise KernelError(f"kernel {self.name!r} is {dims} only; it has no {nd}-D form")
        if self.separable:
            profile = np.asarray(self.func(**values), dtype=float)
            check_size((profile.size,) * nd, f"kernel {self.name!r}")
            array = profile
            for _ in range(nd - 1):
                array = np.multiply.outer(array, profile)
        else:
            array = np.asarray(self.func(nd, **values), dtype=float)
        check_size(array.shape, f"kernel {self.name!r}")
        if not np.all(np.isfinite(array)):
            raise KernelError(f"{self.name}: these parameters overflow to non-finite weights")
        if self.normalized if normalize is None else normalize:
            from convcli.engine.tolerances import sums_to_zero

            if not sums_to_zero(array):
                array = array / float(array.sum())
            elif self.normalized:
                shown = ", ".join(f"{k}={v}" for k, v in given.items()) or "the defaults"
                raise KernelError(
                    f"{self.name}: the weights are all zero with {shown}; use a larger size"
                )
        origin = (0,) * nd if self.causal else None
        return Kernel(array, origin, self.name, values)


_REGISTRY: dict[str, KernelEntry] = {}
_ALIASES: dict[str, str] = {}
_loaded = False


def register(
    name: str,
    description: str,
    *,
    category: str,
    params: tuple[Param, ...] = (),
    ndims: tuple[int, ...] = (2,),
    aliases: tuple[str, ...] = (),
    normalized: bool = False,
    separable: bool = False,
    causal: bool = False,
    exclusive: tuple[tuple[str, str], ...] = (),
) -> Callable[[Callable[..., np.ndarray]], Callable[..., np.ndarray]]:
    """Decorator: record the function as the named kernel ``name``."""

    def decorate(func: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        for key in (name, *aliases):
            if key in _REGISTRY or key in _ALIASES:
                raise ValueError(f"kernel name {key!r} registered twice")
        _REGISTRY[name] = KernelEntry(
            name,
            func,
            description,
            category,
            params,
            ndims,
            aliases,
            normalized,
            separable,
            causal,
            exclusive,
        )
        for alias in aliases:
            _ALIASES[alias] = name
        return func

    return decorate


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for family in FAMILIES:
            importlib.import_module(f"convcli.kernels.library.{family}")


def named_kernels() -> list[KernelEntry]:
    """Every named kernel, in the order of the listing."""
    _load()
    return list(_REGISTRY.values())


def lookup(name: str) -> KernelEntry:
    """The entry for ``name`` or an alias (any case); unknown names suggest close ones."""
    _load()
    key = name.strip().lower()
    if key in _REGISTRY:
        return _REGISTRY[key]
    if key in _ALIASES:
        return _REGISTRY[_ALIASES[key]]
    close = difflib.get_close_matches(key, [*_REGISTRY, *_ALIASES], n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise KernelError(f"unknown kernel {name.strip()!r}{hint} (`convcli kernels` lists them all)")


MODIFIERS = ("normalize", "scale", "transpose", "rotate", "origin", "outer")
"""Keys any kernel takes (see :mod:`convcli.kernels.spec`)."""


def unknown_param_message(where: str, own: list[str], key: str) -> str:
    """'unknown parameter' for ``where``, with the closest names and the valid ones."""
    close = difflib.get_close_matches(key.lower(), [*own, *MODIFIERS], n=2, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    takes = f"{where} takes {', '.join(own)}; any kernel takes" if own else "it takes"
    return f"{where}: unknown parameter {key!r}{hint}; {takes} {', '.join(MODIFIERS)}"
