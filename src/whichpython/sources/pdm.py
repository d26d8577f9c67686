"""pdm: the interpreters it installs, ``<user data dir>/pdm/python/<impl>@<version>`` (the
default ``python.install_root``), and its venvs: ``<project>/.venv`` and
``<venv.location>/<project dir name>-<hash>-<name>`` (fixtures/environments/pdm.json)."""

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Optional

from whichpython.envplaces import pdm_hash, pdm_prefix
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

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet


class Pdm(InstallDirSource):
    """Interpreters installed by ``pdm python install`` into the default root."""

    name = "pdm"

    def roots(self, ctx: Context) -> list[str]:
        # platformdirs.user_data_dir("pdm"): its author defaults to the app's name on Windows
        return [os.path.join(ctx.user_data_dir("pdm", author="pdm"), "python")]


class PdmEnvs(EnvironmentSource):
    """pdm's venvs. On the machine: every venv in ``venv.location`` (the global config's, else
    ``<user data dir>/pdm/venvs``: the data dir, not the cache), whose project is not recorded
    (the name holds a hash of its path). For a project, in the order pdm's interpreter choice
    (``Project.resolve_interpreter``) uses: the interpreter pdm saved (``$PDM_PYTHON``, else
    ``.pdm-python``, else a legacy ``.pdm.toml``'s ``python.path``), a venv's or a plain
    one; then, unless ``python.use_venv`` is off (``$PDM_USE_VENV``, the project's
    ``pdm.toml``, the global config), in a pdm project the first of ``.venv``, ``venv``,
    ``env`` that is a venv, then ``<venv.location>/<dir name>-<hash>-*`` in the order the
    directory lists them (pdm's glob does not sort). A venv (or saved interpreter) whose
    pyvenv.cfg version fails the project's ``requires-python`` is passed over, as pdm
    passes it over. Venvs made by pdm's conda backend (no pyvenv.cfg) are left to the
    conda source."""

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
        requires = _requires_python(project, ctx)
        saved = self._saved(project, ctx)
        if saved is not None and _fits(saved.hints, requires):
            yield saved
        if not _use_venv(project, ctx):
            return
        places = []
        for name in (".venv", "venv", "env") if _is_pdm_project(project, ctx) else ():
            if is_venv(os.path.join(project, name)):
                places.append(os.path.join(project, name))
                break
        location = venv_location(ctx, project)
        prefix = pdm_prefix(project)
        names = child_dirs(location, hidden=True, ordered=False)
        places += [os.path.join(location, n) for n in names if n.startswith(prefix)]
        for place in places:
            if saved is not None and same_path(place, _env_of(saved.path)):
                continue
            found = env_candidate(place, self.name, ctx, project)
            if found is not None and _fits(found.hints, requires):
                yield found

    def _saved(self, project: str, ctx: Context) -> Optional[Candidate]:
        """The interpreter pdm saved for the project (``$PDM_PYTHON``, ``.pdm-python``, a
        legacy ``.pdm.toml``): a venv's or a plain one, when it exists."""
        python = ctx.environ.get("PDM_PYTHON", "").strip()
        if not python and os.path.lexists(os.path.join(project, ".pdm-python")):
            python = (read_small(os.path.join(project, ".pdm-python"), ctx) or "").strip()
        elif not python:
            legacy = lookup(read_toml(os.path.join(project, ".pdm.toml"), ctx), "python", "path")
            python = legacy.strip() if isinstance(legacy, str) else ""
        if not python or "\n" in python or not os.path.isabs(python):
            return None
        if not os.path.lexists(python):  # a dangling link stays: the engine says why it fails
            return None
        hints = venv_hints(python, ctx) or Hints()
        return Candidate(python, self.name, hints, project=project)


def _env_of(python: str) -> str:
    """The venv directory of a saved interpreter (the dir holding its pyvenv.cfg), else
    the interpreter itself."""
    cfg = find_pyvenv_cfg(python)
    return os.path.dirname(cfg) if cfg is not None else python


def _requires_python(project: str, ctx: Context) -> Optional["SpecifierSet"]:
    """The project's ``requires-python``; None when absent or not a valid specifier
    (packaging.specifiers is imported here: only a pdm project with venvs needs it)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    text = lookup(read_toml(os.path.join(project, "pyproject.toml"), ctx), "project",
                  "requires-python")  # fmt: skip
    if not isinstance(text, str):
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def _fits(hints: Hints, requires: Optional["SpecifierSet"]) -> bool:
    """Whether a venv's recorded version meets ``requires-python`` (pre-releases allowed,
    as pdm allows them); an unknown version is kept."""
    if requires is None or not hints.version:
        return True
    from packaging.version import InvalidVersion, Version

    try:
        return requires.contains(Version(hints.version), prereleases=True)
    except InvalidVersion:
        return True


def _setting(project: Optional[str], ctx: Context, section: str, key: str) -> Any:
    """A pdm setting as pdm reads it: the project's ``pdm.toml`` (then a legacy
    ``.pdm.toml``), else the global config (``$PDM_CONFIG_FILE``, else
    ``<user config dir>/pdm/config.toml``); None when none sets it."""
    files = [os.path.join(project, name) for name in ("pdm.toml", ".pdm.toml")] if project else []
    files.append(
        ctx.environ.get("PDM_CONFIG_FILE")
        or os.path.join(ctx.user_config_dir("pdm", author="pdm"), "config.toml")
    )
    for path in files:
        config = read_toml(path, ctx)
        value = lookup(config, section, key)
        if value is None:
            value = config.get(f"{section}.{key}")
        if value is not None:
            return value
    return None


def _use_venv(project: str, ctx: Context) -> bool:
    """pdm's ``python.use_venv``: ``$PDM_USE_VENV`` first, then the config files; on by
    default."""
    value: Any = ctx.environ.get("PDM_USE_VENV")
    if value is None:
        value = _setting(project, ctx, "python", "use_venv")
    if isinstance(value, str):  # pdm's ensure_boolean
        return bool(value) and value.lower() not in ("false", "no", "0")
    return True if value is None else bool(value)


def _is_pdm_project(project: str, ctx: Context) -> bool:
    """Whether pdm manages the project (``pdm.lock``, ``.pdm-python`` or a ``[tool.pdm]``
    table): only then is its in-project venv pdm's rather than any tool's."""
    if any(os.path.isfile(os.path.join(project, name)) for name in ("pdm.lock", ".pdm-python")):
        return True
    return isinstance(
        lookup(read_toml(os.path.join(project, "pyproject.toml"), ctx), "tool", "pdm"), dict
    )


def venv_location(ctx: Context, project: Optional[str] = None) -> str:
    """pdm's ``venv.location``: the project's ``pdm.toml``'s (with a ``project``), else the
    global config's (``$PDM_CONFIG_FILE``, else ``<user config dir>/pdm/config.toml``; ``~``
    expanded), else ``<user data dir>/venvs``."""
    location = _setting(project, ctx, "venv", "location")
    if isinstance(location, str) and location.strip():
        location = location.strip()
        if location.startswith("~"):
            location = ctx.home + location[1:]
        return location
    return os.path.join(ctx.user_data_dir("pdm", author="pdm"), "venvs")


def hash_path(project: str) -> str:
    """pdm's hash of a project root: the first 8 characters of the URL-safe base64 MD5 of
    its path as given, with ``/`` separators (also on Windows), not case-folded."""
    return pdm_hash(project)
