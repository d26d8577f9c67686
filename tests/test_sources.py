"""Each source on a layout built in a temp dir: what it yields, in what order, with which hints.
Nothing here runs an interpreter (the files are empty executables)."""

import os
from pathlib import Path
from typing import Any

import pytest

from conftest import write_script
from whichpython.request.versionfile import find_version_file
from whichpython.sources import Context, Hints
from whichpython.sources.asdf import Asdf
from whichpython.sources.conda import ActiveConda, Conda
from whichpython.sources.hatch import Hatch
from whichpython.sources.mise import Mise
from whichpython.sources.path import SearchPath
from whichpython.sources.pdm import Pdm
from whichpython.sources.pyenv import Pyenv
from whichpython.sources.rye import Rye
from whichpython.sources.uv import Uv
from whichpython.sources.venv import ActiveVenv, ProjectVenv


def exe(path: Path) -> Path:
    return write_script(path, "#!/bin/sh\n")


def ctx(tmp_path: Path, **environ: str) -> Context:
    environ.setdefault("HOME", str(tmp_path / "home"))
    environ.setdefault("PATH", "")
    return Context(environ=environ, cwd=str(tmp_path), root=str(tmp_path))


def found(source: Any, context: Context) -> list[tuple[str, Hints]]:
    return [(c.path, c.hints) for c in source.candidates(context)]


def paths(source: Any, context: Context) -> list[str]:
    return [c.path for c in source.candidates(context)]


