"""Recorded CLI answers: replayed only while everything the recording run looked at holds."""

import json
import marshal
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
    machine_cli_env,
    machine_environ,
    pyenv_python,
)
from whichpython.cache.probes import Cache
from whichpython.cachedir import cache_root
from whichpython.cli.answers import Answers, answers_dir
from whichpython.cli.witness import Witness
from whichpython.projectfiles import PROJECT_FILES

# The real CLI in a process, reporting on stderr whether the engine ran and what it spawned.
RUN = """
import sys
spawned = []
sys.addaudithook(lambda e, a: spawned.append(e) if e == "subprocess.Popen" else None)
sys.argv = ["whichpython", *sys.argv[1:]]
from whichpython.cli import main
code = main()
engine = "whichpython.model.models" in sys.modules
sys.stderr.write("ENGINE=%s SPAWNED=%d\\n" % (engine, len(spawned)))
raise SystemExit(code)
"""


class Machine:
    """Two PATH dirs (the first empty), a project dir to run in, a private cache; nothing of
    the real machine (its /nix/store, /opt/conda, ... map under ``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.first, self.second = root / "bin1", root / "bin2"
        self.project = root / "project"
        for directory in (self.first, self.second, self.project, root / "home"):
            directory.mkdir()
        self.cache = root / "cache"
        self.env = dict(
            machine_environ(root),
            PATH=f"{self.first}{os.pathsep}{self.second}",
            PYENV_ROOT=str(root / "no-pyenv"),
            WHICHPYTHON_CACHE_DIR=str(self.cache),
        )

    def run(self, *args: str, cwd: Path | None = None, **extra: str) -> tuple[Any, bool, int]:
        """(completed process, whether the engine ran, processes spawned)."""
        done = subprocess.run(
            [sys.executable, "-c", ROOT_SYSTEM + RUN, *args],
            capture_output=True,
            text=True,
            env=machine_cli_env(self.root, dict(self.env, **extra)),
            cwd=cwd or self.project,
            timeout=60,
        )
        report = done.stderr.rsplit("ENGINE=", 1)[1].split()
        done.stderr = done.stderr.rsplit("ENGINE=", 1)[0]
        return done, report[0] == "True", int(report[1].split("=")[1])

    def answers(self) -> list[str]:
        """The recorded answers (not the index files naming the variables they are keyed on)."""
        directory = self.cache / "answers"
        names = sorted(os.listdir(directory)) if directory.is_dir() else []
        return [n for n in names if "witnesses" in marshal.loads((directory / n).read_bytes())]


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    for version in ("3.12.1", "3.11.7"):
        if not pyenv_python(version).exists():
            pytest.skip(f"pyenv {version} is not installed")
    made = Machine(tmp_path)
    (made.second / "python3.12").symlink_to(pyenv_python("3.12.1"))
    (made.second / "python3.11").symlink_to(pyenv_python("3.11.7"))
    return made


def test_recorded_after_a_run_whose_probes_went_into_the_cache_then_replayed(
    machine: Machine,
) -> None:
    cold, engine, spawned = machine.run("find", "3.12")
    assert (cold.returncode, engine) == (0, True) and spawned >= 1
    # it probed, and each answer went into the probe cache with the files it depends on
    assert len(machine.answers()) == 1

    replayed, engine, spawned = machine.run("find", "3.12")
    assert (replayed.returncode, engine, spawned) == (0, False, 0)
    assert replayed.stdout == cold.stdout == f"{machine.second / 'python3.12'}\n"
    assert replayed.stderr == ""


def test_a_probe_the_cache_did_not_keep_is_not_recorded(machine: Machine) -> None:
    """A wrapper that runs another interpreter is probed every time (its answer is not the
    path's own: not cached), so a run that probed it is not replayed."""
    wrapper = machine.first / "python3"
    wrapper.write_text(f'#!/bin/sh\nexec {pyenv_python("3.11.7")} "$@"\n')
    wrapper.chmod(0o755)
    for _ in range(2):
        done, engine, spawned = machine.run("list")
        assert (done.returncode, engine) == (0, True) and spawned >= 1
    assert machine.answers() == []


@pytest.fixture
def private_machine(tmp_path: Path) -> Machine:
    """A machine whose python3.12 answers like one (a script, whose files are this test's
    own: other tests copying the pyenv builds cannot move what its answer depends on)."""
    made = Machine(tmp_path)
    fake = fake_python(made.second / "python3.12", "3.12.4")
    # its answer is built from pyenv 3.12's: move the paths it names (libpython, config dir,
    # ...) under this machine, where no other test hard-links a file and moves its ctime
    real, private = str(PYENV_ROOT / "versions" / "3.12.1"), tmp_path / "opt" / "py"
    private.mkdir(parents=True)
    fake.write_text(fake.read_text().replace(real, str(private)))
    return made


def _hanging_python3(machine: Machine) -> Path:
    """A ``python3`` first on PATH that hangs; each start adds a line to the returned log
    (outside every directory a run looks at)."""
    log = machine.root / "log" / "started"
    log.parent.mkdir()
    script = machine.first / "python3"
    script.write_text(f"#!/bin/sh\necho started >> {log}\nexec /bin/sleep 60\n")
    script.chmod(0o755)
    return log


def test_the_second_list_with_a_hanging_python3_is_a_replay(private_machine: Machine) -> None:
    machine = private_machine
    log = _hanging_python3(machine)
    first, engine, spawned = machine.run("list", "--timeout", "1")
    assert (first.returncode, engine) == (0, True) and spawned >= 1
    second, engine, spawned = machine.run("list", "--timeout", "1")
    assert (second.returncode, engine, spawned) == (0, False, 0)
    assert (second.stdout, second.stderr) == (first.stdout, first.stderr)
    assert "python3.12" in second.stdout and log.read_text().count("started") == 1


@pytest.mark.parametrize("change", ["new-variable", "path-dir-appended"])
def test_a_remembered_time_out_of_a_script_holds_after_an_unrelated_change(
    private_machine: Machine, change: str
) -> None:
    """A new variable, or a new dir at the end of PATH, does not run the hanging script again
    (docs/cache.md); a dir put before it on PATH does."""
    machine = private_machine
    log = _hanging_python3(machine)
    machine.run("list", "--timeout", "1")
    extra = machine.root / "extra"
    extra.mkdir()
    if change == "new-variable":
        changed = {"BUILD_ID": "42"}
    else:
        changed = {"PATH": f"{machine.env['PATH']}{os.pathsep}{extra}"}
    engines = []
    for _ in range(2):
        done, engine, spawned = machine.run("list", "--timeout", "1", **changed)
        assert (done.returncode, spawned) == (0, 0), done.stderr
        assert "python3.12" in done.stdout
        engines.append(engine)
    assert log.read_text().count("started") == 1
    # a variable no source reads replays the first run's answer; another PATH is searched
    # once (the remembered time-out holds), then replayed
    assert engines == ([False, False] if change == "new-variable" else [True, False])
    done, _, spawned = machine.run("list", "--timeout", "1", PATH=f"{extra}{os.pathsep}"
                                   f"{machine.env['PATH']}")  # fmt: skip
    assert spawned == 1 and log.read_text().count("started") == 2


def test_unrelated_changes_keep_the_answer(machine: Machine) -> None:
    for _ in range(3):
        machine.run("find", "3.12")
    (machine.first.parent / "notes.txt").write_text("a dir the search only walks through\n")
    (machine.second / "README").write_text("not a python\n")  # a listed dir: it moved
    _, engine, _ = machine.run("find", "3.12")
    assert engine
    for _ in range(2):
        again, engine, _ = machine.run("find", "3.12")
    assert not engine and again.stdout == f"{machine.second / 'python3.12'}\n"
    (machine.first.parent / "more-notes.txt").write_text("again\n")
    _, engine, _ = machine.run("find", "3.12")
    assert not engine


def test_a_new_candidate_earlier_on_path_is_seen(machine: Machine) -> None:
    for _ in range(3):
        done, engine, _ = machine.run("find", "3.12")
    assert not engine
    (machine.first / "python3.12").symlink_to(pyenv_python("3.12.1"))
    moved, engine, _ = machine.run("find", "3.12")
    assert engine and moved.stdout == f"{machine.first / 'python3.12'}\n"
    for _ in range(2):
        again, engine, _ = machine.run("find", "3.12")
    assert (again.stdout, engine) == (moved.stdout, False)

    (machine.first / "python3.12").unlink()
    back, engine, _ = machine.run("find", "3.12")
    assert engine and back.stdout == done.stdout


def test_a_retargeted_link_is_seen(machine: Machine) -> None:
    for _ in range(3):
        machine.run("list", "--json")
    listed, engine, _ = machine.run("list", "--json")
    assert not engine
    versions = {i["version"] for i in json.loads(listed.stdout)["interpreters"]}
    assert versions == {"3.12.1", "3.11.7"}
    link = machine.second / "python3.12"
    link.unlink()
    link.symlink_to(pyenv_python("3.11.7"))  # same name, same dir listing size, other target
    changed, engine, _ = machine.run("list", "--json")
    assert engine
    assert [i["version"] for i in json.loads(changed.stdout)["interpreters"]] == ["3.11.7"]


def test_a_version_file_appearing_changes_the_answer(machine: Machine) -> None:
    for _ in range(3):
        first, engine, _ = machine.run("find")
    assert not engine and first.stdout == f"{machine.second / 'python3.12'}\n"
    (machine.project / ".python-version").write_text("3.11\n")
    pinned, engine, _ = machine.run("find")
    assert engine and pinned.stdout == f"{machine.second / 'python3.11'}\n"


def test_failures_replay_with_their_message_and_status(machine: Machine) -> None:
    runs = [machine.run("find", "3.99") for _ in range(3)]
    (first, engine_first, _), (last, engine, _) = runs[0], runs[2]
    assert engine_first and not engine
    assert last.returncode == first.returncode == 1
    assert last.stderr == first.stderr and "3.99" in last.stderr

    missing = machine.project / "python"
    for _ in range(2):
        gone, _, _ = machine.run("inspect", str(missing))
    assert gone.returncode == 1 and "no such file" in gone.stderr
    missing.symlink_to(pyenv_python("3.11.7"))
    found, engine, _ = machine.run("inspect", str(missing))
    assert (found.returncode, engine) == (0, True)


def test_other_environment_other_answer_but_not_for_shell_bookkeeping(
    machine: Machine,
) -> None:
    for _ in range(3):
        machine.run("find", "3.12")
    _, engine, _ = machine.run("find", "3.12", OLDPWD="/elsewhere", _="/usr/bin/env")
    assert not engine
    _, engine, _ = machine.run("find", "3.12", PYENV_VERSION="3.11.7")
    assert engine


def test_never_recorded_without_cache(machine: Machine) -> None:
    for _ in range(3):
        _, engine, _ = machine.run("find", "3.12", "--no-cache")
        assert engine
        _, engine, _ = machine.run("find", "3.12", WHICHPYTHON_NO_CACHE="1")
        assert engine
    assert machine.answers() == []


def test_the_code_that_answered_is_a_witness(machine: Machine) -> None:
    for _ in range(2):
        machine.run("find", "3.12")
    (name,) = machine.answers()
    data = marshal.loads((machine.cache / "answers" / name).read_bytes())
    witnessed = {path for path, _, _ in data["witnesses"]}
    import whichpython.engine.discovery
    import whichpython.sources.path

    assert whichpython.engine.discovery.__file__ in witnessed
    assert whichpython.sources.path.__file__ in witnessed
    assert str(machine.first) in witnessed  # listed (its mtime moves with its entries)


def test_only_read_only_commands_have_answers() -> None:
    assert Answers.for_process([]) is None
    assert Answers.for_process(["venv", "x"]) is None
    assert Answers.for_process(["find", "--no-cache"]) is None
    assert Answers.for_process(["find", "3.12"]) is not None


def test_answers_live_in_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    platformdirs = pytest.importorskip("platformdirs")
    monkeypatch.delenv("WHICHPYTHON_CACHE_DIR")
    for xdg in (None, "/somewhere/cache", ""):
        if xdg is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        expected = platformdirs.user_cache_dir("whichpython", appauthor=False)
        assert answers_dir(os.environ) == os.path.join(expected, "answers")
        assert cache_root(os.environ) == expected  # the probe cache's dir too
        cache = Cache.from_environ(os.environ)
        assert cache is not None and cache.root == expected
    monkeypatch.setenv("WHICHPYTHON_CACHE_DIR", "/c")
    assert answers_dir(os.environ) == os.path.join("/c", "answers")


def test_a_dangling_pyenv_version_whose_target_appears_is_seen(
    machine: Machine, tmp_path: Path
) -> None:
    pyenv = tmp_path / "pyenv"
    (pyenv / "versions").mkdir(parents=True)
    later = tmp_path / "installed-later"
    (pyenv / "versions" / "3.12.9").symlink_to(later)  # dangling: not a directory (yet)
    for _ in range(3):
        done, engine, _ = machine.run("find", "3.12", PYENV_ROOT=str(pyenv))
    assert not engine and done.stdout == f"{machine.second / 'python3.12'}\n"
    later.symlink_to(pyenv_python("3.12.1").parent.parent)  # the versions dir did not change
    done, engine, _ = machine.run("find", "3.12", PYENV_ROOT=str(pyenv))
    assert engine
    assert done.stdout == f"{pyenv / 'versions' / '3.12.9' / 'bin' / 'python3.12'}\n"


def _recorded(machine: Machine) -> dict[str, Any]:
    (name,) = machine.answers()
    data: dict[str, Any] = marshal.loads((machine.cache / "answers" / name).read_bytes())
    return data


def test_keyed_on_the_variables_the_sources_read_not_the_others(machine: Machine) -> None:
    for _ in range(2):
        machine.run("find", "3.12")
    consulted = _recorded(machine)["environ"]
    assert consulted["PATH"] == machine.env["PATH"] and "PYENV_ROOT" in consulted
    assert "UNRELATED" not in consulted
    for value in ("1", "2"):
        done, engine, _ = machine.run("find", "3.12", UNRELATED=value)
        assert (done.stdout, engine) == (f"{machine.second / 'python3.12'}\n", False)
    _, engine, _ = machine.run("find", "3.12", PYENV_VERSION="3.11.7")  # read by pyenv
    assert engine


def test_a_new_empty_working_dir_replays_a_project_dir_does_not(machine: Machine) -> None:
    for _ in range(2):
        machine.run("find")
    data = _recorded(machine)
    assert data["cwd"] is None  # no project file anywhere up from machine.project
    looked_up = {name for name, _ in data["upward"]}
    assert looked_up >= PROJECT_FILES  # every walk up the tree, and the shims' configs
    elsewhere = machine.root / "a" / "b"
    elsewhere.mkdir(parents=True)
    done, engine, _ = machine.run("find", cwd=elsewhere)
    assert (done.stdout, engine) == (f"{machine.second / 'python3.12'}\n", False)

    pinned = machine.root / "pinned"
    (pinned / "deep").mkdir(parents=True)
    (pinned / ".python-version").write_text("3.11\n")
    done, engine, _ = machine.run("find", cwd=pinned / "deep")  # probes 3.11: recorded
    assert engine and done.stdout == f"{machine.second / 'python3.11'}\n"
    done, engine, _ = machine.run("find", cwd=pinned / "deep")  # its own answer, for this dir
    assert (done.stdout, engine) == (f"{machine.second / 'python3.11'}\n", False)
    done, engine, _ = machine.run("find", cwd=elsewhere)  # the other one is still there
    assert (done.stdout, engine) == (f"{machine.second / 'python3.12'}\n", False)
    (elsewhere / ".venv").mkdir()
    (elsewhere / ".venv" / "pyvenv.cfg").write_text("home = /nowhere\n")
    _, engine, _ = machine.run("find", cwd=elsewhere)
    assert engine


def test_a_project_file_above_is_seen_in_a_crowded_dir_too(machine: Machine) -> None:
    """The walk up from the working dir lists a small directory once; one with many entries
    is looked in name by name: a project file appearing in either is seen."""
    for _ in range(2):
        machine.run("find")
    crowded = machine.root / "crowded"
    (crowded / "small" / "deep").mkdir(parents=True)
    for n in range(300):
        (crowded / f"entry{n}").touch()
    for pinned in (crowded / "small", crowded):
        done, engine, _ = machine.run("find", cwd=crowded / "small" / "deep")
        assert (done.stdout, engine) == (f"{machine.second / 'python3.12'}\n", False)
        (pinned / ".python-version").write_text("3.11\n")
        done, engine, _ = machine.run("find", cwd=crowded / "small" / "deep")
        assert engine and done.stdout == f"{machine.second / 'python3.11'}\n"
        (pinned / ".python-version").unlink()


def test_a_touched_path_dir_replays_a_changed_listing_does_not(machine: Machine) -> None:
    for _ in range(3):
        machine.run("find", "3.12")
    os.utime(machine.second, ns=(1, 1))  # listed only: same entries, new mtime
    done, engine, _ = machine.run("find", "3.12")
    assert (done.stdout, engine) == (f"{machine.second / 'python3.12'}\n", False)
    (machine.second / "python3.12").unlink()
    (machine.second / "python3.12").symlink_to(pyenv_python("3.12.1"))  # replaced in place
    _, engine, _ = machine.run("find", "3.12")
    assert engine  # the link itself is a witness
    for _ in range(2):
        machine.run("find", "3.12")
    (machine.second / "python3").mkdir()  # a new entry: the listing changed
    _, engine, _ = machine.run("find", "3.12")
    assert engine


def test_relative_paths_make_an_answer_the_working_dirs(tmp_path: Path) -> None:
    witness = Witness()
    with witness:
        os.path.exists("some/relative/file")
    assert witness.relative
    assert witness.upward(str(tmp_path), []) is None
    with Witness() as absolute:
        os.path.exists(str(tmp_path / "x"))
        os.path.abspath(str(tmp_path))
    assert not absolute.relative
    unseen = [[name, False] for name in sorted(PROJECT_FILES)]  # none looked up: all lstat'ed
    assert (
        absolute.upward(str(tmp_path / "elsewhere"), [[str(tmp_path / "x"), True, None]]) == unseen
    )
    inside = [[str(tmp_path / "x"), True, None]]
    assert absolute.upward(str(tmp_path), inside) is None  # looked at inside the cwd


def test_iterating_the_environment_keys_on_all_of_it() -> None:
    with Witness() as witness:
        os.environ.get("HOME")
        assert "HOME" in witness.consulted and not witness.whole_environment
        dict(os.environ)
    assert witness.whole_environment
    assert type(os.environ).__name__ == "_Environ"  # put back


def test_a_shim_config_above_keeps_the_answer_to_its_directory(machine: Machine) -> None:
    """No source reads mise's configs, but a shim does: where one exists up the tree (mise's
    global ~/.config/mise/config.toml), an answer is its working directory's, and replays
    there; one recorded elsewhere is not replayed below such a config."""
    for _ in range(2):
        machine.run("find", "3.12")
    assert _recorded(machine)["cwd"] is None  # no config up from machine.project
    configured = machine.root / "home" / "work"
    (machine.root / "home" / ".config" / "mise").mkdir(parents=True)
    (machine.root / "home" / ".config" / "mise" / "config.toml").write_text("[tools]\n")
    configured.mkdir()
    _, engine, _ = machine.run("find", "3.12", cwd=configured)
    assert engine  # not the answer recorded for any directory
    done, engine, _ = machine.run("find", "3.12", cwd=configured)
    assert (done.stdout, engine) == (f"{machine.second / 'python3.12'}\n", False)
    folder = machine.cache / "answers"
    cwds = {marshal.loads((folder / name).read_bytes())["cwd"] for name in machine.answers()}
    assert cwds == {None, str(configured)}
