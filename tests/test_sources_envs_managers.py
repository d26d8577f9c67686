"""pyenv-virtualenv's and conda's environments as sources, on layouts built in a temp dir as
the real tools leave them (fixtures/environments/{pyenv-virtualenv,conda}.json)."""

import os
from pathlib import Path
from typing import Any, Optional

import pytest

from conftest import PYENV_ROOT, make_venv, write_script
from whichpython.sources.base import Candidate, Context, EnvironmentSource
from whichpython.sources.conda import Conda, CondaEnvs
from whichpython.sources.pyenv import Pyenv, PyenvVirtualenvs

BASE = PYENV_ROOT / "versions" / "3.12.1" / "bin" / "python3.12"


def context(root: Path, **environ: str) -> Context:
    """A fake machine under ``root``: HOME and XDG dirs there, no tool variable unless given."""
    home = root / "home"
    base = {
        "HOME": str(home),
        "PATH": "",
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    return Context(environ={**base, **environ}, cwd=str(root), root=str(root))


def listed(source: EnvironmentSource, ctx: Context, project: Optional[str] = None) -> list[Any]:
    found = source.for_project(project, ctx) if project else source.candidates(ctx)
    return list(found)


def rel(candidates: list[Candidate], root: Path) -> list[str]:
    return [os.path.relpath(c.path, root) for c in candidates]


# pyenv-virtualenv ---------------------------------------------------------------------------


@pytest.fixture
def pyenv_machine(tmp_path: Path) -> Path:
    """$ROOT/root as `pyenv virtualenv` left it (layouts in pyenv-virtualenv.json), plus an env
    whose alias was removed and an alias to a plain version."""
    if not BASE.exists():
        pytest.skip("pyenv 3.12.1 is not installed")
    versions = tmp_path / "root" / "versions"
    for version, exe in (("3.12.1", "python3.12"), ("2.7.18", "python2.7")):
        write_script(versions / version / "bin" / exe, "#!/bin/sh\n")
    for name in ("myenv", "other", "noalias"):
        make_venv(str(BASE), versions / "3.12.1" / "envs" / name)
    for name in ("myenv", "other"):
        (versions / name).symlink_to(versions / "3.12.1" / "envs" / name)
    legacy = versions / "2.7.18" / "envs" / "legacy27"  # made by virtualenv 20.15.1
    write_script(legacy / "bin" / "python", "#!/bin/sh\n")  # a copy of the base, recorded
    for link in ("python2", "python2.7"):
        (legacy / "bin" / link).symlink_to("python")
    (legacy / ".gitignore").write_text("# created by virtualenv automatically\n*\n")
    (legacy / "pyvenv.cfg").write_text(
        f"home = {versions}/2.7.18\nimplementation = CPython\nversion_info = 2.7.18.final.0\n"
        f"virtualenv = 20.15.1\ninclude-system-site-packages = false\n"
        f"base-prefix = {versions}/2.7.18\nbase-exec-prefix = {versions}/2.7.18\n"
        f"base-executable = {versions}/2.7.18/bin/python2.7\n"
    )
    (versions / "legacy27").symlink_to(legacy)
    sysenv = versions / "sysenv"  # from `system`: made in place, no alias
    make_venv(str(BASE), sysenv)
    (sysenv / "sysenv").symlink_to(sysenv)  # the plugin's `ln -fsn <env> <env>`
    (versions / "3.12").symlink_to(versions / "3.12.1")  # an alias that is no env
    return tmp_path


def test_pyenv_virtualenvs_each_env_once_in_pyenv_virtualenvs_order(pyenv_machine: Path) -> None:
    versions = pyenv_machine / "root" / "versions"
    ctx = context(pyenv_machine, PYENV_ROOT=str(pyenv_machine / "root"))
    found = listed(PyenvVirtualenvs(), ctx)
    # versions/*/envs/* by their alias where there is one, then the `system`-made env; the
    # self-referencing link sysenv/sysenv is not followed (no sysenv/sysenv/... path).
    assert rel(found, versions) == [
        "legacy27/bin/python",
        "myenv/bin/python3",
        "3.12.1/envs/noalias/bin/python3",
        "other/bin/python3",
        "sysenv/bin/python3",
    ]
    assert {c.source for c in found} == {"pyenv"}
    assert all(c.project is None and c.problem is None and c.hints.venv for c in found)
    assert found[0].hints.version == "2.7.18" and found[1].hints.version == "3.12.1"


def test_pyenv_virtualenvs_dangling_alias_is_reported(pyenv_machine: Path) -> None:
    versions = pyenv_machine / "root" / "versions"
    (versions / "gone").symlink_to(versions / "3.12.1" / "envs" / "gone")
    ctx = context(pyenv_machine, PYENV_ROOT=str(pyenv_machine / "root"))
    [broken] = [c for c in listed(PyenvVirtualenvs(), ctx) if "gone" in c.path]
    assert broken.path == str(versions / "gone" / "bin" / "python")
    assert broken.problem is not None and "gone" in broken.problem


def test_pyenv_virtualenvs_for_project_from_python_version(pyenv_machine: Path) -> None:
    versions = pyenv_machine / "root" / "versions"
    ctx = context(pyenv_machine, PYENV_ROOT=str(pyenv_machine / "root"))
    project = pyenv_machine / "proj"
    project.mkdir()
    source = PyenvVirtualenvs()
    assert listed(source, ctx, str(project)) == []  # no .python-version
    (project / ".python-version").write_text("3.12.1\n")  # a version, not an env
    assert listed(source, ctx, str(project)) == []
    (project / ".python-version").write_text(
        "3.12.1/envs/other  # long name\nsysenv myenv\n3.12.1/envs/myenv\n3.12.1/envs/noalias\n"
    )
    found = listed(source, ctx, str(project))
    assert rel(found, versions) == [
        "other/bin/python3",  # the same path candidates() gives it
        "sysenv/bin/python3",
        "myenv/bin/python3",  # once, though named twice
        "3.12.1/envs/noalias/bin/python3",
    ]
    assert {c.project for c in found} == {str(project)}
    # Only the project's own file: pyenv's parent-dir lookup does not tie an env to it.
    child = project / "child"
    child.mkdir()
    assert listed(source, ctx, str(child)) == []


def test_pyenv_lists_versions_before_envs(pyenv_machine: Path) -> None:
    """The fixture's ordering bug: `legacy27` (digits in the name) came before 3.12.1."""
    versions = pyenv_machine / "root" / "versions"
    ctx = context(pyenv_machine, PYENV_ROOT=str(pyenv_machine / "root"))
    found = list(Pyenv().candidates(ctx))
    assert rel(found, versions) == [
        "3.12.1/bin/python3.12",
        "3.12/bin/python3.12",  # an alias: Pyenv lists it too (unchanged)
        "2.7.18/bin/python2.7",
        "legacy27/bin/python",
        "sysenv/bin/python3",
        "other/bin/python3",
        "myenv/bin/python3",
    ]


def test_pyenv_virtualenv_envs_inspect_as_managed_by_pyenv(pyenv_machine: Path) -> None:
    import whichpython

    versions = pyenv_machine / "root" / "versions"
    environ = dict(context(pyenv_machine, PYENV_ROOT=str(pyenv_machine / "root")).environ)
    environ["WHICHPYTHON_CACHE_DIR"] = str(pyenv_machine / "cache")
    for env in ("myenv", "3.12.1/envs/noalias", "sysenv"):
        found = whichpython.inspect_interpreter(versions / env / "bin" / "python3", environ=environ)
        assert (found.manager, found.project) == ("pyenv", None), env


# conda --------------------------------------------------------------------------------------


def conda_prefix(prefix: Path, cmd: str, *, pixi: bool = False) -> Path:
    """A conda prefix as conda-forge's python leaves it: conda-meta/history and the python
    record, bin/python3.12 with bin/python3 and bin/python links to it."""
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True)
    (meta / "history").write_text(
        f"==> 2026-12-02 09:00:00 <==\n# cmd: {cmd}\n# conda version: 24.11.0\n"
        "+conda-forge/linux-64::python-3.12.8-h9e4cc4f_1_cpython\n# update specs: ['python=3.12']\n"
    )
    (meta / "python-3.12.8-h9e4cc4f_1_cpython.json").write_text(
        '{"name": "python", "version": "3.12.8", "build": "h9e4cc4f_1_cpython"}'
    )
    if pixi:
        (meta / "pixi").write_text("")
    write_script(prefix / "bin" / "python3.12", "#!/bin/sh\n")
    for link in ("python3", "python"):
        (prefix / "bin" / link).symlink_to("python3.12")
    (prefix / "lib" / "python3.12").mkdir(parents=True)
    return prefix


