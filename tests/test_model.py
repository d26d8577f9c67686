"""The JSON model: matches the documented schema, round-trips through cattrs, stays stable."""

import json
import re
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

from conftest import make_venv, pyenv_python, real_interpreters, require
from whichpython import Interpreter, inspect_interpreter
from whichpython.engine.inspection import pep440
from whichpython.model.serialization import interpreter_from_json, interpreter_to_json
from whichpython.probe.result import probe_from_json
from whichpython.probe.runner import run_probe

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "docs" / "interpreter.schema.json").read_text()
)


def test_schema_lists_exactly_the_model_fields() -> None:
    fields = ["schema_version"] + [field.name for field in attrs.fields(Interpreter)]
    assert list(SCHEMA["properties"]) == fields
    assert SCHEMA["required"] == fields


@pytest.mark.parametrize("which", ["pyenv", "debian", "venv"])
def test_json_validates_and_round_trips(which: str, tmp_path: Path) -> None:
    if which == "pyenv":
        python = pyenv_python("3.12.1")
    elif which == "debian":
        python = Path(require("/usr/bin/python3.11"))
    else:
        python = make_venv(str(pyenv_python("3.12.1")), tmp_path / "env")
    interpreter = inspect_interpreter(python, cache=False)
    data = json.loads(json.dumps(interpreter_to_json(interpreter)))
    jsonschema.validate(data, SCHEMA)
    assert interpreter_from_json(data) == interpreter


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ([3, 12, 1, "final", 0], "3.12.1"),
        ([3, 13, 0, "candidate", 1], "3.13.0rc1"),
        ([3, 14, 0, "alpha", 7], "3.14.0a7"),
        ([3, 11, 0, "beta", 2], "3.11.0b2"),
        ([2, 7, 18, "final", 0], "2.7.18"),
    ],
)
def test_versions_are_pep440(info: list[object], expected: str) -> None:
    assert pep440(info) == expected  # type: ignore[arg-type]


def test_site_packages_are_taken_from_sys_path_in_order_without_duplicates() -> None:
    sys_path = [
        "/usr/lib/python312.zip",
        "/usr/local/lib64/python3.12/site-packages",
        "/usr/local/lib/python3.12/site-packages/",
        "/usr/lib64/python3.12/site-packages",
        "/usr/lib/python3.12/site-packages",
        "/usr/local/lib64/python3.12/site-packages",
        "/home/u/.local/lib/python3.12/site-packages",
        "/opt/app/site-packages-extra",
        "C:\\Python312\\Lib\\site-packages",
    ]
    probe = attrs.evolve(probe_from_json(run_probe(str(pyenv_python("3.12.1")))), sys_path=sys_path)
    assert probe.site_packages == [
        "/usr/local/lib64/python3.12/site-packages",
        "/usr/local/lib/python3.12/site-packages",
        "/usr/lib64/python3.12/site-packages",
        "/usr/lib/python3.12/site-packages",
        "/home/u/.local/lib/python3.12/site-packages",
        "C:\\Python312\\Lib\\site-packages",
    ]


@pytest.mark.parametrize("python", real_interpreters())
def test_probe_answers_read_without_cattrs_as_cattrs_reads_them(python: str) -> None:
    from whichpython.model.converter import converter
    from whichpython.probe.result import ProbeResult, probe_to_json

    raw = run_probe(require(python))
    probe = probe_from_json(raw)
    assert probe == converter.structure(raw, ProbeResult)  # what the cache was read with before
    assert probe_from_json(json.loads(json.dumps(probe_to_json(probe)))) == probe


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["version"], 3.12, "$.version: expected str, not float"),
        (["debug_build"], 1, "$.debug_build: expected bool, not int"),
        (["implementation", "version"], "3.12", "$.implementation.version: expected a list"),
        (["sys_path", 0], None, "$.sys_path[0]: expected str, not NoneType"),
        (["sysconfig", "vars", "CC"], ["gcc"], "$.sysconfig.vars.CC: expected str or int or"),
        (["platform", "pointer_bits"], True, "$.platform.pointer_bits: expected int, not bool"),
        (["platform"], [], "$.platform: expected an object (ProbePlatform), not list"),
        (["version_info", 0], -1, "its version_info is not (major, minor, micro, level, serial)"),
    ],
)
def test_a_probe_answer_of_the_wrong_shape_names_the_value(
    path: list[Any], value: Any, where: str
) -> None:
    from whichpython.model.structure import StructureError

    raw = run_probe(str(pyenv_python("3.12.1")))
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(StructureError, match=re.escape(where)):
        probe_from_json(raw)


def test_a_probe_answer_missing_a_field_or_with_extra_ones() -> None:
    from whichpython.model.structure import StructureError

    raw = run_probe(str(pyenv_python("3.12.1")))
    assert probe_from_json(dict(raw, from_a_newer_probe=1)) == probe_from_json(raw)
    del raw["prefix"]
    with pytest.raises(StructureError, match=re.escape("$: prefix is missing")):
        probe_from_json(raw)
