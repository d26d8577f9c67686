"""An :class:`~whichpython.model.models.Interpreter` as a python-environment-tools (PET)
``Environment``: PET's field names and kind names, whichpython's own facts in ``whichpython``
(docs/server.md has the mapping table)."""

import os
import shutil
from collections.abc import Mapping
from typing import Any, Optional

from whichpython.model.models import Interpreter, Kind
from whichpython.server import petfiles

#: PET's ``PythonEnvironmentKind`` names (crates/pet-core/src/python_environment.rs).
PET_KINDS = frozenset({
    "Conda", "Pixi", "Homebrew", "Pyenv", "GlobalPaths", "PyenvVirtualEnv", "Pipenv", "Poetry",
    "Hatch", "MacPythonOrg", "MacCommandLineTools", "LinuxGlobal", "MacXCode", "Uv",
    "UvWorkspace", "Venv", "VirtualEnv", "VirtualEnvWrapper", "WinPython", "WindowsStore",
    "WindowsRegistry",
})  # fmt: skip
#: PET's kinds of the installs a manager keeps; an install of any other manager (asdf, mise,
#: rye, hatch, pdm: no PET locator knows their roots) is ``GlobalPaths``, as PET reports an
#: install it finds only through PATH (crates/pet/src/locators.rs, the fallback kind).
_MANAGED = {"pyenv": "Pyenv", "conda": "Conda", "pixi": "Pixi", "uv": "Uv"}
_SYSTEM = {"homebrew": "Homebrew", "microsoft-store": "WindowsStore"}
#: whichpython managers that have a PET ``Manager`` tool, and where its executable lives
#: relative to the root the manager keeps its Pythons in.
_TOOLS = {"pyenv": ("Pyenv", ("bin/pyenv", "libexec/pyenv")),
          "conda": ("Conda", ("bin/conda", "condabin/conda", "Scripts/conda.exe"))}  # fmt: skip


def _norm(path: str) -> str:
    return path.replace("\\", "/").lower().rstrip("/") + "/"


#: PET's kinds for the tools that keep venvs (whichpython's manager of a venv, from its
#: layout: docs/classification.md).
_VENV_TOOLS = {"pyenv": "PyenvVirtualEnv", "poetry": "Poetry", "pipenv": "Pipenv",
               "virtualenvwrapper": "VirtualEnvWrapper", "hatch": "Hatch", "uv": "Uv"}  # fmt: skip


def _venv_kind(python: Interpreter) -> str:
    """PET's kind of a venv: the tool that keeps it, else Venv (a legacy virtualenv without
    pyvenv.cfg: VirtualEnv)."""
    if python.manager in _VENV_TOOLS:
        return _VENV_TOOLS[python.manager]
    if python.venv is not None and python.venv.config_path is None:
        return "VirtualEnv"
    return "Venv"  # the stdlib's, virtualenv 20+'s, pdm's, tox's, pipx's: PEP 405 venvs


def pet_kind(python: Interpreter, environ: Mapping[str, str]) -> str:
    """PET's kind name for ``python`` (docs/server.md, "Kind mapping")."""
    if python.kind is Kind.VENV:
        return _venv_kind(python)
    if python.kind is Kind.MANAGED:
        return _MANAGED.get(python.manager or "", "GlobalPaths")
    if python.kind is Kind.NIX_ENV:
        return "GlobalPaths"
    manager = python.manager or ""
    if manager in _SYSTEM:
        return _SYSTEM[manager]
    platform = python.platform.sys_platform if python.platform else ""
    if manager == "python.org":
        return "MacPythonOrg" if platform == "darwin" else "WindowsRegistry"
    if manager == "apple":
        return "MacXCode" if "/applications/xcode" in _norm(python.real_path) else (
            "MacCommandLineTools")  # fmt: skip
    if python.source == "windows-registry":
        return "WindowsRegistry"
    if (
        platform.startswith("linux")
        and _norm(python.prefixes.prefix) in ("/usr/", "/usr/local/")
        and petfiles.python_name(os.path.basename(python.path))
    ):  # PET's LinuxGlobal lists only python, python3, python3.12 (not python3.11d, pypy3)
        return "LinuxGlobal"
    return "GlobalPaths"


#: Kinds whose PET locator reports ``find_executables(prefix)`` as the symlinks: the venvs',
#: pyenv's, conda's, pixi's and uv's (crates/pet-venv, pet-pyenv, pet-conda, pet-uv, ...).
_PREFIX_KINDS = frozenset(set(_VENV_TOOLS.values()) | {"Venv", "VirtualEnv", "Pyenv", "Conda",
                                                       "Pixi", "UvWorkspace"})  # fmt: skip
_LABELS = {"pypy": "PyPy", "graalpy": "GraalPy", "ironpython": "IronPython", "jython": "Jython"}


def _name(python: Interpreter, kind: str) -> Optional[str]:
    """The environment's name where PET gives one: a conda env's (None for one to activate
    by its path), a pixi env's folder, a venv's ``pyvenv.cfg`` prompt (a hatch env's folder
    without one)."""
    prefix = python.prefixes.prefix.rstrip("/\\")
    if kind == "Conda":
        return petfiles.conda_name(prefix)
    if kind == "Pixi":
        return os.path.basename(prefix)
    if kind in ("Venv", "Uv", "UvWorkspace", "Hatch"):
        prompt = petfiles.pyvenv_cfg(prefix)[1]
        return prompt or (os.path.basename(prefix) if kind == "Hatch" else None)
    return None


