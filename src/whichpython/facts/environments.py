"""What an environment's layout says about it: the tool that keeps it and the project it
belongs to (docs/classification.md, "Environments"; the layouts are recorded in
fixtures/environments/).

Read each time an interpreter is built, not cached: a marker file (``.project``,
``.tox-info.json``, ...) may come or go while the interpreter stays the same. Marker files
are read only if they are small regular files.
"""

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Optional

from whichpython.files import SMALL, FileRefused, read_text
from whichpython.memo import remember, unwatched
from whichpython.model.models import Interpreter, Kind

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

#: The tools whose environments whichpython tells apart (a venv's ``manager``).
TOOLS = frozenset(
    {"poetry", "pipenv", "virtualenvwrapper", "pyenv", "hatch", "pdm", "tox", "pipx", "uv",
     "pixi", "conda"}
)  # fmt: skip


#: A venv's manager when no tool's layout is known: what made it.
CREATORS = frozenset({"venv", "virtualenv"})


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
        unwatched()  # (its marker file is read as it is, not watched)
        return Ownership("pixi", _pixi_project(prefix))
    if kind is not Kind.VENV:
        return Ownership()
    unwatched()  # the tools' marker and config files: not watched
    # the sources' knowledge of each tool's layout: imported for venvs only
    from whichpython.sources import ENVIRONMENTS, Context
    from whichpython.sources.layout import has_hooks, project_file

    ctx = Context(environ=environ, cwd=os.sep)
    parent = os.path.dirname(prefix)
    if _is_file(os.path.join(prefix, ".tox-info.json")):
        return Ownership("tox", os.path.dirname(parent) if _named(parent, ".tox") else None)
    if _is_file(os.path.join(prefix, "pipx_metadata.json")):
        return Ownership("pipx")
    project = project_file(os.path.join(prefix, ".project"), ctx)
    if has_hooks(prefix, ctx):  # virtualenvwrapper's hook scripts, in every env it makes
        return Ownership("virtualenvwrapper", project)
    if project is not None:  # pipenv writes .project too, and no hooks
        return Ownership("pipenv", project)
    # the dirs tools keep their envs in (their config files read once per search)
    stores = remember(
        "environment stores",
        str(id(environ)),
        lambda _: [(source.name, source.store(ctx)) for source in ENVIRONMENTS],
    )
    for tool, store in stores:
        if store and _under(prefix, store):
            return Ownership(tool)
    if _named(parent, ".hatch"):  # hatch's dirs.env.virtual = ".hatch" in the project
        return Ownership("hatch", os.path.dirname(parent))
    if os.path.basename(prefix) in (".venv", "venv"):
        return Ownership(None, parent)
    return Ownership()


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


def _is_file(path: str) -> bool:
    return os.path.isfile(path)


def _named(path: str, name: str) -> bool:
    return os.path.basename(path) == name


def _under(path: str, root: str) -> bool:
    fold = os.path.normcase
    return fold(path).startswith(fold(root).rstrip("\\/") + os.sep)


def found_by(interpreter: Interpreter, source: str, project: Optional[str]) -> Interpreter:
    """``interpreter`` as a source found it: a tool's source names its manager where its own
    layout names only the creator (a pdm project's ``.venv``, made by virtualenv, or by uv
    through pdm's uv backend), and the finding's project where its layout names none (a
    poetry env, whose name hashes its project)."""
    manager = interpreter.manager
    made = manager in CREATORS or (manager == "uv" and interpreter.kind is Kind.VENV)
    if source in TOOLS and made:  # a venv's manager "uv" is only its creator's name
        manager = source
    return attrs.evolve(interpreter, manager=manager, project=interpreter.project or project)
