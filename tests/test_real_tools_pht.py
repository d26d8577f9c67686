"""The tools' selection rules (issue 24): pdm, hatch and tox each create envs for a project in an
isolated HOME (as in test_real_tools.py), then the tool says which interpreter or env it would
use (``pdm info --python``, ``hatch env find``, ``tox config -k env_dir``). That answer is the
oracle: ``whichpython find`` run in the project must pick the same environment, and
``whichpython envs --project`` must list it first. A test skips when its tool is not
installed."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import CLI, machine_cli_env, machine_environ, pyenv_python
from test_real_tools import PYPROJECT, UV_OFFLINE, base, home, project, run, tool

PDM = {"PDM_CHECK_UPDATE": "false"}
PDM_SETTINGS = "\n[tool.pdm]\ndistribution = false\n"


def whichpython(root: Path, cwd: Path, *argv: str, **variables: str) -> Any:
    """``whichpython ARGV --json`` run in ``cwd`` on the machine under ``root`` (its HOME
    the tools' HOME), with ``variables`` set; the parsed JSON."""
    environ = machine_cli_env(root, dict(machine_environ(root), **variables))
    done = subprocess.run(
        [sys.executable, "-c", CLI, *argv, "--json"], env=environ, cwd=cwd,
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def prefix_of(python: str) -> str:
    """The ``sys.prefix`` of an interpreter the tool named (its env, or its install)."""
    done = subprocess.run(
        [python, "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True,
        check=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    return os.path.realpath(done.stdout.strip())


def agree(root: Path, demo: Path, prefix: str, cwd: Path, **variables: str) -> dict[str, Any]:
    """``envs --project DEMO`` lists the env at ``prefix`` (the tool's answer) first and
    ``find`` in ``cwd`` picks it; that entry."""
    listed = whichpython(root, root, "envs", "--project", str(demo), **variables)
    first: dict[str, Any] = listed["environments"][0]
    assert os.path.realpath(first["prefix"]) == os.path.realpath(prefix), listed
    found = whichpython(root, cwd, "find", **variables)
    assert os.path.realpath(found["prefixes"]["prefix"]) == os.path.realpath(prefix), found["path"]
    return first


def pdm_python(root: Path, demo: Path, **variables: str) -> str:
    """pdm's answer: the ``sys.prefix`` of ``pdm info --python``'s interpreter."""
    answer = run([tool("pdm"), "info", "--python"], root, demo, **PDM, **variables).strip()
    return prefix_of(answer)


def pdm_venv(root: Path, demo: Path, python: str, *argv: str, **variables: str) -> None:
    run([tool("pdm"), "venv", "create", *argv, python], root, demo, **PDM, **variables)


def test_pdm_python_plain_interpreter(tmp_path: Path) -> None:
    """``PDM_PYTHON`` naming an install, not a venv: pdm runs it, not the project's .venv."""
    demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + PDM_SETTINGS})
    pdm_venv(tmp_path, demo, base(), PDM_VENV_IN_PROJECT="true")
    plain = {"PDM_PYTHON": str(pyenv_python("3.11.7"))}
    answer = pdm_python(tmp_path, demo, **plain)
    assert answer == os.path.realpath(pyenv_python("3.11.7").parent.parent)
    first = agree(tmp_path, demo, answer, demo, **plain)
    assert first["source"] == "pdm" and first["project"] == str(demo)


def test_pdm_use_venv_off(tmp_path: Path) -> None:
    """``python.use_venv = false`` in the project's pdm.toml: ``.pdm-python``'s interpreter
    (an install), never the ``.venv`` next to it."""
    demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + PDM_SETTINGS})
    pdm_venv(tmp_path, demo, base(), PDM_VENV_IN_PROJECT="true")
    (demo / "pdm.toml").write_text("[python]\nuse_venv = false\n")
    run([tool("pdm"), "use", "-f", pyenv_python("3.11.7")], tmp_path, demo, **PDM)
    assert (demo / ".pdm-python").is_file()
    answer = pdm_python(tmp_path, demo)
    assert answer == os.path.realpath(pyenv_python("3.11.7").parent.parent)
    agree(tmp_path, demo, answer, demo)
    envs = whichpython(tmp_path, tmp_path, "envs", "--project", str(demo))["environments"]
    dotvenv = [env for env in envs if env["prefix"] == str(demo / ".venv")]
    assert all(env["source"] != "pdm" for env in dotvenv), dotvenv