@pytest.fixture
def conda_machine(tmp_path: Path) -> Path:
    """Every layout of conda.json under ``tmp_path``."""
    home = tmp_path / "home"
    forge = home / "miniforge3"
    conda_prefix(forge, "constructor ... (installer)")
    write_script(forge / "bin" / "conda", "#!/bin/sh\n")
    write_script(forge / "condabin" / "conda", "#!/bin/sh\n")
    (forge / "pkgs").mkdir()
    conda = f"{forge}/bin/conda"
    conda_prefix(forge / "envs" / "web", f"{conda} create -n web python=3.12")
    conda_prefix(tmp_path / "proj" / ".conda", f"{conda} create -p {tmp_path}/proj/.conda")
    conda_prefix(home / "conda-envs" / "analysis", f"{conda} create -n analysis python=3.12")
    (home / ".condarc").write_text("envs_dirs:\n  - ~/conda-envs\n")
    conda_prefix(tmp_path / "envspath" / "viaenvvar", f"{conda} create -n viaenvvar")
    mamba = home / ".local" / "share" / "mamba"
    conda_prefix(mamba / "envs" / "mm2", "micromamba create -n mm2 python=3.12")
    (mamba / "pkgs").mkdir()
    conda_prefix(tmp_path / "pixiproj" / ".pixi" / "envs" / "default", "pixi install", pixi=True)
    (tmp_path / "pixiproj" / "pixi.toml").write_text("")
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text(
        f"{forge}/envs/web\n{tmp_path}/proj/.conda\n{tmp_path}/gone/env\n"
    )
    return tmp_path


