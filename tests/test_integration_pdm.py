"""The findpython provider and the PDM plugin, driven through the real clients (issue 12)."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    PYENV_ROOT,
    ROOT_SYSTEM,
    fake_python,
    isolate_machine,
    machine_cli_env,
    machine_environ,
    make_venv,
    pyenv_python,
    real_interpreters,
    require,
    run_cli,
)

findpython = pytest.importorskip("findpython")
pytest.importorskip("pdm.core")

from findpython.python import PythonVersion, _run_script  # noqa: E402

from whichpython import find_interpreter, find_interpreters, inspect_interpreter  # noqa: E402
from whichpython.integrations.findpython import (  # noqa: E402
    WhichPythonProvider,
    python_version,
    register,
)

#: ``pdm ARGS`` as the console script runs it, after ``ROOT_SYSTEM`` (the fake machine's
#: system locations), so that PDM's whichpython sees only the machine under test.
PDM = ROOT_SYSTEM + "import sys\nfrom pdm.core import main\nsys.argv[0] = 'pdm'\nsys.exit(main())\n"
#: findpython's own providers, as PDM names them (``venv`` is PDM's): PDM's choice without us.
FINDPYTHON_OWN = "venv,path,asdf,pyenv,rye,uv"


@pytest.mark.parametrize("path", real_interpreters())
def test_facts_are_what_findpython_finds_itself(path: str) -> None:
    """Version, architecture, implementation, sys.executable and free-threading, preset from
    whichpython, equal what findpython's own probe of the same interpreter says."""
    require(path)
    ours = python_version(inspect_interpreter(path))
    _run_script.cache_clear()
    theirs = PythonVersion(Path(path))
    try:
        theirs.version  # noqa: B018
    except subprocess.CalledProcessError:
        pytest.skip(f"findpython cannot run {path} itself (no -I before Python 3.4)")
    assert ours.executable == theirs.executable
    assert ours.version == theirs.version
    assert ours.architecture == theirs.architecture == "64bit"
    assert ours.implementation == theirs.implementation
    assert ours.interpreter == theirs.interpreter
    assert ours.freethreaded == theirs.freethreaded