def _flavour(python: Interpreter) -> tuple[Optional[str], Optional[str]]:
    """``(name, displayName)`` that tell an install apart from a plain CPython of the same
    version, which the clients would show alike (``Python 3.11.2``): PyPy's, a debug or a
    free-threaded build. ``(None, None)`` for a plain CPython."""
    label = _LABELS.get(python.implementation, python.implementation)
    tags = [t for t, on in (("free-threaded", python.freethreaded), ("debug", python.debug)) if on]
    if python.implementation == "cpython" and not tags:
        return None, None
    names = ([] if python.implementation == "cpython" else [label]) + tags
    title = "Python" if python.implementation == "cpython" else label
    display = f"{title} {python.version}" + (f" ({', '.join(tags)})" if tags else "")
    return ", ".join(names), display


def _executables(python: Interpreter, kind: str) -> tuple[str, list[str]]:
    """PET's ``executable`` and ``symlinks``: for an environment with a prefix, the files
    named like a Python in its ``bin`` that are this interpreter, the shortest path reported
    (``bin/python``: PET's ``PythonEnvironmentBuilder::build`` keeps the shortest); then
    whichpython's other paths to it (aliases; an install's real file). Only for a path
    inside the prefix: a link to it from elsewhere is reported as itself."""
    real = [python.real_path] if python.kind not in (Kind.VENV, Kind.NIX_ENV) else []
    ours = [python.path, *python.aliases, *real]
    prefix = os.path.join(python.prefixes.prefix, "")
    if kind not in _PREFIX_KINDS or not python.path.startswith(prefix):
        # A link from elsewhere (a PATH directory) to an environment's binary: PET's locators
        # do not claim it (they match the path, not its target), and report the path itself.
        return python.path, list(dict.fromkeys(ours))
    target = os.path.realpath(python.path)
    listed = [p for p in petfiles.find_executables(python.prefixes.prefix)
              if os.path.realpath(p) == target]  # fmt: skip
    if not listed:
        return python.path, list(dict.fromkeys(ours))
    if os.path.dirname(python.path) == os.path.dirname(listed[0]):
        listed = sorted({*listed, python.path})
    executable = min(listed, key=len)  # the first of the shortest, in sorted order
    return executable, list(dict.fromkeys([*listed, *ours]))


def pet_manager(python: Interpreter, environ: Mapping[str, str]) -> Optional[dict[str, Any]]:
    """PET's ``Manager`` ({executable, version, tool}) for a pyenv or conda install, when
    the manager's executable is found beside its installs or on PATH; else None."""
    if python.kind is not Kind.MANAGED or python.manager not in _TOOLS:
        return None
    tool, places = _TOOLS[python.manager]
    prefix = python.prefixes.base_prefix.rstrip("/\\")
    if python.manager == "pyenv":  # <root>/versions/<version>
        roots = [os.path.dirname(os.path.dirname(prefix)), environ.get("PYENV_ROOT", "")]
    else:  # the base env, or <base>/envs/<name>
        roots = [prefix, os.path.dirname(os.path.dirname(prefix))]
    candidates = [os.path.join(root, place) for root in roots if root for place in places]
    if python.manager == "conda" and environ.get("CONDA_EXE"):
        candidates.append(environ["CONDA_EXE"])
    found = next((c for c in candidates if os.path.isfile(c) and os.access(c, os.X_OK)), None)
    if found is None:
        found = shutil.which(python.manager, path=environ.get("PATH", ""))
    if found is None:
        return None
    return {"executable": found, "version": None, "tool": tool}


def environment(
    python: Interpreter, environ: Mapping[str, str], *, project: Optional[str] = None
) -> dict[str, Any]:
    """The PET ``Environment`` of one interpreter (every PET field present, null if unknown)."""
    kind = pet_kind(python, environ)
    bits = python.platform.pointer_bits if python.platform else None
    executable, symlinks = _executables(python, kind)
    name, display = _name(python, kind), None
    if kind == "Uv":
        display = petfiles.uv_project_name(python.prefixes.prefix)
    if display is None and name is None and python.kind is not Kind.VENV and kind != "Conda":
        name, display = _flavour(python)  # never a conda env's: its name is for activation
    return {
        "displayName": display,
        "name": name,
        "executable": executable,
        "kind": kind,
        "version": python.version,
        "prefix": python.prefixes.prefix,
        "manager": pet_manager(python, environ),
        "project": project or python.project,
        "arch": {64: "x64", 32: "x86"}.get(bits or 0),
        "symlinks": symlinks,
        "error": None,
        "whichpython": {
            "kind": python.kind.value,
            "manager": python.manager,
            "source": python.source,
            "implementation": python.implementation,
            "freethreaded": python.freethreaded,
            "debug": python.debug,
            "realPath": python.real_path,
            "baseExecutable": python.base_executable,
            "externallyManaged": python.externally_managed,
        },
    }


def broken_environment(
    executable: str, prefix: str, error: str, *, project: Optional[str] = None
) -> dict[str, Any]:
    """A venv that could not be inspected, as PET reports one (crates/pet-venv/src/lib.rs,
    ``try_environment_from_venv_dir``): kind ``Venv``, its ``error``, and what its
    ``pyvenv.cfg`` tells (version, prompt), so that a client shows it as broken rather than
    trying to resolve it; the executable PET would pick (``bin/python``, even a broken link)."""
    version, prompt = petfiles.pyvenv_cfg(prefix)
    executable = petfiles.prefix_python(prefix, windows=os.name == "nt") or executable
    return {
        "displayName": None, "name": prompt, "executable": executable, "kind": "Venv",
        "version": version, "prefix": prefix, "manager": None, "project": project,
        "arch": None, "symlinks": [executable], "error": error, "whichpython": None,
    }  # fmt: skip
