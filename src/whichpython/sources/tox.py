"""tox's environments: ``<project>/.tox/<env>``, each marked by the ``.tox-info.json`` tox
writes in it (fixtures/environments/tox.json)."""

import configparser
import os
from collections.abc import Iterator
from typing import Optional

from whichpython.sources.base import Candidate, Context, EnvironmentSource
from whichpython.sources.layout import child_dirs, env_candidate, lookup, read_small, read_toml


class ToxEnvs(EnvironmentSource):
    """tox keeps its envs in projects, so there are none machine-wide. For a project: each
    env with a ``.tox-info.json`` in its work dir, by name, then the env a ``tox devenv``
    redirect file (``<project>/.venv`` holding the env's path) names. The work dir is
    ``$TOX_WORK_DIR``, else ``work_dir``/``toxworkdir`` of the first of tox's config files
    that has a tox config (``tox.ini``'s ``[tox]``, ``setup.cfg``'s ``[tox:tox]``,
    ``pyproject.toml``'s ``[tool.tox]``, ``tox.toml``; ``{toxinidir}``, ``{tox_root}`` and
    ``{homedir}`` substituted), else ``.tox``; relative to the project.

    Skipped: the packaging envs (``.pkg``, ``.pkg_external``, ``.pkg-cpython311``: names
    starting with ``.``), which build the project rather than run it. Not read: an env's own
    ``env_dir``, and other substitutions in the work dir (left as written)."""

    name = "tox"

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        configured = ctx.environ.get("TOX_WORK_DIR", "").strip() or _work_dir(project, ctx)
        work = os.path.join(project, configured or ".tox")
        places = [os.path.join(work, name) for name in child_dirs(work)]
        redirect = _redirect(project, ctx)
        if redirect is not None and redirect not in places:
            places.append(redirect)
        for place in places:
            if os.path.isfile(os.path.join(place, ".tox-info.json")):
                found = env_candidate(place, self.name, ctx, project)
                if found is not None:
                    yield found


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


def _work_dir(project: str, ctx: Context) -> Optional[str]:
    """The work dir tox's config file sets, as tox finds the config (the first file holding
    one), with its substitutions of the project and home dirs made."""
    value: object = None
    for name, section in (("tox.ini", "tox"), ("setup.cfg", "tox:tox")):
        found = _ini_work_dir(read_small(os.path.join(project, name), ctx) or "", section)
        if found is not None:
            value = found
            break
    else:
        for name, keys in (("pyproject.toml", ("tool", "tox")), ("tox.toml", ())):
            config = lookup(read_toml(os.path.join(project, name), ctx), *keys)
            if isinstance(config, dict) and config:
                legacy = config.get("legacy_tox_ini")
                if isinstance(legacy, str):  # an ini text inside pyproject.toml
                    value = _ini_work_dir(legacy, "tox")
                else:
                    value = config.get("work_dir") or config.get("toxworkdir")
                break
    if not isinstance(value, str) or not value.strip():
        return None
    for key, replacement in (("{toxinidir}", project), ("{tox_root}", project),
                             ("{homedir}", ctx.home)):  # fmt: skip
        value = value.replace(key, replacement)
    return value.strip()


def _ini_work_dir(text: str, section: str) -> Optional[str]:
    """``work_dir`` (or ``toxworkdir``) of ``section`` in an ini text: ``""`` when the
    section has neither, None when there is no such section (no tox config in it)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    if not parser.has_section(section):
        return None
    return parser.get(section, "work_dir", fallback="") or parser.get(
        section, "toxworkdir", fallback=""
    )
