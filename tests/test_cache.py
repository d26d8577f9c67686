"""The stat-keyed cache: warm answers spawn nothing; any change to what they depend on re-probes."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import make_venv, pyenv_python, relocated_copy, write_script
from whichpython import inspect_interpreter

# Counts every way Python can start a process, then runs the CLI in-process.
COUNT_SPAWNS = """
import sys
spawns = []
events = ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.system", "os.spawn")
sys.addaudithook(lambda event, args: spawns.append(event) if event in events else None)
from whichpython.cli import main
code = main(sys.argv[1:])
sys.stderr.write("SPAWNS=%d\\n" % len(spawns))
raise SystemExit(code)
"""


def cli_spawns(*args: str) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-c", COUNT_SPAWNS, *args], capture_output=True, text=True, check=True
    )
    count = int(result.stderr.rsplit("SPAWNS=", 1)[1])
    return count, json.loads(result.stdout)


def test_second_inspect_spawns_no_process(cache_dir: Path) -> None:
    python = str(pyenv_python("3.12.1"))
    first_count, first = cli_spawns("inspect", "--json", python)
    second_count, second = cli_spawns("inspect", "--json", python)
    assert first_count == 1
    assert second_count == 0
    assert second == first
    assert list((cache_dir / "interpreters").glob("*.json"))


def test_touching_or_replacing_the_binary_invalidates(
    tmp_path: Path, cache_dir: Path, probes: list[str]
) -> None:
    copy = relocated_copy("3.12.1", tmp_path / "copy")
    python = copy / "bin" / "python3.12"
    inspect_interpreter(python)
    inspect_interpreter(python)
    assert len(probes) == 1

    stat = python.stat()
    os.utime(python, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    inspect_interpreter(python)
    assert len(probes) == 2

    replacement = tmp_path / "new-python"
    shutil.copy2(python, replacement)
    os.replace(replacement, python)  # same mtime (copy2), new inode
    inspect_interpreter(python)
    inspect_interpreter(python)
    assert len(probes) == 3


def test_editing_pyvenv_cfg_invalidates(tmp_path: Path, cache_dir: Path, probes: list[str]) -> None:
    python = make_venv(str(pyenv_python("3.12.1")), tmp_path / "env")
    before = inspect_interpreter(python)
    assert before.venv is not None and not before.venv.include_system_site_packages
    cfg = tmp_path / "env" / "pyvenv.cfg"
    cfg.write_text(cfg.read_text().replace("= false", "= true"))
    after = inspect_interpreter(python)
    assert len(probes) == 2
    assert after.venv is not None and after.venv.include_system_site_packages
    assert len(after.site_packages) == len(before.site_packages) + 1


def test_retargeted_symlink_invalidates(tmp_path: Path, cache_dir: Path, probes: list[str]) -> None:
    link = tmp_path / "python3"
    link.symlink_to(pyenv_python("3.12.1"))
    assert inspect_interpreter(link).version == "3.12.1"
    link.unlink()
    link.symlink_to(pyenv_python("3.11.7"))
    assert inspect_interpreter(link).version == "3.11.7"
    assert len(probes) == 2


def test_new_pth_file_invalidates(tmp_path: Path, cache_dir: Path, probes: list[str]) -> None:
    python = make_venv(str(pyenv_python("3.12.1")), tmp_path / "env")
    inspect_interpreter(python)
    extra = tmp_path / "extra"
    extra.mkdir()
    (tmp_path / "env" / "lib" / "python3.12" / "site-packages" / "extra.pth").write_text(
        f"{extra}\n"
    )
    assert str(extra) in inspect_interpreter(python).sys_path
    assert len(probes) == 2


def test_corrupt_and_foreign_entries_are_ignored_and_rewritten(
    cache_dir: Path, probes: list[str]
) -> None:
    python = pyenv_python("3.12.1")
    inspect_interpreter(python)
    [entry] = (cache_dir / "interpreters").glob("*.json")
    entry.write_text("{ not json")
    assert inspect_interpreter(python).version == "3.12.1"
    assert json.loads(entry.read_text())["path"] == str(python)  # rewritten

    data = json.loads(entry.read_text())
    data["probe"] = "another-probe-version"
    data["result"]["version_info"] = [9, 9, 9, "final", 0]
    entry.write_text(json.dumps(data))
    assert inspect_interpreter(python).version == "3.12.1"
    assert len(probes) == 3


def test_environment_dependent_wrapper_is_never_cached(
    tmp_path: Path, cache_dir: Path, probes: list[str]
) -> None:
    # Like a pyenv shim: which interpreter runs depends on the environment.
    shim = write_script(
        tmp_path / "python3",
        f'#!/bin/sh\nexec {pyenv_python("3.12.1").parent.parent.parent}/$PICK/bin/python "$@"\n',
    )
    first = inspect_interpreter(shim, environ=dict(os.environ, PICK="3.12.1"))
    second = inspect_interpreter(shim, environ=dict(os.environ, PICK="3.11.7"))
    assert (first.version, second.version) == ("3.12.1", "3.11.7")
    assert len(probes) == 2
    assert not (cache_dir / "interpreters").exists() or not list(
        (cache_dir / "interpreters").glob("*.json")
    )


def test_no_cache_variable_disables_the_cache(
    cache_dir: Path, probes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHICHPYTHON_NO_CACHE", "1")
    python = pyenv_python("3.12.1")
    inspect_interpreter(python)
    inspect_interpreter(python)
    assert len(probes) == 2
    assert not cache_dir.exists()


def test_real_pyenv_shim_answers_per_environment_and_is_never_run(
    cache_dir: Path, probes: list[str]
) -> None:
    shim = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "shims" / "python3"
    if not shim.exists():
        pytest.skip("no pyenv shims here")
    found = [
        inspect_interpreter(shim, environ=dict(os.environ, PYENV_VERSION=version))
        for version in ("3.12.1", "3.11.7", "3.12.1")
    ]
    assert [i.version for i in found] == ["3.12.1", "3.11.7", "3.12.1"]
    assert all(i.aliases == [str(shim)] and i.path != str(shim) for i in found)
    # The shim is resolved statically: its targets are probed (and cached), it never runs.
    assert probes == [found[0].path, found[1].path]


def test_creating_the_user_site_invalidates(
    tmp_path: Path, cache_dir: Path, probes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    python = pyenv_python("3.12.1")
    first = inspect_interpreter(python)
    assert first.user_site is not None and not first.user_site.exists
    Path(first.user_site.path).mkdir(parents=True)
    second = inspect_interpreter(python)
    assert second.user_site is not None and second.user_site.exists
    assert len(probes) == 2


def test_an_entry_is_parsed_once_while_its_file_holds(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whichpython.cache import probes as cache

    copy = relocated_copy("3.12.1", tmp_path / "copy")
    python = copy / "bin" / "python3.12"
    inspect_interpreter(python)
    monkeypatch.setattr(cache, "_PARSED", {})
    reads: list[str] = []
    real_read = cache.load_private
    monkeypatch.setattr(
        cache, "load_private", lambda *a, **k: reads.append(a[0]) or real_read(*a, **k)
    )
    store = cache.Cache(str(cache_dir))
    for _ in range(3):
        assert isinstance(store.load(str(python)), cache.ProbeResult)
    assert len(reads) == 1  # then only stat calls: the entry's and its dependencies'
    (entry,) = (cache_dir / "interpreters").glob("*.json")
    os.utime(entry)  # a rewrite, as far as its signature tells
    assert isinstance(store.load(str(python)), cache.ProbeResult)
    assert len(reads) == 2
    stat = python.stat()  # a dependency moves: the kept entry no longer holds
    os.utime(python, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert store.load(str(python)) is None


def test_concurrent_writers_leave_one_whole_entry(cache_dir: Path) -> None:
    """Writers race on one entry (no lock: each renames its own temp file over it): a reader
    always finds a whole answer, and one entry is left, no temp file."""
    import threading

    from whichpython.cache.probes import Cache, Watch

    python = str(pyenv_python("3.12.1"))
    inspect_interpreter(python)
    cache = Cache(str(cache_dir))
    probe = cache.load(python)
    assert probe is not None and not isinstance(probe, Exception)
    stop, seen = threading.Event(), []

    def write() -> None:
        for _ in range(30):
            cache.store(python, probe, Watch(python))

    def read() -> None:
        while not stop.is_set():
            seen.append(Cache(str(cache_dir)).load(python))

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write) for _ in range(6)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join()
    assert seen and all(found == probe for found in seen)
    names = os.listdir(cache_dir / "interpreters")
    assert len(names) == 1 and names[0].endswith(".json")
