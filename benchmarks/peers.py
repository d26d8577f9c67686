"""Adapters for timing whichpython and its peers against a synthetic machine.

Peers: uv, findpython (PDM), python-discovery (tox/virtualenv) and pythonfinder (pipenv).
Each ``Tool`` lists CLI argv per operation and, for libraries, a Python expression that
``scenarios.LIB_TIMER`` evaluates in a fresh process of ``Tool.python``, with the attribute
that names the path an answer object found (checked against the machine by ``scenarios``).
Operations: "find" (3.12), "find-range" (>=3.10) and "list" (everything installed); an
operation a tool lacks is absent from its dicts (reported as "not supported").

What steers discovery (checked against the installed sources):

* uv: PATH, UV_PYTHON_INSTALL_DIR (managed dir), VIRTUAL_ENV, CONDA_PREFIX, a ``.venv`` /
  ``.python-version`` / ``pyproject.toml`` in the cwd or its parents, uv.toml under
  $XDG_CONFIG_HOME or ~/.config. It caches interpreter queries in UV_CACHE_DIR.
* findpython: PATH, PYENV_ROOT, ASDF_DATA_DIR (~/.asdf), RYE_PY_ROOT (~/.rye/py),
  UV_PYTHON_INSTALL_DIR. No disk cache (in-process ``lru_cache`` only); 5 s probe timeout
  (FINDPYTHON_GET_VERSION_TIMEOUT). It never offers the interpreter it runs in.
* python-discovery: **the interpreter it runs in first** (``_propose_current_and_windows``,
  no argument turns it off), then PATH, then UV_PYTHON_INSTALL_DIR; pyenv/mise/asdf shims are
  resolved. No CLI. Disk cache only when a ``DiskCache`` is passed: we pass one under
  $XDG_CACHE_HOME/python-discovery (as virtualenv and tox pass theirs), so cold and warm mean
  what they mean for the others. Probe timeout 15 s (PY_DISCOVERY_TIMEOUT), retried once.
  Requires Python >= 3.9, and cannot query 2.7 or 3.5. To make it search, its library runs in
  its own venv made from a Python that satisfies neither request (3.9, see
  :func:`install_discovery_venv`); in ``list`` it still includes that venv first.
* pythonfinder: PATH (and sys.executable's dir only with ``system=True``, not the default);
  PYENV_ROOT / ASDF_DATA_DIR only when a ``pyenv`` / ``asdf`` executable is on PATH. No
  disk cache. Its name filter (``python?.?``) rejects ``python3.10``+ names: it only sees
  ``python3``/``python``/``python3.9``-style names. A 5 s probe timeout that does not kill the
  probe (``communicate(timeout=5)`` without ``kill``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

PEER_PACKAGES = ["uv", "findpython", "python-discovery", "pythonfinder"]
OPERATIONS = ["find", "find-range", "list"]
REQUESTS = {"find": "3.12", "find-range": ">=3.10", "list": None}


def venv_bin(venv_dir: str) -> str:
    """Directory holding a venv's executables."""
    return os.path.join(venv_dir, "Scripts" if os.name == "nt" else "bin")


def venv_python(venv_dir: str) -> str:
    """Path of a venv's python."""
    return os.path.join(venv_bin(venv_dir), "python.exe" if os.name == "nt" else "python")


def _package_version(python: str, package: str) -> str | None:
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def install_peers(venv_dir: str) -> str:
    """Create ``venv_dir`` (if missing), pip-install the peers into it, return its python."""
    python = venv_python(venv_dir)
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv_dir], check=True)
    if any(_package_version(python, package) is None for package in PEER_PACKAGES):
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             *PEER_PACKAGES],
            check=True,
        )  # fmt: skip
    return python


def install_discovery_venv(venv_dir: str, candidates: list[str]) -> str | None:
    """A venv (``<venv_dir>-pd``) for python-discovery's library, from a CPython 3.9.

    python-discovery offers the interpreter it runs in before searching; run in the peers
    venv (3.11) ``get_interpreter('>=3.10')`` returns that venv and measures nothing. 3.9 is
    the one version it supports (>= 3.9) that matches neither request, so it must search.
    The same python-discovery version as in the peers venv is installed. None: no 3.9 here.
    """
    base = next((p for p in candidates if os.path.basename(p) == "python3.9"), None)
    if base is None:
        return None
    target = f"{venv_dir}-pd"
    python = venv_python(target)
    if not os.path.exists(python):
        subprocess.run([base, "-m", "venv", target], check=True)
    wanted = _package_version(venv_python(venv_dir), "python-discovery")
    if wanted is None or _package_version(python, "python-discovery") != wanted:
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             f"python-discovery=={wanted}" if wanted else "python-discovery"],
            check=True,
        )  # fmt: skip
    return python


