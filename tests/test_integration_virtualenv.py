"""The virtualenv discovery plugin, driven through the real virtualenv and tox (issue 12)."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import PYENV_ROOT, pyenv_python, require
from whichpython import find_interpreter
from whichpython.sources.pyvenv import read_pyvenv_cfg

pytest.importorskip("virtualenv")
from whichpython.integrations.virtualenv import translate  # needs virtualenv

REPORT = "import json, sys; print(json.dumps([sys.base_prefix, '%d.%d.%d' % sys.version_info[:3]]))"


def machine(tmp_path: Path, path: str = "", **extra: str) -> dict[str, str]:
    """A whole environment (not a copy of ``os.environ``): HOME, the XDG dirs, virtualenv's
    app data and whichpython's cache in ``tmp_path``; pyenv only where ``extra`` says."""
    env = {
        "HOME": str(tmp_path / "home"),
        "PATH": path,
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "VIRTUALENV_OVERRIDE_APP_DATA": str(tmp_path / "app-data"),
        "WHICHPYTHON_CACHE_DIR": str(tmp_path / "whichpython-cache"),
        **extra,
    }
    if os.environ.get("PYTHONPATH"):  # a run against other sources tests those here too
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def virtualenv(
    tmp_path: Path, env: dict[str, str], *args: str
) -> "subprocess.CompletedProcess[str]":
    """``python -m virtualenv --discovery whichpython --no-seed ARGS``, run from ``tmp_path``
    (never from the repository, whose ``.venv`` whichpython would find)."""
    argv = [sys.executable, "-m", "virtualenv", "--discovery", "whichpython", "--no-seed", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)


def made_from(dest: Path) -> list[str]:
    """The new env's python, speaking for itself: ``[sys.base_prefix, version]``."""
    python = dest / "bin" / "python"
    done = subprocess.run([str(python), "-c", REPORT], capture_output=True, text=True, env={})
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def chosen(request: str, env: dict[str, str], prefer: str = "managed") -> list[str]:
    """What whichpython itself picks for ``request`` on the same environment, from the same
    directory (``$HOME``'s parent: not the repository, whose ``.venv`` it would find)."""
    cwd = os.path.dirname(env["HOME"])
    found = find_interpreter(request, prefer=prefer, environ=env, cwd=cwd, cache=False)
    return [found.prefixes.base_prefix, found.version]


def pyenv_only(tmp_path: Path, version: str) -> dict[str, str]:
    """A machine whose only 3.12 (or whatever ``version`` is) is pyenv's."""
    pyenv_python(version)
    return machine(tmp_path, PYENV_ROOT=str(PYENV_ROOT))


@pytest.mark.parametrize(
    ("given", "request_"),
    [
        ("py312", "python312"),
        ("py3.12", "python3.12"),
        ("py313t", "python313t"),
        ("py3", "python3"),
        ("PY27", "python27"),
        ("pypy310", "pypy310"),
        ("cpython3.12", "cpython3.12"),
        ("3.12", "3.12"),
        ("py", "py"),
        ("python", "python"),
        ("/usr/bin/py312", "/usr/bin/py312"),
    ],
)
def test_tox_factors_become_requests(given: str, request_: str) -> None:
    assert translate(given) == request_


def test_pyenv_312(tmp_path: Path) -> None:
    env = pyenv_only(tmp_path, "3.12.1")
    done = virtualenv(tmp_path, env, "-p", "3.12", str(tmp_path / "env"))
    assert done.returncode == 0, done.stdout + done.stderr
    expected = chosen("3.12", env)
    assert expected == [str(PYENV_ROOT / "versions" / "3.12.1"), "3.12.1"]
    assert made_from(tmp_path / "env") == expected