def conda_ctx(root: Path, **environ: str) -> Context:
    exe = str(root / "home" / "miniforge3" / "bin" / "conda")
    return context(root, CONDA_EXE=exe, CONDA_ENVS_PATH=str(root / "envspath"), **environ)


def test_conda_envs_from_every_recorded_place(conda_machine: Path) -> None:
    found = listed(CondaEnvs(), conda_ctx(conda_machine))
    assert rel(found, conda_machine) == [
        "envspath/viaenvvar/bin/python3.12",  # CONDA_ENVS_PATH
        "home/conda-envs/analysis/bin/python3.12",  # envs_dirs in ~/.condarc
        "home/miniforge3/envs/web/bin/python3.12",  # the root's envs/
        "home/.local/share/mamba/envs/mm2/bin/python3.12",  # micromamba 2's default root
        "proj/.conda/bin/python3.12",  # ~/.conda/environments.txt
        "gone/env/bin/python",  # ... a stale line
    ]
    assert {c.source for c in found} == {"conda"}
    assert [c.problem for c in found] == [None] * 5 + [
        "listed in ~/.conda/environments.txt, but gone"
    ]
    assert all(c.hints.version == "3.12.8" and c.hints.venv is False for c in found[:5])
    # Only the `conda create -p <project>/.conda` env knows its project; the base and the
    # pixi env are not conda envs here.
    assert [c.project for c in found] == [None] * 4 + [str(conda_machine / "proj"), None]


