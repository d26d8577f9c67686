"""Which tool keeps an environment and which project it belongs to, from its layout: real
venvs (made by the stdlib from pyenv's 3.12) placed where each tool puts its envs, with the
marker files the real tools wrote when fixtures/environments/ was recorded."""

import os
import subprocess
from pathlib import Path
from typing import Any, Optional

import pytest

from conftest import fake_interpreter, pyenv_python, recorded_text, run_cli
from whichpython import inspect_interpreter


class Machine:
    """A home and projects under ``root``; ``environ`` is the whole environment searches see."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.environ = {"HOME": str(root / "home"), "PATH": ""}

    def venv(self, where: str, **files: str) -> Path:
        """A real venv at ``root/where`` (no pip), with ``files`` (relative path: text)."""
        prefix = self.root / where
        python = str(pyenv_python("3.12.1"))
        subprocess.run([python, "-m", "venv", "--without-pip", str(prefix)], check=True)
        for name, text in files.items():
            path = prefix / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.replace("$ROOT", str(self.root)))
        return prefix

    def owner(self, prefix: Path) -> tuple[Optional[str], Optional[str]]:
        found = inspect_interpreter(prefix / "bin" / "python3", environ=self.environ, cache=False)
        assert found.kind.value == "venv" and found.venv is not None
        assert found.venv.creator in ("venv", "uv")  # who made it stays known
        project = found.project and os.path.relpath(found.project, self.root)
        return found.manager, project


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    pyenv_python("3.12.1")  # skips when absent
    return Machine(tmp_path)


def test_marker_files(machine: Machine) -> None:
    tox = machine.venv(
        "demo/.tox/py312", **{".tox-info.json": recorded_text("tox", ".tox-info.json")}
    )
    assert machine.owner(tox) == ("tox", "demo")
    metadata = {"pipx_metadata.json": recorded_text("pipx", "pipx_metadata.json")}
    pipx = machine.venv("home/.local/share/pipx/venvs/pyflakes", **metadata)
    assert machine.owner(pipx) == ("pipx", None)
    hooks = {f"bin/{hook}": "#!/bin/bash\n" for hook in ("postactivate", "predeactivate")}
    wrapped = machine.venv(
        "home/.virtualenvs/webapp-env", **hooks, **{".project": "$ROOT/projects/webapp\n"}
    )
    assert recorded_text("virtualenvwrapper", ".project") == "$ROOT/projects/webapp\n"
    assert machine.owner(wrapped) == ("virtualenvwrapper", "projects/webapp")
    assert machine.owner(machine.venv("home/.virtualenvs/plain", **hooks)) == (
        "virtualenvwrapper",
        None,
    )
    text = recorded_text("pipenv", ".project")
    assert not text.endswith("\n")  # pipenv writes the bare path
    pipenv = machine.venv("home/.local/share/virtualenvs/demo-app-nKiktljs", **{".project": text})
    assert machine.owner(pipenv) == ("pipenv", "projects/demo-app")


def test_tool_directories(machine: Machine, monkeypatch: pytest.MonkeyPatch) -> None:
    home = "home/.local/share"
    cases: list[tuple[str, dict[str, Any], tuple[Optional[str], Optional[str]]]] = [
        ("home/.cache/pypoetry/virtualenvs/demo-gNT2WXAV-py3.12", {}, ("poetry", None)),
        ("elsewhere/envs/demo-gNT2WXAV-py3.12", {"POETRY_VIRTUALENVS_PATH": "elsewhere/envs"},
         ("poetry", None)),
        (f"{home}/hatch/env/virtual/demo/X1TB28Op/demo", {}, ("hatch", None)),
        ("demo/.hatch/test", {}, ("hatch", "demo")),
        (f"{home}/pdm/venvs/demo-Infsz5nt-3.12", {}, ("pdm", None)),
        ("pyenv/versions/3.12.1/envs/myenv", {"PYENV_ROOT": "pyenv"}, ("pyenv", None)),
        ("home/.pyenv/versions/3.12.1/envs/other", {}, ("pyenv", None)),
        ("demo/.venv", {}, ("venv", "demo")),
        ("demo/venv", {}, ("venv", "demo")),
        ("demo/env-elsewhere", {}, ("venv", None)),
    ]  # fmt: skip
    for where, variables, expected in cases:
        environ = dict(machine.environ)
        environ.update({k: str(machine.root / v) for k, v in variables.items()})
        prefix = machine.venv(where)
        found = inspect_interpreter(prefix / "bin" / "python3", environ=environ, cache=False)
        project = found.project and os.path.relpath(found.project, machine.root)
        assert (found.manager, project) == expected, where


def test_uv_project_venv_keeps_uv_as_its_tool(machine: Machine) -> None:
    prefix = machine.venv("app/.venv")
    cfg = prefix / "pyvenv.cfg"
    cfg.write_text(cfg.read_text() + "uv = 0.13.9\n")
    assert machine.owner(prefix) == ("uv", "app")


def test_pixi_env_belongs_to_its_workspace(tmp_path: Path) -> None:
    script, data = fake_interpreter(tmp_path, "pixi-env-3.12.json")
    found = inspect_interpreter(script, environ={"HOME": str(tmp_path)}, cache=False)
    prefix = data["probe"]["prefix"]  # .../demo/.pixi/envs/default, recorded elsewhere
    assert (found.manager, found.project) == ("pixi", prefix.split("/.pixi/")[0])


def test_a_hostile_project_file_is_not_read(machine: Machine) -> None:
    prefix = machine.venv("home/.local/share/virtualenvs/x-AbCdEfGh")
    os.mkfifo(prefix / ".project")  # reading would block forever
    assert machine.owner(prefix) == ("venv", None)
    (prefix / ".project").unlink()
    (prefix / ".project").write_text("relative/not/a/project")
    assert machine.owner(prefix) == ("venv", None)


def test_inspect_names_the_project(machine: Machine) -> None:
    prefix = machine.venv(
        "demo/.tox/py312", **{".tox-info.json": recorded_text("tox", ".tox-info.json")}
    )
    done = run_cli(
        "inspect", str(prefix / "bin" / "python3"), env=dict(os.environ, **machine.environ)
    )
    assert done.returncode == 0, done.stderr
    assert "  kind                venv (manager: tox)\n" in done.stdout
    assert f"  project             {machine.root / 'demo'}\n" in done.stdout
