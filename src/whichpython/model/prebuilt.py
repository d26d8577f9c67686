"""attrs classes whose methods attrs wrote ahead of time (issue 25, docs/performance.md).

``@frozen``, ``@define``, ``field`` and ``evolve`` stand for attrs' own (type checkers see
attrs': modules import these names from attrs under ``TYPE_CHECKING``). At run time a class
whose methods :mod:`whichpython.model._build` saved in :mod:`whichpython.model._prebuilt` (the
source attrs generated, for this attrs and Python version, for this very class body) is made
from those without importing attrs: a ``.pyc`` load instead of attrs' import (~38 ms with
typing and inspect) and its ``compile()`` of each class's methods. Anything else (another
attrs version, a changed class body) is built by attrs, as before. Either way the class is an
attrs class: ``__attrs_attrs__`` (what ``attrs.fields``, ``has``, ``asdict`` and cattrs read)
imports attrs when first asked and builds the same attributes from the same class body.
"""

from __future__ import annotations

import sys
from _thread import RLock  # threading's own; threading itself is not imported here

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from typing import Any, Callable

#: Where :mod:`whichpython.model._build` collects the classes attrs builds (None: not building).
RECORD: list[tuple[type, str, dict[str, Any], type]] | None = None
#: Set to False to build every class with attrs (the test of that path).
ENABLED = True


class _Nothing:
    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()


class Field:
    """What ``field(...)`` was given, for attrs (``attrs.field``) or the pre-built methods."""

    __slots__ = ("options",)

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options


def field(**options: Any) -> Any:
    """``attrs.field``: its options, kept until the class is made."""
    return Field(options)


def frozen(maybe_cls: Any = None, **options: Any) -> Any:
    """``attrs.frozen``."""
    return _decorator(maybe_cls, "frozen", options)


def define(maybe_cls: Any = None, **options: Any) -> Any:
    """``attrs.define``."""
    return _decorator(maybe_cls, "define", options)


def evolve(inst: Any, **changes: Any) -> Any:
    """``attrs.evolve``: a copy of ``inst`` with ``changes``; for a pre-built class, from the
    init arguments attrs listed for it (without importing attrs)."""
    names = type(inst).__dict__.get("__prebuilt_init__")
    if names is None:
        import attrs

        return attrs.evolve(inst, **changes)
    for name, alias in names:
        if alias not in changes:
            changes[alias] = getattr(inst, name)
    return type(inst)(**changes)


def fields(cls: type) -> Any:
    """``attrs.fields`` (imports attrs)."""
    import attrs

    return attrs.fields(cls)


def field_names(cls: type) -> tuple[str, ...]:
    """The names of the fields of attrs class ``cls``, in order (without importing attrs when
    ``cls`` is pre-built)."""
    names = cls.__dict__.get("__prebuilt_fields__")
    return names if names is not None else tuple(f.name for f in fields(cls))


def _decorator(cls: Any, how: str, options: dict[str, Any]) -> Any:
    if cls is None:
        return lambda cls: _decorator(cls, how, options)
    made = _from_plan(cls, how, options) if ENABLED and RECORD is None else None
    if made is not None:
        return made
    built = _with_attrs(cls, how, options)
    _UNRESOLVED.append(built)
    if RECORD is not None:
        RECORD.append((cls, how, options, built))
    return built


_UNRESOLVED: list[type] = []


def finish(module: str) -> None:
    """At the end of ``module``: resolve the annotations of the classes attrs built in it (a
    string until then, with ``from __future__ import annotations``), as cattrs and
    :func:`whichpython.model.structure.describe` need them; nothing when all were pre-built."""
    for cls in [c for c in _UNRESOLVED if c.__module__ == module]:
        _UNRESOLVED.remove(cls)
        resolve(cls, cls)


def resolve(cls: type, home: type) -> None:
    """Resolve the field types of attrs class ``cls`` in the module of ``home``, where the
    typing names and the module's ``TYPE_ALIASES`` are defined too."""
    import typing

    import attrs

    module = sys.modules[home.__module__]
    names = {**{k: getattr(typing, k) for k in typing.__all__}, **vars(module)}
    for alias, text in getattr(module, "TYPE_ALIASES", {}).items():
        names[alias] = eval(text, names)
    attrs.resolve_types(cls, globalns=names)


def _body(cls: type) -> dict[str, Any]:
    """The class statement's namespace, as attrs (and a new class) should get it."""
    body = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    body["__qualname__"] = cls.__qualname__
    return body


def _with_attrs(cls: type, how: str, options: dict[str, Any]) -> type:
    """``cls`` made by attrs, its annotations resolved (also the ``from __future__`` ones)."""
    import attrs

    body = _body(cls)
    for name, value in body.items():
        if isinstance(value, Field):
            body[name] = attrs.field(**value.options)
    built: type = getattr(attrs, how)(**options)(type(cls)(cls.__name__, cls.__bases__, body))
    return built