@pytest.fixture
def spawns(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The argv of every subprocess started from now on, in this process."""
    started: list[Any] = []
    real = subprocess.Popen

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            started.append(args)
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Counting)
    return started


def test_findpython_runs_nothing_and_keeps_whichpythons_choice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spawns: list[Any]
) -> None:
    """Pythons that answer only whichpython's probe (findpython's own run of them fails): a
    plain 3.12.4 in pyenv, a debug 3.12.9 in pyenv, a plain 3.12.7 on PATH. Through the
    provider, findpython starts no process, and its best 3.12 is whichpython's (the plain
    pyenv one), not its own choice (the highest version)."""
    isolate_machine(monkeypatch, tmp_path)
    versions = tmp_path / "home" / ".pyenv" / "versions"
    plain = fake_python(versions / "3.12.4" / "bin" / "python3.12", "3.12.4")
    fake_python(versions / "3.12.9" / "bin" / "python3.12", "3.12.9", debug=True)
    fake_python(tmp_path / "usr" / "bin" / "python3.12", "3.12.7")
    environ = dict(machine_environ(tmp_path), PATH=str(tmp_path / "usr" / "bin"))
    expected = find_interpreter("3.12", environ=environ, cwd=str(tmp_path))
    assert expected.path == str(plain)  # whichpython's answer
    assert len(list(find_interpreters(environ=environ, cwd=str(tmp_path)))) == 3  # now cached

    finder = findpython.Finder(resolve_symlinks=True, selected_providers=[])
    finder.add_provider(WhichPythonProvider(environ=environ, cwd=str(tmp_path)))
    _run_script.cache_clear()
    del spawns[:]
    found = finder.find_all("3.12", allow_prereleases=True)
    best = finder.find("3.12")
    shown = [(p.display(), repr(p), p.interpreter, p.architecture) for p in found]
    assert spawns == []
    assert best is not None and best.executable == Path(expected.path)
    assert [p.version.base_version for p in found] == ["3.12.4", "3.12.7", "3.12.9"]
    assert [(p.implementation, p.freethreaded) for p in found] == [("cpython", False)] * 3
    assert len(shown) == 3
    # what findpython would have made of them by itself
    assert not PythonVersion(plain).is_valid()
    assert spawns


def test_register_makes_the_name_selectable() -> None:
    from findpython.providers import ALL_PROVIDERS

    try:
        assert register() is WhichPythonProvider
        providers = findpython.Finder(selected_providers=["whichpython"])._providers
        assert [type(p) for p in providers] == [WhichPythonProvider]
    finally:
        ALL_PROVIDERS.pop("whichpython", None)  # findpython's registry is process-wide


def _pdm_machine(root: Path) -> tuple[dict[str, str], Path]:
    """A machine on which PDM's own providers and whichpython disagree about 3.12: pyenv's
    3.12.1 (``~/.pyenv/versions/3.12.1``, whichpython's answer), the same install reached
    through a long PATH entry (what findpython prefers: the longest path of the highest
    version), and a venv of it on PATH with a longer path still (findpython's sort would
    put it first among whichpython's)."""
    real = pyenv_python("3.12.1").parent.parent
    versions = root / "home" / ".pyenv" / "versions"
    versions.mkdir(parents=True)
    (versions / "3.12.1").symlink_to(real)
    (root / "opt").mkdir()
    linked = root / "opt" / ("o" * 100)
    linked.symlink_to(real)
    venv = make_venv(str(PYENV_ROOT / "versions" / "3.12.1" / "bin" / "python3.12"),
                     root / "envs" / ("v" * 140))  # fmt: skip
    project = root / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\nrequires-python = ">=3.9"\n'
    )
    environ = dict(
        machine_environ(root),
        PATH=os.pathsep.join([str(linked / "bin"), str(venv.parent)]),
        PDM_CONFIG_FILE=str(root / "pdm-config.toml"),
        PDM_CHECK_UPDATE="false",
        PDM_USE_VENV="false",  # `pdm use` records the interpreter, makes no venv
        XDG_CONFIG_HOME=str(root / "home" / ".config"),
        XDG_CACHE_HOME=str(root / "home" / ".cache"),
        XDG_DATA_HOME=str(root / "home" / ".local" / "share"),
    )
    return machine_cli_env(root, environ), project


def _pdm(env: dict[str, str], project: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PDM, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_pdm_picks_whichpythons_answer(tmp_path: Path) -> None:
    env, project = _pdm_machine(tmp_path)
    answer = run_cli("find", "3.12", env=env, cwd=project)
    assert answer.returncode == 0, answer.stderr
    expected = answer.stdout.strip()
    assert expected == str(tmp_path / "home/.pyenv/versions/3.12.1/bin/python3.12")

    (tmp_path / "pdm-config.toml").write_text(f'[python]\nproviders = "{FINDPYTHON_OWN}"\n')
    assert _pdm(env, project, "python", "find", "3.12").strip() != expected  # the test's teeth

    (tmp_path / "pdm-config.toml").unlink()
    _pdm(env, project, "config", "python.providers", "whichpython")  # the recipe's command
    assert "['whichpython']" in _pdm(env, project, "config", "python.providers")
    assert _pdm(env, project, "python", "find", "3.12").strip() == expected

    _pdm(env, project, "use", "--first", "3.12")
    assert (project / ".pdm-python").read_text().strip() == expected


def test_findpython_keeps_whichpythons_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each interpreter is the path whichpython gave, a venv's python (a symlink) included,
    though PDM asks findpython to resolve symlinks; in whichpython's order."""
    env, project = _pdm_machine(tmp_path)
    isolate_machine(monkeypatch, tmp_path)
    env.pop("WHICHPYTHON_TEST_ROOT")
    ours = [i.path for i in find_interpreters(environ=env, cwd=str(project))]
    assert len(ours) == 2 and os.path.islink(ours[1])  # pyenv's 3.12.1, then the venv
    finder = findpython.Finder(resolve_symlinks=True, selected_providers=[])
    finder.add_provider(WhichPythonProvider(environ=env, cwd=str(project)))
    assert [str(p.executable) for p in finder.find_all()] == ours


def test_the_recipes_sample_is_what_pdm_prints(tmp_path: Path) -> None:
    """docs/recipes/pdm.md shows ``pdm python find 3.12`` and ``pdm use 3.12`` as the PDM
    installed prints them, with its defaults (``python.use_venv`` on: ``use`` makes the
    project's ``.venv`` from whichpython's pick)."""
    env, project = _pdm_machine(tmp_path)
    env.pop("PDM_USE_VENV")
    recipe = (Path(__file__).resolve().parent.parent / "docs/recipes/pdm.md").read_text()
    block = recipe.split("```console\n$ pdm config python.providers whichpython")[1]
    sample: dict[str, list[str]] = {}
    for line in block.split("```")[0].splitlines()[1:]:
        if line.startswith("$ "):
            command = line[2:].split("  #")[0].strip()
            sample[command] = []
        else:
            home = str(tmp_path / "home")
            sample[command].append(line.replace("/tmp/demo", str(project)).replace("/root", home))
    _pdm(env, project, "config", "python.providers", "whichpython")
    for command, expected in sample.items():
        done = subprocess.run(
            [sys.executable, "-c", PDM, *command.split()[1:]],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=project,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout
        assert sorted(done.stdout.splitlines()) == sorted(expected), command
    assert (project / ".venv" / "pyvenv.cfg").is_file()
