"""JSON (de)serialization of the models and of probe answers, through one cattrs converter."""

from typing import Any, Union

import cattrs

from whichpython.models import SCHEMA_VERSION, ConfigValue, Interpreter
from whichpython.probe.result import ProbeResult

converter = cattrs.Converter()


def _passthrough(value: Any, _type: Any) -> Any:
    if value is not None and not isinstance(value, (str, int, float)):
        raise TypeError(f"expected a string or a number, not {type(value).__name__}")
    return value


# Config vars and version tuples mix types; cattrs only needs to check they are scalars.
converter.register_structure_hook(ConfigValue, _passthrough)
converter.register_structure_hook(Union[int, str], _passthrough)


def interpreter_to_json(interpreter: Interpreter) -> dict[str, Any]:
    """The JSON object of docs/schema.md, starting with ``schema_version``."""
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    data.update(converter.unstructure(interpreter))
    return data


def interpreter_from_json(data: dict[str, Any]) -> Interpreter:
    """Rebuild an :class:`Interpreter` from :func:`interpreter_to_json` output."""
    fields = {key: value for key, value in data.items() if key != "schema_version"}
    return converter.structure(fields, Interpreter)


def probe_from_json(data: dict[str, Any]) -> ProbeResult:
    """Structure (and type-check) a probe answer; raises cattrs errors, or ValueError for a
    version that is not ``(major, minor, micro, level, serial)``."""
    probe = converter.structure(data, ProbeResult)
    for what, info in (("version_info", probe.version_info),
                       ("implementation version", probe.implementation.version)):  # fmt: skip
        if not _is_version_info(info):
            raise ValueError(f"its {what} is not (major, minor, micro, level, serial)")
    return probe


_LEVELS = ("alpha", "beta", "candidate", "final")


def _is_version_info(info: list[Union[int, str]]) -> bool:
    """Five items: non-negative integers, a release level in the fourth place."""
    numbers = info[:3] + info[4:]
    return (
        len(info) == 5
        and info[3] in _LEVELS
        and all(type(n) is int and 0 <= n < 1 << 32 for n in numbers)
    )


def probe_to_json(probe: ProbeResult) -> dict[str, Any]:
    """The probe answer as plain JSON data (for the cache)."""
    result: dict[str, Any] = converter.unstructure(probe)
    return result
