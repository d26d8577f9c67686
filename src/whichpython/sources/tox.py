"""tox's environments: ``<project>/.tox/<env>``, each marked by the ``.tox-info.json`` tox
writes in it (fixtures/environments/tox.json)."""

import os
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional

from whichpython.sources.base import Candidate, Context, EnvironmentSource
from whichpython.sources.layout import (
    child_dirs,
    env_candidate,
    lookup,
    read_small,
    read_toml,
    same_path,
)

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

#: tox's config files, in the order tox tries them in each directory (tox's _SOURCE_TYPES).
CONFIG_FILES = ("tox.ini", "setup.cfg", "pyproject.toml", "tox.toml")
#: A substitution: ``{name}`` or ``{env:VAR}``/``{env:VAR:default}`` (no nested braces).
_SUBSTITUTION = re.compile(r"\{([^{}]*)\}")


class ToxEnvs(EnvironmentSource):
    """tox keeps its envs in projects, so there are none machine-wide. For a project, its
    tox root is found as tox finds its config: from the project dir up, the first dir with
    a config tox loads, trying ``tox.ini`` (any), ``setup.cfg`` (with ``[tox:tox]``),
    ``pyproject.toml`` (``[tool.tox]``, else its ``legacy_tox_ini``), ``tox.toml`` in each.
    Then each env with a ``.tox-info.json`` in its work dir, by name; then each env the
    config names (``env_list``, ``[testenv:NAME]``, ``[env.NAME]``) at its own ``env_dir``
    when that lies elsewhere; then the env a ``tox devenv`` redirect file
    (``<root>/.venv`` holding the env's path) names. The work dir is ``$TOX_WORK_DIR``,
    else the config's ``work_dir``/``toxworkdir``, else ``.tox``; it and ``env_dir`` are
    relative to the root, with tox's substitutions of the root, work dir, env name, home
    dir and ``{env:VAR[:default]}`` (``{replace = "env", ...}`` in TOML) made.

    Skipped: the packaging envs (``.pkg``, ``.pkg_external``, ``.pkg-cpython311``: names
    starting with ``.``), which build the project rather than run it. Not read: other
    substitutions (``{[section]key}``, ``{posargs}``: left as written), generative env names
    (``py3{11,12}``: found only in the work dir), ``-c``/``--root``."""

    name = "tox"
    project_files = frozenset(CONFIG_FILES)  # for `envs`; `find` does not pick test envs

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        config = _locate(project, ctx)
        root = config.root if config is not None else project
        config = config or _Config(root)
        values = {"tox_root": root, "toxinidir": root, "homedir": ctx.home}
        work = ctx.environ.get("TOX_WORK_DIR", "").strip()
        if not work:
            work = _text(config.core("work_dir", "toxworkdir"), values, ctx) or ".tox"
        work = os.path.normpath(os.path.join(root, work))
        places = [os.path.join(work, name) for name in child_dirs(work)]
        values.update(work_dir=work, toxworkdir=work)
        for env in config.env_names():
            named = dict(values, env_name=env, envname=env)
            env_dir = _text(config.env(env, "env_dir", "envdir"), named, ctx)
            if env_dir:
                places.append(os.path.normpath(os.path.join(root, env_dir)))
        redirect = _redirect(root, ctx)
        if redirect is not None:
            places.append(redirect)
        seen: list[str] = []
        for place in places:
            if any(same_path(place, other) for other in seen):
                continue
            seen.append(place)
            if os.path.isfile(os.path.join(place, ".tox-info.json")):
                found = env_candidate(place, self.name, ctx, root)
                if found is not None:
                    yield found


@attrs.frozen
class _Config:
    """The tox config a project uses: its core table and env tables (an ini file's sections
    or a TOML file's tables), read as tox reads them."""

    root: str
    core_table: Mapping[str, Any] = {}
    base: Mapping[str, Any] = {}
    envs: Mapping[str, Mapping[str, Any]] = {}
    listed: tuple[str, ...] = ()

    def core(self, *keys: str) -> Any:
        return next((self.core_table[key] for key in keys if key in self.core_table), None)

    def env(self, name: str, *keys: str) -> Any:
        for table in (self.envs.get(name, {}), self.base):
            for key in keys:
                if key in table:
                    return table[key]
        return None

    def env_names(self) -> list[str]:
        names = [*self.listed, *self.envs]
        return [n for i, n in enumerate(names) if n and "{" not in n and n not in names[:i]]