def test_pdm_requires_python(tmp_path: Path) -> None:
    """A ``.venv`` of 3.11 in a project that requires 3.12: pdm passes over it and takes its
    central venv (whichpython asked first: pdm then saves its choice in .pdm-python)."""
    demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + PDM_SETTINGS})
    pdm_venv(tmp_path, demo, str(pyenv_python("3.11.7")), PDM_VENV_IN_PROJECT="true")
    pyproject = demo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(">=3.9", ">=3.12"))
    pdm_venv(tmp_path, demo, base(), "--name", "py312", PDM_VENV_IN_PROJECT="false")
    found = whichpython(tmp_path, demo, "find")["prefixes"]["prefix"]
    listed = whichpython(tmp_path, tmp_path, "envs", "--project", str(demo))["environments"]
    assert not (demo / ".pdm-python").exists()
    answer = pdm_python(tmp_path, demo)
    assert answer != os.path.realpath(demo / ".venv")
    assert os.path.realpath(found) == answer
    assert os.path.realpath(listed[0]["prefix"]) == answer
    assert listed[0]["manager"] == "pdm"


def test_pdm_uv_backend(tmp_path: Path) -> None:
    """A ``.venv`` pdm made with its uv backend (uv writes ``uv = ...`` in pyvenv.cfg, pdm
    passes its prompt ``<dir>-<X.Y>``; no uv.lock) is pdm's: manager and source pdm."""
    tool("uv")
    demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + PDM_SETTINGS})
    backend = {"PDM_VENV_BACKEND": "uv", "PDM_VENV_IN_PROJECT": "true", **UV_OFFLINE}
    pdm_venv(tmp_path, demo, base(), **backend)
    assert "uv = " in (demo / ".venv" / "pyvenv.cfg").read_text()
    answer = pdm_python(tmp_path, demo, **backend)
    assert answer == os.path.realpath(demo / ".venv")
    first = agree(tmp_path, demo, answer, demo)
    assert (first["manager"], first["source"]) == ("pdm", "pdm"), first
    found = whichpython(tmp_path, demo, "find")
    assert (found["manager"], found["source"]) == ("pdm", "pdm")


@pytest.mark.parametrize("where", ["default", "path"])
def test_uv_venv_stays_uvs(tmp_path: Path, where: str) -> None:
    """What tells pdm's uv-made venv apart keeps uv's own: ``uv venv`` (prompt: the dir's
    name) in a project without a uv.lock is uv's, as ``uv python find`` picks it."""
    uv, demo = tool("uv"), project(tmp_path, **{"pyproject.toml": PYPROJECT})
    variables = dict(UV_OFFLINE, UV_CACHE_DIR=str(tmp_path / "uv-cache"))
    argv = [uv, "venv", "-p", base(), *([".venv"] if where == "path" else [])]
    run(argv, tmp_path, demo, **variables)
    python = run([uv, "python", "find"], tmp_path, demo, **variables).strip()
    answer = prefix_of(python)
    assert answer == os.path.realpath(demo / ".venv") and not (demo / "uv.lock").exists()
    first = agree(tmp_path, demo, answer, demo)
    assert (first["manager"], first["source"]) == ("uv", "uv"), first


def unsorted_pair(scratch: Path, prefix: str) -> tuple[str, str]:
    """Two venv names (``PREFIX<name>``) that this file system lists out of sorted order, found
    by making empty dirs of those names in ``scratch`` (same file system, same order)."""
    for n in range(50):
        first, second = f"a{n}", f"b{n}"
        folder = scratch / str(n)
        folder.mkdir(parents=True)
        (folder / f"{prefix}{first}").mkdir()
        (folder / f"{prefix}{second}").mkdir()
        if os.listdir(folder) == [f"{prefix}{second}", f"{prefix}{first}"]:
            return first, second
    pytest.skip("this file system lists every pair of names sorted")


def test_pdm_central_order(tmp_path: Path) -> None:
    """Two central venvs of the project: pdm takes the first its (unsorted) glob lists."""
    from whichpython.sources.pdm import hash_path

    demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + PDM_SETTINGS})
    venvs = home(tmp_path, ".local", "share", "pdm", "venvs")
    venvs.mkdir(parents=True)
    prefix = f"demo-{hash_path(str(demo))}-"
    first, second = unsorted_pair(tmp_path / "scratch", prefix)
    for name in (first, second):
        pdm_venv(tmp_path, demo, base(), "--name", name, PDM_VENV_IN_PROJECT="false")
    assert os.listdir(venvs) == [prefix + second, prefix + first]
    found = whichpython(tmp_path, demo, "find")["prefixes"]["prefix"]
    listed = whichpython(tmp_path, tmp_path, "envs", "--project", str(demo))["environments"]
    answer = pdm_python(tmp_path, demo)
    assert answer == os.path.realpath(venvs / (prefix + second))
    assert os.path.realpath(found) == answer
    assert [os.path.realpath(env["prefix"]) for env in listed[:2]] == [
        answer, os.path.realpath(venvs / (prefix + first))
    ]  # fmt: skip


