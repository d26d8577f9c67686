"""python.org frameworks and Homebrew under a temp root (nothing here depends on the machine)."""

import time
from pathlib import Path

from whichpython.sources.base import Candidate, Context, Hints
from whichpython.sources.macos import Homebrew, PythonOrgFramework


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def ctx_for(tmp_path: Path, **environ: str) -> Context:
    env = {"HOME": str(tmp_path / "home"), **environ}
    return Context(environ=env, cwd=str(tmp_path), root=str(tmp_path), platform="darwin")


def cpython(version: str, freethreaded: bool = False) -> Hints:
    return Hints(version, "cpython", freethreaded, False, False)


def test_frameworks_newest_first_then_free_threaded(tmp_path: Path) -> None:
    versions = tmp_path / "Library" / "Frameworks" / "Python.framework" / "Versions"
    for version in ("3.9", "3.12", "3.13"):
        touch(versions / version / "bin" / f"python{version}")
        touch(versions / version / "bin" / "python3")
    (versions / "Current").symlink_to(versions / "3.13")
    (versions / "3.11" / "bin").mkdir(parents=True)  # uninstalled: no executable left
    threaded = tmp_path / "Library" / "Frameworks" / "PythonT.framework" / "Versions"
    touch(threaded / "3.13" / "bin" / "python3.13t")
    (threaded / "Current").symlink_to(threaded / "3.13")

    found = list(PythonOrgFramework().candidates(ctx_for(tmp_path)))

    assert found == [
        Candidate(str(versions / "3.13/bin/python3.13"), "python.org", cpython("3.13")),
        Candidate(str(versions / "3.12/bin/python3.12"), "python.org", cpython("3.12")),
        Candidate(str(versions / "3.9/bin/python3.9"), "python.org", cpython("3.9")),
        Candidate(str(threaded / "3.13/bin/python3.13t"), "python.org", cpython("3.13", True)),
    ]


def test_homebrew_env_prefix_first_then_default_prefixes(tmp_path: Path) -> None:
    custom = tmp_path / "custom-brew"
    arm = tmp_path / "opt" / "homebrew"
    intel = tmp_path / "usr" / "local"
    linux = tmp_path / "home" / "linuxbrew" / ".linuxbrew"
    cellar = tmp_path / "Cellar"

    def formula(prefix: Path, version: str) -> Path:
        real = cellar / prefix.name / f"python@{version}" / f"{version}.1"
        exe = touch(real / "bin" / f"python{version}")
        (prefix / "opt").mkdir(parents=True, exist_ok=True)
        (prefix / "opt" / f"python@{version}").symlink_to(real)  # opt/ links into the Cellar
        return prefix / "opt" / f"python@{version}" / "bin" / exe.name

    c313 = formula(custom, "3.13")
    a312 = formula(arm, "3.12")
    a310 = formula(arm, "3.10")
    a313 = formula(arm, "3.13")
    i39 = formula(intel, "3.9")
    l312 = formula(linux, "3.12")
    for other in ("openssl@3", "python-tk@3.12", "pypy3.10", "python@3.12-broken"):
        (arm / "opt" / other).mkdir()  # other formulae, never looked into
    (arm / "opt" / "python@3.11").mkdir()  # a dangling keg without bin/

    found = list(Homebrew().candidates(ctx_for(tmp_path, HOMEBREW_PREFIX=str(custom))))

    assert found == [
        Candidate(str(c313), "homebrew", cpython("3.13")),
        Candidate(str(a313), "homebrew", cpython("3.13")),
        Candidate(str(a312), "homebrew", cpython("3.12")),
        Candidate(str(a310), "homebrew", cpython("3.10")),
        Candidate(str(i39), "homebrew", cpython("3.9")),
        Candidate(str(l312), "homebrew", cpython("3.12")),
    ]
    # HOMEBREW_PREFIX naming a default prefix does not list it twice.
    again = list(Homebrew().candidates(ctx_for(tmp_path, HOMEBREW_PREFIX=str(arm))))
    assert [c.path for c in again] == [str(a313), str(a312), str(a310), str(i39), str(l312)]


def test_nothing_there_yields_nothing_quickly(tmp_path: Path) -> None:
    ctx = ctx_for(tmp_path, HOMEBREW_PREFIX=str(tmp_path / "missing"))
    start = time.perf_counter()
    assert list(PythonOrgFramework().candidates(ctx)) == []
    assert list(Homebrew().candidates(ctx)) == []
    assert time.perf_counter() - start < 0.5
