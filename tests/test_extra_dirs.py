"""Extra install directories: ``WHICHPYTHON_EXTRA_DIRS`` and ``extra_dirs=``, searched like
PATH dirs one level deep (``/opt/python3.12/bin``, ``/opt/rh/rh-python38/root/usr/bin``)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CLI, fake_python, isolate_machine, machine_cli_env, machine_environ
from whichpython import find_interpreters
from whichpython.engine.discovery import Discovery


@pytest.fixture
def opt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine with Pythons only under ``opt/``: a prefix install, a software collection,
    one directly in ``opt/bin``, and one two levels down (out of reach)."""
    isolate_machine(monkeypatch, tmp_path)
    (tmp_path / "home").mkdir()
    opt = tmp_path / "opt"
    fake_python(opt / "python3.12" / "bin" / "python3.12", "3.12.4")
    fake_python(opt / "python3.9" / "bin" / "python3.9", "3.9.18")
    fake_python(opt / "rh" / "rh-python38" / "root" / "usr" / "bin" / "python3.8", "3.8.13")
    fake_python(opt / "bin" / "python3.11", "3.11.9")
    fake_python(opt / "deep" / "er" / "bin" / "python3.10", "3.10.14")
    return opt


def found(opt: Path, environ: dict[str, str], **kwargs: object) -> list[tuple[str, str]]:
    search = Discovery(environ=environ, cwd=str(opt.parent / "home"), **kwargs)  # type: ignore[arg-type]
    return [(os.path.relpath(i.path, opt), i.source or "") for i in search.find_all().interpreters]


def test_variable_and_argument_search_one_level_deep(opt: Path) -> None:
    environ = machine_environ(opt.parent)
    assert found(opt, environ) == []  # nothing on PATH, no extra dirs: nothing
    expected = [
        ("bin/python3.11", "extra-dirs"),
        ("python3.12/bin/python3.12", "extra-dirs"),
        ("python3.9/bin/python3.9", "extra-dirs"),
        ("rh/rh-python38/root/usr/bin/python3.8", "extra-dirs"),
    ]
    both = os.pathsep.join([str(opt), str(opt / "rh"), "relative/ignored"])
    assert found(opt, dict(environ, WHICHPYTHON_EXTRA_DIRS=both)) == expected
    assert found(opt, environ, extra_dirs=[str(opt), str(opt / "rh")]) == expected
    # the argument's dirs come first; a dir named twice is searched once
    assert found(
        opt, dict(environ, WHICHPYTHON_EXTRA_DIRS=str(opt)), extra_dirs=[str(opt / "rh"), str(opt)]
    ) == [expected[3], *expected[:3]]


def test_extra_dirs_count_as_system_and_come_after_path(opt: Path) -> None:
    path_dir = opt.parent / "usr" / "bin"
    fake_python(path_dir / "python3.12", "3.12.1")
    environ = dict(machine_environ(opt.parent), PATH=str(path_dir), WHICHPYTHON_EXTRA_DIRS=str(opt))
    home = str(opt.parent / "home")
    assert Discovery(environ=environ, cwd=home).find("3.12").interpreters[0].path == str(
        path_dir / "python3.12"
    )
    listed = [i.path for i in find_interpreters("3.12", environ=environ, cwd=home)]
    assert listed == [str(path_dir / "python3.12"), str(opt / "python3.12/bin/python3.12")]
    only = Discovery(environ=environ, cwd=home, prefer="only-system").find("3.9")
    assert only.interpreters[0].path == str(opt / "python3.9/bin/python3.9")


def test_cli_sees_a_new_install_in_an_extra_dir(opt: Path) -> None:
    env = machine_cli_env(
        opt.parent, dict(machine_environ(opt.parent), WHICHPYTHON_EXTRA_DIRS=str(opt))
    )

    def find(request: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", CLI, "find", request],
            env=env, cwd=opt.parent / "home", capture_output=True, text=True,
        )  # fmt: skip

    for _ in range(2):  # the second one is a recorded answer
        assert find("3.13").returncode == 1
        assert find("3.12").stdout.strip() == str(opt / "python3.12/bin/python3.12")
    fake_python(opt / "python3.13" / "bin" / "python3.13", "3.13.1")
    assert find("3.13").stdout.strip() == str(opt / "python3.13/bin/python3.13")
