"""pdm: the interpreters it installs, ``<user data dir>/pdm/python/<impl>@<version>`` (the
default ``python.install_root``), and its venvs: ``<project>/.venv`` and
``<venv.location>/<project dir name>-<hash>-<name>`` (fixtures/environments/pdm.json)."""

import base64
import hashlib
import os
from collections.abc import Iterator
from typing import Optional

from whichpython.sources.base import (
    Candidate,
    Context,
    EnvironmentSource,
    Hints,
    InstallDirSource,
    venv_hints,
)
from whichpython.sources.layout import (
    child_dirs,
    env_candidate,
    is_venv,
    lookup,
    read_small,
    read_toml,
    same_path,
)
from whichpython.sources.pyvenv import find_pyvenv_cfg


class Pdm(InstallDirSource):
    """Interpreters installed by ``pdm python install`` into the default root."""

    name = "pdm"

    def roots(self, ctx: Context) -> list[str]:
        # platformdirs.user_data_dir("pdm"): its author defaults to the app's name on Windows
        return [os.path.join(ctx.user_data_dir("pdm", author="pdm"), "python")]


class PdmEnvs(EnvironmentSource):
    """pdm's venvs. On the machine: every venv in ``venv.location`` (the global config's, else
    ``<user data dir>/pdm/venvs``: the data dir, not the cache), whose project is not recorded
    (the name holds a hash of its path). For a project, in the order ``pdm venv list`` and
    pdm's interpreter choice use: the interpreter pdm saved (``$PDM_PYTHON``, else
    ``.pdm-python``, else a legacy ``.pdm.toml``'s ``python.path``) when it is a venv's, then
    (in a pdm project) the first of ``.venv``, ``venv``, ``env`` that is a venv, then
    ``<venv.location>/<dir name>-<hash>-*``. Venvs made by pdm's conda backend (no
    pyvenv.cfg) are left to the conda source."""

    name = "pdm"
    markers = frozenset({"pyproject.toml"})

    def store(self, ctx: Context) -> Optional[str]:
        return venv_location(ctx)

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        location = venv_location(ctx)
        for name in child_dirs(location, hidden=True):
            found = env_candidate(os.path.join(location, name), self.name, ctx)
            if found is not None:
                yield found

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        places = []
        for name in (".venv", "venv", "env") if _is_pdm_project(project, ctx) else ():
            if is_venv(os.path.join(project, name)):
                places.append(os.path.join(project, name))
                break
        location = venv_location(ctx)
        prefix = f"{os.path.basename(os.path.normpath(project))}-{hash_path(project)}-"
        names = child_dirs(location, hidden=True)
        places += [os.path.join(location, n) for n in names if n.startswith(prefix)]
        saved = self._saved(project, ctx)
        if saved is not None:
            yield saved[0]
        for place in places:
            if saved is not None and same_path(place, saved[1]):
                continue
            found = env_candidate(place, self.name, ctx, project)
            if found is not None:
                yield found

    def _saved(self, project: str, ctx: Context) -> Optional[tuple[Candidate, str]]:
        """The interpreter pdm saved for the project (``$PDM_PYTHON``, ``.pdm-python``, a
        legacy ``.pdm.toml``) and its venv, when it is a venv's."""
        python = ctx.environ.get("PDM_PYTHON", "").strip()
        if not python and os.path.lexists(os.path.join(project, ".pdm-python")):
            python = (read_small(os.path.join(project, ".pdm-python"), ctx) or "").strip()
        elif not python:
            legacy = lookup(read_toml(os.path.join(project, ".pdm.toml"), ctx), "python", "path")
            python = legacy.strip() if isinstance(legacy, str) else ""
        if not python or "\n" in python or not os.path.isabs(python):
            return None
        cfg = find_pyvenv_cfg(python) if os.path.lexists(python) else None
        if cfg is None:
            return None
        hints = venv_hints(python, ctx) or Hints(venv=True)
        return Candidate(python, self.name, hints, project=project), os.path.dirname(cfg)


def _is_pdm_project(project: str, ctx: Context) -> bool:
    """Whether pdm manages the project (``pdm.lock``, ``.pdm-python`` or a ``[tool.pdm]``
    table): only then is its in-project venv pdm's rather than any tool's."""
    if any(os.path.isfile(os.path.join(project, name)) for name in ("pdm.lock", ".pdm-python")):
        return True
    return isinstance(
        lookup(read_toml(os.path.join(project, "pyproject.toml"), ctx), "tool", "pdm"), dict
    )


def venv_location(ctx: Context) -> str:
    """pdm's ``venv.location``: the global config's (``$PDM_CONFIG_FILE``, else
    ``<user config dir>/pdm/config.toml``; ``~`` expanded), else ``<user data dir>/venvs``."""
    config = ctx.environ.get("PDM_CONFIG_FILE") or os.path.join(
        ctx.user_config_dir("pdm", author="pdm"), "config.toml"
    )
    location = lookup(read_toml(config, ctx), "venv", "location")
    if isinstance(location, str) and location.strip():
        location = location.strip()
        if location.startswith("~"):
            location = ctx.home + location[1:]
        return location
    return os.path.join(ctx.user_data_dir("pdm", author="pdm"), "venvs")


def hash_path(project: str) -> str:
    """pdm's hash of a project root: the first 8 characters of the URL-safe base64 MD5 of
    its path as given, with ``/`` separators (also on Windows), not case-folded."""
    path = os.path.normpath(project).replace("\\", "/")
    digest = hashlib.md5(path.encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:8]
