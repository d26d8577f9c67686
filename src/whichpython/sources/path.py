"""Executables on ``PATH``: python, python3, python3.X[t|d], pypy*, graalpy* (``.exe``)."""

import os
import re
from collections.abc import Iterator
from typing import Optional

from whichpython.sources.base import Candidate, Context, Source, merge, name_hints, venv_hints

_NAME = re.compile(
    r"^(python(3(\.\d+[td]?)?|2(\.\d+)?)?|pypy(3(\.\d+)?)?|graalpy(3(\.\d+)?)?)$", re.IGNORECASE
)


def _order(name: str) -> tuple[int, tuple[int, ...], str]:
    """Within a directory: python3, python, versioned names (newest first), then the rest."""
    stem = name.lower().removesuffix(".exe")
    rank = {"python3": 0, "python": 1}.get(stem, 2 if stem.startswith("python") else 3)
    return rank, tuple(-int(n) for n in re.findall(r"\d+", stem)), stem


class SearchPath(Source):
    """``PATH`` in order; relative and empty entries are ignored, as are the Microsoft Store's
    app-execution aliases in ``WindowsApps`` (running one may open the Store). Broken links
    are yielded, so that an explanation can say what is wrong with them."""

    name = "path"
    kind = "system"

    def __init__(self, names: Optional[tuple[str, ...]] = None) -> None:
        #: Exact executable names to look for instead of the usual Python names.
        self.names = names

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        seen: set[str] = set()
        for folder in ctx.environ.get("PATH", "").split(os.pathsep):
            if not folder or not os.path.isabs(folder) or folder in seen:
                continue
            seen.add(folder)
            if ctx.windows and os.path.basename(folder.rstrip("\\/")).lower() == "windowsapps":
                continue
            yield from self.scan(folder, ctx)

    def scan(self, folder: str, ctx: Context) -> Iterator[Candidate]:
        """The Python executables in one directory, in :func:`_order`."""
        try:
            with os.scandir(folder) as entries:
                names = [e.name for e in entries if self._wanted(e.name, ctx)]
        except OSError:
            return
        for name in sorted(names, key=_order):
            path = os.path.join(folder, name)
            runnable = os.path.isfile(path) and (ctx.windows or os.access(path, os.X_OK))
            if runnable or (os.path.islink(path) and not os.path.exists(path)):
                hints = merge(name_hints(name), venv_hints(path, ctx))
                yield Candidate(path, self.name, hints)

    def _wanted(self, name: str, ctx: Context) -> bool:
        if self.names is None and name[:1] not in "pPgG":
            return False  # a PATH dir holds hundreds of other programs: no regex for them
        if self.names is not None:
            return name in self.names or (
                ctx.windows and name.lower().removesuffix(".exe") in self.names
            )
        if ctx.windows:
            if not name.lower().endswith(".exe"):
                return False
            name = name[:-4]
        return bool(_NAME.match(name))
