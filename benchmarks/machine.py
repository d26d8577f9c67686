"""A reproducible synthetic machine built from the real interpreters present.

Layout under ``root`` (docs/performance.md):

* ``path/d000`` .. ``path/d099``: a PATH of 100 dirs; ``candidates`` interpreter entries are
  spread over them (symlinks to, and copies of, the real pyenv / Debian / PyPy binaries),
  plus unrelated executables, in a fixed pseudo-random order (``seed``);
* ``pyenv/versions/<v>``: a pyenv root whose versions link to the real pyenv builds;
* ``uv/python/cpython-3.12.1-linux-x86_64-gnu``: a relocated copy of pyenv 3.12 (bin copied,
  lib hard-linked);
* ``conda/envs/bench``: a conda env (``conda-meta/``) whose python links to a real one;
* ``nix/store``: ``nix_entries`` store entries (names only), a few of them Pythons;
* ``venvs/a``, ``venvs/b``: real venvs (without pip).

:func:`build_machine` returns the environment that points every tool at it;
:func:`expected_answers` says which interpreters it holds, :func:`check` judges a tool's
answer against that, and :func:`hostile_dir` makes a PATH dir whose ``python3`` hangs.
"""

import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any, Optional

PYENV = Path(os.environ.get("WHICHPYTHON_BENCH_PYENV", "/root/.pyenv")) / "versions"
SYSTEM = ["/usr/bin/python3.11", "/usr/bin/pypy3", "/usr/bin/python3.11d"]
PATH_DIRS = 100


def real_interpreters() -> list[str]:
    """``pythonX.Y`` binaries of every pyenv build, then Debian's, that exist here."""
    found = []
    if PYENV.is_dir():
        for version in sorted(PYENV.iterdir()):
            short = ".".join(version.name.split(".")[:2])
            binary = version / "bin" / f"python{short}"
            if binary.exists():
                found.append(str(binary))
    return found + [p for p in SYSTEM if os.path.exists(p)]


def build_machine(
    root: Path, *, candidates: int = 30, nix_entries: int = 50_000, seed: int = 1
) -> dict[str, str]:
    """Build the machine under ``root`` (emptied first) and return its environment."""
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(seed)
    reals = real_interpreters()
    if not reals:
        raise SystemExit("no real interpreters found (pyenv builds or /usr/bin/python3.11)")
    dirs = [root / "path" / f"d{i:03d}" for i in range(PATH_DIRS)]
    for folder in dirs:
        folder.mkdir(parents=True)
        for tool in ("ls", "cat"):  # unrelated executables, as on a real PATH
            (folder / f"{tool}-{folder.name}").symlink_to(f"/bin/{tool}")
    for index in range(candidates):
        real = reals[index % len(reals)]
        folder = dirs[rng.randrange(PATH_DIRS)]
        name = os.path.basename(real)
        target = folder / name
        if target.exists() or target.is_symlink():
            target = folder / f"{name}-{index}"  # not a python name: a decoy the scan skips
            target.symlink_to(real)
            continue
        if index % 7 == 3 and real.startswith(str(PYENV)):
            shutil.copy2(real, target)  # a copied binary: finds its prefix via the compiled-in one
        else:
            target.symlink_to(real)
    _pyenv(root / "pyenv")
    _uv(root / "uv" / "python")
    home = root / "home"
    home.mkdir()
    _conda(root / "conda", reals[0], home)
    nix_store = _nix(root / "nix" / "store", nix_entries, rng, reals)
    for name in ("a", "b"):
        subprocess.run([reals[-1] if "pypy" not in reals[-1] else reals[0], "-m", "venv",
                        "--without-pip", str(root / "venvs" / name)], check=True)  # fmt: skip
    return {
        "PATH": os.pathsep.join(str(d) for d in dirs) + os.pathsep + "/usr/bin:/bin",
        "HOME": str(home),
        "PYENV_ROOT": str(root / "pyenv"),
        "UV_PYTHON_INSTALL_DIR": str(root / "uv" / "python"),
        "NIX_STORE_DIR": str(nix_store),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }


def _pyenv(root: Path) -> None:
    versions = root / "versions"
    versions.mkdir(parents=True)
    if PYENV.is_dir():
        for version in PYENV.iterdir():
            (versions / version.name).symlink_to(version)


