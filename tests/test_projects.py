"""``whichpython envs`` and ``find_environments``: a project's environments first (each
tool's, as the tool would pick them), then the machine's others; broken ones with their
error; a warm listing starts no process. Layouts are real venvs (the stdlib's, from pyenv's
3.12) placed as each tool places them, with the marker files recorded from the real tools
(fixtures/environments/)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    CLI,
    fake_python,
    machine_cli_env,
    machine_environ,
    pyenv_python,
    relocated_copy,
)
from whichpython import find_environments
from whichpython.sources.hatch import project_id as hatch_id
from whichpython.sources.pdm import hash_path as pdm_hash
from whichpython.sources.pipenv import env_name as pipenv_name
from whichpython.sources.poetry import env_name as poetry_name


def venv(prefix: Path, **files: str) -> Path:
    """A real venv at ``prefix`` (no pip) with ``files`` (relative path: text)."""
    base = str(pyenv_python("3.12.1"))
    subprocess.run([base, "-m", "venv", "--without-pip", str(prefix)], check=True)
    for name, text in files.items():
        (prefix / name).parent.mkdir(parents=True, exist_ok=True)
        (prefix / name).write_text(text)
    return prefix


@pytest.fixture
def machine(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A home with a project ``src/demo`` (uv's .venv, poetry's, pipenv's, pdm's and hatch's
    envs for it, tox's), another project's virtualenvwrapper env, a pipx app, and a
    pyenv-virtualenv env whose base is gone."""
    pyenv_python("3.12.1")  # skips when absent
    home, demo = tmp_path / "home", tmp_path / "src" / "demo"
    demo.mkdir(parents=True)
    (demo / "pyproject.toml").write_text('[project]\nname = "Demo"\n\n[tool.poetry]\n')
    (demo / "Pipfile").write_text("")
    (demo / "uv.lock").write_text("version = 1\n")
    dot = venv(demo / ".venv")
    (dot / "pyvenv.cfg").write_text((dot / "pyvenv.cfg").read_text() + "uv = 0.13.9\n")
    venv(home / ".cache/pypoetry/virtualenvs" / (poetry_name("Demo", str(demo)) + "-py3.12"))
    venv(home / ".local/share/virtualenvs" / pipenv_name(str(demo)), **{".project": str(demo)})
    (demo / "pdm.lock").write_text("")
    data = home / ".local" / "share"
    venv(data / "pdm" / "venvs" / f"demo-{pdm_hash(str(demo))}-3.12")
    venv(data / "hatch" / "env" / "virtual" / "demo" / hatch_id(str(demo), "linux") / "demo")
    tox_info = {"ToxEnv": {"name": "py312", "type": "VirtualEnvRunner"}}
    venv(demo / ".tox" / "py312", **{".tox-info.json": json.dumps(tox_info)})
    other = tmp_path / "src" / "other"
    other.mkdir()
    hooks = {"bin/postactivate": "#!/bin/bash\n", ".project": f"{other}\n"}
    venv(home / ".virtualenvs" / "other", **hooks)
    venv(home / ".local/share/pipx/venvs/pyflakes", **{"pipx_metadata.json": "{}"})
    gone = venv(tmp_path / "pyenv" / "versions" / "3.10.4" / "envs" / "old")
    for name in ("python", "python3", "python3.12"):
        (gone / "bin" / name).unlink()
    (gone / "bin" / "python3").symlink_to(tmp_path / "pyenv/versions/3.10.4/bin/python3.10")
    environ = dict(machine_environ(tmp_path), PYENV_ROOT=str(tmp_path / "pyenv"))
    return tmp_path, environ


