"""The CLI on a terminal: output fitted to its width (whole paths in a pipe or with --wide),
a progress line for slow scans, a short answer when nothing matches, and the warnings and
version-file words a shell user meets (a stale VIRTUAL_ENV, ``system``)."""

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import CLI, fake_python, machine_cli_env, machine_environ
from whichpython.cli import terminal

ELLIPSIS = "…"
DEEP = "a-rather-long-directory-name/" * 3


def fake_machine(root: Path, versions: tuple[str, ...] = ("3.12.4", "3.11.9")) -> dict[str, str]:
    """A machine whose only Pythons are fakes in deep directories (long paths), one PATH dir
    each; the environment for a CLI subprocess on it."""
    dirs = []
    for version in versions:
        folder = root / DEEP / f"python-{version}" / "bin"
        fake_python(folder / f"python{version.rsplit('.', 1)[0]}", version)
        dirs.append(str(folder))
    (root / "home").mkdir(exist_ok=True)
    return machine_cli_env(root, dict(machine_environ(root), PATH=os.pathsep.join(dirs)))


def in_terminal(
    args: list[str],
    env: dict[str, str],
    *,
    columns: int = 80,
    cwd: Optional[Path] = None,
    stdout_tty: bool = True,
) -> tuple[int, str, str]:
    """Run the CLI with stderr (and stdout, unless ``stdout_tty`` is false) on a
    pseudo-terminal ``columns`` wide, in ``cwd`` (default: the machine's home); returns
    (status, terminal text, piped stdout)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        stdin=subprocess.DEVNULL,
        stdout=slave if stdout_tty else subprocess.PIPE,
        stderr=slave,
        env=env,
        cwd=cwd or env["HOME"],
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    piped = process.stdout.read().decode() if process.stdout else ""
    code = process.wait(timeout=60)
    return code, b"".join(chunks).decode().replace("\r\n", "\n"), piped


def lines_of(text: str) -> list[str]:
    """Terminal lines as they end up on the screen (a carriage return rewrites the line)."""
    return [line.rsplit("\r", 1)[-1] for line in text.split("\n")]


def test_list_and_explain_fit_an_80_column_terminal(tmp_path: Path) -> None:
    env = fake_machine(tmp_path)
    longest = max(len(p) for p in env["PATH"].split(os.pathsep)) + len("/python3.12")
    assert longest > 80  # the whole path cannot fit
    for args in (["list"], ["find", "3.11", "--explain"], ["list", "--explain"]):
        code, screen, _ = in_terminal(args, env)
        assert code == 0, screen
        lines = lines_of(screen)
        if args[0] == "find":  # the answer itself is a path to use: never shortened
            assert lines.pop(0).endswith(f"{DEEP}python-3.11.9/bin/python3.11")
        assert all(len(line) <= 80 for line in lines), screen
        assert ELLIPSIS in screen
        assert "python3.12" in screen and "python3.11" in screen  # the names survive


def test_whole_paths_with_wide_or_into_a_pipe(tmp_path: Path) -> None:
    env = fake_machine(tmp_path)
    whole = str(Path(env["PATH"].split(os.pathsep)[0]) / "python3.12")
    code, screen, _ = in_terminal(["list", "--wide"], env)
    assert code == 0 and whole in screen and ELLIPSIS not in screen
    code, screen, piped = in_terminal(["list", "--explain"], env, stdout_tty=False)
    assert code == 0 and whole in piped and ELLIPSIS not in piped


def test_a_replayed_answer_is_fitted_to_the_terminal_it_is_shown_on(tmp_path: Path) -> None:
    env = fake_machine(tmp_path)
    for columns in (80, 120, 80, 120):  # the second round is answered from the record
        code, screen, _ = in_terminal(["list"], env, columns=columns)
        assert code == 0
        widths = [len(line) for line in lines_of(screen)]
        assert max(widths) <= columns and max(widths) > 80 - 10, screen


def test_find_without_a_match_names_the_closest(tmp_path: Path) -> None:
    env = fake_machine(tmp_path, ("3.9.18", "3.10.13", "3.11.9", "3.12.4", "3.13.1"))
    code, screen, _ = in_terminal(["find", "3.14"], env, columns=200)
    assert code == 1
    lines = [line for line in lines_of(screen) if line]
    assert lines[0].startswith("whichpython: error: no Python matches 3.14")
    assert lines[1] == "closest:"
    shown = [re.search(r"python(3\.\d+) ", line) for line in lines[2:5]]
    assert [m.group(1) for m in shown if m] == ["3.13", "3.12", "3.11"]
    assert "--explain" in lines[5] and len(lines) == 6
    code, screen, _ = in_terminal(["find", "3.14", "--explain"], env, columns=200)
    assert code == 1
    assert all(f"python{v}" in screen for v in ("3.9", "3.10", "3.11", "3.12", "3.13"))
    assert "closest:" not in screen


def test_a_slow_scan_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    env = fake_machine(tmp_path, ("3.12.4",))
    slow = tmp_path / "slow" / "bin" / "python3"
    fake_python(slow, "3.11.9", hang=True)  # a probe that runs into the timeout
    env["PATH"] = f"{slow.parent}{os.pathsep}{env['PATH']}"
    args = ["find", "3.12", "--timeout", "1.5", "--no-cache"]
    code, screen, piped = in_terminal(args, env, stdout_tty=False)
    assert code == 0 and piped.strip().endswith("python3.12")
    assert "whichpython: probing #1 " in screen and "/slow/bin/python3\x1b[K" in screen
    assert screen.endswith("\r\x1b[K")  # erased when the scan ended
    done = subprocess.run(
        [sys.executable, "-c", CLI, *args],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and "probing" not in done.stderr


def test_a_virtual_env_that_is_gone_is_named_and_warned_once(tmp_path: Path) -> None:
    env = fake_machine(tmp_path, ("3.12.4",))
    env["VIRTUAL_ENV"] = str(tmp_path / "deleted-venv")
    for args in (["find", "3.12", "--explain"], ["list", "--explain"]):
        done = subprocess.run(
            [sys.executable, "-c", CLI, *args],
            env=env, cwd=tmp_path, capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        warning = f"warning: VIRTUAL_ENV={tmp_path / 'deleted-venv'} is not a venv"
        assert done.stderr.count(warning) == 1, done.stderr
        line = next(line for line in done.stdout.splitlines() if "deleted-venv" in line)
        assert "active-venv" in line and "no such directory" in line


def test_system_in_a_version_file_means_what_pyenv_means(tmp_path: Path) -> None:
    env = fake_machine(tmp_path, ("3.11.9",))
    system_dir = env["PATH"]
    pyenv_root = tmp_path / "home" / ".pyenv"
    managed = fake_python(pyenv_root / "versions" / "3.12.4" / "bin" / "python3.12", "3.12.4")
    env.update(PYENV_ROOT=str(pyenv_root), PATH=f"{managed.parent}{os.pathsep}{system_dir}")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".python-version").write_text("system\n")
    done = subprocess.run(
        [sys.executable, "-c", CLI, "find", "--explain"],
        env=env, cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == str(Path(system_dir) / "python3.11")
    assert f"{managed}" in done.stdout and "managed by pyenv" in done.stdout
    (project / ".python-version").write_text("3.12\n")  # the same machine, another request
    done = subprocess.run(
        [sys.executable, "-c", CLI, "find"], env=env, cwd=project, capture_output=True, text=True
    )
    assert done.stdout.strip() == str(managed)


@given(
    st.lists(st.text("abcXYZ.-_ ", min_size=1, max_size=30), min_size=1, max_size=8),
    st.integers(1, 120),
)
def test_elide_fits_and_keeps_the_end(parts: list[str], room: int) -> None:
    path = "/" + "/".join(parts)
    short = terminal.elide(path, room)
    assert len(short) <= room
    if len(path) <= room:
        assert short == path
    else:
        assert ELLIPSIS in short
        kept = short.rsplit(ELLIPSIS, 1)[1]
        assert path.endswith(kept)
        if len(parts[-1]) + 2 <= room:
            assert short.endswith("/" + parts[-1])  # the file name is kept whole


@pytest.mark.parametrize(
    ("path", "room", "expected"),
    [
        ("/root/.pyenv/versions/3.12.1/bin/python3.12", 30, "/root/…/3.12.1/bin/python3.12"),
        ("/root/.pyenv/versions/3.12.1/bin/python3.12", 22, "/root/…/bin/python3.12"),
        ("/root/.pyenv/versions/3.12.1/bin/python3.12", 12, "…/python3.12"),
        ("C:\\Python312\\Lib\\venv\\scripts\\python.exe", 24, "C:\\…\\scripts\\python.exe"),
    ],
)
def test_elide_examples(path: str, room: int, expected: str) -> None:
    assert terminal.elide(path, room) == expected
