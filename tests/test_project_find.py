"""``find`` and ``list`` in a project use its environments the way its tools would: each
tool asked about its nearest project (nearer projects first), before the nearest ``.venv``
and the installed interpreters; a test runner's envs are not picked. Layouts are real venvs
of pyenv's 3.12.1 placed as the tools place them (fixtures/environments/)."""

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import CLI, machine_cli_env, machine_environ, pyenv_python
from whichpython import Discovery
from whichpython.projectfiles import PROJECT_FILES, SHIM_CONFIGS
from whichpython.request.versionfile import NAMES
from whichpython.sources import ENVIRONMENTS
from whichpython.sources.pdm import hash_path as pdm_hash
from whichpython.sources.pipenv import env_name as pipenv_name
from whichpython.sources.poetry import env_name as poetry_name
from whichpython.sources.project import markers


def venv(prefix: Path, **files: str) -> Path:
    """A real venv at ``prefix`` (no pip) with ``files`` (relative path: text); its
    interpreter ``bin/python3``."""
    subprocess.run(
        [str(pyenv_python("3.12.1")), "-m", "venv", "--without-pip", str(prefix)], check=True
    )
    for name, text in files.items():
        (prefix / name).parent.mkdir(parents=True, exist_ok=True)
        (prefix / name).write_text(text)
    return prefix / "bin" / "python3"


class Machine:
    """A home, and pyenv's 3.11.7 and 3.12.1 on PATH (what ``find`` picks outside a project)."""

    def __init__(self, root: Path) -> None:
        self.root, self.home = root, root / "home"
        self.bin = root / "bin"
        self.bin.mkdir()
        for version in ("3.12.1", "3.11.7"):
            (self.bin / f"python{version[:-2]}").symlink_to(pyenv_python(version))
        self.environ = dict(
            machine_environ(root), PATH=str(self.bin), PYENV_ROOT=str(root / "no-pyenv")
        )

    def run(self, *args: str, cwd: Path) -> "subprocess.CompletedProcess[str]":
        return subprocess.run(
            [sys.executable, "-c", CLI, *args], env=machine_cli_env(self.root, self.environ),
            cwd=cwd, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def find(self, *args: str, cwd: Path) -> str:
        done = self.run("find", *args, cwd=cwd)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def listed(self, cwd: Path) -> list[tuple[str, Any]]:
        """``list --json`` in ``cwd``: (path, source) of each match."""
        done = self.run("list", "--json", cwd=cwd)
        assert done.returncode == 0, done.stderr
        return [(i["path"], i["source"]) for i in json.loads(done.stdout)["interpreters"]]


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    pyenv_python("3.11.7")  # skips when absent
    return Machine(tmp_path)


def poetry_project(machine: Machine, project: Path) -> Path:
    """A poetry project whose env lives in poetry's cache dir, as ``poetry install`` puts it."""
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.poetry]\nname = "demo"\npackage-mode = false\n')
    name = poetry_name("demo", str(project)) + "-py3.12"
    return venv(machine.home / ".cache" / "pypoetry" / "virtualenvs" / name)


def test_find_in_a_poetry_project_picks_its_env_from_a_subdirectory(machine: Machine) -> None:
    project = machine.root / "src" / "demo"
    python = poetry_project(machine, project)
    deep = project / "pkg" / "sub"
    deep.mkdir(parents=True)
    assert machine.find(cwd=deep) == str(python)
    assert machine.find("3.12", cwd=deep) == str(python)
    explained = machine.run("find", "--explain", "--wide", cwd=deep).stdout.splitlines()
    assert explained[2].split()[:3] == [str(python), "poetry", "chosen"]  # the first candidate
    # a request its env does not match goes on to the installed interpreters
    assert machine.find("3.11", cwd=deep) == str(machine.bin / "python3.11")
    # outside the project: PATH's
    assert machine.find("3.12", cwd=machine.root) == str(machine.bin / "python3.12")
    search = Discovery(cwd=str(deep), environ=machine.environ, root=str(machine.root))
    found = search.find("3.12").interpreters[0]
    assert found.path == str(python) and found.source == "poetry"
    assert found.manager == "poetry" and found.project == str(project)


def test_nearer_project_first_each_tool_at_its_own_project(machine: Machine) -> None:
    """A pipenv project holding a uv project: in the inner one uv's env comes first, then
    pipenv's (pipenv finds its Pipfile further up); in the outer one only pipenv's."""
    outer = machine.root / "repo"
    inner = outer / "services" / "api"
    inner.mkdir(parents=True)
    (outer / "Pipfile").write_text("")
    pipenv_env = machine.home / ".local" / "share" / "virtualenvs" / pipenv_name(str(outer))
    pipenv_python = venv(pipenv_env, **{".project": str(outer)})
    (inner / "pyproject.toml").write_text('[project]\nname = "api"\n')
    (inner / "uv.lock").write_text("version = 1\n")
    uv_python = venv(inner / ".venv")
    listed = machine.listed(inner)
    assert listed[:2] == [(str(uv_python), "uv"), (str(pipenv_python), "pipenv")]
    assert machine.find(cwd=inner / ".venv") == str(uv_python)
    assert machine.find(cwd=outer / "services") == str(pipenv_python)
    assert machine.listed(outer)[0] == (str(pipenv_python), "pipenv")


