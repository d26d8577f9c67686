"""Build frozen attrs classes from JSON data, checking each value against its declared type.

The read side of the probe's answers (fresh or cached) needs only this: importing the cattrs
converter costs ~20 ms, which a warm first call would pay for nothing. cattrs stays the
writer of the JSON users read (:mod:`whichpython.model.serialization`). Supported types: ``str``,
``int``, ``float``, ``bool``, ``Any``, ``Optional``/``Union`` of these, ``list[T]``,
``dict[str, T]`` and nested attrs classes; extra keys are ignored, as cattrs ignores them.
"""

import typing
from typing import Any, Callable, TypeVar, Union

import attrs

T = TypeVar("T")
_Check = Callable[[Any, str], Any]
_PLANS: dict[Any, _Check] = {}


class StructureError(ValueError):
    """A value that does not have its declared type; the message names where (``$.a.b``)."""


def structure(data: Any, cls: type[T]) -> T:
    """``cls`` built from ``data``; raises :class:`StructureError` naming the first bad value."""
    built: T = _plan(cls)(data, "$")
    return built


def _plan(hint: Any) -> _Check:
    """A checker for ``hint``, made once per type."""
    plan = _PLANS.get(hint)
    if plan is None:
        plan = _PLANS[hint] = _make(hint)
    return plan


def _fail(where: str, expected: str, value: Any) -> typing.NoReturn:
    raise StructureError(f"{where}: expected {expected}, not {type(value).__name__}")


def _make(hint: Any) -> _Check:
    if hint is Any:
        return lambda value, where: value
    if attrs.has(hint):
        return _make_class(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union:
        return _make_union(args)
    if origin is list:
        item = _plan(args[0])

        def check_list(value: Any, where: str) -> Any:
            if type(value) is not list:
                _fail(where, "a list", value)
            return [item(v, f"{where}[{i}]") for i, v in enumerate(value)]

        return check_list
    if origin is dict and args[0] is str:
        item = _plan(args[1])

        def check_dict(value: Any, where: str) -> Any:
            if type(value) is not dict or not all(type(k) is str for k in value):
                _fail(where, "an object with string keys", value)
            return {k: item(v, f"{where}.{k}") for k, v in value.items()}

        return check_dict
    if hint in (str, int, bool):
        return _make_exact(hint)
    if hint is float:
        return lambda value, where: (
            float(value) if type(value) in (int, float) else _fail(where, "a number", value)
        )
    raise TypeError(f"cannot structure {hint!r}")  # a model the plan does not know


def _make_exact(cls: type) -> _Check:
    def check(value: Any, where: str) -> Any:
        if type(value) is not cls:
            _fail(where, cls.__name__, value)
        return value

    return check


def _make_union(args: tuple[Any, ...]) -> _Check:
    optional = type(None) in args
    members = tuple(a for a in args if a is not type(None))
    if all(m in (str, int, float) for m in members):  # scalars as JSON gives them
        scalars = tuple(members) + ((bool,) if int in members else ())

        def check_scalar(value: Any, where: str) -> Any:
            if (value is None and optional) or type(value) in scalars:
                return value
            _fail(where, " or ".join(m.__name__ for m in members), value)

        return check_scalar
    if len(members) != 1:
        raise TypeError(f"cannot structure a union of {members!r}")
    inner = _plan(members[0])
    return lambda value, where: None if value is None and optional else inner(value, where)


def _make_class(cls: type) -> _Check:
    fields = [(f.name, _plan(f.type), f.default is attrs.NOTHING) for f in attrs.fields(cls)]

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
