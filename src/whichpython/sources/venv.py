"""Virtual environments: the active one (``VIRTUAL_ENV``) and the project's ``.venv``."""

import os
from collections.abc import Iterator
from typing import Optional

from whichpython.sources.base import Candidate, Context, Hints, Source, venv_hints


def _venv_python(folder: str, ctx: Context) -> Optional[str]:
    names = (
        [os.path.join("Scripts", "python.exe")]
        if ctx.windows
        else [os.path.join("bin", "python"), os.path.join("bin", "python3")]
    )
    for name in names:
        path = os.path.join(folder, name)
        if os.path.lexists(path):  # a broken link still deserves its explanation
            return path
    return None


class ActiveVenv(Source):
    """The activated venv, from ``VIRTUAL_ENV``."""

    name = "active-venv"
    kind = "active"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        folder = ctx.environ.get("VIRTUAL_ENV")
        python = _venv_python(folder, ctx) if folder else None
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
                python = _venv_python(venv, ctx)
                if python is not None:
                    yield Candidate(python, self.name, venv_hints(python) or Hints(venv=True))
                return
            parent = os.path.dirname(folder)
            if parent == folder:
                return
            folder = parent
