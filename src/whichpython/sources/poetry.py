"""poetry: the envs in its ``virtualenvs.path`` (``{cache-dir}/virtualenvs``) named
``<name>-<hash8>-py<X.Y>``, and a project's in-project ``.venv``
(fixtures/environments/poetry.json, read from poetry 2.5.1's sources).

Settings come as poetry takes them: a ``POETRY_*`` variable first (``POETRY_VIRTUALENVS_PATH``,
``POETRY_CACHE_DIR``, ``POETRY_VIRTUALENVS_IN_PROJECT``, ``..._USE_POETRY_PYTHON``), then the
project's ``poetry.toml``, then the global ``config.toml``. An env names its project only
through the hash, so the machine-wide listing has no project; a project's envs are found by
computing their name.
"""

import os
import re
from collections.abc import Iterator
from typing import Any, Optional

from whichpython.envplaces import poetry_cache_dir, poetry_config_dir, poetry_hash
from whichpython.sources.base import (
    Candidate,
    Context,
    EnvironmentSource,
    dir_hints,
    name_hints,
    venv_hints,
)
from whichpython.sources.executables import which
from whichpython.sources.layout import (
    child_dirs,
    env_candidate,
    expand,
    lookup,
    read_small,
    read_toml,
)

#: ``demo-app-jn5pDuhQ-py3.12``: the name, 8 urlsafe base64 characters, the Python's X.Y.
_ENV_NAME = re.compile(r"^.+-[A-Za-z0-9_-]{8}-py\d+\.\d+$")
_UNSAFE = re.compile(r'[ $`!*@"\\\r\n\t]')
_BOOLEAN_SETTINGS = ("virtualenvs.in-project", "virtualenvs.use-poetry-python")


def env_name(name: str, project: str, *, windows: bool = False) -> str:
    """poetry's ``generate_env_name``: the canonical project name, lower-cased, shell-unsafe
    characters as ``_``, cut to 42; ``-``; 8 characters of the urlsafe base64 SHA-256 of the
    project directory (symlinks resolved, case folded on Windows)."""
    canonical = re.sub(r"[-_.]+", "-", name).lower()  # packaging's canonicalize_name
    safe = _UNSAFE.sub("_", canonical)[:42]
    return f"{safe}-{poetry_hash(project, windows=windows)}"


class _Settings:
    """poetry's configuration: ``POETRY_*`` variables, then ``poetry.toml``, then the global
    ``config.toml``."""

    def __init__(self, ctx: Context, project: Optional[str] = None) -> None:
        self.ctx = ctx
        files = [os.path.join(project, "poetry.toml")] if project else []
        files.append(os.path.join(config_dir(ctx), "config.toml"))
        self.tables = [read_toml(path, ctx) for path in files if os.path.lexists(path)]

    def get(self, key: str) -> Any:
        variable = "POETRY_" + key.upper().replace(".", "_").replace("-", "_")
        if variable in self.ctx.environ:
            value = self.ctx.environ[variable]
            if key in _BOOLEAN_SETTINGS:
                return value.lower() in ("true", "1")
            return value or None  # an empty path: taken as unset
        for data in self.tables:
            found = lookup(data, *key.split("."))
            if found is not None:
                return found
        return None

    def path(self, value: Any) -> Optional[str]:
        if not isinstance(value, str) or not value:
            return None
        value = value.replace("{cache-dir}", self.cache_dir())
        return os.path.join(self.ctx.cwd, expand(value, self.ctx))

    def cache_dir(self) -> str:
        configured = self.get("cache-dir")
        if isinstance(configured, str) and configured and "{" not in configured:
            return os.path.join(self.ctx.cwd, expand(configured, self.ctx))
        return default_cache_dir(self.ctx)

    def virtualenvs_path(self) -> str:
        return self.path(self.get("virtualenvs.path")) or os.path.join(
            self.cache_dir(), "virtualenvs"
        )


def default_cache_dir(ctx: Context) -> str:
    """platformdirs' ``user_cache_dir("pypoetry")`` for the context's platform."""
    return poetry_cache_dir(ctx.environ, ctx.platform)


def config_dir(ctx: Context) -> str:
    """``$POETRY_CONFIG_DIR``, else platformdirs' roaming ``user_config_dir("pypoetry")``."""
    return poetry_config_dir(ctx.environ, ctx.platform)


def _static_minor(executable: str, ctx: Context) -> Optional[str]:
    """The X.Y of the Python at ``executable`` without running it: its pyvenv.cfg, the name
    its links end at (``python3.12``) or its install directory's (``versions/3.12.1``); None
    when none says (a shim)."""
    real = os.path.realpath(executable)
    found = venv_hints(executable, ctx)
    for hints in (found, name_hints(os.path.basename(real))):
        if hints is not None and hints.version and "." in hints.version:
            return ".".join(hints.version.split(".")[:2])
    version = dir_hints(os.path.basename(os.path.dirname(os.path.dirname(real)))).version
    return ".".join(version.split(".")[:2]) if version else None