def test_envs_of_a_project_then_the_machine(machine: tuple[Path, dict[str, str]]) -> None:
    root, environ = machine
    done = subprocess.run(
        [sys.executable, "-c", CLI, "envs", "--project", "src/demo", "--json"],
        env=machine_cli_env(root, environ), cwd=root, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["project"] == str(root / "src" / "demo")

    def rel(path: Any) -> Any:
        return path and os.path.relpath(path, root)

    listed = [(e["manager"], rel(e["project"]), rel(e["prefix"])) for e in data["environments"]]
    demo = "src/demo"
    assert listed == [
        ("uv", demo, f"{demo}/.venv"),
        ("poetry", demo, rel(Path(data["environments"][1]["prefix"]))),
        ("pipenv", demo, rel(Path(data["environments"][2]["prefix"]))),
        ("pdm", demo, rel(Path(data["environments"][3]["prefix"]))),
        ("hatch", demo, rel(Path(data["environments"][4]["prefix"]))),
        ("tox", demo, f"{demo}/.tox/py312"),
        ("pyenv", None, "pyenv/versions/3.10.4/envs/old"),
        ("virtualenvwrapper", "src/other", "home/.virtualenvs/other"),
        ("pipx", None, "home/.local/share/pipx/venvs/pyflakes"),
    ]
    assert listed[1][2].startswith("home/.cache/pypoetry/virtualenvs/demo-")
    assert listed[2][2].startswith("home/.local/share/virtualenvs/demo-")
    assert listed[3][2].startswith("home/.local/share/pdm/venvs/demo-")
    assert listed[4][2].startswith("home/.local/share/hatch/env/virtual/demo/")
    base = os.path.realpath(pyenv_python("3.12.1"))
    for env in data["environments"]:
        if env["manager"] == "pyenv":  # its base is gone: listed with why
            assert env["interpreter"] is None and env["kind"] is None
            assert "3.10.4/bin/python3.10" in env["error"]
            continue
        assert env["error"] is None and env["kind"] == "venv" and env["version"] == "3.12.1"
        assert os.path.realpath(env["base_executable"]) == base
        assert env["interpreter"]["path"] == env["path"]


def test_table_and_library(machine: tuple[Path, dict[str, str]]) -> None:
    root, environ = machine
    found = find_environments(root / "src" / "demo", environ=environ, cwd=str(root), root=str(root))
    assert [e.manager for e in found][:6] == ["uv", "poetry", "pipenv", "pdm", "hatch", "tox"]
    broken = [e for e in found if e.error]
    assert len(broken) == 1 and broken[0].interpreter is None and broken[0].kind is None
    done = subprocess.run(
        [sys.executable, "-c", CLI, "envs", "--project", str(root / "src" / "other")],
        env=machine_cli_env(root, environ), cwd=root, capture_output=True, text=True,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["MANAGER", "VERSION", "PROJECT", "PATH"]
    assert lines[1].split()[:2] == ["virtualenvwrapper", "3.12.1"]  # the project's first
    error = lines.index(next(line for line in lines if line.lstrip().startswith("! ")))
    assert lines[error - 1].split()[0] == "pyenv"  # the error under its environment


def test_a_warm_listing_of_many_environments_starts_no_process(
    tmp_path: Path, probes: list[str]
) -> None:
    """200 projects' worth of tool dirs: poetry envs and pipx apps (venvs of one fake base
    interpreter, so that the first listing is quick)."""
    base = fake_python(tmp_path / "base" / "bin" / "python3.12", "3.12.4")
    home = tmp_path / "home"
    places = [home / ".cache/pypoetry/virtualenvs", home / ".local/share/pipx/venvs"]
    for number in range(200):
        prefix = places[number % 2] / f"project{number}-AbCdEfGh-py3.12"
        (prefix / "bin").mkdir(parents=True)
        (prefix / "pyvenv.cfg").write_text(f"home = {base.parent}\nversion = 3.12.4\n")
        (prefix / "bin" / "python3").symlink_to(base)
    environ = dict(machine_environ(tmp_path), WHICHPYTHON_CACHE_DIR=str(tmp_path / "cache"))
    probes.clear()  # making the fake base ran a real probe for its template
    first = find_environments(
        tmp_path / "nowhere", environ=environ, cwd=str(tmp_path), root=str(tmp_path)
    )
    assert len(first) == 200 and all(e.interpreter is not None for e in first)
    assert len(probes) == 200
    probes.clear()
    again = find_environments(
        tmp_path / "nowhere", environ=environ, cwd=str(tmp_path), root=str(tmp_path)
    )
    assert [e.path for e in again] == [e.path for e in first]
    assert probes == []


def test_conda_and_pixi_envs_of_a_project(tmp_path: Path) -> None:
    """conda's ``<project>/.conda`` prefix and pixi's ``.pixi/envs/default`` (real CPython
    builds relocated into conda prefixes with the files conda and pixi write: a conda-meta
    record, pixi's marker; fixtures/environments/{conda,pixi}.json): listed for the project
    with their tool and project. They are full installs, not venvs: kind ``managed``, their
    own executable as the base (docs/classification.md)."""
    project = tmp_path / "src" / "sci"
    conda_env = relocated_copy("3.12.1", project / ".conda")
    pixi_env = relocated_copy("3.12.1", project / ".pixi" / "envs" / "default")
    for prefix in (conda_env, pixi_env):
        meta = prefix / "conda-meta"
        meta.mkdir()
        (meta / "python-3.12.1-h9e4cc4f_0_cpython.json").write_text(
            '{"name": "python", "version": "3.12.1", "build": "h9e4cc4f_0_cpython"}'
        )
    marker = {"manifest_path": str(project / "pixi.toml"), "environment_name": "default"}
    (pixi_env / "conda-meta" / "pixi").write_text(json.dumps(marker))
    (project / "pixi.toml").write_text('[workspace]\nname = "sci"\n')
    environ = machine_environ(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", CLI, "envs", "--json"],
        env=machine_cli_env(tmp_path, environ), cwd=project / ".pixi", capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["project"] == str(project)  # the one the working directory is in
    listed = [(e["manager"], e["project"], e["prefix"], e["kind"], e["error"])
              for e in data["environments"]]  # fmt: skip
    assert listed == [
        ("pixi", str(project), str(pixi_env), "managed", None),
        ("conda", str(project), str(conda_env), "managed", None),
    ]
    for env in data["environments"]:
        assert env["version"] == "3.12.1" and env["base_executable"] == env["path"]
        assert env["path"].startswith(env["prefix"] + os.sep)
    found = subprocess.run(
        [sys.executable, "-c", CLI, "find", "3.12"], env=machine_cli_env(tmp_path, environ),
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    assert found.stdout.strip() == data["environments"][0]["path"]  # pixi's, as `pixi run`