@dataclass(frozen=True)
class Tool:
    """How to run one tool for each operation."""

    name: str
    cli: dict[str, list[str]] = field(default_factory=dict)
    lib: dict[str, str] = field(default_factory=dict)  # operation -> expression
    imports: str = ""
    python: str | None = None  # runs the library timer
    attr: str = "executable"  # the attribute of an answer object that holds its path
    packages: tuple[str, ...] = ()  # whose versions the report states
    version_argv: list[str] | None = None
    disk_cache: bool = False  # keeps state between processes (so warm differs from cold)


def whichpython_tool() -> Tool:
    """whichpython as a user runs it: the console script next to this python."""
    script = Path(sys.executable).with_name("whichpython")
    entry = [str(script)] if script.exists() else [sys.executable, "-m", "whichpython"]
    return Tool(
        name="whichpython",
        cli={op: [*entry, *(["list"] if r is None else ["find", r])] for op, r in REQUESTS.items()},
        lib={
            "find": "whichpython.find_interpreter('3.12')",
            "find-range": "whichpython.find_interpreter('>=3.10')",
            "list": "list(whichpython.find_interpreters())",
        },
        imports="import whichpython",
        python=sys.executable,
        attr="path",
        packages=("whichpython",),
        disk_cache=True,
    )


def peers(venv_dir: str, discovery_python: str | None) -> list[Tool]:
    """The four peers, with executables inside ``venv_dir``."""
    bindir = venv_bin(venv_dir)
    python = venv_python(venv_dir)
    uv = os.path.join(bindir, "uv")
    findpython = os.path.join(bindir, "findpython")
    pyfinder = os.path.join(bindir, "pyfinder")
    return [
        Tool(
            name="uv",  # no Python API
            cli={
                "find": [uv, "python", "find", "3.12"],
                "find-range": [uv, "python", "find", ">=3.10"],
                "list": [uv, "python", "list", "--only-installed"],
            },
            version_argv=[uv, "--version"],
            disk_cache=True,
        ),
        Tool(
            name="findpython",  # no range syntax: ">=3.10" would be taken as a name
            cli={"find": [findpython, "--path", "3.12"], "list": [findpython, "--all", "--path"]},
            lib={"find": "findpython.find('3.12')", "list": "findpython.find_all()"},
            imports="import findpython",
            python=python,
            packages=("findpython",),
        ),
        Tool(
            name="python-discovery",  # no console script and no __main__: library only
            lib={
                "find": "python_discovery.get_interpreter('3.12', cache=CACHE)",
                "find-range": "python_discovery.get_interpreter('>=3.10', cache=CACHE)",
                "list": "list(python_discovery.iter_interpreters(cache=CACHE))",
            },
            imports=(
                "import os, pathlib, python_discovery\n"
                "CACHE = python_discovery.DiskCache("
                "pathlib.Path(os.environ['XDG_CACHE_HOME'], 'python-discovery'))"
            ),
            python=discovery_python or python,
            packages=("python-discovery",),
            disk_cache=True,
        ),
        Tool(
            name="pythonfinder",  # no range syntax (find_python_version parses versions/names)
            cli={"find": [pyfinder, "--find", "3.12"], "list": [pyfinder, "--findall"]},
            lib={
                "find": "pythonfinder.Finder().find_python_version('3.12')",
                "list": "pythonfinder.Finder().find_all_python_versions()",
            },
            imports="import pythonfinder",
            python=python,
            attr="path",
            packages=("pythonfinder",),
        ),
    ]


def tool_versions(tools: list[Tool]) -> dict[str, str]:
    """Each tool's version (``--version`` or its package's), and the python its library runs in."""
    versions: dict[str, str] = {}
    for tool in tools:
        if tool.version_argv:
            done = subprocess.run(tool.version_argv, capture_output=True, text=True)
            versions[tool.name] = done.stdout.strip()
        for package in tool.packages:
            assert tool.python
            version = _package_version(tool.python, package) or "?"
            code = "import sys, json; print(json.dumps([sys.executable, sys.version.split()[0]]))"
            done = subprocess.run([tool.python, "-c", code], capture_output=True, text=True)
            where = json.loads(done.stdout) if done.returncode == 0 else [tool.python, "?"]
            versions[tool.name] = f"{package} {version} (library in {where[0]}, Python {where[1]})"
    return versions
