"""Adapters for timing peer interpreter-discovery tools against a synthetic machine.

Peers: uv, findpython (PDM), python-discovery (tox/virtualenv) and pythonfinder (pipenv).
Each ``Peer`` lists CLI argv per scenario and, for libraries, a Python expression evaluated
inside the peers venv by ``INPROC_TIMER``.  Scenarios: "find" (3.12), "find-range" (>=3.10)
and "list" (everything installed).  Unsupported scenarios are absent from the dicts.

What steers discovery (checked against the installed sources, see each peer's notes):

* uv: PATH, UV_PYTHON_INSTALL_DIR (managed dir, default $XDG_DATA_HOME/uv/python), VIRTUAL_ENV,
  CONDA_PREFIX, a ``.venv``/``.python-version``/``pyproject.toml`` in the cwd or its parents.
  It caches interpreter queries in UV_CACHE_DIR (default $XDG_CACHE_HOME/uv or ~/.cache/uv).
* findpython: PATH, PYENV_ROOT (default ~/.pyenv), ASDF_DATA_DIR (~/.asdf), RYE_PY_ROOT
  (~/.rye/py), UV_PYTHON_INSTALL_DIR (default platformdirs user_data_dir("uv")/python, i.e.
  $XDG_DATA_HOME/uv/python). No disk cache (only in-process functools.lru_cache).
* python-discovery: the running interpreter first, then PATH, then UV_PYTHON_INSTALL_DIR
  (or $XDG_DATA_HOME/uv/python, ~/.local/share/uv/python); pyenv/mise/asdf shims on PATH are
  resolved through PYENV_ROOT / MISE_DATA_DIR / ASDF_DATA_DIR and PYENV_VERSION or
  .python-version. No disk cache unless a ``DiskCache`` is passed (we pass none).
* pythonfinder: PATH and VIRTUAL_ENV; PYENV_ROOT / ASDF_DATA_DIR are read at import time and
  only used when a ``pyenv`` / ``asdf`` executable is on PATH. No disk cache. Its name filter
  (fnmatch ``python?.?``) rejects ``python3.10``+ names, so it only sees ``python3``/``python``
  /``python3.9``-style names: a machine must offer those for it to find 3.10+ interpreters.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field

PEER_PACKAGES = ["uv", "findpython", "python-discovery", "pythonfinder"]

SCENARIOS = ["find", "find-range", "list"]


def venv_bin(venv_dir: str) -> str:
    """Directory holding the peers venv's executables."""
    return os.path.join(venv_dir, "Scripts" if os.name == "nt" else "bin")


def venv_python(venv_dir: str) -> str:
    """Path of the peers venv's python."""
    return os.path.join(venv_bin(venv_dir), "python.exe" if os.name == "nt" else "python")


def install_peers(venv_dir: str) -> str:
    """Create ``venv_dir`` (if missing), pip-install the peers into it, return its python."""
    python = venv_python(venv_dir)
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv_dir], check=True)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PEER_PACKAGES],
        check=True,
    )
    return python


@dataclass(frozen=True)
class Peer:
    """How to run one peer tool for each scenario."""

    name: str
    cli: dict[str, list[str]] = field(default_factory=dict)
    inproc: dict[str, str] = field(default_factory=dict)
    imports: str = ""
    # Env vars naming the tool's cache dir; point them at an empty dir for a cold run.
    cache_env: list[str] = field(default_factory=list)
    # Env vars (besides PATH/HOME) that steer where the tool looks for interpreters.
    discovery_env: list[str] = field(default_factory=list)
    # Extra env to set when running the tool (output tweaks only, not discovery).
    env: dict[str, str] = field(default_factory=dict)


def peers(venv_dir: str) -> list[Peer]:
    """The four peers, with executables inside ``venv_dir``."""
    bindir = venv_bin(venv_dir)
    uv = os.path.join(bindir, "uv")
    findpython = os.path.join(bindir, "findpython")
    pyfinder = os.path.join(bindir, "pyfinder")
    return [
        Peer(
            name="uv",
            cli={
                "find": [uv, "python", "find", "3.12"],
                "find-range": [uv, "python", "find", ">=3.10"],
                "list": [uv, "python", "list", "--only-installed"],
            },
            # uv has no Python API; in-process is unsupported.
            cache_env=["UV_CACHE_DIR", "XDG_CACHE_HOME"],
            discovery_env=[
                "UV_PYTHON_INSTALL_DIR",
                "XDG_DATA_HOME",
                "VIRTUAL_ENV",
                "CONDA_PREFIX",
                "UV_PYTHON_DOWNLOADS",
                "UV_PYTHON_PREFERENCE",
            ],
        ),
        Peer(
            name="findpython",
            # No range syntax: ">=3.10" is taken as an interpreter *name* and matches nothing.
            cli={
                "find": [findpython, "--path", "3.12"],
                "list": [findpython, "--all", "--path"],
            },
            inproc={
                "find": "findpython.find('3.12')",
                "list": "findpython.find_all()",
            },
            imports="import findpython",
            cache_env=[],
            discovery_env=[
                "PYENV_ROOT",
                "ASDF_DATA_DIR",
                "RYE_PY_ROOT",
                "UV_PYTHON_INSTALL_DIR",
                "XDG_DATA_HOME",
            ],
        ),
        Peer(
            name="python-discovery",
            # No console script and no __main__: in-process only.
            inproc={
                "find": "python_discovery.get_interpreter('3.12')",
                "find-range": "python_discovery.get_interpreter('>=3.10')",
                "list": "list(python_discovery.iter_interpreters())",
            },
            imports="import python_discovery",
            cache_env=[],
            discovery_env=[
                "UV_PYTHON_INSTALL_DIR",
                "XDG_DATA_HOME",
                "PYENV_ROOT",
                "PYENV_VERSION",
                "MISE_DATA_DIR",
                "ASDF_DATA_DIR",
            ],
        ),
        Peer(
            name="pythonfinder",
            # No range syntax (find_python_version parses only versions/names).
            cli={
                "find": [pyfinder, "--find", "3.12"],
                "list": [pyfinder, "--findall"],
            },
            inproc={
                "find": "pythonfinder.Finder().find_python_version('3.12')",
                "list": "pythonfinder.Finder().find_all_python_versions()",
            },
            imports="import pythonfinder",
            cache_env=[],
            discovery_env=["PYENV_ROOT", "ASDF_DATA_DIR", "VIRTUAL_ENV"],
            env={"ANSI_COLORS_DISABLED": "1"},
        ),
    ]


# Run as: <peers venv python> -c INPROC_TIMER <imports> <expression> <repetitions>
INPROC_TIMER = r"""
import json
import statistics
import sys
import time


def _one(obj):
    for attr in ("executable", "path"):
        value = getattr(obj, attr, None)
        if value is not None:
            return str(value)
    return repr(obj)


def _summary(obj):
    if obj is None:
        return None
    if isinstance(obj, (list, tuple)):
        return {"count": len(obj), "first": _one(obj[0]) if obj else None}
    return _one(obj)


def _main():
    imports, expression, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    namespace = {}
    try:
        start = time.perf_counter()
        exec(imports, namespace)
        import_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        result = eval(expression, namespace)
        first_ms = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            eval(expression, namespace)
            times.append((time.perf_counter() - start) * 1000)
        out = {
            "import_ms": import_ms,
            "first_ms": first_ms,
            "median_ms": statistics.median(times) if times else None,
            "result": repr(_summary(result)),
        }
    except BaseException as exc:
        out = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(out))


_main()
"""