def fingerprint(cls: type, how: str, options: dict[str, Any]) -> str:
    """What the pre-built methods of ``cls`` (and its fields' structure) depend on in its
    class body: how it is made, its annotations, which have a default and the options of each
    ``field()`` (not the values: the methods take them from the class body), the names it
    defines."""

    def default(value: Any) -> str:
        if not isinstance(value, Field):
            return "..."
        options = value.options.items()
        return (
            "field(" + ", ".join(f"{k}={v if type(v) is bool else '...'}" for k, v in options) + ")"
        )

    body = cls.__dict__
    annotations = body.get("__annotations__", {})
    fields = [
        f"{name}: {note if isinstance(note, str) else repr(note)}"
        + (f" = {default(body[name])}" if name in body else "")
        for name, note in annotations.items()
    ]
    others = sorted(k for k in body if k not in annotations and k not in _OWN)
    return repr((how, sorted(options.items()), fields, others))


_OWN = ("__module__", "__qualname__", "__doc__", "__annotations__", "__dict__", "__weakref__",
        "__firstlineno__", "__static_attributes__")  # fmt: skip


def _plans() -> dict[str, Any]:
    """This attrs and Python version's pre-built plans (empty for any other)."""
    global _PLANS
    if _PLANS is None:
        _PLANS = {}
        from whichpython.model import _prebuilt

        plans = _prebuilt.PLANS.get(sys.version_info[:2])
        if plans is not None and _installed_attrs(_prebuilt.ATTRS_VERSION):
            _PLANS = plans
    return _PLANS


_PLANS: dict[str, Any] | None = None


def _installed_attrs(version: str) -> bool:
    """Whether the attrs importable here is ``version``, from its dist-info (not imported)."""
    import os
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("attr")
    if spec is None or not spec.origin:
        return False
    site = os.path.dirname(os.path.dirname(spec.origin))
    return os.path.isdir(os.path.join(site, f"attrs-{version}.dist-info"))


class _Default:
    __slots__ = ("default",)

    def __init__(self, default: Any) -> None:
        self.default = default


class _Compat:
    """attrs' ``_compat.repr_context`` for the generated ``__repr__`` (recursion guard)."""

    def __init__(self) -> None:
        from _thread import _local

        self.repr_context = _local()


_COMPAT: _Compat | None = None


def _from_plan(cls: type, how: str, options: dict[str, Any]) -> type | None:
    plan = _plans().get(f"{cls.__module__}.{cls.__qualname__}")
    if plan is None or plan["fingerprint"] != fingerprint(cls, how, options):
        return None
    global _COMPAT
    if _COMPAT is None:
        _COMPAT = _Compat()
    body = _body(cls)
    names: dict[str, Any] = {
        "NOTHING": NOTHING,
        "_cached_setattr_get": object.__setattr__.__get__,
        "_compat": _COMPAT,
        "attr_dict": {},
    }
    for name in plan["fields"]:
        value = body.pop(name, NOTHING)
        if isinstance(value, Field):
            if "factory" in value.options:
                names[f"__attr_factory_{name}"] = value.options["factory"]
            if "converter" in value.options:
                names[f"__attr_converter_{name}"] = value.options["converter"]
            value = value.options.get("default", NOTHING)
        names["attr_dict"][name] = _Default(value)
    made = plan["methods"](*(names[arg] for arg in plan["arguments"]))
    for method in made.values():
        method.__module__ = cls.__module__
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
    body.update(made)
    body.update(plan["values"])
    for name in plan["delegated"]:
        body[name] = _delegate(name)
    body["__attrs_attrs__"] = _Lazy()
    body["__attrs_props__"] = _Lazy()
    body["__prebuilt_init__"] = plan["init"]
    body["__prebuilt_fields__"] = plan["fields"]
    if plan["structure"] is not None:
        body["__prebuilt_structure__"] = plan["structure"]
    built = type(cls)(cls.__name__, cls.__bases__, body)
    _SOURCES[built] = (cls, how, options)
    return built


#: A pre-built class -> its class statement's result and decorator (to build it with attrs).
_SOURCES: dict[type, tuple[type, str, dict[str, Any]]] = {}


def shadow(cls: type) -> type:
    """The class attrs makes from the class body of pre-built ``cls`` (built once): where its
    ``__attrs_attrs__`` and the methods attrs does not generate as source come from. Its field
    types are resolved in the module of ``cls``, so they name the pre-built classes."""
    made = _SHADOWS.get(cls)
    if made is not None:
        return made
    with _SHADOWING:  # (threads of a parallel list ask at once)
        made = _SHADOWS.get(cls)
        if made is None:
            made = _with_attrs(*_SOURCES[cls])
            if any(isinstance(a.type, str) for a in made.__dict__["__attrs_attrs__"]):
                resolve(made, cls)  # as finish() does for a class attrs built
                type.__setattr__(cls, "__attrs_types_resolved__", cls)  # (resolve_types' mark)
            type.__setattr__(cls, "__attrs_props__", made.__dict__.get("__attrs_props__"))
            type.__setattr__(cls, "__attrs_attrs__", made.__dict__["__attrs_attrs__"])
            _SHADOWS[cls] = made
    return made


_SHADOWS: dict[type, type] = {}
_SHADOWING = RLock()


class _Lazy:
    """``__attrs_attrs__`` (and ``__attrs_props__``) until attrs is first asked for them."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type) -> Any:
        shadow(owner)
        return owner.__dict__[self.name]


def _delegate(name: str) -> Callable[..., Any]:
    """A method attrs does not write as source (frozen ``__setattr__``, pickling's
    ``__getstate__``, ...): attrs' own, from the shadow class on first call."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        real = shadow(type(self)).__dict__[name]
        return real(self, *args, **kwargs)

    method.__name__ = name
    return method
