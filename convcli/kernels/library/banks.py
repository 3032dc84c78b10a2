"""Kernel banks: several kernels from one spec, each giving one feature map.

A bank is written like a kernel with one key that asks for many:

- ``direction=all`` on any kernel with a ``direction`` choice: every direction it has in the
  dimension asked for (``sobel:direction=all`` is x, y in 2-D; ``kirsch:direction=all`` and
  ``compass:direction=all`` the 8 compass points e, se, s, …, clockwise on screen);
- ``gabor:orientations=N``: N Gabor kernels with θ = θ₀ + k·180°/N (θ₀ = ``theta``, default 0).

Every other key applies to each member. Any other spec is a bank of one.
"""

from __future__ import annotations

from dataclasses import dataclass

from convcli.errors import KernelError
from convcli.kernels.kernel import Kernel
from convcli.kernels.registry import lookup, parse_float, parse_int
from convcli.kernels.spec import parse_items, parse_kernel, split_spec

MAX_ORIENTATIONS = 64
AXES = ("x", "y", "z")


@dataclass(frozen=True)
class Member:
    """One kernel of a bank and the spec that gives it on its own."""

    spec: str
    kernel: Kernel


def bank_specs(spec: str, ndim: int | None = None) -> list[str]:
    """The single-kernel specs a (bank) spec stands for, in channel order.

    >>> bank_specs("sobel:direction=all")
    ['sobel:direction=x', 'sobel:direction=y']
    >>> bank_specs("gabor:orientations=4,frequency=0.2")
    ['gabor:frequency=0.2,theta=0', 'gabor:frequency=0.2,theta=45', \
'gabor:frequency=0.2,theta=90', 'gabor:frequency=0.2,theta=135']
    >>> bank_specs("[1,2,1]")
    ['[1,2,1]']
    """
    kind, base, tail = split_spec(spec.strip())
    if kind != "name":
        return [spec]
    items = parse_items(tail, base)
    entry = lookup(base)
    if items.get("direction") == "all":
        param = entry.param("direction")
        if param is None or not param.choices:
            raise KernelError(f"{entry.name} has no direction to take 'all' of")
        choices = list(param.choices)
        if set(choices) <= set(AXES):  # gradients: one direction per axis of the kernel
            choices = choices[: entry.ndim if ndim is None else ndim]
        return [_join(base, {**items, "direction": c}) for c in choices]
    if "orientations" in items:
        if entry.name != "gabor":
            raise KernelError(f"{entry.name}: orientations makes a bank of gabor kernels only")
        text = items.pop("orientations")
        count = parse_int(text or "", "gabor: orientations")
        if not 1 <= count <= MAX_ORIENTATIONS:
            raise KernelError(f"gabor: orientations must be 1 to {MAX_ORIENTATIONS}, got {count}")
        start = parse_float(items.pop("theta", None) or "0", "gabor: theta")
        return [_join(base, {**items, "theta": _angle(start + k * 180.0 / count)})
                for k in range(count)]
    return [spec]


def parse_bank(specs: str | list[str], ndim: int | None = None) -> list[Member]:
    """Every kernel of one or more (bank) specs, in order: one feature map each.

    >>> [m.kernel.shape for m in parse_bank(["sobel:direction=x", "kirsch:direction=all"])]
    [(3, 3), (3, 3), (3, 3), (3, 3), (3, 3), (3, 3), (3, 3), (3, 3), (3, 3)]
    """
    if isinstance(specs, str):
        specs = [specs]
    return [Member(one, parse_kernel(one, ndim)) for spec in specs
            for one in bank_specs(spec, ndim)]


def _join(base: str, items: dict[str, str | None]) -> str:
    text = ",".join(k if v is None else f"{k}={v}" for k, v in items.items())
    return f"{base}:{text}" if text else base


def _angle(degrees: float) -> str:
    return str(int(degrees)) if float(degrees).is_integer() else f"{degrees:.10g}"
