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

:func:`build_machine` returns the environment that points every tool at it.
"""

import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Optional

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
