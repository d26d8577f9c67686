"""docs/site-packages.md: its examples are what the engine reports, through find/list too."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import fake_interpreter, make_venv, pyenv_python, require
from whichpython import Discovery, Interpreter, inspect_interpreter

DOC = Path(__file__).resolve().parent.parent / "docs" / "site-packages.md"
EXAMPLE = re.compile(r"<!-- example: (\S+) -->\n```json\n(.*?)\n```", re.DOTALL)


def _examples() -> dict[str, dict[str, Any]]:
    return {name: json.loads(body) for name, body in EXAMPLE.findall(DOC.read_text())}


def _facts(found: Interpreter) -> dict[str, Any]:
    return {
        "kind": found.kind.value,
        "manager": found.manager,
        "site_packages": found.site_packages,
        "paths.purelib": found.paths.get("purelib"),
        "externally_managed": found.externally_managed,
        "externally_managed_file": found.externally_managed_file,
    }


def test_the_doc_has_the_four_examples() -> None:
    assert sorted(_examples()) == sorted(
        ["debian", "fedora-3.12.json", "nix-env-3.12-wrapped.json", "venv-system-site-packages"]
    )


@pytest.mark.parametrize("name", ["fedora-3.12.json", "nix-env-3.12-wrapped.json"])
def test_recorded_layout_examples(name: str, tmp_path: Path) -> None:
    script, _data = fake_interpreter(tmp_path, name)
    assert _facts(inspect_interpreter(script, cache=False)) == _examples()[name]


def test_debian_example_through_the_engine() -> None:
    python = require("/usr/bin/python3.11")
    found = Discovery(cache=False).find(python).interpreters[0]
    assert _facts(found) == _examples()["debian"]


def test_venv_example_through_the_engine(tmp_path: Path) -> None:
    base = pyenv_python("3.12.1").parent.parent
    venv = make_venv(str(base / "bin" / "python3.12"), tmp_path / "env", "--system-site-packages")
    found = Discovery(cache=False).find(str(venv)).interpreters[0]
    text = json.dumps(_examples()["venv-system-site-packages"])
    expected = json.loads(
        text.replace("{venv}", str(tmp_path / "env")).replace("{base}", str(base))
    )
    assert _facts(found) == expected
