"""The rough edges a new user hits (issue 24, item 4): the closest candidates of a failed
request, duplicates, output fitted to a terminal, ``inspect DIR``, the timeout's name,
broken interpreters ``list`` skipped, remembered time-outs, ``venv`` into a used dir."""

import json
import os
import re
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import (
    fake_python,
    machine_cli_env,
    machine_environ,
    make_venv,
    pyenv_python,
    run_cli,
)
from test_terminal import ELLIPSIS, in_terminal, lines_of
from whichpython import inspect_interpreter
from whichpython.engine.discovery import Discovery
from whichpython.model.errors import ProbeTimeout

DEEP = "a-rather-long-directory-name/" * 3


def machine(root: Path, pythons: dict[str, str], **extra: str) -> dict[str, str]:
    """A CLI environment on a machine under ``root`` whose PATH holds the fakes ``pythons``
    (a path under root -> version; ``pypy`` in the name makes a PyPy), in that order."""
    dirs = []
    for relative, version in pythons.items():
        path = root / relative
        implementation = "pypy" if "pypy" in path.name else "cpython"
        fake_python(path, version, implementation=implementation)
        dirs.append(str(path.parent))
    (root / "home").mkdir(exist_ok=True)
    environ = dict(machine_environ(root), PATH=os.pathsep.join(dirs))
    return machine_cli_env(root, {**environ, **extra})


def test_closest_ranks_the_asked_implementation_first(tmp_path: Path) -> None:
    """``pypy@3.10`` with CPythons around and one PyPy of another version: the PyPy is the
    closest, the CPythons of the right version come after it."""
    env = machine(tmp_path, {
        "c39/bin/python3.9": "3.9.18", "c310/bin/python3.10": "3.10.13",
        "c311/bin/python3.11": "3.11.9", "c312/bin/python3.12": "3.12.4",
        "pypy/bin/pypy3": "3.9.16",
    })  # fmt: skip
    done = run_cli("find", "pypy@3.10", env=env)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith("whichpython: error: no Python matches pypy@3.10")
    closest = lines[lines.index("closest:") + 1 :][:3]
    assert str(tmp_path / "pypy/bin/pypy3") in closest[0], done.stderr
    assert "wrong implementation" not in closest[0]


def test_the_same_path_found_twice_is_not_a_duplicate_of_itself(tmp_path: Path) -> None:
    """The active venv is on PATH too: its second sighting names the source that found it
    first, never "X duplicate of X"."""
    venv = tmp_path / "work" / ".venv"
    python = make_venv(str(pyenv_python("3.12.1")), venv).parent / "python3"
    environ = dict(machine_environ(tmp_path), VIRTUAL_ENV=str(venv), PATH=str(venv / "bin"))
    search = Discovery(environ=environ, cwd=str(tmp_path), root=str(tmp_path))
    result = search.find("3.12", explain=True)
    assert result.interpreters[0].path == str(python)
    for candidate in result.candidates:
        assert candidate.detail != f"duplicate of {candidate.path}", candidate
    again = [c for c in result.candidates if c.path == str(python) and c.source == "path"]
    assert [c.detail for c in again] == ["duplicate: the same path, found first by active-venv"]


def test_inspect_fits_the_terminal(tmp_path: Path) -> None:
    venv = tmp_path / DEEP / "venv"
    python = make_venv(str(pyenv_python("3.12.1")), venv)
    env = machine(tmp_path, {})
    code, screen, _ = in_terminal(["inspect", str(python)], env, columns=80)
    assert code == 0, screen
    lines = [line for line in lines_of(screen) if line]
    assert len(lines) > 8 and max(len(line) for line in lines) <= 80, screen
    assert ELLIPSIS in screen and any("site-packages" in line for line in lines)
    code, screen, piped = in_terminal(["inspect", str(python)], env, stdout_tty=False)
    assert code == 0 and str(venv / "lib") in piped and ELLIPSIS not in piped


def test_elided_rows_stay_distinct(tmp_path: Path) -> None:
    """Two installs whose paths differ only deep inside (as Nix store paths do) are two
    different rows on an 80-column terminal, in ``list`` and ``--explain``."""
    store = "nix/store/"
    first = f"{store}0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p-python3-3.12.1/bin/python3.12"
    second = f"{store}9z8y7x6w5v4u3t2s1r0q9p8o7n6m5l4k-python3-3.12.4/bin/python3.12"
    env = machine(tmp_path, {first: "3.12.1", second: "3.12.4"})
    env["NIX_STORE_DIR"] = str(tmp_path / "elsewhere")  # found on PATH only
    for args in (["list"], ["find", "3.12", "--explain"]):
        code, screen, _ = in_terminal(args, env, columns=80)
        assert code == 0, screen
        rows = [line for line in lines_of(screen) if line.startswith(("  ", "3.12"))]
        shown = [line for line in rows if "python3.12" in line]  # not the path find prints
        assert len(shown) == 2 and all(len(line) <= 80 for line in shown), screen
        paths = [re.search(r"(/\S*python3\.12)", line).group(1) for line in shown]  # type: ignore[union-attr]
        assert ELLIPSIS in paths[0] and paths[0] != paths[1], screen