def hatch_project(root: Path, envs: str) -> Path:
    """A hatch project whose default env is made from pyenv's 3.12.1, with ``envs`` (more
    ``[tool.hatch.envs.*]`` tables) added."""
    default = f'\n[tool.hatch.envs.default]\nskip-install = true\npython = "{base()}"\n'
    return project(root, **{"pyproject.toml": PYPROJECT + default + envs})


def hatch_find(root: Path, demo: Path, **variables: str) -> str:
    """hatch's answer: ``hatch env find``, the env ``hatch run`` would use."""
    return os.path.realpath(run([tool("hatch"), "env", "find"], root, demo, **variables).strip())


def test_hatch_default_env_first(tmp_path: Path) -> None:
    """A non-default env placed by ``path`` does not outrank the default env."""
    other = str(pyenv_python("3.11.7"))
    lint = f'\n[tool.hatch.envs.lint]\nskip-install = true\npath = ".lint"\npython = "{other}"\n'
    demo = hatch_project(tmp_path, lint)
    run([tool("hatch"), "env", "create"], tmp_path, demo)
    run([tool("hatch"), "env", "create", "lint"], tmp_path, demo)
    answer = hatch_find(tmp_path, demo)
    assert answer != os.path.realpath(demo / ".lint") and (demo / ".lint" / "pyvenv.cfg").is_file()
    first = agree(tmp_path, demo, answer, demo)
    assert first["manager"] == "hatch" and first["project"] == str(demo)


@pytest.mark.parametrize("placed", [False, True], ids=["env-dir", "path"])
def test_hatch_env_variable(tmp_path: Path, placed: bool) -> None:
    """``HATCH_ENV`` names the env ``hatch run`` (and ``hatch shell``) use: in the env dir,
    or placed by ``path`` as the default env is."""
    other = str(pyenv_python("3.11.7"))
    where = 'path = ".lint"\n' if placed else ""
    lint = f'\n[tool.hatch.envs.lint]\nskip-install = true\n{where}python = "{other}"\n'
    demo = hatch_project(tmp_path, lint)
    if placed:  # both placed by `path`: the default one no longer comes first
        pyproject = demo / "pyproject.toml"
        text = pyproject.read_text().replace(
            "[tool.hatch.envs.default]\n", '[tool.hatch.envs.default]\npath = ".default"\n'
        )
        pyproject.write_text(text)
    run([tool("hatch"), "env", "create"], tmp_path, demo)
    run([tool("hatch"), "env", "create", "lint"], tmp_path, demo)
    # `hatch env find` takes the env as its argument; `hatch run` reads HATCH_ENV
    argv = [tool("hatch"), "run", "python", "-c", "import sys; print(sys.prefix)"]
    answer = os.path.realpath(run(argv, tmp_path, demo, HATCH_ENV="lint").strip().splitlines()[-1])
    assert answer == os.path.realpath(
        run([tool("hatch"), "env", "find", "lint"], tmp_path, demo).strip()
    )
    assert answer != hatch_find(tmp_path, demo)
    first = agree(tmp_path, demo, answer, demo, HATCH_ENV="lint")
    assert first["manager"] == "hatch" and first["version"] == "3.11.7"


def tox_agree(root: Path, demo: Path, prefix: str, cwd: Path, **variables: str) -> dict[str, Any]:
    """``envs --project DEMO`` and ``envs`` run in ``cwd`` list the env at ``prefix`` (tox's
    answer) first; that entry. (``find`` never picks tox's test envs: docs/discovery.md.)"""
    for argv in (("--project", str(demo)), ()):
        listed = whichpython(root, root if argv else cwd, "envs", *argv, **variables)
        first: dict[str, Any] = listed["environments"][0]
        assert os.path.realpath(first["prefix"]) == os.path.realpath(prefix), listed
        assert first["manager"] == "tox" and first["source"] == "tox"
    return first


def tox_env_dir(root: Path, cwd: Path, env: str, *argv: str, **variables: str) -> str:
    """tox's answer: ``tox config -e ENV -k env_dir`` run in ``cwd``."""
    out = run([tool("tox"), *argv, "config", "-e", env, "-k", "env_dir"], root, cwd, **variables)
    return next(line for line in out.splitlines() if line.startswith("env_dir = "))[10:]


def tox_create(root: Path, cwd: Path, env: str, *argv: str, **variables: str) -> None:
    run([tool("tox"), *argv, "run", "-e", env, "--notest"], root, cwd, **variables)


TOX_ENV = "[testenv]\npackage = skip\nbase_python = {python}\n"


