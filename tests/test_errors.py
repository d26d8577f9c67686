"""Each way a path can fail gets its own one-line error and exit 1, never a traceback."""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import whichpython
from conftest import make_venv, pyenv_python, relocated_copy, run_cli, write_script
from whichpython.probe import runner


def cli_error(path: Path, kind: str, *extra: str) -> str:
    """Run ``inspect`` in both output modes; check exit 1, one line, the kind; return the line.
    (``--no-cache``: the second run would otherwise say the failure was remembered.)"""
    extra = ("--no-cache", *extra)
    plain = run_cli("inspect", str(path), *extra)
    assert plain.returncode == 1, plain.stdout + plain.stderr
    assert plain.stdout == ""
    lines = plain.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in plain.stderr, plain.stderr
    assert str(path) in lines[0]
    as_json = run_cli("inspect", "--json", str(path), *extra)
    assert as_json.returncode == 1
    error = json.loads(as_json.stdout)["error"]
    assert error == {"kind": kind, "message": lines[0].split("error: ", 1)[1], "path": str(path)}
    return lines[0]


def test_sleeping_forever_times_out_within_timeout_plus_one_second(tmp_path: Path) -> None:
    child_pid = tmp_path / "child.pid"
    script = write_script(
        tmp_path / "python3", f"#!/bin/sh\nsleep 1000 &\necho $! > {child_pid}\nsleep 1000\n"
    )
    started = time.monotonic()
    with pytest.raises(whichpython.ProbeTimeout) as caught:
        whichpython.inspect_interpreter(script, timeout=1, cache=False)
    assert time.monotonic() - started < 2.0
    assert "timed out after 1 s" in str(caught.value)
    # The whole process group is gone, the grandchild too.
    pid = int(child_pid.read_text())
    time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_timeout_from_environment_variable(tmp_path: Path) -> None:
    script = write_script(tmp_path / "python3", "#!/bin/sh\nsleep 1000\n")
    started = time.monotonic()
    line = cli_error(script, "timed-out", "--no-cache")
    assert "timed out after 5 s" in line  # the default
    env = dict(os.environ, WHICHPYTHON_TIMEOUT="0.5")
    started = time.monotonic()
    result = run_cli("inspect", str(script), env=env)
    assert time.monotonic() - started < 1.5 + 1.0  # interpreter start-up of the CLI itself
    assert "timed out after 0.5 s" in result.stderr


def test_bad_timeout_setting_is_a_usage_error(tmp_path: Path) -> None:
    env = dict(os.environ, WHICHPYTHON_TIMEOUT="soon")
    result = run_cli("inspect", str(pyenv_python("3.12.1")), env=env)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "whichpython: error: WHICHPYTHON_TIMEOUT='soon' is not a number of seconds"
    )


def test_flooding_stdout_is_cut_and_reported(tmp_path: Path) -> None:
    script = write_script(tmp_path / "python3", "#!/bin/sh\nexec yes flood\n")
    line = cli_error(script, "output-too-large")
    assert "printed more than 4096 KiB" in line


def test_non_executable_file(tmp_path: Path) -> None:
    path = tmp_path / "python3"
    path.write_text("#!/bin/sh\n")
    assert "not executable" in cli_error(path, "not-executable")


def test_directory_points_at_the_interpreter_inside(tmp_path: Path) -> None:
    """The library names the interpreter inside (the CLI's ``inspect DIR`` takes it, as
    ``find DIR`` does: tests/test_cli_edges.py); a directory without one is an error."""
    venv = tmp_path / "env"
    make_venv(str(pyenv_python("3.12.1")), venv)
    with pytest.raises(whichpython.InterpreterError) as error:
        whichpython.inspect_interpreter(venv, cache=False)
    assert error.value.kind == "is-a-directory"
    assert f"did you mean {venv / 'bin' / 'python3'}" in error.value.message
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "is a directory, not an interpreter" in cli_error(empty, "is-a-directory")


def test_broken_symlink(tmp_path: Path) -> None:
    link = tmp_path / "python3"
    link.symlink_to(tmp_path / "gone")
    assert "broken symlink" in cli_error(link, "broken-symlink")


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert "symlink loop" in cli_error(tmp_path / "a", "symlink-loop")


def test_missing_path(tmp_path: Path) -> None:
    assert "no such file" in cli_error(tmp_path / "python9", "not-found")


def test_venv_whose_base_was_deleted(tmp_path: Path) -> None:
    base = relocated_copy("3.12.1", tmp_path / "base")
    linked = make_venv(str(base / "bin" / "python3.12"), tmp_path / "env")
    copied = make_venv(str(base / "bin" / "python3.12"), tmp_path / "env2", "--copies")
    shutil.rmtree(base)
    for python in (linked, copied):
        line = cli_error(python, "venv-base-missing")
        assert f"home = {base / 'bin'} does not exist" in line


def test_program_that_is_not_python(tmp_path: Path) -> None:
    script = write_script(tmp_path / "python3", "#!/bin/sh\necho 'Python 3.12.1'\n")
    assert "did not answer the probe" in cli_error(script, "not-a-python")
    garbage = tmp_path / "python4"
    garbage.write_bytes(b"\x00\x01 not a program")
    garbage.chmod(0o755)
    assert "exec format error" in cli_error(garbage, "not-a-python")
    missing_interp = write_script(tmp_path / "python5", "#!/nonexistent/sh\n")
    assert "#! line" in cli_error(missing_interp, "not-a-python")


def test_crash_reports_exit_code_and_stderr(tmp_path: Path) -> None:
    script = write_script(
        tmp_path / "python3",
        "#!/bin/sh\necho first >&2\necho 'Fatal Python error: boom' >&2\nexit 3\n",
    )
    line = cli_error(script, "crashed")
    assert line.endswith("crashed (exit code 3): Fatal Python error: boom")


def test_real_python_that_cannot_start(tmp_path: Path) -> None:
    base = relocated_copy("3.12.1", tmp_path / "base")
    shutil.rmtree(base / "lib" / "python3.12" / "encodings")
    line = cli_error(base / "bin" / "python3.12", "crashed")
    assert "exit code 1" in line and "encodings" in line


def test_permission_denied_when_the_system_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root, file permissions cannot refuse us; simulate the kernel's answer at exec time.
    script = write_script(tmp_path / "python3", "#!/bin/sh\n")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    with pytest.raises(whichpython.PermissionDenied) as caught:
        whichpython.inspect_interpreter(script, cache=False)
    assert str(caught.value) == f"{script}: permission denied (Permission denied)"


def test_probe_answer_that_is_not_json(tmp_path: Path) -> None:
    script = write_script(
        tmp_path / "python3",
        '#!/bin/sh\nfor m; do :; done\nprintf "%s:BEGIN{oops%s:END" "$m" "$m"\n',
    )
    with pytest.raises(whichpython.ProbeFailed, match="invalid JSON"):
        whichpython.inspect_interpreter(script, cache=False)


def test_python2_named_python_is_retried_without_isolated_flag() -> None:
    python = pyenv_python("2.7.18")
    assert not runner._PYTHON2_NAME.match(python.name)  # "python": a plain name
    found = whichpython.inspect_interpreter(python, cache=False)
    assert found.version_info.major == 2
