"""What PET's locators read from an environment's files to name and describe it, read the
same way (capped, regular files only): ``pyvenv.cfg``'s version and prompt, the Python
executables of a prefix, a conda env's creation line and install, a uv project's name.
Each rule cites the PET file it follows (python-environment-tools at 8bd5fb4)."""

import os
import re
from typing import Optional

from whichpython.files import CONFIG, SMALL, read_text
from whichpython.sources.layout import read_toml

# crates/pet-core/src/pyvenv_cfg.rs: ``version = X.Y.Z`` exactly, else ``version_info``.
_VERSION = re.compile(r"^version\s*=\s*(\d+\.\d+\.\d+)$")
_VERSION_INFO = re.compile(r"^version_info\s*=\s*(\d+\.\d+\.\d+.*)$")
# crates/pet-python-utils/src/executable.rs: python, python3, python3.12 (not python3.12d).
_EXE_NAME = re.compile(r"python(\d+\.?)*$")


def _text(path: str, limit: int) -> Optional[str]:
    try:
        return read_text(path, limit)
    except OSError:  # missing, unreadable, refused (FileRefused is an OSError)
        return None


def pyvenv_cfg(prefix: str) -> tuple[Optional[str], Optional[str]]:
    """``(version, prompt)`` from ``<prefix>/pyvenv.cfg`` as PET reads them: the first line
    ``version = X.Y.Z`` or ``version_info = X.Y.Z...``, the first non-empty ``prompt``
    without its quotes."""
    text = _text(os.path.join(prefix, "pyvenv.cfg"), SMALL)
    version = prompt = None
    for line in (text or "").splitlines():
        if version is None:
            found = _VERSION.match(line) or _VERSION_INFO.match(line)
            if found:
                version = found.group(1)
                continue
        stripped = line.strip()
        if prompt is None and stripped.startswith("prompt") and "=" in stripped:
            value = stripped.split("=", 1)[1].strip()
            for quote in ('"', "'"):
                value = value.lstrip(quote).rstrip(quote)  # PET trims each quote kind in turn
            prompt = value or None
    return version, prompt


def _bin(prefix: str) -> str:
    for name in ("Scripts", "bin") if os.name == "nt" else ("bin",):
        if os.path.isdir(os.path.join(prefix, name)):
            return os.path.join(prefix, name)
    return prefix


def python_name(name: str) -> bool:
    """Named as PET's locators look for an interpreter: ``python``, ``python3``,
    ``python3.12`` (``.exe`` on Windows); not ``python3.11d``, ``python3.13t``, ``pypy3``."""
    base = name.lower()
    if os.name == "nt":
        if not base.endswith(".exe"):
            return False
        base = base[:-4]
    return base.startswith("python") and _EXE_NAME.search(base) is not None


def find_executables(prefix: str) -> list[str]:
    """The files named like ``python``, ``python3``, ``python3.12`` in the prefix's ``bin``
    (``Scripts``), sorted: the ``symlinks`` PET's locators give an environment."""
    folder = _bin(prefix)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    paths = (os.path.join(folder, name) for name in names if python_name(name))
    return sorted(path for path in paths if os.path.isfile(path))


#: Where PET looks for the interpreter of a directory it is asked to resolve, in order
#: (pet-python-utils executable.rs, find_executable).
_PET_NAMES = ("bin/python", "bin/python3", "python", "python3")
_PET_WINDOWS_NAMES = ("Scripts/python.exe", "Scripts/python3.exe", "bin/python.exe",
                      "bin/python3.exe", "python.exe", "python3.exe")  # fmt: skip


def prefix_python(folder: str, *, windows: bool = False) -> Optional[str]:
    """The interpreter of a venv or ``sys.prefix`` directory, as PET finds it when asked to
    resolve one: the first of ``bin/python``, ``bin/python3``, ``python``, ``python3``
    (Windows: ``Scripts\\python.exe``, ...) that is a file; else the first that is a broken
    link (inspecting it says what is wrong); else None."""
    paths = [os.path.join(folder, *name.split("/"))
             for name in (_PET_WINDOWS_NAMES if windows else _PET_NAMES)]  # fmt: skip
    found = next((path for path in paths if os.path.isfile(path)), None)
    return found or next((path for path in paths if os.path.islink(path)), None)


