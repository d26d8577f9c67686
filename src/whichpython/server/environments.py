"""An :class:`~whichpython.model.models.Interpreter` as a python-environment-tools (PET)
``Environment``: PET's field names and kind names, whichpython's own facts in ``whichpython``
(docs/server.md has the mapping table)."""

import os
import shutil
from collections.abc import Mapping
from typing import Any, Optional

from whichpython.model.models import Interpreter, Kind

#: PET's ``PythonEnvironmentKind`` names (crates/pet-core/src/python_environment.rs).
PET_KINDS = frozenset({
    "Conda", "Pixi", "Homebrew", "Pyenv", "GlobalPaths", "PyenvVirtualEnv", "Pipenv", "Poetry",
    "Hatch", "MacPythonOrg", "MacCommandLineTools", "LinuxGlobal", "MacXCode", "Uv",
    "UvWorkspace", "Venv", "VirtualEnv", "VirtualEnvWrapper", "WinPython", "WindowsStore",
    "WindowsRegistry",
})  # fmt: skip
_MANAGED = {"pyenv": "Pyenv", "conda": "Conda", "pixi": "Pixi"}
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


def pet_kind(python: Interpreter, environ: Mapping[str, str]) -> Optional[str]:
    """PET's kind name for ``python``, or None where none fits (uv-, asdf-, mise-, rye-,
    hatch- and pdm-managed installs: PET has no kind for an install kept by these)."""
    if python.kind is Kind.VENV:
        return _venv_kind(python)
    if python.kind is Kind.MANAGED:
        return _MANAGED.get(python.manager or "")
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
    if platform.startswith("linux") and _norm(python.prefixes.prefix) in ("/usr/", "/usr/local/"):
        return "LinuxGlobal"
    return "GlobalPaths"


def _name(python: Interpreter, kind: Optional[str]) -> Optional[str]:
    """The environment's name where PET gives one: a conda env's, a pyenv virtualenv's."""
    prefix = python.prefixes.prefix.rstrip("/\\")
    if kind == "Conda":
        parent = os.path.basename(os.path.dirname(prefix))
        return os.path.basename(prefix) if parent == "envs" else "base"
    if kind in ("PyenvVirtualEnv", "VirtualEnvWrapper", "Pipenv"):
        return os.path.basename(prefix)
    return None


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
    # Executables of this same environment: a venv's real binary is its base's, not its own.
    real = [python.real_path] if python.kind not in (Kind.VENV, Kind.NIX_ENV) else []
    symlinks = list(dict.fromkeys([python.path, *python.aliases, *real]))
    return {
        "displayName": None,
        "name": _name(python, kind),
        "executable": python.path,
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
    """A venv found in a workspace or environment directory that could not be inspected: PET
    reports such an environment with its ``error`` set rather than leaving it out."""
    return {
        "displayName": None, "name": None, "executable": executable, "kind": "Venv",
        "version": None, "prefix": prefix, "manager": None, "project": project, "arch": None,
        "symlinks": [executable], "error": error, "whichpython": None,
    }  # fmt: skip
