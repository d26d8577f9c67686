"""hatch: its managed Pythons, ``<data dir>/pythons/<name>/python``, and its environments,
``<env dir>/<project name>/<project id>/<env>`` (the env dir ``dirs.env.virtual`` of hatch's
config, else ``<data dir>/env/virtual``; fixtures/environments/hatch.json)."""

import os
import re
from collections.abc import Iterator
from typing import Any, Optional

from whichpython.envplaces import hatch_id
from whichpython.memo import remember
from whichpython.sources.base import Candidate, Context, EnvironmentSource, InstallDirSource
from whichpython.sources.layout import (
    child_dirs,
    env_candidate,
    expand,
    lookup,
    read_toml,
    same_path,
)


class Hatch(InstallDirSource):
    """Distributions installed by ``hatch python install``."""

    name = "hatch"

    def roots(self, ctx: Context) -> list[str]:
        return [os.path.join(_data_dir(ctx), "pythons")]

    def install_prefix(self, entry: str) -> str:
        return os.path.join(entry, "python")


class HatchEnvs(EnvironmentSource):
    """hatch's virtual environments. On the machine: every ``<project name>/<project id>/
    <env>`` under its env dir (the project is not recorded there: the id is a hash of its
    path). For a project: the envs its config places by ``path`` (``[tool.hatch.envs.<env>]``
    in pyproject.toml, ``[envs.<env>]`` in hatch.toml), then the env dir's envs of the
    project, then the flat ``<project>/.hatch/<env>`` (hatch's suggested in-project
    ``dirs.env.virtual``); the default env (named after the project) first in each.

    The env dir is ``dirs.env.virtual`` of hatch's config (``$HATCH_CONFIG``, else
    ``<user config dir>/hatch/config.toml``; a relative one is inside each project), else
    ``<data dir>/env/virtual`` (``$HATCH_DATA_DIR``, else the config's ``dirs.data``, else
    the user data dir). As hatch does, envs are flat in it (``<dir>/<env>``) when it is
    ``~/.virtualenvs`` or inside the project. Internal envs (``env/.internal``) and hatch's
    own ``.pythons``/``.scripts`` dirs are not project envs and are skipped."""

    name = "hatch"
    markers = frozenset({"pyproject.toml", "hatch.toml"})

    def store(self, ctx: Context) -> Optional[str]:
        folder = _env_dir(ctx)
        return None if folder is None or _flat(folder, None, ctx) else folder

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        root = self.store(ctx)
        if root is None:
            return
        for project_name in child_dirs(root):
            for project_id in child_dirs(os.path.join(root, project_name)):
                storage = os.path.join(root, project_name, project_id)
                for env in _default_first(child_dirs(storage), project_name):
                    found = env_candidate(os.path.join(storage, env), self.name, ctx)
                    if found is not None:
                        yield found

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        pyproject = read_toml(os.path.join(project, "pyproject.toml"), ctx)
        name = project_name(project, pyproject)
        configured = _configured_paths(project, pyproject, ctx)
        chosen = ctx.environ.get("HATCH_ENV", "").strip() or "default"
        places = []
        folder = _env_dir(ctx, project)
        if folder is not None and _flat(folder, project, ctx):
            storage: Optional[str] = folder
        elif folder is not None:
            storage = os.path.join(folder, name, project_id(project, ctx.platform))
        else:
            storage = None
        # the env `hatch run`/`hatch env find` use: its `path`, else its dir in the env dir
        override = ctx.environ.get("HATCH_ENV_TYPE_VIRTUAL_PATH", "").strip()
        if override:
            places.append(os.path.normpath(os.path.join(project, override)))
        elif chosen in configured:
            places.append(configured[chosen])
        elif storage is not None:
            places.append(os.path.join(storage, name if chosen == "default" else chosen))
        places += [configured[env] for env in _default_first(sorted(configured), "default")]
        if storage is not None:
            places += _envs_in(storage, name)
        places += _envs_in(os.path.join(project, ".hatch"), name)
        seen: list[str] = []
        for place in places:
            if any(same_path(place, other) for other in seen):
                continue
            seen.append(place)
            found = env_candidate(place, self.name, ctx, project)
            if found is not None:
                yield found


def _config(ctx: Context) -> dict[str, Any]:
    """hatch's config file, read once per search."""
    path = ctx.environ.get("HATCH_CONFIG") or os.path.join(
        ctx.user_config_dir("hatch"), "config.toml"
    )
    return remember("hatch config", path, lambda _: read_toml(path, ctx))


def _data_dir(ctx: Context) -> str:
    configured = lookup(_config(ctx), "dirs", "data")
    if not isinstance(configured, str) or not configured.strip():
        configured = None
    data = ctx.environ.get("HATCH_DATA_DIR") or configured or ctx.user_data_dir("hatch")
    return expand(data, ctx)


def _env_dir(ctx: Context, project: Optional[str] = None) -> Optional[str]:
    """The dir hatch keeps virtual envs in: ``dirs.env.virtual`` (relative: in ``project``,
    None without one), else ``<data dir>/env/virtual``."""
    configured = lookup(_config(ctx), "dirs", "env", "virtual")
    if isinstance(configured, str) and configured.strip():
        folder = expand(configured.strip(), ctx)
        if os.path.isabs(folder):
            return folder
        return os.path.normpath(os.path.join(project, folder)) if project else None
    return os.path.join(_data_dir(ctx), "env", "virtual")


def _flat(folder: str, project: Optional[str], ctx: Context) -> bool:
    """Whether hatch puts envs straight in ``folder``: ``~/.virtualenvs``, or a dir inside
    the project."""
    if same_path(folder, os.path.join(ctx.home, ".virtualenvs")):
        return True
    if project is None:
        return False
    inside = os.path.realpath(folder)
    root = os.path.realpath(project).rstrip(os.sep) + os.sep
    return inside.startswith(root)


def project_id(project: str, platform: str) -> str:
    """hatch's id of a project root: the first 8 characters of the URL-safe base64 SHA-256
    of its path as given (case-folded on Windows and macOS only)."""
    return hatch_id(project, platform)


def project_name(project: str, pyproject: dict[str, Any]) -> str:
    """hatch's name of a project: ``[project].name``, else the directory's name, normalized
    as PEP 503 says (runs of ``-_.`` become ``-``, lower case)."""
    name = lookup(pyproject, "project", "name")
    if not isinstance(name, str) or not name.strip():
        name = os.path.basename(os.path.normpath(project))
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _configured_paths(project: str, pyproject: dict[str, Any], ctx: Context) -> dict[str, str]:
    """The env dirs set by an env's ``path`` option (relative to the project), by env name;
    hatch.toml's ``[envs]`` before pyproject.toml's ``[tool.hatch.envs]``."""
    hatch_toml = read_toml(os.path.join(project, "hatch.toml"), ctx)
    places: dict[str, str] = {}
    for envs in (lookup(hatch_toml, "envs"), lookup(pyproject, "tool", "hatch", "envs")):
        if not isinstance(envs, dict):
            continue
        for env in sorted(envs):
            path = lookup(envs, env, "path")
            if isinstance(path, str) and path.strip() and env not in places:
                places[env] = os.path.normpath(os.path.join(project, path.strip()))
    return places


def _envs_in(storage: str, default: str) -> list[str]:
    """The env dirs in a storage dir, the default env (named ``default``) first."""
    return [os.path.join(storage, name) for name in _default_first(child_dirs(storage), default)]


def _default_first(names: list[str], default: str) -> list[str]:
    return sorted(names, key=lambda name: (name != default, name))
