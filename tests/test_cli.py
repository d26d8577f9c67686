"""The command line: readable summary, JSON, name lookup, `python -m whichpython`."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import (
    CLI,
    ROOT_SYSTEM,
    SOURCE_VARIABLES,
    machine_cli_env,
    pyenv_python,
    require,
    run_cli,
)


def test_readable_summary_of_debian_python() -> None:
    result = run_cli("inspect", require("/usr/bin/python3.11"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "/usr/bin/python3.11"
    text = "\n".join(lines)
    assert "CPython 3.11.2" in text or "CPython 3.11." in text
    assert "system (manager: debian)" in text
    assert "/usr/local/lib/python3.11/dist-packages\n" in text + "\n"
    assert "externally managed  yes" in text


def test_name_is_looked_up_on_path(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mypython").symlink_to(pyenv_python("3.12.1"))
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_cli("inspect", "--json", "mypython", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["path"] == str(bin_dir / "mypython")
    assert data["version"] == "3.12.1"


def test_unknown_name_is_not_found() -> None:
    result = run_cli("inspect", "no-such-python-anywhere")
    assert result.returncode == 1
    assert result.stderr == (
        "whichpython: error: no-such-python-anywhere: no such command on PATH\n"
    )


def test_python_dash_m_and_console_script_agree() -> None:
    python = str(pyenv_python("3.12.1"))
    via_module = run_cli("inspect", "--json", python)
    script = Path(sys.executable).with_name("whichpython")
    via_script = subprocess.run(
        [str(script), "inspect", "--json", python], capture_output=True, text=True
    )
    assert via_module.returncode == via_script.returncode == 0
    assert json.loads(via_module.stdout) == json.loads(via_script.stdout)


def test_usage_errors_exit_2() -> None:
    assert run_cli().returncode == 2
    assert run_cli("inspect").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def isolated_env(tmp_path: Path, *pythons: str) -> dict[str, str]:
    """A CLI environment that sees only ``pythons`` (linked into one PATH dir)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for version in pythons:
        (bin_dir / f"python{version[:4]}").symlink_to(pyenv_python(version))
    env = {key: value for key, value in os.environ.items() if not key.startswith(SOURCE_VARIABLES)}
    empty = tmp_path / "empty"
    empty.mkdir(exist_ok=True)
    env.update(PATH=str(bin_dir), HOME=str(tmp_path / "home"), PYENV_ROOT=str(empty),
               NIX_STORE_DIR=str(empty), XDG_DATA_HOME=str(empty),
               WHICHPYTHON_CACHE_DIR=str(tmp_path / "cache"))  # fmt: skip
    return machine_cli_env(tmp_path, env)  # its /nix/store, /opt/conda, ... under tmp_path


def test_find_in_a_deleted_directory(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, "3.12.1")
    gone = tmp_path / "project" / "gone"
    gone.mkdir(parents=True)
    (tmp_path / "project" / ".python-version").write_text("3.12\n")
    script = ROOT_SYSTEM + (
        "import os, runpy; os.rmdir(os.getcwd()); "
        "runpy.run_module('whichpython', run_name='__main__')"
    )
    for args in (["find", "3.12"], ["find"], ["list"], ["find", "./x"]):
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            cwd=gone, env=dict(env, PWD=str(gone)), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        gone.mkdir()
        assert "Traceback" not in done.stderr, done.stderr
        if args == ["find", "./x"]:
            assert done.returncode == 2
            assert "the current directory no longer exists" in done.stderr
        else:
            assert done.returncode == 0, done.stderr
            assert str(tmp_path / "bin" / "python3.12") in done.stdout


