"""uv: its managed Pythons (``$UV_PYTHON_INSTALL_DIR`` or ``~/.local/share/uv/python``) and
the env of a project or workspace (fixtures/environments/uv.json)."""

import itertools
import operator
import os
import re
from collections.abc import Iterator
from typing import Any, Optional

from whichpython.files import FileRefused
from whichpython.sources.base import Candidate, Context, EnvironmentSource, InstallDirSource
from whichpython.sources.layout import env_candidate, lookup, read_toml, same_path
from whichpython.sources.pyvenv import read_pyvenv_cfg

# cpython-3.12.3-linux-x86_64-gnu, pypy-3.10.14-..., cpython-3.13.0+freethreaded-...
_KEY = re.compile(r"^(cpython|pypy|graalpy)-\d+\.\d+\.\d+[^-]*-[^-]+-[^-]+-[^-]+$")


class Uv(InstallDirSource):
    """Installs named by uv's keys; minor-version links (``cpython-3.12-...``) are skipped."""

    name = "uv"

    def roots(self, ctx: Context) -> list[str]:
        configured = ctx.environ.get("UV_PYTHON_INSTALL_DIR")
        if configured:
            return [configured]
        if ctx.windows and ctx.environ.get("APPDATA"):
            return [os.path.join(ctx.environ["APPDATA"], "uv", "python")]
        return [os.path.join(ctx.data_home(), "uv", "python")]

    def include(self, entry: str) -> bool:
        return super().include(entry) and bool(_KEY.match(os.path.basename(entry)))


class UvProjectEnvs(EnvironmentSource):
    """The env uv syncs a project into: ``$UV_PROJECT_ENVIRONMENT`` (absolute, or relative to
    the workspace root) when set, and ``<workspace root>/.venv``, where the workspace root is
    found as uv finds it (:func:`workspace_root`); their project is that root (one env for
    all the members). None machine-wide: uv keeps project envs in the projects.

    An env counts when uv made it for itself (:func:`_made_by_uv`) or the workspace root has
    a ``uv.lock``: a ``.venv`` that another tool made (or had uv make) for a project uv does
    not manage is not uv's. Not read: ``tool.uv.managed = false`` (the env is still the
    project's)."""

    name = "uv"
    markers = frozenset({"pyproject.toml"})

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        root = workspace_root(project, ctx)
        places = []
        configured = ctx.environ.get("UV_PROJECT_ENVIRONMENT", "")
        if configured:
            places.append(os.path.normpath(os.path.join(root, configured)))
        places.append(os.path.join(root, ".venv"))
        locked = os.path.isfile(os.path.join(root, "uv.lock"))
        seen: list[str] = []
        for place in places:
            if any(same_path(place, other) for other in seen):
                continue
            seen.append(place)
            if locked or _made_by_uv(place, ctx, {project, root}):
                found = env_candidate(place, self.name, ctx, root)
                if found is not None:
                    yield found


def workspace_root(project: str, ctx: Optional[Context] = None) -> str:
    """The root of the uv workspace ``project`` belongs to, as uv finds it: the nearest
    directory (``project`` or above) with a pyproject.toml; it is the root if it declares
    ``[tool.uv.workspace]``; else the next pyproject.toml above decides: a workspace whose
    ``members`` globs match the project and whose ``exclude`` globs do not is the root; a
    workspace that does not take it, a ``[project]``, or any other pyproject.toml ends the
    search with the project as its own root. ``project`` itself without any pyproject.toml
    above. A pyproject.toml another user planted is passed over (:meth:`Context.upward`)."""
    ctx = ctx or Context(environ=os.environ, cwd=project)
    found = (
        folder
        for folder, _ in ctx.upward(["pyproject.toml"], project)
        if os.path.isfile(os.path.join(folder, "pyproject.toml"))
    )
    member = next(found, None)
    if member is None:
        return project
    if lookup(read_toml(os.path.join(member, "pyproject.toml"), ctx), "tool", "uv", "workspace"):
        return member
    folder = next(found, None)
    if folder is not None:
        config = read_toml(os.path.join(folder, "pyproject.toml"), ctx)
        workspace = lookup(config, "tool", "uv", "workspace")
        if isinstance(workspace, dict) and _includes(folder, workspace, member):
            return folder
    return member


def _includes(root: str, workspace: dict[str, Any], member: str) -> bool:
    """Whether a ``members`` glob of the workspace at ``root`` matches ``member`` and no
    ``exclude`` glob does (globs relative to the root; ``*`` within one path component)."""
    parts = os.path.relpath(member, root).split(os.sep)
    if parts[0] in (os.curdir, os.pardir):
        return False

    def matches(key: str) -> bool:
        globs = workspace.get(key)
        if not isinstance(globs, list):
            return False
        return any(isinstance(g, str) and _glob_match(g, parts) for g in globs)

    return matches("members") and not matches("exclude")


#: A ``members``/``exclude`` glob of more parts (``**`` runs counted once) matches nothing.
GLOB_PARTS = 64


def _glob_match(pattern: str, parts: list[str]) -> bool:
    """Whether the path components ``parts`` match the ``/``-separated ``pattern``
    (``**`` matches any number of components). Consecutive ``**`` are one; the match is a
    walk over the pattern's parts keeping the set of components reached (parts x
    components ``fnmatch`` calls at most, no recursion); a pattern of more than
    :data:`GLOB_PARTS` parts or with a part longer than a file name (255) matches nothing."""
    import fnmatch  # here: only for a workspace's member globs

    pieces: list[str] = []
    for piece in pattern.replace("\\", "/").split("/"):
        if piece in ("", ".") or (piece == "**" and pieces[-1:] == ["**"]):
            continue
        if len(pieces) == GLOB_PARTS or len(piece) > 255:
            return False
        pieces.append(piece)
    fold = os.path.normcase
    names = [fold(part) for part in parts]
    reached = [True] + [False] * len(parts)  # reached[j]: the pieces so far match parts[:j]
    for piece in pieces:
        if piece == "**":
            reached = list(itertools.accumulate(reached, operator.or_))
        else:
            glob = fold(piece)
            reached = [False] + [
                reached[j] and fnmatch.fnmatchcase(names[j], glob) for j in range(len(parts))
            ]
        if not any(reached):
            return False
    return reached[-1]


def _made_by_uv(env: str, ctx: Context, projects: set[str]) -> bool:
    """Whether uv made the venv for itself: its pyvenv.cfg has uv's ``uv = <version>`` line
    and no prompt, or a prompt uv gives on its own (the project's name, as ``uv sync``
    does; the name of the venv's dir or of the project dir, as ``uv venv`` does). A venv
    another tool had uv make (pdm's uv backend writes ``prompt = <dir>-<X.Y>``) is not."""
    cfg = os.path.join(env, "pyvenv.cfg")
    try:
        values = read_pyvenv_cfg(cfg)
    except FileRefused as refused:
        ctx.skip(cfg, refused.reason)
        return False
    except OSError:
        return False
    if "uv" not in values:
        return False
    prompt = values.get("prompt")
    if not prompt:
        return True
    names = {os.path.basename(os.path.normpath(env))}
    for folder in projects:
        names.add(os.path.basename(os.path.normpath(folder)))
        name = lookup(read_toml(os.path.join(folder, "pyproject.toml"), ctx), "project", "name")
        if isinstance(name, str):
            names.add(name)
    return prompt in names
