"""Write :mod:`whichpython.model._prebuilt`: the methods attrs generates for the classes of
:data:`MODULES`, as source, so a process makes those classes without importing attrs
(:mod:`whichpython.model.prebuilt`, docs/performance.md).

``python -m whichpython.model._build [PYTHON ...]`` regenerates it, for this interpreter and
each PYTHON given (each must import attrs: ``PYTHONPATH`` is passed on);
tests/test_prebuilt.py fails when the file is stale. Only a development tool: nothing imports
it at run time.
"""

import builtins
import dis
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
import zlib
from typing import Any

#: The modules whose attrs classes are pre-built (those a warm library call or a probing run
#: imports).
MODULES = (
    "whichpython.model.models",
    "whichpython.probe.result",
    "whichpython.sources.base",
    "whichpython.sources.tox",
    "whichpython.request.grammar",
    "whichpython.request.versionfile",
    "whichpython.facts.classify",
    "whichpython.facts.environments",
    "whichpython.facts.fixes",
    "whichpython.facts.nixroots",
    "whichpython.engine.policy",
    "whichpython.engine.searching",
    "whichpython.engine.discovery",
    "whichpython.probe.process",
)
TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_prebuilt.py")
_LAZY = ("__attrs_attrs__", "__attrs_props__", "__attrs_types_resolved__")
_KNOWN = ("NOTHING", "_cached_setattr_get", "_compat", "attr_dict")


def _globals(code: Any) -> set[str]:
    found = {
        i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")
    }
    for const in code.co_consts:
        if inspect.iscode(const):
            found |= _globals(const)
    return found - set(dir(builtins))


def _plan(cls: type, how: str, options: dict[str, Any], built: type) -> dict[str, Any]:
    import attrs

    from whichpython.model.prebuilt import fingerprint

    key = f"{cls.__module__}.{cls.__qualname__}"
    sources, arguments, delegated, values = [], set(), [], {}
    for name, value in built.__dict__.items():
        if name in _LAZY or cls.__dict__.get(name, None) is value:
            continue
        if inspect.isfunction(value):
            code = value.__code__
            names = _globals(code)
            generated = code.co_filename.startswith("<attrs generated")
            if generated or (value.__closure__ is None and not names):
                if "__class__" in code.co_freevars:
                    raise ValueError(f"{key}.{name}: uses __class__")
                source = textwrap.dedent(inspect.getsource(value))
                if name == "__hash__":  # attrs' salt: hash() of a string, so one per version
                    salt = zlib.crc32(key.encode()) - (1 << 31)
                    source = re.sub(
                        r"hash\(\(\s*-?\d+,", f"hash((\n        {salt},", source, count=1
                    )
                sources.append(source)
                arguments |= names
            else:
                delegated.append(name)
        elif type(value).__name__ in ("member_descriptor", "getset_descriptor"):
            continue
        elif value is None or type(value) in (tuple, bool, int, str):
            values[name] = value
        else:
            raise ValueError(f"{key}.{name}: {type(value).__name__} cannot be pre-built")
    for function in cls.__dict__.values():
        if inspect.isfunction(function) and "__class__" in function.__code__.co_freevars:
            raise ValueError(f"{key}: a method uses __class__ (super())")
    unknown = [a for a in arguments if a not in _KNOWN and not a.startswith("__attr_")]
    if unknown:
        raise ValueError(f"{key}: generated code needs {unknown}")
    from whichpython.model.structure import describe_fields

    fields = attrs.fields(built)
    try:
        described = describe_fields(built)
    except TypeError:  # a type the structure checks do not know: attrs' fields then
        described = None
    return {
        "key": key,
        "fingerprint": fingerprint(cls, how, options),
        "fields": [a.name for a in fields],
        "init": [[a.name, a.alias] for a in fields if a.init],
        "arguments": sorted(arguments | set(_KNOWN)),  # (defaults name attr_dict, NOTHING)
        "sources": sources,
        "delegated": delegated,
        "structure": described,
        "values": {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()},
    }


