"""Extra install directories (``WHICHPYTHON_EXTRA_DIRS``, ``Discovery(extra_dirs=...)``):
Pythons outside ``PATH`` and every manager's dirs, such as ``/opt/python3.12/bin`` or a RHEL
software collection's ``/opt/rh/rh-python38/root/usr/bin``."""

import os
import re
from collections.abc import Iterator

from whichpython.sources.base import Candidate, Context, Source
from whichpython.sources.executables import scan
from whichpython.sources.layout import child_dirs

VARIABLE = "WHICHPYTHON_EXTRA_DIRS"
MAX_CHILDREN = 1000  # subdirectories of one extra dir looked at
#: Where, inside each subdirectory of an extra dir, executables live: ``bin`` (a prefix),
#: ``root/usr/bin`` (a software collection), the subdirectory itself (Windows' prefixes).
_INSIDE = ("bin", os.path.join("root", "usr", "bin"))


def extra_dirs(ctx: Context) -> list[str]:
    """The extra dirs: the library's, then ``WHICHPYTHON_EXTRA_DIRS`` (os.pathsep-separated);
    absolute paths only, each once."""
    named = [*ctx.extra_dirs, *ctx.environ.get(VARIABLE, "").split(os.pathsep)]
    return list(dict.fromkeys(d for d in named if d and os.path.isabs(d)))


def _newest_first(name: str) -> tuple[tuple[int, ...], str]:
    return tuple(-int(n) for n in re.findall(r"\d+", name)), name


class ExtraDirs(Source):
    """Each extra dir is searched like a ``PATH`` dir, one level deep: the dir itself, its
    ``bin``, then each subdirectory's ``bin`` and ``root/usr/bin`` (newest version first by
    the numbers in its name); on Windows each subdirectory itself (``python.exe`` sits at a
    prefix)."""

    name = "extra-dirs"
    kind = "system"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        for folder in extra_dirs(ctx):
            for place in self._places(folder, ctx):
                yield from scan(place, self.name, ctx)

    def _places(self, folder: str, ctx: Context) -> list[str]:
        if not os.path.isdir(folder):
            return []
        children = child_dirs(folder, hidden=True, limit=MAX_CHILDREN)
        places = [folder, os.path.join(folder, "bin")]
        for child in sorted(children, key=_newest_first):
            base = os.path.join(folder, child)
            places += [base] if ctx.windows else [os.path.join(base, part) for part in _INSIDE]
        return list(dict.fromkeys(places))
