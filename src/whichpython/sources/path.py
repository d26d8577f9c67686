"""Executables on ``PATH``: python, python3, python3.X[t|d], pypy*, graalpy* (``.exe``)."""

import os
from collections.abc import Iterator
from typing import Optional

from whichpython.sources.base import Candidate, Context, Source
from whichpython.sources.executables import scan


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
            yield from scan(folder, self.name, ctx, self.names)
