"""Virtual environments: the active one (``VIRTUAL_ENV``) and the project's ``.venv``."""

import os
from collections.abc import Iterator

from whichpython.pyvenv import directory_python
from whichpython.sources.base import Candidate, Context, Hints, Source, venv_hints


class ActiveVenv(Source):
    """The activated venv, from ``VIRTUAL_ENV``."""

    name = "active-venv"
    kind = "active"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        folder = ctx.environ.get("VIRTUAL_ENV")
        python = directory_python(folder, windows=ctx.windows) if folder else None
        if python is not None:
            yield Candidate(python, self.name, venv_hints(python) or Hints(venv=True))


class ProjectVenv(Source):
    """The nearest ``.venv`` (with a pyvenv.cfg) in the cwd or a parent directory."""

    name = "project-venv"
    kind = "active"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        folder = os.path.abspath(ctx.cwd)
        while True:
            venv = os.path.join(folder, ".venv")
            if os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
                python = directory_python(venv, windows=ctx.windows)
                if python is not None:
                    yield Candidate(python, self.name, venv_hints(python) or Hints(venv=True))
                return
            parent = os.path.dirname(folder)
            if parent == folder:
                return
            folder = parent
