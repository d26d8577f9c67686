"""Virtual environments: the active one (``VIRTUAL_ENV``) and the project's ``.venv``."""

import os
from collections.abc import Iterator

from whichpython.files import warn_once
from whichpython.sources.base import Candidate, Context, Hints, Source, venv_hints
from whichpython.sources.pyvenv import directory_python


class ActiveVenv(Source):
    """The activated venv, from ``VIRTUAL_ENV``."""

    name = "active-venv"
    kind = "active"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        """The venv's interpreter; a ``VIRTUAL_ENV`` that names no venv (deleted or moved
        while active) is a failed candidate and a warning, once."""
        folder = ctx.environ.get("VIRTUAL_ENV")
        if not folder:
            return
        python = directory_python(folder, windows=ctx.windows)
        if python is not None:
            yield Candidate(python, self.name, venv_hints(python, ctx) or Hints(venv=True))
            return
        what = "python.exe" if ctx.windows else "bin/python3"
        problem = "no such directory" if not os.path.isdir(folder) else f"it has no {what}"
        warn_once(f"VIRTUAL_ENV={folder} is not a venv ({problem}); ignoring it")
        yield Candidate(folder, self.name, problem=f"VIRTUAL_ENV is not a venv: {problem}")


class ProjectVenv(Source):
    """The nearest ``.venv`` (with a pyvenv.cfg) in the cwd or a parent directory that
    nobody untrusted controls (:meth:`Context.upward`). A pyvenv.cfg that is a FIFO or a
    device still makes it the project's venv: a broken one, which the explanation shows,
    rather than one silently passed over."""

    name = "project-venv"
    kind = "active"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        for folder, _ in ctx.upward([".venv"]):  # one another user planted is passed over
            venv = os.path.join(folder, ".venv")
            cfg = os.path.join(venv, "pyvenv.cfg")
            if os.path.exists(cfg) and not os.path.isdir(cfg):
                python = directory_python(venv, windows=ctx.windows)
                if python is not None:
                    hints = venv_hints(python, ctx) or Hints(venv=True)
                    yield Candidate(python, self.name, hints)
                return
