"""tox's environments: ``<project>/.tox/<env>``, each marked by the ``.tox-info.json`` tox
writes in it (fixtures/environments/tox.json)."""

import os
from collections.abc import Iterator
from typing import Optional

from whichpython.sources.base import Candidate, Context, EnvironmentSource
from whichpython.sources.layout import child_dirs, env_candidate, read_small


class ToxEnvs(EnvironmentSource):
    """tox keeps its envs in projects, so there are none machine-wide. For a project: each
    env with a ``.tox-info.json`` in its work dir (``$TOX_WORK_DIR``, relative to the
    project, else ``<project>/.tox``), by name, then the env a ``tox devenv`` redirect file
    (``<project>/.venv`` holding the env's path) names.

    Skipped: the packaging envs (``.pkg``, ``.pkg_external``, ``.pkg-cpython311``: names
    starting with ``.``), which build the project rather than run it. Not read: a work dir
    set in tox's config files (``work_dir``/``toxworkdir``) or an env's ``env_dir``."""

    name = "tox"

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        configured = ctx.environ.get("TOX_WORK_DIR", "").strip()
        work = os.path.join(project, configured) if configured else os.path.join(project, ".tox")
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