def test_conda_source_unchanged_by_conda_envs(conda_machine: Path) -> None:
    """The Conda source still sees only what it saw when conda.json was recorded."""
    found = list(Conda().candidates(conda_ctx(conda_machine)))
    assert rel(found, conda_machine) == [
        "home/miniforge3/bin/python3.12",
        "home/miniforge3/envs/web/bin/python3.12",
        "proj/.conda/bin/python3.12",
    ]


def test_conda_envs_for_project(conda_machine: Path) -> None:
    ctx = conda_ctx(conda_machine)
    [env] = listed(CondaEnvs(), ctx, str(conda_machine / "proj"))
    assert env.path == str(conda_machine / "proj" / ".conda" / "bin" / "python3.12")
    assert env.project == str(conda_machine / "proj")
    assert listed(CondaEnvs(), ctx, str(conda_machine / "pixiproj")) == []  # pixi's


def test_conda_envs_dirs_from_variables_and_rc_files_in_conda_order(tmp_path: Path) -> None:
    home = tmp_path / "home"
    places = {
        "CONDA_ENVS_DIRS": tmp_path / "a",
        "CONDARC": tmp_path / "b",
        "home_condarc": tmp_path / "c",
        "config_condarc": tmp_path / "d",
        "CONDA_ROOT": tmp_path / "e",
    }
    for name, folder in places.items():
        conda_prefix(folder / f"env-{name}", "conda create")
    (tmp_path / "rc").write_text(f"envs_dirs: ['{tmp_path}/b']\n")
    (home / ".config" / "conda").mkdir(parents=True)
    (home / ".config" / "conda" / ".condarc").write_text(
        "channels:\n  - conda-forge\nenvs_dirs: #!final\n# a comment\n- $TEST_BASE/d  # here\n"
        "auto_activate_base: false\n  - /not/in/the/list\n"
    )
    (home / ".condarc").write_text('envs_path:\n  - "~/../c"\n')
    root = tmp_path / "croot"
    root.mkdir()
    (root / ".condarc").write_text(f"envs_dirs:\n    - {tmp_path}/e\n")
    ctx = context(
        tmp_path,
        CONDA_ENVS_DIRS=os.pathsep.join(["", str(tmp_path / "a"), "relative"]),
        CONDARC=str(tmp_path / "rc"),
        CONDA_ROOT=str(root),
        TEST_BASE=str(tmp_path),
    )
    found = listed(CondaEnvs(), ctx)
    assert [os.path.basename(os.path.dirname(os.path.dirname(c.path))) for c in found] == [
        "env-CONDA_ENVS_DIRS",
        "env-CONDARC",
        "env-home_condarc",
        "env-config_condarc",
        "env-CONDA_ROOT",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_conda_envs_hostile_rc_and_listing_are_skipped(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".conda").mkdir(parents=True)
    os.mkfifo(home / ".condarc")  # reading it would block
    os.mkfifo(home / ".conda" / "environments.txt")
    ctx = context(tmp_path)
    assert listed(CondaEnvs(), ctx) == []
    assert {path for path, _ in ctx.skipped} == {
        str(home / ".condarc"),
        str(home / ".conda" / "environments.txt"),
    }


def test_conda_envs_mamba_root_prefix_and_broken_python(tmp_path: Path) -> None:
    root = tmp_path / "mroot"
    env = conda_prefix(root / "envs" / "x", "micromamba create -n x")
    (env / "bin" / "python3.12").unlink()  # python3 and python now dangle: still listed
    conda_prefix(root / "envs" / "pix", "pixi install", pixi=True)
    (root / "envs" / "notconda").mkdir()
    found = listed(CondaEnvs(), context(tmp_path, MAMBA_ROOT_PREFIX=str(root)))
    assert rel(found, root) == ["envs/x/bin/python3"]
