"""poetry's and pipenv's selection rules (issue 24), checked against the real tools: the tool
makes several envs for a project in an isolated HOME, then says which one it uses (``poetry
env info -p``, ``pipenv --venv``); ``whichpython find`` run the same way (same directory, same
variables) must pick that env, and ``whichpython envs --project`` must list it first, with the
project reported alike by both. The tool's answer is the oracle, never a constant."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import CLI, PYENV_VERSIONS, machine_cli_env, machine_environ, pyenv_python
from test_real_tools import PYPROJECT, base, home, project, run, tool


def tool_path(root: Path, *first: Path) -> str:
    """The PATH the tools run with (``run``'s), after the directories ``first``."""
    rest = [str(Path(sys.executable).parent), "/usr/bin", "/bin"]
    return os.pathsep.join([*map(str, first), *rest])


def whichpython(root: Path, cwd: Path, *args: str, **variables: str) -> Any:
    """``whichpython ARGS --json`` in ``cwd`` on the machine under ``root`` with ``variables``
    (the ones the tool was run with); its parsed output (``find`` finding nothing: None)."""
    environ = dict(machine_environ(root), LANG="C.UTF-8", **variables)
    done = subprocess.run(
        [sys.executable, "-c", CLI, *args, "--json"], env=machine_cli_env(root, environ),
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if args[0] == "find" and done.returncode == 1 and '"error"' in done.stdout:
        return None  # the fake machine has no other Python
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def agrees(
    root: Path, cwd: Path, owner: Path, prefix: str, tool_name: str, **variables: str
) -> None:
    """``find`` in ``cwd`` picks the env at ``prefix`` (the tool's answer), and ``envs
    --project OWNER`` lists it first; both give the env the same project, and ``envs`` reports
    the project asked about by its real path."""
    found = whichpython(root, cwd, "find", **variables)
    assert os.path.realpath(found["prefixes"]["prefix"]) == os.path.realpath(prefix), found
    assert found["manager"] == tool_name
    listed = whichpython(root, cwd, "envs", "--project", str(owner), **variables)
    first = listed["environments"][0]
    assert os.path.realpath(first["prefix"]) == os.path.realpath(prefix), listed
    assert found["project"] == first["project"]  # the env's project, alike in both
    assert listed["project"] == os.path.realpath(first["project"])  # the real path asked about
    assert first["manager"] == tool_name


def python_dir(root: Path, version: str) -> Path:
    """A directory holding ``python``: a link to pyenv's ``version``."""
    folder = root / f"python-{version}"
    folder.mkdir()
    (folder / "python").symlink_to(pyenv_python(version))
    return folder


# -- poetry -------------------------------------------------------------------------------------

POETRY_SETTINGS = "\n[tool.poetry]\npackage-mode = false\n"  # no package to build


def poetry_envs(root: Path, demo: Path, versions: list[str], **variables: str) -> Path:
    """One poetry env per version (``poetry env use``), then no ``envs.toml`` entry."""
    poetry = tool("poetry")
    for version in versions:
        run([poetry, "env", "use", pyenv_python(version)], root, demo, **variables)
    envs = home(root, ".cache", "pypoetry", "virtualenvs")
    (envs / "envs.toml").unlink()
    assert len(list(envs.glob("demo-*-py*"))) == len(set(v[:4] for v in versions))
    return poetry


def own_version(poetry: Path) -> str:
    """The pyenv version of the X.Y poetry runs on (its ``#!`` line's interpreter)."""
    python = poetry.read_text().splitlines()[0][2:].strip()
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    minor = subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()
    found = [v for v in PYENV_VERSIONS if v.startswith(minor + ".")]
    if not found:
        pytest.skip(f"no pyenv build of {minor}, the Python poetry runs on")
    return found[0]


@pytest.mark.parametrize("setting", ["path", "environment", "poetry.toml", "config.toml"])
def test_poetry_preferred_python(tmp_path: Path, setting: str) -> None:
    """No ``envs.toml`` entry: poetry uses the env of the ``python`` on PATH, or, with
    ``virtualenvs.use-poetry-python`` (a variable, the project's poetry.toml, the global
    config.toml), of the Python poetry runs on; never merely the first by name."""
    demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + POETRY_SETTINGS})
    poetry = tool("poetry")  # on PATH: whichpython finds the Python it runs on from there
    variables = {"PATH": tool_path(tmp_path, python_dir(tmp_path, "3.12.1"), poetry.parent)}
    versions = ["3.10.13", "3.12.1", own_version(poetry)]  # poetry's own Python's env too
    poetry_envs(tmp_path, demo, versions, **variables)
    if setting == "environment":
        variables["POETRY_VIRTUALENVS_USE_POETRY_PYTHON"] = "true"
    elif setting == "poetry.toml":
        (demo / "poetry.toml").write_text("[virtualenvs]\nuse-poetry-python = true\n")
    elif setting == "config.toml":
        config = home(tmp_path, ".config", "pypoetry")
        config.mkdir(parents=True, exist_ok=True)
        (config / "config.toml").write_text("[virtualenvs]\nuse-poetry-python = true\n")
    prefix = run([poetry, "env", "info", "--path"], tmp_path, demo, **variables).strip()
    assert "-py" in Path(prefix).name
    agrees(tmp_path, demo, demo, prefix, "poetry", **variables)