def test_pdm_uses_the_interpreter_it_saved(machine: Machine) -> None:
    project = machine.root / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "app"\n\n[tool.pdm]\n')
    venv(project / ".venv")  # pdm's in-project default, not the one it was told to use
    location = machine.home / ".local" / "share" / "pdm" / "venvs"
    saved = venv(location / f"app-{pdm_hash(str(project))}-3.12")
    (project / ".pdm-python").write_text(f"{saved}\n")
    assert machine.find(cwd=project) == str(saved)
    (project / ".pdm-python").unlink()
    assert machine.find(cwd=project) == str(project / ".venv" / "bin" / "python3")


def test_test_runners_and_other_tools_envs_are_not_picked(machine: Machine) -> None:
    """tox's envs, a virtualenvwrapper env naming the project, pyenv-virtualenv's: listed by
    ``envs``, never what ``find`` runs in the project."""
    project = machine.root / "lib"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "lib"\n')
    (project / "tox.ini").write_text("[tox]\nenv_list = py312\n")
    tox_info = json.dumps({"ToxEnv": {"name": "py312", "type": "VirtualEnvRunner"}})
    venv(project / ".tox" / "py312", **{".tox-info.json": tox_info})
    hooks = {"bin/postactivate": "", ".project": f"{project}\n"}  # virtualenvwrapper's
    venv(machine.home / ".virtualenvs" / "lib", **hooks)
    assert machine.find("3.12", cwd=project) == str(machine.bin / "python3.12")
    done = machine.run("envs", "--json", cwd=project)
    managers = [e["manager"] for e in json.loads(done.stdout)["environments"]]
    assert managers == ["tox", "virtualenvwrapper"]


def test_a_version_file_naming_a_pyenv_virtualenv_env_picks_it(machine: Machine) -> None:
    """pyenv-virtualenv's way: the project's ``.python-version`` names the env (by its alias
    or its long name), as any name of a dir in pyenv's ``versions``."""
    versions = machine.root / "pyenv" / "versions"
    machine.environ["PYENV_ROOT"] = str(versions.parent)
    venv(versions / "3.12.1" / "envs" / "myenv")
    (versions / "myenv").symlink_to(versions / "3.12.1" / "envs" / "myenv")
    project = machine.root / "proj"
    (project / "src").mkdir(parents=True)
    (project / ".python-version").write_text("myenv\n")
    assert machine.find(cwd=project / "src") == str(versions / "myenv" / "bin" / "python3")
    explained = machine.run("find", "--explain", "--wide", cwd=project).stdout.splitlines()
    assert explained[2].split()[1:3] == ["pyenv", "chosen"]
    (project / ".python-version").write_text("3.12.1/envs/myenv\n")
    python = versions / "3.12.1" / "envs" / "myenv" / "bin" / "python3"
    assert machine.find(cwd=project) == str(python)
    (project / ".python-version").write_text("nothing-of-that-name\n3.11\n")  # the next line
    assert machine.find(cwd=project) == str(machine.bin / "python3.11")


def test_a_project_without_a_tools_env_keeps_the_nearest_venv(machine: Machine) -> None:
    """A setuptools project inside a directory with a ``.venv``: no tool claims an env for it,
    so the nearest ``.venv`` up the tree is the project's, as before."""
    python = venv(machine.root / "work" / ".venv")
    project = machine.root / "work" / "pkg"
    project.mkdir()
    (project / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n')
    assert machine.find(cwd=project) == str(python)
    assert machine.listed(project)[0] == (str(python), "project-venv")


def test_envs_defaults_to_the_project_the_working_dir_is_in(machine: Machine) -> None:
    project = machine.root / "src" / "demo"
    python = poetry_project(machine, project)
    (project / "docs").mkdir()
    done = machine.run("envs", "--json", cwd=project / "docs")
    data = json.loads(done.stdout)
    assert data["project"] == str(project)
    first = data["environments"][0]
    assert (first["path"], first["project"]) == (str(python), str(project))


def test_a_recorded_answer_is_not_replayed_into_a_project(machine: Machine) -> None:
    """An answer recorded where no project file exists holds in other such directories, not
    in a project (its marker is among the lookups the answer depends on)."""
    machine.environ["WHICHPYTHON_CACHE_DIR"] = str(machine.root / "cache")
    plain = machine.root / "plain"
    plain.mkdir()
    for _ in range(2):
        assert machine.find("3.12", cwd=plain) == str(machine.bin / "python3.12")
    folder = machine.root / "cache" / "answers"
    recorded = [marshal.loads((folder / name).read_bytes()) for name in os.listdir(folder)]
    (answer,) = [data for data in recorded if "witnesses" in data]
    assert answer["cwd"] is None  # to be replayed anywhere without a project file
    python = poetry_project(machine, machine.root / "proj")
    assert machine.find("3.12", cwd=machine.root / "proj") == str(python)


def test_every_project_marker_is_a_witnessed_lookup() -> None:
    """What the sources look for up the tree is what a recorded answer checks up the tree."""
    assert {*markers(ENVIRONMENTS), ".venv", *NAMES} | SHIM_CONFIGS == PROJECT_FILES