def pet_names(windows: bool = False) -> str:
    """The names :func:`prefix_python` tries, for a message."""
    return ", ".join(_PET_WINDOWS_NAMES if windows else _PET_NAMES)


# -- conda: crates/pet-conda/src/environments.rs, utils.rs -----------------------------------


def _conda_like(path: str) -> bool:
    return (
        os.path.exists(os.path.join(path, "condabin")) or os.path.exists(os.path.join(path, "envs"))
    ) and os.path.exists(os.path.join(path, "conda-meta"))


def is_conda_install(path: str) -> bool:
    """A conda installation (its base env): ``condabin`` or ``envs`` beside ``conda-meta``,
    and its grandparent is no such installation (then it is an env that happens to hold
    them)."""
    return _conda_like(path) and not _conda_like(os.path.dirname(os.path.dirname(path)))


def _creation_line(prefix: str) -> Optional[str]:
    text = _text(os.path.join(prefix, "conda-meta", "history"), CONFIG)
    for line in (text or "").splitlines():
        line = line.strip()
        if line.lower().startswith("# cmd:") and " create -" in line.lower():
            return line
    return None


def _conda_dir_from_cmd(line: str) -> Optional[str]:
    """The conda install the creation line's command ran from: the parent of its ``bin``,
    ``Scripts`` or ``condabin``, or of the ``lib`` holding ``site-packages/conda``."""
    lower = line.lower()
    start, end = lower.find("# cmd:") + len("# cmd:"), lower.find(" create -")
    exe = line[start:end].strip()
    if not exe:
        return None
    if not os.path.isabs(exe):  # a bare ``conda``: no install to tell from it
        return None
    folder = os.path.dirname(os.path.realpath(exe) if os.path.islink(exe) else exe)
    if os.path.basename(folder).lower() in ("bin", "scripts", "condabin"):
        return os.path.dirname(folder)
    if "site-packages" in folder and "lib" in folder:
        while "lib" in folder and not folder.endswith("lib"):
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        if folder.endswith("lib"):
            folder = os.path.dirname(folder)
    return folder


def _conda_dir(prefix: str, line: Optional[str]) -> Optional[str]:
    """The conda install that made the env at ``prefix``, as PET finds it from the env."""
    grandparent = os.path.dirname(os.path.dirname(prefix))
    if is_conda_install(grandparent):
        return grandparent
    if line is not None:
        found = _conda_dir_from_cmd(line)
        if found is not None:
            for candidate in (found, os.path.dirname(found)):
                if is_conda_install(candidate):
                    return candidate
    return prefix if is_conda_install(prefix) else None


def conda_name(prefix: str) -> Optional[str]:
    """PET's name of the conda env at ``prefix``: ``base`` for an installation; the
    folder's name for an env inside the install that made it (``<install>/envs/<name>``);
    for one elsewhere (a workspace's ``.conda``, ``conda create -p``), the folder's name only
    when its creation line says ``-n <name>``/``--name <name>``, else None (so a client
    activates it by its path). When no install can be found for it, PET would give the
    folder's name; whichpython applies the creation-line rule there too (docs/server.md)."""
    prefix = prefix.rstrip("/\\")
    if is_conda_install(prefix):
        return "base"
    line = _creation_line(prefix)
    conda_dir = _conda_dir(prefix, line)
    folder = os.path.basename(prefix)
    if conda_dir is not None and _within(prefix, conda_dir):
        return folder
    if line is not None and (f"-n {folder}" in line or f"--name {folder}" in line):
        return folder
    return None


def _within(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def uv_project_name(prefix: str) -> Optional[str]:
    """The ``[project] name`` of the project whose ``.venv`` is ``prefix``, unless that
    project is a uv workspace: PET's ``displayName`` of a uv project's env
    (crates/pet-uv/src/lib.rs, ``list_envs_in_directory``)."""
    if os.path.basename(prefix.rstrip("/\\")) != ".venv":
        return None
    pyproject = read_toml(os.path.join(os.path.dirname(prefix.rstrip("/\\")), "pyproject.toml"))
    tool = pyproject.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("uv"), dict) and "workspace" in tool["uv"]:
        return None
    project = pyproject.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) else None
