"""docs/requests.md's table "On a sample machine" is what ``find`` picks: the machine below is
built from fake interpreters and every row's request is found on it."""

import os
import re
from pathlib import Path

import pytest

from conftest import fake_python, isolate_machine, machine_environ
from test_discovery import Machine
from test_request_matching import prerelease, with_bits
from whichpython import InterpreterNotFound, RequestError

DOC = Path(__file__).resolve().parent.parent / "docs" / "requests.md"
UV = "home/.local/share/uv/python"


def sample_machine(root: Path) -> tuple[Machine, dict[str, str]]:
    """The machine the docs describe, and the label of each interpreter's path."""
    machine = Machine(root, machine_environ(root))
    (root / "work").mkdir()
    made = {
        "debian 3.11.2": machine.system("python3.11", "3.11.2"),
        "debian 3.11.2 debug": machine.system("python3.11d", "3.11.2", debug=True),
        "pypy 3.10.14": machine.system("pypy3", "3.10.14", implementation="pypy"),
        "jython 2.7.3": machine.system("jython", "2.7.3", implementation="jython"),
        "pyenv 3.12.1": fake_python(root / "home/.pyenv/versions/3.12.1/bin/python3.12", "3.12.1"),
        "pyenv 3.13.0": fake_python(root / "home/.pyenv/versions/3.13.0/bin/python3.13", "3.13.0"),
        "uv 3.13.1 free-threaded": fake_python(
            root / UV / "cpython-3.13.1+freethreaded-linux-x86_64-gnu/bin/python3.13t",
            "3.13.1",
            freethreaded=True,
        ),
    }
    x86 = machine.system("python3.12", "3.12.5", "opt/x86/bin")
    made["32-bit 3.12.5"] = with_bits(x86, 32, "i686")
    rc = prerelease(machine, "unused", "3.14.0")
    uv_rc = root / UV / "cpython-3.14.0rc3-linux-x86_64-gnu/bin/python3.14"
    uv_rc.parent.mkdir(parents=True)
    rc.rename(uv_rc)
    made["uv 3.14.0rc3"] = uv_rc
    machine.environ["PATH"] = os.pathsep.join(str(root / d) for d in ("usr/bin", "opt/x86/bin"))
    return machine, {str(path): label for label, path in made.items()}


def doc_rows() -> list[tuple[str, str]]:
    """(request, picks) of each row of the sample-machine table."""
    text = DOC.read_text()
    section = text.split("## On a sample machine", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows.append((re.sub(r"^`(.*)`$", r"\1", cells[0]), cells[2]))
    return rows


def test_the_table_is_long_enough() -> None:
    assert len(doc_rows()) >= 40


@pytest.mark.parametrize(("request_text", "picks"), doc_rows())
def test_sample_machine_row(
    request_text: str, picks: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_machine(monkeypatch, tmp_path)
    machine, labels = sample_machine(tmp_path)
    try:
        found = machine.find(request_text.replace("\\|", "|"))
    except InterpreterNotFound:
        got = "nothing"
    except RequestError:
        got = "error"
    else:
        got = labels.get(found.interpreters[0].path, found.interpreters[0].path)
    assert got == picks
