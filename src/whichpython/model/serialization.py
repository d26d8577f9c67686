"""JSON (de)serialization of the models through one cattrs converter (the JSON users read;
probe answers are read and written by :mod:`whichpython.probe.result`)."""

from typing import Any

from whichpython.model.converter import converter
from whichpython.model.models import Environment, Interpreter


def interpreter_to_json(interpreter: Interpreter) -> dict[str, Any]:
    """The JSON object of docs/schema.md, starting with ``schema_version``."""
    return interpreter.to_dict()


def environment_to_json(environment: Environment) -> dict[str, Any]:
    """An environment as ``whichpython envs --json`` prints it (docs/environments.md): its
    own fields, its interpreter's kind, version and base executable, and the interpreter."""
    python = environment.interpreter
    return {
        "path": environment.path,
        "prefix": environment.prefix,
        "manager": environment.manager,
        "project": environment.project,
        "source": environment.source,
        "kind": python.kind.value if python is not None else None,
        "version": python.version if python is not None else None,
        "base_executable": python.base_executable if python is not None else None,
        "error": environment.error,
        "interpreter": interpreter_to_json(python) if python is not None else None,
    }


def interpreter_from_json(data: dict[str, Any]) -> Interpreter:
    """Rebuild an :class:`Interpreter` from :func:`interpreter_to_json` output."""
    fields = {key: value for key, value in data.items() if key != "schema_version"}
    return converter.structure(fields, Interpreter)