def collect() -> list[dict[str, Any]]:
    """The plans of this interpreter (run in a fresh process: the modules are imported here)."""
    import whichpython.model.prebuilt as prebuilt

    made: list[tuple[type, str, dict[str, Any], type]] = []
    prebuilt.RECORD = made
    for module in MODULES:
        importlib.import_module(module)
    prebuilt.RECORD = None
    return [_plan(*one) for one in made if one[3].__module__ in MODULES]


def _collect_in(python: str) -> tuple[list[int], str, list[dict[str, Any]]]:
    code = (
        "import json, sys, attrs; from whichpython.model._build import collect; "
        "print(json.dumps([sys.version_info[:2], attrs.__version__, collect()]))"
    )
    env = dict(os.environ, PYTHONHASHSEED="0")  # the salt of each generated __hash__
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{python}: {done.stderr}")
    version, attrs_version, plans = json.loads(done.stdout)
    return version, attrs_version, plans


def render(pythons: list[str]) -> str:
    """The text of the generated module, from the plans of each interpreter (each distinct
    method factory and plan written once, shared by the Python versions that have it)."""
    factories: dict[str, str] = {}
    entries: dict[str, str] = {}
    tables: dict[tuple[int, ...], list[str]] = {}
    attrs_versions = set()
    for python in pythons:
        version, attrs_version, plans = _collect_in(python)
        attrs_versions.add(attrs_version)
        rows = tables.setdefault(tuple(version), [])
        for plan in plans:
            body = "".join(textwrap.indent(s, "    ") for s in plan["sources"])
            names = [s.split("(", 1)[0].split()[-1] for s in plan["sources"]]
            text = (
                f"({', '.join(plan['arguments'])}):\n{body}"
                f"    return {{{', '.join(f'{n!r}: {n}' for n in names)}}}\n"
            )
            factory = factories.setdefault(text, f"_methods{len(factories)}")
            entry = (
                "{\n"
                f"    'fingerprint': {plan['fingerprint']!r},\n"
                f"    'fields': {tuple(plan['fields'])!r},\n"
                f"    'init': {tuple(map(tuple, plan['init']))!r},\n"
                f"    'arguments': {tuple(plan['arguments'])!r},\n"
                f"    'methods': {factory},\n"
                f"    'delegated': {tuple(plan['delegated'])!r},\n"
                f"    'values': {_values(plan['values'])},\n"
                f"    'structure': {_tuples(plan['structure'])!r},\n"
                "}\n"
            )
            name = entries.setdefault(entry, f"_plan{len(entries)}")
            rows.append(f"        {plan['key']!r}: {name},\n")
    if len(attrs_versions) != 1:
        raise ValueError(f"the interpreters import different attrs versions: {attrs_versions}")
    out = [
        '"""Generated by ``python -m whichpython.model._build``: do not edit."""\n',
        "# fmt: off\n# ruff: noqa\n# mypy: ignore-errors\n",
        f"ATTRS_VERSION = {attrs_versions.pop()!r}\n",
    ]
    for text, name in factories.items():
        out.append(f"\n\ndef {name}{text}")
    out.append("\n")
    for text, name in entries.items():
        out.append(f"\n{name} = {text}")
    out.append("\n\nPLANS = {\n")
    for python_version, rows in sorted(tables.items()):
        out.append(f"    {python_version!r}: {{\n{''.join(rows)}    }},\n")
    out.append("}\n")
    return "".join(out)


def _tuples(value: Any) -> Any:
    """JSON's lists back to the tuples they were."""
    return tuple(map(_tuples, value)) if isinstance(value, list) else value


def _values(values: dict[str, Any]) -> str:
    return repr({k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def main() -> None:
    pythons = [sys.executable, *sys.argv[1:]]
    text = render(pythons)
    with open(TARGET, "w", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
