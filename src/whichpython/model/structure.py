"""Build frozen attrs classes from JSON data, checking each value against its declared type.

The read side of the probe's answers (fresh or cached) needs only this: importing the cattrs
converter costs ~20 ms, which a warm first call would pay for nothing. cattrs stays the
writer of the JSON users read (:mod:`whichpython.model.serialization`). Supported types: ``str``,
``int``, ``float``, ``bool``, ``Any``, ``Optional``/``Union`` of these, ``list[T]``,
``dict[str, T]`` and nested attrs classes; extra keys are ignored, as cattrs ignores them.

The checks are made from a description of each field's type (:func:`describe`); a pre-built
class (:mod:`whichpython.model.prebuilt`) carries its fields' descriptions, so structuring it
imports neither attrs nor typing.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing and attrs are not imported on the fast path
if TYPE_CHECKING:
    from typing import Any, Callable, NoReturn, TypeVar

    T = TypeVar("T")
    _Check = Callable[[Any, str], Any]

_PLANS: dict[Any, _Check] = {}
_CLASSES: dict[type, _Check] = {}
_SCALARS = {"str": str, "int": int, "float": float}


class StructureError(ValueError):
    """A value that does not have its declared type; the message names where (``$.a.b``)."""


def structure(data: Any, cls: type[T]) -> T:
    """``cls`` built from ``data``; raises :class:`StructureError` naming the first bad value."""
    built: T = _class_check(cls)(data, "$")
    return built


def describe(hint: Any) -> Any:
    """A hashable description of a type hint, what the checks are made from: ``"str"``,
    ``("list", item)``, ``("class", module, qualname)``, ...; TypeError for another type."""
    import typing

    import attrs

    if hint is typing.Any:
        return "any"
    if attrs.has(hint):
        return ("class", hint.__module__, hint.__qualname__)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union:
        optional = type(None) in args
        members = tuple(a for a in args if a is not type(None))
        if all(m in (str, int, float) for m in members):  # scalars as JSON gives them
            return ("scalars", optional, tuple(m.__name__ for m in members))
        if len(members) != 1:
            raise TypeError(f"cannot structure a union of {members!r}")
        return ("union1", optional, describe(members[0]))
    if origin is list:
        return ("list", describe(args[0]))
    if origin is dict and args[0] is str:
        return ("dict", describe(args[1]))
    if hint in (str, int, bool, float):
        return hint.__name__
    raise TypeError(f"cannot structure {hint!r}")  # a model the plan does not know


def describe_fields(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """Each field of attrs class ``cls``: its name, :func:`describe` of its type, whether it
    is required (has no default)."""
    import attrs

    from whichpython.model.prebuilt import resolve

    if any(isinstance(f.type, str) for f in attrs.fields(cls)):
        resolve(cls, cls)
    return tuple((f.name, describe(f.type), f.default is attrs.NOTHING) for f in attrs.fields(cls))


def _plan(desc: Any) -> _Check:
    """A checker for a described type, made once per description."""
    plan = _PLANS.get(desc)
    if plan is None:
        plan = _PLANS[desc] = _make(desc)
    return plan


def _fail(where: str, expected: str, value: Any) -> NoReturn:
    raise StructureError(f"{where}: expected {expected}, not {type(value).__name__}")


def _make(desc: Any) -> _Check:
    if desc == "any":
        return lambda value, where: value
    if desc == "float":
        return lambda value, where: (
            float(value) if type(value) in (int, float) else _fail(where, "a number", value)
        )
    if isinstance(desc, str):
        return _make_exact({"str": str, "int": int, "bool": bool}[desc])
    kind = desc[0]
    if kind == "class":
        cls = sys.modules[desc[1]]
        for name in desc[2].split("."):
            cls = getattr(cls, name)
        return lambda value, where: _class_check(cls)(value, where)  # type: ignore[arg-type]
    if kind == "list":
        item = _plan(desc[1])

        def check_list(value: Any, where: str) -> Any:
            if type(value) is not list:
                _fail(where, "a list", value)
            return [item(v, f"{where}[{i}]") for i, v in enumerate(value)]

        return check_list
    if kind == "dict":
        item = _plan(desc[1])

        def check_dict(value: Any, where: str) -> Any:
            if type(value) is not dict or not all(type(k) is str for k in value):
                _fail(where, "an object with string keys", value)
            return {k: item(v, f"{where}.{k}") for k, v in value.items()}

        return check_dict
    if kind == "scalars":
        optional, names = desc[1], desc[2]
        scalars = tuple(_SCALARS[n] for n in names) + ((bool,) if "int" in names else ())

        def check_scalar(value: Any, where: str) -> Any:
            if (value is None and optional) or type(value) in scalars:
                return value
            _fail(where, " or ".join(names), value)

        return check_scalar
    optional, inner = desc[1], _plan(desc[2])  # "union1"
    return lambda value, where: None if value is None and optional else inner(value, where)


def _make_exact(cls: type) -> _Check:
    def check(value: Any, where: str) -> Any:
        if type(value) is not cls:
            _fail(where, cls.__name__, value)
        return value

    return check


def _class_check(cls: type) -> _Check:
    check = _CLASSES.get(cls)
    if check is None:
        fields = cls.__dict__.get("__prebuilt_structure__") or describe_fields(cls)
        check = _CLASSES[cls] = _make_class(cls, fields)
    return check


def _make_class(cls: type, described: tuple[tuple[str, Any, bool], ...]) -> _Check:
    fields = [(name, _plan(desc), required) for name, desc, required in described]

    def check_class(value: Any, where: str) -> Any:
        if type(value) is not dict:
            _fail(where, f"an object ({cls.__name__})", value)
        kwargs = {}
        for name, check, required in fields:
            if name in value:
                kwargs[name] = check(value[name], f"{where}.{name}")
            elif required:
                raise StructureError(f"{where}: {name} is missing")
        return cls(**kwargs)

    return check_class
