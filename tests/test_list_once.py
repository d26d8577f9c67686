"""One environment, one entry (issue 24): an environment reached through a link to its
directory (pyenv-virtualenv's ``versions/NAME``, a symlinked ``.venv``) and through its real
path is one interpreter with aliases in ``list``, ``find_interpreters``, ``Discovery`` and the
server's refresh (tests/test_server.py), as in ``envs``. Real venvs of pyenv's 3.12.1."""

import json
from pathlib import Path

from test_project_find import Machine, machine, venv
from whichpython import Discovery, find_interpreters

__all__ = ["machine"]  # the fixture


def pyenv_virtualenv(machine: Machine) -> tuple[Path, Path]:
    """``pyenv virtualenv 3.12.1 myenv``'s layout: the env in ``versions/3.12.1/envs`` and
    its alias ``versions/myenv``; (the alias's interpreter, the long path's)."""
    pyenv_root = machine.root / "pyenv"
    versions = pyenv_root / "versions"
    long = venv(versions / "3.12.1" / "envs" / "myenv")
    (versions / "myenv").symlink_to(versions / "3.12.1" / "envs" / "myenv")
    machine.environ["PYENV_ROOT"] = str(pyenv_root)
    return versions / "myenv" / "bin" / "python3", long


def entries(machine: Machine, cwd: Path) -> list[dict[str, object]]:
    done = machine.run("list", "--json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    found: list[dict[str, object]] = json.loads(done.stdout)["interpreters"]
    return found


def prefixes_once(found: list[dict[str, object]]) -> None:
    real = [str(Path(str(i["prefixes"]["prefix"])).resolve()) for i in found if i["kind"] == "venv"]
    assert len(real) == len(set(real)), found


def test_a_pyenv_virtualenv_env_activated_by_its_long_name_is_listed_once(
    machine: Machine,
) -> None:
    alias, long = pyenv_virtualenv(machine)
    machine.environ["VIRTUAL_ENV"] = str(long.parent.parent)  # `pyenv activate 3.12.1/envs/myenv`
    found = entries(machine, machine.root)
    prefixes_once(found)
    [env] = [i for i in found if i["kind"] == "venv"]
    assert env["path"] == str(long) and str(alias) in env["aliases"]  # type: ignore[operator]
    search = Discovery(cwd=str(machine.root), environ=machine.environ, root=str(machine.root))
    venvs = [i for i in search.find_all("3.12").interpreters if i.is_venv]
    assert [i.path for i in venvs] == [str(long)] and str(alias) in venvs[0].aliases
    library = find_interpreters(venvs="only", cwd=str(machine.root), environ=machine.environ)
    assert [i.path for i in library] == [str(long)]


def test_a_pyenv_virtualenv_env_selected_by_a_shim_is_listed_once(machine: Machine) -> None:
    alias, _long = pyenv_virtualenv(machine)
    shims = machine.root / "pyenv" / "shims"
    shims.mkdir()
    (shims / "python3").write_text("#!/bin/sh\nexit 127\n")  # pyenv's shim: never run
    (shims / "python3").chmod(0o755)
    machine.environ["PATH"] = f"{shims}:{machine.bin}"
    project = machine.root / "proj"
    project.mkdir()
    (project / ".python-version").write_text("3.12.1/envs/myenv\n")
    found = entries(machine, project)
    prefixes_once(found)
    [env] = [i for i in found if i["kind"] == "venv"]
    assert env["path"] == str(alias)  # pyenv's own listing first; the shim is an alias
    assert env["aliases"] == [str(shims / "python3")]


def test_a_symlinked_dot_venv_and_its_real_path_are_one_entry(machine: Machine) -> None:
    real = venv(machine.root / "envs" / "work")
    project = machine.root / "proj"
    project.mkdir()
    (project / ".venv").symlink_to(real.parent.parent)
    machine.environ["PATH"] = f"{real.parent}:{machine.bin}"  # the venv's bin on PATH too
    found = entries(machine, project)
    prefixes_once(found)
    [env] = [i for i in found if i["kind"] == "venv"]
    assert env["path"] == str(project / ".venv" / "bin" / "python3")
    assert str(real) in env["aliases"]  # type: ignore[operator]
    library = find_interpreters(venvs="only", cwd=str(project), environ=machine.environ)
    assert [i.path for i in library] == [str(project / ".venv" / "bin" / "python3")]