def _locate(project: str, ctx: Context) -> Optional[_Config]:
    """The config tox uses from ``project``: the first file, from ``project`` up, that tox
    loads (:data:`CONFIG_FILES`, in tox's order in each directory)."""
    for folder, present in ctx.upward(list(CONFIG_FILES), project):
        for name in CONFIG_FILES:
            if name in present:
                config = _load(folder, name, ctx)
                if config is not None:
                    return config
    return None


def _load(folder: str, name: str, ctx: Context) -> Optional[_Config]:
    """The tox config in ``folder/name``; None when tox would pass over that file."""
    path = os.path.join(folder, name)
    if name in ("tox.ini", "setup.cfg"):
        text = read_small(path, ctx)
        if text is None:
            return None
        return _ini(folder, text, "tox" if name == "tox.ini" else "tox:tox")
    table = read_toml(path, ctx)
    if name == "pyproject.toml":
        table = lookup(table, "tool", "tox")
    if not isinstance(table, dict) or not set(table) - {"legacy_tox_ini"}:
        legacy = table.get("legacy_tox_ini") if isinstance(table, dict) else None
        if name == "pyproject.toml" and isinstance(legacy, str):
            return _ini(folder, legacy, "tox")
        return None
    envs = table.get("env")
    envs = {k: v for k, v in envs.items() if isinstance(v, dict)} if isinstance(envs, dict) else {}
    base = table.get("env_run_base")
    listed = table.get("env_list")
    listed = tuple(n for n in listed if isinstance(n, str)) if isinstance(listed, list) else ()
    return _Config(folder, table, base if isinstance(base, dict) else {}, envs, listed)


def _ini(folder: str, text: str, core: str) -> Optional[_Config]:
    """The tox config in an ini text whose core section is ``core``: None when there is no
    such section in a setup.cfg (tox.ini's is optional) or the text does not parse."""
    import configparser  # here: ~1.5 ms, only where a tox config is read

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    if core == "tox:tox" and not parser.has_section(core):
        return None
    prefix = "testenv:"
    table = dict(parser.items(core)) if parser.has_section(core) else {}
    base = dict(parser.items("testenv")) if parser.has_section("testenv") else {}
    envs = {
        section[len(prefix) :].strip(): dict(parser.items(section))
        for section in parser.sections()
        if section.startswith(prefix)
    }
    listed = table.get("env_list") or table.get("envlist") or ""
    names = tuple(n.strip() for n in re.split(r"[,\n]", listed) if n.strip())
    return _Config(folder, table, base, envs, names)


def _text(value: Any, values: Mapping[str, str], ctx: Context) -> Optional[str]:
    """A path setting with tox's substitutions made: ``{key}`` from ``values``,
    ``{env:VAR}``/``{env:VAR:default}`` from the environment, ``{/}``; a TOML
    ``{replace = "env", name = ..., default = ...}`` table too. None when not a string."""
    if isinstance(value, dict) and value.get("replace") == "env":
        found = ctx.environ.get(str(value.get("name", "")))
        value = found if found is not None else value.get("default", "")
    if not isinstance(value, str) or not value.strip():
        return None

    def replace(match: "re.Match[str]") -> str:
        inner = match.group(1)
        if inner == "/":
            return os.sep
        if inner.startswith("env:"):
            name, _, default = inner[4:].partition(":")
            return ctx.environ.get(name, default)
        return values.get(inner, match.group(0))

    text = value.strip()
    for _ in range(4):  # inner ones first: {env:VAR:{toxinidir}/.tox}
        text, count = _SUBSTITUTION.subn(replace, text)
        if not count or not _SUBSTITUTION.search(text):
            break
    return text


def _redirect(project: str, ctx: Context) -> Optional[str]:
    """The env a ``<project>/.venv`` FILE names (PEP 832 redirect: one line, the path,
    relative to the project when inside it)."""
    path = os.path.join(project, ".venv")
    if not os.path.isfile(path):
        return None
    lines = (read_small(path, ctx) or "").strip().splitlines()
    if len(lines) != 1 or not lines[0].strip():
        return None
    return os.path.normpath(os.path.join(project, lines[0].strip()))
