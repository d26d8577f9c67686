"""What an environment's layout says about it: the tool that keeps it and the project it
belongs to (docs/classification.md, "Environments"; the layouts are recorded in
fixtures/environments/).

Read each time an interpreter is built, not cached: a marker file (``.project``,
``.tox-info.json``, ...) may come or go while the interpreter stays the same. Marker files
are read only if they are small regular files.
"""

import json
import os
import sys
from collections.abc import Mapping
from typing import Optional

import attrs

from whichpython.files import SMALL, FileRefused, read_text
from whichpython.models import Kind

#: The tools whose environments whichpython tells apart (a venv's ``manager``).
TOOLS = frozenset(
    {"poetry", "pipenv", "virtualenvwrapper", "pyenv", "hatch", "pdm", "tox", "pipx", "uv",
     "pixi", "conda"}
)  # fmt: skip


@attrs.frozen
class Ownership:
    """The tool that keeps an environment (None: none known) and its project directory."""

    tool: Optional[str] = None
    project: Optional[str] = None


def ownership(
    kind: Kind, manager: Optional[str], prefix: str, environ: Mapping[str, str]
) -> Ownership:
    """The tool and project of the environment at ``prefix`` (``sys.prefix``), first rule
    that matches: its own marker files, then the directories tools keep envs in, then a
    project-local name (``.venv``)."""
    if kind is Kind.MANAGED and manager == "pixi":
        return Ownership("pixi", _pixi_project(prefix))
    if kind is not Kind.VENV:
        return Ownership()
    parent = os.path.dirname(prefix)
    if _is_file(os.path.join(prefix, ".tox-info.json")):
        return Ownership("tox", os.path.dirname(parent) if _named(parent, ".tox") else None)
    if _is_file(os.path.join(prefix, "pipx_metadata.json")):
        return Ownership("pipx")
    project = _project_file(os.path.join(prefix, ".project"))
    hooks = _is_file(os.path.join(prefix, "Scripts" if _windows() else "bin", "postactivate"))
    if hooks:  # virtualenvwrapper's hook scripts, in every env it makes
        return Ownership("virtualenvwrapper", project)
    if project is not None:  # pipenv writes .project too, and no hooks
        return Ownership("pipenv", project)
    for tool, root in _roots(environ):
        if _under(prefix, root):
            return Ownership(tool)
    if _named(parent, ".hatch"):  # hatch's dirs.env.virtual = ".hatch" in the project
        return Ownership("hatch", os.path.dirname(parent))
    if os.path.basename(prefix) in (".venv", "venv"):
        return Ownership(None, parent)
    return Ownership()


def _roots(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(tool, the directory it keeps its envs in), from the tools' variables and defaults
    (pipenv's and virtualenvwrapper's are told by their marker files instead)."""
    home = environ.get("HOME") or environ.get("USERPROFILE") or os.path.expanduser("~")
    data, cache = _data_home(environ, home), _cache_home(environ, home)
    poetry_cache = environ.get("POETRY_CACHE_DIR") or os.path.join(
        cache, "pypoetry", *(["Cache"] if _windows() else [])
    )
    hatch = environ.get("HATCH_DATA_DIR") or os.path.join(data, "hatch")
    return [
        (
            "pyenv",
            os.path.join(environ.get("PYENV_ROOT") or os.path.join(home, ".pyenv"), "versions"),
        ),
        (
            "poetry",
            environ.get("POETRY_VIRTUALENVS_PATH") or os.path.join(poetry_cache, "virtualenvs"),
        ),
        ("hatch", os.path.join(hatch, "env", "virtual")),
        ("pdm", os.path.join(data, "pdm", *(["pdm"] if _windows() else []), "venvs")),
    ]


def _data_home(environ: Mapping[str, str], home: str) -> str:
    if _windows():
        return environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Application Support")
    return environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")


def _cache_home(environ: Mapping[str, str], home: str) -> str:
    if _windows():
        return environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    if sys.platform == "darwin":
        return environ.get("XDG_CACHE_HOME") or os.path.join(home, "Library", "Caches")
    return environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")


def _pixi_project(prefix: str) -> Optional[str]:
    """A pixi env's workspace: the directory of ``manifest_path`` in ``conda-meta/pixi``, else
    the directory holding ``.pixi/envs/<name>``."""
    try:
        marker = json.loads(read_text(os.path.join(prefix, "conda-meta", "pixi"), SMALL))
        manifest = marker.get("manifest_path") if isinstance(marker, dict) else None
        if isinstance(manifest, str) and os.path.isabs(manifest):
            return os.path.dirname(manifest)
    except (OSError, FileRefused, ValueError):
        pass
    envs = os.path.dirname(prefix)
    pixi = os.path.dirname(envs)
    return os.path.dirname(pixi) if _named(envs, "envs") and _named(pixi, ".pixi") else None


def _project_file(path: str) -> Optional[str]:
    """The project directory a ``.project`` file names (pipenv, virtualenvwrapper)."""
    try:
        text = read_text(path, 4096).strip()
    except (OSError, FileRefused, ValueError):
        return None
    return text if text and "\n" not in text and os.path.isabs(text) else None


def _is_file(path: str) -> bool:
    return os.path.isfile(path)


def _named(path: str, name: str) -> bool:
    return os.path.basename(path) == name


def _under(path: str, root: str) -> bool:
    fold = os.path.normcase
    return fold(path).startswith(fold(root).rstrip("\\/") + os.sep)


def _windows() -> bool:
    return sys.platform == "win32"