def test_tox_ini_first(tmp_path: Path) -> None:
    """tox.ini (even without a ``[tox]`` section) wins over pyproject.toml's ``[tool.tox]``,
    whose work dir holds an env tox made when told to use that file."""
    other = pyenv_python("3.11.7")
    toml = '\n[tool.tox]\nwork_dir = ".tox-toml"\nenv_list = ["other"]\n'
    toml += f'[tool.tox.env_run_base]\npackage = "skip"\nbase_python = ["{other}"]\n'
    demo = project(
        tmp_path,
        **{"tox.ini": TOX_ENV.format(python=base()), "pyproject.toml": PYPROJECT + toml},
    )
    tox_create(tmp_path, demo, "other", "-c", "pyproject.toml")
    assert (demo / ".tox-toml" / "other" / ".tox-info.json").is_file()
    tox_create(tmp_path, demo, "py312")
    answer = tox_env_dir(tmp_path, demo, "py312")
    assert answer == str(demo / ".tox" / "py312")
    first = tox_agree(tmp_path, demo, answer, demo)
    assert first["manager"] == "tox" and first["project"] == str(demo)


def test_tox_env_substitution(tmp_path: Path) -> None:
    """``work_dir = {env:VAR:default}``: the variable's value when set."""
    ini = "[tox]\nwork_dir = {env:WP_TOX_WORK:{toxinidir}/.tox}\n\n" + TOX_ENV.format(python=base())
    demo = project(tmp_path, **{"tox.ini": ini})
    work = {"WP_TOX_WORK": str(tmp_path / "elsewhere")}
    tox_create(tmp_path, demo, "py312", **work)
    answer = tox_env_dir(tmp_path, demo, "py312", **work)
    assert answer == str(tmp_path / "elsewhere" / "py312")
    tox_agree(tmp_path, demo, answer, demo, **work)


def test_tox_env_dir(tmp_path: Path) -> None:
    """An env's own ``env_dir`` (outside the work dir) is followed."""
    own = "\n[testenv:lint]\nenv_dir = {toxinidir}/venvs/{envname}\n"
    demo = project(tmp_path, **{"tox.ini": TOX_ENV.format(python=base()) + own})
    tox_create(tmp_path, demo, "lint")
    answer = tox_env_dir(tmp_path, demo, "lint")
    assert answer == str(demo / "venvs" / "lint")
    tox_agree(tmp_path, demo, answer, demo)


@pytest.mark.parametrize("own", [False, True], ids=["bare", "own-pyproject"])
def test_tox_from_subdirectory(tmp_path: Path, own: bool) -> None:
    """From a subdirectory (bare, or with a pyproject.toml of no tox config), tox walks up to
    its tox.ini: ``envs`` there (tox.ini is a project file) and ``envs --project`` of the
    subdirectory list the project's tox env, with the tox.ini's dir as its project."""
    demo = project(tmp_path, **{"tox.ini": TOX_ENV.format(python=base())})
    sub = demo / "docs"
    sub.mkdir()
    if own:
        (sub / "pyproject.toml").write_text(PYPROJECT)
    tox_create(tmp_path, demo, "py312")
    answer = tox_env_dir(tmp_path, sub, "py312")
    assert answer == str(demo / ".tox" / "py312")
    first = tox_agree(tmp_path, sub, answer, sub)
    assert first["project"] == str(demo)
    listed = whichpython(tmp_path, sub, "envs")
    assert listed["project"] == str(sub if own else demo)


@pytest.mark.parametrize("name", ["pdm", "hatch"])
def test_project_through_a_link(tmp_path: Path, name: str) -> None:
    """pdm and hatch hash the project's real path: their env for a project reached through a
    link (the tool run in the link, ``envs --project LINK``, ``find`` in the link) is the real
    project's, and ``envs`` reports the project as its real path."""
    if name == "pdm":
        demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + PDM_SETTINGS})
        pdm_venv(tmp_path, demo, base(), PDM_VENV_IN_PROJECT="false")
    else:
        demo = hatch_project(tmp_path, "")
        run([tool("hatch"), "env", "create"], tmp_path, demo)
    link = tmp_path / "link"
    link.symlink_to(demo)
    if name == "pdm":
        answer, real = pdm_python(tmp_path, link), pdm_python(tmp_path, demo)
    else:
        answer, real = hatch_find(tmp_path, link), hatch_find(tmp_path, demo)
    assert answer == real and not answer.startswith(str(demo))  # a central env, by the hash
    first = agree(tmp_path, link, answer, link)
    assert first["manager"] == name
    listed = whichpython(tmp_path, tmp_path, "envs", "--project", str(link))
    assert listed["project"] == str(demo)