def _poetry_python(ctx: Context) -> Optional[str]:
    """The interpreter poetry itself runs on: the one the ``#!`` line of the ``poetry``
    script on PATH names (``#!/usr/bin/env python3``: that name on PATH); None for anything
    else (a binary launcher is not read: over the size a script has)."""
    script = which("poetry", ctx)
    first = (read_small(script, None, 4096) or "").partition("\n")[0] if script else ""
    words = first[2:].split() if first.startswith("#!") else []
    if len(words) == 2 and os.path.basename(words[0]) == "env":
        return which(words[1], ctx)
    return words[0] if words and os.path.isabs(words[0]) else None


def preferred_minor(settings: "_Settings") -> Optional[str]:
    """poetry's ``Python.get_preferred_python``, for a project without an ``envs.toml``
    entry: the ``python`` on PATH unless ``virtualenvs.use-poetry-python`` is true, else (or
    when there is none: poetry would first ask findpython's other finders) the Python poetry
    runs on; its X.Y names the env (``<name>-<hash>-pyX.Y``). None when the interpreter
    cannot be known without running it."""
    ctx = settings.ctx
    python = None
    use_poetry = settings.get("virtualenvs.use-poetry-python")
    if isinstance(use_poetry, str):  # a quoted value in a TOML file
        use_poetry = use_poetry.lower() in ("true", "1")
    if not use_poetry:
        python = which("python", ctx)
    python = python or _poetry_python(ctx)
    return None if python is None else _static_minor(python, ctx)


def _is_poetry_project(project: str, pyproject: dict[str, Any]) -> bool:
    backend = lookup(pyproject, "build-system", "build-backend")
    tool = lookup(pyproject, "tool")
    return (
        (isinstance(tool, dict) and "poetry" in tool)
        or (isinstance(backend, str) and backend.startswith("poetry"))
        or os.path.isfile(os.path.join(project, "poetry.toml"))
    )


class PoetryEnvs(EnvironmentSource):
    """poetry's envs: every ``<name>-<hash8>-py<X.Y>`` in its virtualenvs dir; for a project,
    poetry's own order: the in-project ``.venv``, then the env ``poetry env use`` made active
    (envs.toml), else the one of the preferred Python (:func:`preferred_minor`), then the
    project's others sorted by name (``poetry env list``)."""

    name = "poetry"
    markers = frozenset({"pyproject.toml"})

    def store(self, ctx: Context) -> Optional[str]:
        return _Settings(ctx).virtualenvs_path()

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        root = _Settings(ctx).virtualenvs_path()
        for name in filter(_ENV_NAME.match, child_dirs(root, hidden=True)):
            found = env_candidate(os.path.join(root, name), self.name, ctx)
            if found is not None:
                yield found

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        """Nothing without a pyproject.toml. ``.venv`` is used unless ``virtualenvs.in-project``
        is false; when the setting is unset, only if the project is poetry's (a
        ``[tool.poetry]`` table, a poetry build backend or a poetry.toml)."""
        pyproject = read_toml(os.path.join(project, "pyproject.toml"), ctx)
        if not pyproject:  # missing, refused, not TOML (or empty)
            return
        settings = _Settings(ctx, project)
        in_project = settings.get("virtualenvs.in-project")
        if isinstance(in_project, str):  # a quoted value: in-project = "true"
            in_project = in_project.lower() in ("true", "1")
        dot_venv = os.path.join(project, ".venv")
        claimed = in_project or _is_poetry_project(project, pyproject)
        if in_project is not False and claimed:
            found = env_candidate(dot_venv, self.name, ctx, project)
            if found is not None:
                yield found
        name = lookup(pyproject, "project", "name") or lookup(pyproject, "tool", "poetry", "name")
        if name is None:
            name = "non-package-mode"
        if not isinstance(name, str):
            return
        stem = env_name(name, project, windows=ctx.windows)
        root = settings.virtualenvs_path()
        names = [n for n in child_dirs(root, hidden=True) if n.startswith(f"{stem}-py")]
        active = lookup(read_toml(os.path.join(root, "envs.toml"), ctx), stem, "minor")
        if not isinstance(active, str):  # no entry: poetry asks the preferred Python
            active = preferred_minor(settings)
        first = f"{stem}-py{(active or '').strip()}"
        for name in sorted(names, key=lambda n: n != first):
            found = env_candidate(os.path.join(root, name), self.name, ctx, project)
            if found is not None:
                yield found