def test_each_p_in_order(tmp_path: Path) -> None:
    """A value that matches nothing is skipped with whichpython's reason; tox's ``<0``
    sentinel (VIRTUALENV_PYTHON) is ignored; tox's ``py312`` is read as 3.12."""
    env = dict(pyenv_only(tmp_path, "3.12.1"), VIRTUALENV_PYTHON="<0")
    done = virtualenv(tmp_path, env, "-p", "3.99", "-p", "py312", str(tmp_path / "env"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no Python matches 3.99" in done.stdout + done.stderr
    assert made_from(tmp_path / "env") == chosen("3.12", env)


def test_without_p_the_running_interpreter(tmp_path: Path) -> None:
    """No ``-p`` (here: only tox's ``<0``): the interpreter virtualenv runs under, as
    virtualenv's builtin discovery does; an env is made from its base."""
    env = dict(machine(tmp_path), VIRTUALENV_PYTHON="<0")
    done = virtualenv(tmp_path, env, str(tmp_path / "env"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert made_from(tmp_path / "env") == [sys.base_prefix, platform.python_version()]


def test_no_match_is_virtualenvs_error(tmp_path: Path) -> None:
    done = virtualenv(tmp_path, machine(tmp_path), "-p", "3.99", str(tmp_path / "env"))
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "failed to find interpreter for WhichPython discover of python_spec='3.99'" in output
    assert "whichpython: no Python matches 3.99" in output
    assert not (tmp_path / "env" / "bin" / "python").exists()


@pytest.mark.parametrize("how", ["default", "option", "env-var"])
def test_prefer(tmp_path: Path, how: str) -> None:
    """``--python-prefer`` / ``VIRTUALENV_PYTHON_PREFER``: pyenv's 3.11 or Debian's."""
    system = require("/usr/bin/python3.11")
    env = pyenv_only(tmp_path, "3.11.7")
    env["PATH"] = os.path.dirname(system)
    args = ["-p", "3.11", str(tmp_path / "env")]
    if how == "option":
        args = ["--python-prefer", "only-system", *args]
    elif how == "env-var":
        env["VIRTUALENV_PYTHON_PREFER"] = "only-system"
    done = virtualenv(tmp_path, env, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    prefer = "managed" if how == "default" else "only-system"
    expected = chosen("3.11", env, prefer)
    want = PYENV_ROOT / "versions" / "3.11.7" if how == "default" else Path("/usr")
    assert expected[0] == str(want)
    assert made_from(tmp_path / "env") == expected


@pytest.mark.parametrize("by", ["path", "request"])
def test_symlinked_relocated_install(
    pbs312: Path, pbs312_link: Path, tmp_path: Path, by: str
) -> None:
    """The seed-003 case: a relocated build reached through a symlink placed elsewhere, asked
    for by path, or found on PATH by a version request: the env's home is the real install."""
    env = machine(tmp_path, str(pbs312_link.parent), VIRTUALENV_PYTHON_PREFER="only-system")
    done = virtualenv(
        tmp_path, env, "-p", str(pbs312_link) if by == "path" else "3.12", str(tmp_path / "env")
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert read_pyvenv_cfg(str(tmp_path / "env" / "pyvenv.cfg"))["home"] == str(pbs312.parent)
    assert made_from(tmp_path / "env") == [str(pbs312.parent.parent), "3.12.1"]


TOX_INI = """\
[tox]
skipsdist = true

[testenv:py312]
skip_install = true
commands = python -c "{code}"
"""
WRITE_REPORT = (
    "import json, sys; open('report.json', 'w').write(json.dumps("
    "[sys.base_prefix, '%d.%d.%d' % sys.version_info[:3], sys.prefix]))"
)


def test_tox_py312(tmp_path: Path) -> None:
    pytest.importorskip("tox")
    env = pyenv_only(tmp_path, "3.12.1")
    env.update(PATH="/usr/bin:/bin", VIRTUALENV_DISCOVERY="whichpython")
    project = tmp_path / "project"
    project.mkdir()
    (project / "tox.ini").write_text(TOX_INI.format(code=WRITE_REPORT))
    done = subprocess.run(
        [sys.executable, "-m", "tox", "-e", "py312"],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report: Any = json.loads((project / "report.json").read_text())
    assert report[:2] == chosen("3.12", env) == [str(PYENV_ROOT / "versions" / "3.12.1"), "3.12.1"]
    assert report[2] == str(project / ".tox" / "py312")
