"""virtualenvwrapper: the envs in ``$WORKON_HOME`` (default ``~/.virtualenvs``), each linked
to its project by the ``.project`` file in it (fixtures/environments/virtualenvwrapper.json).

pipenv's envs may share ``$WORKON_HOME``; the hook scripts (``layout.has_hooks``) tell
virtualenvwrapper's apart.
"""

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from whichpython.sources.base import Candidate, Context, EnvironmentSource
from whichpython.sources.layout import (
    child_dirs,
    env_candidate,
    expand,
    has_hooks,
    project_file,
    same_path,
)

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs


#: The hook scripts virtualenvwrapper's user_scripts plugin writes into every env it makes.
def workon_home(ctx: Context) -> str:
    """``$WORKON_HOME`` (``~`` and variables expanded; relative to ``$HOME`` when relative),
    else ``~/.virtualenvs``."""
    value = expand(ctx.environ.get("WORKON_HOME") or "", ctx)
    if not value:
        return os.path.join(ctx.home, ".virtualenvs")
    return os.path.normpath(os.path.join(ctx.home, value))


class VirtualenvwrapperEnvs(EnvironmentSource):
    """``$WORKON_HOME/<name>``: every entry with ``bin/activate`` (what ``workon`` lists; the
    global hook files beside them are files), except pipenv's envs there (a ``.project`` and
    no hook scripts: :class:`~whichpython.sources.pipenv.PipenvEnvs` lists those). The project
    is the directory named in ``$VIRTUALENVWRAPPER_PROJECT_FILENAME`` (``.project``)."""

    name = "virtualenvwrapper"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        root = workon_home(ctx)
        scripts = "Scripts" if ctx.windows else "bin"
        marker = ctx.environ.get("VIRTUALENVWRAPPER_PROJECT_FILENAME") or ".project"
        for name in child_dirs(root):
            env = os.path.join(root, name)
            if not os.path.isfile(os.path.join(env, scripts, "activate")):
                continue
            if not has_hooks(env, ctx) and os.path.isfile(os.path.join(env, ".project")):
                continue  # pipenv's
            path = os.path.join(env, marker)
            project = project_file(path, ctx) if os.path.lexists(path) else None
            found = env_candidate(env, self.name, ctx, project)
            if found is not None:
                yield found

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        """The envs whose project file names ``project`` (there is no other link)."""
        for candidate in self.candidates(ctx):
            if candidate.project is not None and same_path(candidate.project, project):
                yield attrs.evolve(candidate, project=project)
