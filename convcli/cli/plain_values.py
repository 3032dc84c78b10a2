"""Option values that need no validation library: Typer's checks without importing pydantic.

Typer (0.2x) checks every option value with a pydantic ``TypeAdapter``; importing pydantic and
building the adapters costs about 0.1 s of each run, more than a small job takes. ``install``
puts a front in place: a value that is plainly right for its annotation (text for ``str``, a
choice or an enum value spelt exactly, digits within the bounds for ``int``, a plain decimal
for ``float``, what the option's own parser returns, each value of a repeated option) is
taken as Typer would take it; anything else, and every other annotation, goes to Typer's own
check, which words its error as it always has. Without Typer's internals (another version)
nothing is changed.
"""

from __future__ import annotations

import enum
import re
import typing
from typing import Any

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def plain_value(annotation: Any, info: Any, value: Any) -> tuple[bool, Any]:
    """``(True, value as Typer would return it)`` when ``value`` is plainly right for
    ``annotation`` with the bounds in ``info``; ``(False, None)`` when Typer must decide.

    >>> from types import SimpleNamespace
    >>> info = SimpleNamespace(parser=None, min=1, max=17, clamp=False, case_sensitive=True)
    >>> plain_value(int, info, "15"), plain_value(int, info, "99"), plain_value(str, info, "a")
    ((True, 15), (False, None), (True, 'a'))
    >>> plain_value(typing.Literal["max", "mean"], info, "Max")
    (False, None)
    >>> plain_value(enum.Enum("Op", {"MAX": "max"}), info, "max")[1].name
    'MAX'
    >>> plain_value(list[str], info, ("edge", "sobel")), plain_value(list[int], info, ("0",))
    ((True, ['edge', 'sobel']), (False, None))
    """
    if typing.get_origin(annotation) is list:  # a repeated option: each value on its own
        if not isinstance(value, (list, tuple)):
            return False, None
        (item,) = typing.get_args(annotation) or (str,)
        taken = [plain_value(item, info, one) for one in value]
        if all(plain for plain, _ in taken):
            return True, [one for _, one in taken]
        return False, None
    parser = getattr(info, "parser", None)
    if parser is not None:  # Typer calls it the same way; a ValueError it words itself
        try:
            return True, parser(value)
        except (ValueError, AssertionError):
            return False, None
    if annotation is bool and isinstance(value, bool):
        return True, value
    if annotation is str:
        return (True, value) if isinstance(value, str) else (False, None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        if isinstance(value, annotation):
            return True, value
        member = annotation._value2member_map_.get(value) if isinstance(value, str) else None
        return (True, member) if member is not None else (False, None)
    if typing.get_origin(annotation) is typing.Literal:
        exact = getattr(info, "case_sensitive", True) and isinstance(value, str)
        return (True, value) if exact and value in typing.get_args(annotation) else (False, None)
    if annotation is int or annotation is float:
        if type(value) is annotation:
            number = value
        elif isinstance(value, str) and (_INTEGER if annotation is int
                                         else _DECIMAL).fullmatch(value):
            number = annotation(value)
        else:
            return False, None
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        if getattr(info, "clamp", False) or (low is not None and number < low) \
                or (high is not None and number > high):
            return False, None
        return True, number
    return False, None


def install() -> None:
    """Route Typer's value checks through ``plain_value`` first (when Typer has the hook)."""
    try:
        from typer import _coercion, core
    except ImportError:
        return
    typer_builds = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if typer_builds is None or base is None or getattr(typer_builds, "plain", False):
        return

    class PlainRuntimeParam(base):
        """Plain values here; the rest by the parameter Typer would have built."""

        def __init__(self, descriptor: Any) -> None:
            super().__init__(parameter_info=descriptor.parameter_info,
                             annotation=descriptor.annotation)
            object.__setattr__(self, "descriptor", descriptor)
            object.__setattr__(self, "typer_param", None)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            plain, taken = plain_value(self.annotation, self.parameter_info, value)
            if plain:
                return taken
            if self.typer_param is None:
                object.__setattr__(self, "typer_param", typer_builds(self.descriptor))
            return self.typer_param._coerce_value(value, param=param, ctx=ctx)

    def build(descriptor: Any) -> Any:
        if getattr(descriptor, "file_annotation", None) is not None \
                or getattr(descriptor, "is_tuple", True):
            return typer_builds(descriptor)
        return PlainRuntimeParam(descriptor)

    build.plain = True
    core.build_runtime_param = build