def _uv(install_dir: Path) -> Optional[Path]:
    source = PYENV / "3.12.1"
    if not source.is_dir():
        return None
    dest = install_dir / "cpython-3.12.1-linux-x86_64-gnu"
    dest.mkdir(parents=True)
    for child in source.iterdir():
        if child.name == "bin":
            shutil.copytree(child, dest / "bin", symlinks=True)
        elif child.is_dir():
            shutil.copytree(child, dest / child.name, symlinks=True, copy_function=_link)
        else:
            shutil.copy2(child, dest / child.name)
    return dest


def _link(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _conda(root: Path, real: str, home: Path) -> None:
    """A conda env, listed in ``~/.conda/environments.txt`` as conda does."""
    env = root / "envs" / "bench"
    (env / "conda-meta").mkdir(parents=True)
    (env / "bin").mkdir()
    (env / "bin" / "python").symlink_to(real)
    (root / "conda-meta").mkdir(parents=True)
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text(f"{root}\n{env}\n")


def _nix(store: Path, entries: int, rng: random.Random, reals: list[str]) -> Path:
    store.mkdir(parents=True)
    alphabet = "0123456789abcdfghijklmnpqrsvwxyz"  # Nix's base-32
    names = ["glibc-2.39", "bash-5.2", "openssl-3.0.14", "python3.12-requests-2.32.3",
             "zlib-1.3.1", "coreutils-9.5", "perl-5.38.2"]  # fmt: skip
    pythons = {5: "python3-3.12.1", 17: "python3-3.11.2", 29: "python3-3.12.1-env"}
    for index in range(entries):
        digest = "".join(rng.choice(alphabet) for _ in range(32))
        name = pythons.get(index) or names[index % len(names)]
        entry = store / f"{digest}-{name}"
        entry.mkdir()
        if index in pythons:
            (entry / "bin").mkdir()
            short = "3.12" if "3.12" in name else "3.11"
            real = next((r for r in reals if r.endswith(short)), reals[0])
            (entry / "bin" / f"python{short}").symlink_to(real)
    return store


# Printed by each real interpreter (2.7 to 3.13, PyPy): implementation and version.
_IDENTIFY = (
    "import platform, sys; sys.stdout.write('%s %d.%d.%d' % "
    "((platform.python_implementation(),) + tuple(sys.version_info[:3])))"
)
_INTERPRETER_NAME = ("python", "pypy")


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def _entries(root: Path, env: dict[str, str]) -> list[str]:
    """Every file on the machine that may be an interpreter (names only, nothing run)."""
    dirs = [d for d in env["PATH"].split(os.pathsep) if d]
    dirs += [str(p) for p in (root / "pyenv" / "versions").glob("*/bin")]
    dirs += [str(p) for p in (root / "uv" / "python").glob("*/bin")]
    dirs += [str(p) for p in (root / "conda" / "envs").glob("*/bin")]
    dirs += [str(p) for p in (root / "venvs").glob("*/bin")]
    store = env.get("NIX_STORE_DIR")
    if store and os.path.isdir(store):
        dirs += [os.path.join(store, n, "bin") for n in os.listdir(store) if "-python3-3." in n]
    found = []
    for folder in dirs:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found += [os.path.join(folder, n) for n in names if n.startswith(_INTERPRETER_NAME)]
    return found


def expected_answers(root: Path, env: dict[str, str]) -> dict[str, Any]:
    """What a correct tool answers on the machine built under ``root`` with ``env``.

    ``interpreters`` maps each distinct interpreter binary (realpath) reachable from the
    machine (PATH, pyenv root, uv dir, conda env, Nix store, venvs) to its implementation and
    version (each file asked once); ``find`` and ``find-range`` are the realpaths a correct
    ``find 3.12`` (CPython 3.12) and ``find '>=3.10'`` may resolve to; ``list`` is how many
    distinct interpreter files (inodes) there are; ``locations`` are the dirs an answer's path
    (unresolved) must lie in: the machine root and the dirs of its PATH.
    """
    interpreters: dict[str, dict[str, str]] = {}
    files: dict[tuple[int, int], dict[str, str]] = {}  # hard links (python3.7m) are one
    for entry in _entries(root, env):
        real = os.path.realpath(entry)
        if real in interpreters or not _is_elf(real):
            continue
        status = os.stat(real)
        info = files.get((status.st_dev, status.st_ino))
        if info is None:
            done = subprocess.run(
                [real, "-c", _IDENTIFY], env={"LANG": "C.UTF-8"}, capture_output=True, text=True
            )
            if done.returncode != 0 or done.stdout.count(" ") != 1:
                continue
            implementation, version = done.stdout.split()
            info = files[status.st_dev, status.st_ino] = {
                "implementation": implementation,
                "version": version,
            }
        interpreters[real] = info

    def release(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("."))

    return {
        "interpreters": interpreters,
        "find": sorted(
            real
            for real, info in interpreters.items()
            if info["implementation"] == "CPython" and release(info["version"])[:2] == (3, 12)
        ),
        "find-range": sorted(
            real for real, info in interpreters.items() if release(info["version"]) >= (3, 10)
        ),
        "list": len(files),
        "locations": [str(root), *sorted({d for d in env["PATH"].split(os.pathsep) if d})],
    }


ANSI = re.compile(r"\x1b\[[0-9;]*m")
ABSOLUTE = re.compile(r"(?<![\w.~-])(/[^\s'\"\[\]]+)")


def cli_paths(text: str) -> list[str]:
    """The first absolute path of each output line (what a CLI answered)."""
    found = []
    for line in ANSI.sub("", text).splitlines():
        match = ABSOLUTE.search(line)
        if match:
            found.append(match.group(1))
    return found


def check(op: str, paths: list[str], expected: dict[str, Any], own: str) -> tuple[list, str]:
    """Marks (wrong answer, found nothing, foreign entries) and a short note on the answer."""
    if not paths:
        return ["found nothing"], ""
    interpreters = expected["interpreters"]
    root, *path_dirs = expected["locations"]

    def on_machine(path: str) -> bool:
        path = os.path.abspath(path)
        return path.startswith(root + os.sep) or os.path.dirname(path) in path_dirs

    def why(path: str) -> str:
        if not on_machine(path):
            same = own and os.path.realpath(path) == os.path.realpath(own)
            return " (the interpreter it runs in)" if same else " (not on the machine)"
        info = interpreters.get(os.path.realpath(path))
        return f" (is {info['implementation']} {info['version']})" if info else " (no interpreter)"

    if op != "list":
        path = paths[0]
        good = on_machine(path) and os.path.realpath(path) in expected[op]
        return ([] if good else [f"wrong answer: {path}{why(path)}"]), path
    foreign = [p for p in paths if not on_machine(p) or os.path.realpath(p) not in interpreters]
    files = set()
    for path in paths:
        if path not in foreign:
            status = os.stat(os.path.realpath(path))
            files.add((status.st_dev, status.st_ino))
    marks = [f"includes {p}{why(p)}" for p in foreign]
    return marks, f"{len(paths)} entries, {len(files)} distinct of {expected['list']}"


HANG_SECONDS = 86399  # how long a hostile python3 sleeps; also how its process is recognised


def hostile_dir(folder: Path, pidfile: Path) -> Path:
    """A dir holding a ``python3`` (mode 755) that records its pid and sleeps for a day."""
    folder.mkdir(parents=True)
    script = folder / "python3"
    script.write_text(f"#!/bin/sh\necho $$ >> '{pidfile}'\nexec /bin/sleep {HANG_SECONDS}\n")
    script.chmod(0o755)
    return folder


def kill_hostile(pidfile: Path) -> int:
    """Kill (by pid) the hostile ``python3`` processes still sleeping; return how many."""
    killed = 0
    try:
        pids = [int(line) for line in pidfile.read_text().split()]
    except (OSError, ValueError):
        return 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue  # gone already
        if argv[:2] == [b"/bin/sleep", str(HANG_SECONDS).encode()]:  # still ours
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    pidfile.write_text("")
    return killed


def real_ctimes() -> dict[str, int]:
    """ctime of each real interpreter and of a few files of its install (``os.py``,
    ``Python.h``): what changes when something else links, copies or rebuilds them while a
    benchmark runs (the test suite hard-links pyenv files), which a warm cache must notice."""
    found = {}
    for binary in real_interpreters():
        prefix = os.path.dirname(os.path.dirname(binary))
        short = os.path.basename(binary).replace("python", "").replace("pypy", "")
        for path in (binary, f"{prefix}/lib/python{short}/os.py",
                     f"{prefix}/include/python{short}/Python.h"):  # fmt: skip
            with contextlib.suppress(OSError):
                found[path] = os.stat(path).st_ctime_ns
    return found