def test_a_bare_name_runs_what_path_runs_not_a_file_in_the_cwd(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, "3.12.1")
    here = tmp_path / "here"
    here.mkdir()
    (here / "python3.12").symlink_to(pyenv_python("3.11.7"))
    done = subprocess.run(
        [sys.executable, "-m", "whichpython", "inspect", "--json", "python3.12"],
        cwd=here, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["path"], data["version"]) == (str(tmp_path / "bin" / "python3.12"), "3.12.1")
    named = subprocess.run(
        [sys.executable, "-m", "whichpython", "inspect", "--json", "./python3.12"],
        cwd=here, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert json.loads(named.stdout)["version"] == "3.11.7"


def test_compatible_release_request_never_runs_a_file_of_that_name(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, "3.11.7", "3.12.1")
    here = tmp_path / "here"
    here.mkdir()
    ran = tmp_path / "ran"
    trap = here / "~=3.11"
    trap.write_text(f"#!/bin/sh\ntouch {ran}\n")
    trap.chmod(0o755)
    done = subprocess.run(
        [sys.executable, "-c", CLI, "find", "~=3.11", "--no-cache"],
        cwd=here, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] in {
        str(tmp_path / "bin" / f"python{v}") for v in ("3.11", "3.12")
    }
    assert not ran.exists()


def fake_pyenv(tmp_path: Path) -> tuple[Path, Path]:
    """A pyenv root with versions 3.12.1 and 3.11.7 (links to the real builds) and a shim
    that would write a file if it were ever run."""
    root = tmp_path / "pyenv"
    for version in ("3.12.1", "3.11.7"):
        (root / "versions").mkdir(parents=True, exist_ok=True)
        (root / "versions" / version).symlink_to(pyenv_python(version).parent.parent)
    ran = tmp_path / "shim-ran"
    shim = root / "shims" / "python3.12"
    shim.parent.mkdir()
    shim.write_text(f"#!/bin/sh\ntouch {ran}\nexit 127\n")
    shim.chmod(0o755)
    return shim, ran


def test_inspect_resolves_a_pyenv_shim_without_running_it(tmp_path: Path) -> None:
    shim, ran = fake_pyenv(tmp_path)
    env = dict(isolated_env(tmp_path), PYENV_ROOT=str(shim.parent.parent), PYENV_VERSION="3.12")
    done = run_cli("inspect", "--json", str(shim), env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["version"] == "3.12.1" and data["aliases"] == [str(shim)]
    assert data["path"] == str(shim.parent.parent / "versions" / "3.12.1" / "bin" / "python3.12")
    text = run_cli("inspect", str(shim), env=env).stdout
    assert f"reached via         {shim}" in text
    missing = run_cli("inspect", str(shim), env=dict(env, PYENV_VERSION="3.11.7"))
    assert missing.returncode == 1
    assert missing.stderr == (
        f"whichpython: error: {shim}: pyenv shim: python3.12 is not in the selected versions "
        "(3.11.7, selected by PYENV_VERSION)\n"
    )
    assert not ran.exists()


def test_hostile_requests_on_the_command_line_are_usage_errors(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, "3.12.1")
    for request in ("3" * 4301, "cpython@" + "1" * 100_000, ">=3" + "0" * 5000):
        done = run_cli("find", request, env=env)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-500:]
        assert done.stderr.startswith("whichpython: error: ") and done.stderr.count("\n") == 1
    project = tmp_path / "project"
    project.mkdir()
    (project / ".python-version").write_bytes(b"3.12\x00\n")
    done = subprocess.run(
        [sys.executable, "-m", "whichpython", "find"],
        cwd=project, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"whichpython: error: {project / '.python-version'}: '3.12\\x00' contains a NUL byte\n"
    )


def _fake_machine(tmp_path: Path) -> dict[str, str]:
    from conftest import machine_environ

    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3.12").symlink_to(pyenv_python("3.12.1"))
    (tmp_path / "bin" / "python3.11").symlink_to(pyenv_python("3.11.7"))
    env = dict(machine_environ(tmp_path), PATH=str(tmp_path / "bin"))
    return machine_cli_env(tmp_path, env)


def test_list_without_a_match_prints_nothing_and_fails(tmp_path: Path) -> None:
    env = _fake_machine(tmp_path)
    for _ in range(3):  # the engine, then the recorded answer: the same
        done = run_cli("list", "3.99", env=env)
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr.startswith("whichpython: no Python matches 3.99")
    data = json.loads(run_cli("list", "3.99", "--json", env=env).stdout)
    assert data["interpreters"] == []
    assert run_cli("list", "3.12", env=env).returncode == 0


def test_output_into_a_closed_pipe_exits_0_quietly(tmp_path: Path) -> None:
    env = _fake_machine(tmp_path)
    cli = f"{sys.executable} -c {shlex.quote(CLI)}"
    # `true` exits without reading: the pipe is closed long before Python has started.
    script = f"{cli} list | {require('/bin/true')}; echo ${{PIPESTATUS[0]}}"
    for _ in range(3):  # engine, recording run, replay
        done = subprocess.run(
            [require("/bin/bash"), "-c", script], capture_output=True, text=True, env=env,
            cwd=tmp_path, timeout=60,
        )  # fmt: skip
        assert done.stdout.split()[-1] == "0", done.stdout + done.stderr
        assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_every_option_has_help() -> None:
    from whichpython.cli import _parser

    parser = _parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    for name, sub in [("whichpython", parser), *subparsers.choices.items()]:
        for action in sub._actions:
            if action.option_strings:
                assert action.help, f"{name} {action.option_strings} has no help text"
    assert "docs/" not in parser.format_help() + "".join(
        sub.format_help() for sub in subparsers.choices.values()
    )  # the docs/ files are not installed with the package