def test_path_order_names_and_ignored_entries(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for name in ("python3.12", "python", "python3", "python3.9", "pypy3", "python3.13t",
                 "python3-config", "python3.12-gdb.py", "idle3"):  # fmt: skip
        exe(first / name)
    exe(second / "python3.11d")
    (second / "python3.10").write_text("not executable")
    environ = os.pathsep.join(["", "relative/bin", str(first), str(first), str(second)])
    got = found(SearchPath(), ctx(tmp_path, PATH=environ))
    assert [os.path.relpath(p, tmp_path) for p, _ in got] == [
        "a/python3", "a/python", "a/python3.13t", "a/python3.12", "a/python3.9", "a/pypy3",
        "b/python3.11d",
    ]  # fmt: skip
    hints = dict((os.path.basename(p), h) for p, h in got)
    assert hints["python3.13t"] == Hints(version="3.13", freethreaded=True, debug=False)
    assert hints["python3.11d"] == Hints(version="3.11", freethreaded=False, debug=True)
    assert hints["pypy3"] == Hints(version="3", implementation="pypy")
    assert hints["python3"].version == "3"


def test_path_marks_venv_executables(tmp_path: Path) -> None:
    venv = tmp_path / "env"
    exe(venv / "bin" / "python3")
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion_info = 3.11.2.final.0\n")
    [(_, hints)] = found(SearchPath(), ctx(tmp_path, PATH=str(venv / "bin")))
    assert hints.venv is True and hints.version == "3"


def test_uv_keys_and_minor_links(tmp_path: Path) -> None:
    root = tmp_path / "home" / ".local" / "share" / "uv" / "python"
    exe(root / "cpython-3.12.7-linux-x86_64-gnu" / "bin" / "python3.12")
    exe(root / "cpython-3.13.1+freethreaded-linux-x86_64-gnu" / "bin" / "python3.13t")
    exe(root / "pypy-3.10.14-linux-x86_64-gnu" / "bin" / "pypy3.10")
    (root / "cpython-3.12-linux-x86_64-gnu").symlink_to(root / "cpython-3.12.7-linux-x86_64-gnu")
    (root / ".lock").mkdir()
    got = found(Uv(), ctx(tmp_path))
    assert [os.path.relpath(p, root) for p, _ in got] == [
        "cpython-3.13.1+freethreaded-linux-x86_64-gnu/bin/python3.13t",
        "cpython-3.12.7-linux-x86_64-gnu/bin/python3.12",
        "pypy-3.10.14-linux-x86_64-gnu/bin/pypy3.10",
    ]
    assert got[0][1].freethreaded is True and got[0][1].implementation == "cpython"
    assert got[2][1].implementation == "pypy" and got[2][1].version == "3.10.14"
    custom = tmp_path / "pythons"
    exe(custom / "cpython-3.11.9-linux-x86_64-gnu" / "bin" / "python3.11")
    assert len(paths(Uv(), ctx(tmp_path, UV_PYTHON_INSTALL_DIR=str(custom)))) == 1


def pyenv_root(tmp_path: Path) -> Path:
    root = tmp_path / "pyenv"
    for version in ("3.11.7", "3.12.1", "3.12.4", "pypy3.10-7.3.17"):
        minor = "pypy3.10" if version.startswith("pypy") else f"python{version[:4]}"
        exe(root / "versions" / version / "bin" / minor)
        exe(root / "versions" / version / "bin" / "python3")
    exe(root / "shims" / "python3")
    exe(root / "shims" / "python3.12")
    (root / "version").write_text("3.11.7\n")
    return root


def test_pyenv_versions_selected_first_then_newest(tmp_path: Path) -> None:
    root = pyenv_root(tmp_path)
    got = found(Pyenv(), ctx(tmp_path, PYENV_ROOT=str(root)))
    assert [os.path.relpath(p, root / "versions") for p, _ in got] == [
        "3.11.7/bin/python3.11", "3.12.4/bin/python3.12", "3.12.1/bin/python3.12",
        "pypy3.10-7.3.17/bin/pypy3.10",
    ]  # fmt: skip
    assert got[0][1] == Hints(version="3.11.7", implementation="cpython", freethreaded=False,
                              debug=False)  # fmt: skip
    assert got[3][1].implementation == "pypy" and got[3][1].version == "3.10"


def test_pyenv_shims_resolve_like_pyenv(tmp_path: Path) -> None:
    root = pyenv_root(tmp_path)
    pyenv = Pyenv()
    shim = str(root / "shims" / "python3.12")
    base = {"PYENV_ROOT": str(root)}
    # The global version (3.11.7) has no python3.12: pyenv would exit 127.
    missing = pyenv.resolve(shim, ctx(tmp_path, **base))
    assert missing is not None and missing.targets == ()
    assert "not in the selected versions (3.11.7, selected by" in missing.reason
    # PYENV_VERSION wins; a prefix picks the newest installed match.
    chosen = pyenv.resolve(shim, ctx(tmp_path, PYENV_VERSION="3.12:3.11.7", **base))
    assert chosen is not None
    assert chosen.targets == (str(root / "versions" / "3.12.4" / "bin" / "python3.12"),)
    # The nearest .python-version, walking up from the cwd.
    project = tmp_path / "project" / "src"
    project.mkdir(parents=True)
    (tmp_path / "project" / ".python-version").write_text("# pinned\n3.12.1\n")
    local = Context(environ=dict(base, HOME=str(tmp_path)), cwd=str(project))
    resolved = pyenv.resolve(shim, local)
    assert resolved is not None
    assert resolved.targets == (str(root / "versions" / "3.12.1" / "bin" / "python3.12"),)
    assert str(tmp_path / "project" / ".python-version") in resolved.reason
    # "system": the next one on PATH after the shims.
    system = tmp_path / "usr" / "bin"
    exe(system / "python3")
    path = os.pathsep.join([str(root / "shims"), str(system)])
    sys_ctx = ctx(tmp_path, PYENV_VERSION="system", PATH=path, **base)
    resolved = pyenv.resolve(str(root / "shims" / "python3"), sys_ctx)
    assert resolved is not None and resolved.targets == (str(system / "python3"),)
    # Not a shim: not pyenv's business.
    assert pyenv.resolve(str(system / "python3"), sys_ctx) is None


@pytest.mark.parametrize(
    ("source", "variable", "layout"),
    [
        (Asdf(), "ASDF_DATA_DIR", "installs/python/{v}/bin/python{m}"),
        (Mise(), "MISE_DATA_DIR", "installs/python/{v}/bin/python{m}"),
        (Rye(), "RYE_HOME", "py/cpython@{v}/install/bin/python3"),
        (Hatch(), "HATCH_DATA_DIR", "pythons/{m}/python/bin/python{m}"),
    ],
)
def test_version_manager_dirs(tmp_path: Path, source: Any, variable: str, layout: str) -> None:
    root = tmp_path / "root"
    for version in ("3.11.9", "3.12.7"):
        exe(root / layout.format(v=version, m=version[:4]))
    got = paths(source, ctx(tmp_path, **{variable: str(root)}))
    assert [os.path.relpath(p, root) for p in got] == [
        layout.format(v="3.12.7", m="3.12"),
        layout.format(v="3.11.9", m="3.11"),
    ]


def test_mise_skips_alias_links(tmp_path: Path) -> None:
    root = tmp_path / "mise"
    exe(root / "installs" / "python" / "3.12.3" / "bin" / "python3.12")
    (root / "installs" / "python" / "3.12").symlink_to(root / "installs" / "python" / "3.12.3")
    assert len(paths(Mise(), ctx(tmp_path, MISE_DATA_DIR=str(root)))) == 1


@pytest.mark.parametrize(
    ("platform", "environ", "data"),
    [
        ("linux", {"XDG_DATA_HOME": "data"}, "data"),
        ("linux", {}, "home/.local/share"),
        ("darwin", {"XDG_DATA_HOME": "data"}, "home/Library/Application Support"),
    ],
)
def test_pdm_and_hatch_default_roots_come_from_the_search_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
    environ: dict[str, str],
    data: str,
) -> None:
    decoy = tmp_path / "process-data"  # what the process's own environment would say
    monkeypatch.setenv("XDG_DATA_HOME", str(decoy))
    monkeypatch.setenv("HOME", str(decoy))
    for where in (tmp_path / data, decoy):
        exe(where / "pdm" / "python" / "cpython@3.12.1" / "bin" / "python3.12")
        exe(where / "hatch" / "pythons" / "3.12" / "python" / "bin" / "python3.12")
    variables = {key: str(tmp_path / value) for key, value in environ.items()}
    context = ctx(tmp_path, **variables)
    context = Context(environ=context.environ, cwd=str(tmp_path), platform=platform)
    [(path, hints)] = found(Pdm(), context)
    assert path == str(tmp_path / data / "pdm/python/cpython@3.12.1/bin/python3.12")
    assert hints.version == "3.12.1"
    assert paths(Hatch(), context) == [
        str(tmp_path / data / "hatch/pythons/3.12/python/bin/python3.12")
    ]