PARTS = st.lists(st.sampled_from(["a", "bb", "nix", "store", "x" * 30, "y" * 30, "bin"]),
                 min_size=1, max_size=6)  # fmt: skip


@given(st.lists(PARTS, min_size=2, max_size=6, unique_by=tuple), st.integers(16, 60))
def test_elide_apart_keeps_paths_apart(parts: list[list[str]], room: int) -> None:
    from whichpython.cli.terminal import elide_apart

    paths = ["/" + "/".join(p) + "/python3" for p in parts]
    shown = elide_apart(paths, room)
    assert len(set(shown.values())) == len(set(paths))
    for path, short in shown.items():
        assert short == path or ELLIPSIS in short


def test_inspect_takes_a_venv_dir_as_find_does(tmp_path: Path) -> None:
    venv = tmp_path / "work" / ".venv"
    make_venv(str(pyenv_python("3.12.1")), venv)
    env = machine(tmp_path, {})
    found = run_cli("find", str(venv), env=env)
    assert found.returncode == 0, found.stderr
    for word, cwd in ((str(venv), None), (".venv", venv.parent), ("./.venv/", venv.parent)):
        done = run_cli("inspect", word, "--json", env=env, cwd=cwd)
        assert done.returncode == 0, done.stderr
        path = json.loads(done.stdout)["path"]
        assert os.path.abspath(os.path.join(cwd or "", path)) == found.stdout.strip()
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_cli("inspect", str(empty), env=env)
    assert done.returncode == 1 and "is a directory, not an interpreter" in done.stderr


def test_a_timeout_names_the_setting_that_set_it(tmp_path: Path) -> None:
    env = machine(tmp_path, {})
    hang = fake_python(tmp_path / "slow" / "python3", "3.12.4", hang=True)
    done = run_cli("inspect", str(hang), "--timeout", "1", "--no-cache", env=env)
    assert done.returncode == 1
    assert done.stderr.strip().endswith("timed out after 1 s (--timeout sets the limit)")
    done = run_cli("inspect", str(hang), "--no-cache", env=dict(env, WHICHPYTHON_TIMEOUT="1"))
    assert done.stderr.strip().endswith("timed out after 1 s (WHICHPYTHON_TIMEOUT sets the limit)")


def test_list_says_how_many_it_skipped_as_broken(tmp_path: Path) -> None:
    env = machine(tmp_path, {"good/bin/python3.12": "3.12.4"})
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "python3").symlink_to(tmp_path / "nowhere")
    crash = broken / "python3.11"
    crash.write_text("#!/bin/sh\necho 'Fatal Python error: init_fs_encoding' >&2\nexit 1\n")
    crash.chmod(0o755)
    env["PATH"] += os.pathsep + str(broken)
    done = run_cli("list", env=env)
    assert done.returncode == 0 and "python3.12" in done.stdout
    assert done.stderr.splitlines() == [
        "whichpython: note: 2 interpreters were skipped as broken (--explain says why)"
    ]
    done = run_cli("list", "--explain", env=env)
    assert done.returncode == 0 and "skipped as broken" not in done.stderr
    assert "broken symlink" in done.stdout


def test_a_remembered_time_out_holds_when_path_changes(
    tmp_path: Path, cache_dir: Path, probes: list[str]
) -> None:
    """A real interpreter that hangs (its sitecustomize sleeps) times out once; another PATH
    reaches nothing it reads, so the failure is remembered across it. A wrapper script,
    which may read any variable, is run again."""
    venv = tmp_path / "venv"
    python = make_venv(str(pyenv_python("3.12.1")), venv)
    site = venv / "lib" / "python3.12" / "site-packages"
    (site / "sitecustomize.py").write_text("import time\ntime.sleep(60)\n")
    wrapper = fake_python(tmp_path / "wrap" / "python3", "3.12.4", hang=True)
    time.sleep(0.05)
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WHICHPYTHON_CACHE_DIR":
               str(cache_dir)}  # fmt: skip
    for path in (python, wrapper):
        for search_path in ("/usr/bin:/bin", f"{tmp_path}:/usr/bin:/bin"):
            with pytest.raises(ProbeTimeout):
                inspect_interpreter(path, timeout=1, environ=dict(environ, PATH=search_path))
    assert probes.count(str(python)) == 1  # remembered across the PATH change
    assert probes.count(str(wrapper)) == 2  # a script: keyed on everything it may read


def test_venv_into_a_used_dir_says_only_why(tmp_path: Path) -> None:
    """The destination is checked first: no note about the interpreter it would have used."""
    venv = tmp_path / "work" / ".venv"
    make_venv(str(pyenv_python("3.12.1")), venv)
    env = machine(tmp_path, {}, VIRTUAL_ENV=str(venv), PATH=str(venv / "bin"))
    used = tmp_path / "used"
    used.mkdir()
    (used / "file").write_text("")
    done = run_cli("venv", str(used), env=env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"whichpython: error: {used}: exists and is not empty; choose a new directory"
    ]