# -- pipenv -------------------------------------------------------------------------------------

PIPFILE = '[packages]\n\n[requires]\npython_version = "3.12"\n'


@pytest.mark.parametrize("form", ["version", "path"])
def test_pipenv_python_suffix(tmp_path: Path, form: str) -> None:
    """``PIPENV_PYTHON`` adds ``-<its value>`` (``-<file name>`` for a path: ``-python3.12``)
    to the env's name: pipenv uses that env, and without the variable the unsuffixed one."""
    pipenv = tool("pipenv")
    demo = project(tmp_path, Pipfile=PIPFILE)
    run([pipenv, "--python", pyenv_python("3.11.7")], tmp_path, demo)
    plain = run([pipenv, "--venv"], tmp_path, demo).strip()
    named = str(Path(base()).parent / "python3.12")  # pipenv --python python3.12's form
    variables = {"PIPENV_PYTHON": "3.12" if form == "version" else named}
    run([pipenv, "--python", base()], tmp_path, demo, **variables)
    suffixed = run([pipenv, "--venv"], tmp_path, demo, **variables).strip()
    assert suffixed.endswith("-" + Path(variables["PIPENV_PYTHON"]).name) and suffixed != plain
    agrees(tmp_path, demo, demo, suffixed, "pipenv", **variables)
    agrees(tmp_path, demo, demo, plain, "pipenv")


@pytest.mark.parametrize("through", ["dir", "link"])
def test_pipenv_pipfile_moves_the_project(tmp_path: Path, through: str) -> None:
    """``PIPENV_PIPFILE`` names the project wherever pipenv runs (the Pipfile's path as given,
    hashed with symlinks kept: through a link, another env than the real path's)."""
    pipenv = tool("pipenv")
    demo = project(tmp_path, Pipfile=PIPFILE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = demo
    if through == "link":
        folder = tmp_path / "link"
        folder.symlink_to(demo)
    variables = {"PIPENV_PIPFILE": str(folder / "Pipfile")}
    run([pipenv, "--python", base()], tmp_path, elsewhere, **variables)
    prefix = run([pipenv, "--venv"], tmp_path, elsewhere, **variables).strip()
    agrees(tmp_path, elsewhere, folder, prefix, "pipenv", **variables)


@pytest.mark.parametrize("depth", [None, "2"])
def test_pipenv_max_depth(tmp_path: Path, depth: str) -> None:
    """pipenv looks for a Pipfile in the working directory and ``PIPENV_MAX_DEPTH`` - 1 (by
    default 9) above it: within that, its env; beyond it (it says "no Pipfile"), not its."""
    pipenv = tool("pipenv")
    demo = project(tmp_path, Pipfile=PIPFILE)
    run([pipenv, "--python", base()], tmp_path, demo)
    prefix = run([pipenv, "--venv"], tmp_path, demo).strip()
    variables = {} if depth is None else {"PIPENV_MAX_DEPTH": depth}
    levels = 9 if depth is None else int(depth) - 1
    near = demo.joinpath(*["d"] * levels)
    far = near / "d"
    far.mkdir(parents=True)
    assert run([pipenv, "--venv"], tmp_path, near, **variables).strip() == prefix
    agrees(tmp_path, near, demo, prefix, "pipenv", **variables)
    beyond = subprocess.run(
        [pipenv, "--venv"], cwd=far, capture_output=True, text=True,
        env={"HOME": str(home(tmp_path)), "PATH": tool_path(tmp_path), **variables},
    )  # fmt: skip
    assert beyond.returncode != 0  # pipenv finds no project from there
    found = whichpython(tmp_path, far, "find", **variables)
    assert found is None or os.path.realpath(found["prefixes"]["prefix"]) != prefix, found


# -- a project reached through a symlink -------------------------------------------------------


@pytest.mark.parametrize("name", ["poetry", "pipenv"])
def test_project_through_a_link(tmp_path: Path, name: str) -> None:
    """``envs --project LINK`` and ``find`` in ``LINK`` are the real project's (the tools run
    in the link see their working directory's real path), reported as the real path."""
    exe = tool(name)
    if name == "poetry":
        demo = project(
            tmp_path, **{"pyproject.toml": PYPROJECT + "\n[tool.poetry]\npackage-mode = false\n"}
        )
        run([exe, "env", "use", base()], tmp_path, demo)
        ask = [exe, "env", "info", "--path"]
    else:
        demo = project(tmp_path, Pipfile=PIPFILE)
        run([exe, "--python", base()], tmp_path, demo)
        ask = [exe, "--venv"]
    link = tmp_path / "link"
    link.symlink_to(demo)
    prefix = run(ask, tmp_path, link).strip()
    assert prefix == run(ask, tmp_path, demo).strip()
    agrees(tmp_path, link, link, prefix, name)
    listed = whichpython(tmp_path, tmp_path, "envs", "--project", str(link))
    assert listed["project"] == str(demo)