def conda_prefix(prefix: Path, version: str) -> Path:
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "conda-meta" / f"python-{version}-h1234_0_cpython.json").write_text("{}")
    (prefix / "conda-meta" / "history").write_text("")
    return exe(prefix / "bin" / f"python{version[:4]}")


def test_conda_roots_envs_and_environments_txt(tmp_path: Path) -> None:
    home = tmp_path / "home"
    base = conda_prefix(home / "miniforge3", "3.11.9")
    env = conda_prefix(home / "miniforge3" / "envs" / "web", "3.12.8")
    elsewhere = conda_prefix(tmp_path / "projects" / "envs" / "tools", "3.10.14")
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text(
        f"{home / 'miniforge3'}\n{tmp_path / 'projects' / 'envs' / 'tools'}\n"
    )
    exe(home / "miniconda3" / "bin" / "python3")  # no conda-meta: not a conda prefix
    got = found(Conda(), ctx(tmp_path))
    assert [p for p, _ in got] == [str(base), str(env), str(elsewhere)]
    assert [h.version for _, h in got] == ["3.11.9", "3.12.8", "3.10.14"]
    active = found(ActiveConda(), ctx(tmp_path, CONDA_PREFIX=str(env.parent.parent)))
    assert active == [(str(env), Hints(version="3.12.8", venv=False))]


def test_active_and_project_venvs(tmp_path: Path) -> None:
    active = tmp_path / "active"
    exe(active / "bin" / "python")
    (active / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.2\n")
    assert found(ActiveVenv(), ctx(tmp_path, VIRTUAL_ENV=str(active))) == [
        (str(active / "bin" / "python"), Hints(version="3.11.2", venv=True))
    ]
    project = tmp_path / "project"
    exe(project / ".venv" / "bin" / "python")
    (project / ".venv" / "pyvenv.cfg").write_text(
        "home = /usr/bin\nversion_info = 3.12.1.final.0\n"
    )
    deep = project / "src" / "pkg"
    deep.mkdir(parents=True)
    context = Context(environ={"HOME": str(tmp_path)}, cwd=str(deep))
    assert found(ProjectVenv(), context) == [
        (str(project / ".venv" / "bin" / "python"), Hints(version="3.12.1", venv=True))
    ]
    (project / ".venv" / "pyvenv.cfg").unlink()  # a .venv without pyvenv.cfg is no venv
    assert found(ProjectVenv(), context) == []


def test_version_files(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_version_file(str(deep)) is None
    (tmp_path / ".tool-versions").write_text("nodejs 20.1.0\npython 3.12.1 3.11.7\n")
    found_file = find_version_file(str(deep))
    assert found_file is not None and found_file.requests == ("3.12.1", "3.11.7")
    (tmp_path / "a" / ".python-versions").write_text("# comment\n\n3.13\n3.12  # trailing\n")
    found_file = find_version_file(str(deep))
    assert found_file is not None
    assert (found_file.path, found_file.requests) == (
        str(tmp_path / "a" / ".python-versions"),
        ("3.13", "3.12"),
    )
    (tmp_path / "a" / ".python-version").write_text("pypy@3.10\n")
    found_file = find_version_file(str(deep))
    assert found_file is not None and found_file.requests == ("pypy@3.10",)


def test_pep739_build_details_give_a_version_the_dir_name_does_not(tmp_path: Path) -> None:
    root = tmp_path / "pyenv"
    prefix = root / "versions" / "my-build"
    exe(prefix / "bin" / "python3.14t")
    stdlib = prefix / "lib" / "python3.14t"
    stdlib.mkdir(parents=True)
    (stdlib / "build-details.json").write_text(
        '{"schema_version": "1.0", "language": {"version": "3.14", "version_info": '
        '{"major": 3, "minor": 14, "micro": 0, "releaselevel": "final", "serial": 0}}, '
        '"implementation": {"name": "cpython"}, "abi": {"flags": ["t"]}}'
    )
    [(path, hints)] = found(Pyenv(), ctx(tmp_path, PYENV_ROOT=str(root)))
    assert path == str(prefix / "bin" / "python3.14t")
    assert hints == Hints(
        version="3.14.0", implementation="cpython", freethreaded=True, debug=False
    )
