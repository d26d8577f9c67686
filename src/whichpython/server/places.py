"""Directories an IDE names: glob patterns expanded, and the venvs found in them."""

import glob
import itertools
import os

from whichpython.pyvenv import directory_python, find_pyvenv_cfg
from whichpython.sources.layout import child_dirs

MAX_MATCHES = 1000  # paths one glob pattern may expand to
MAX_ENTRIES = 10_000  # directory entries looked at in one folder
_FIRST = (".venv", "venv")  # the names projects use, reported first


def expand(patterns: list[str], *, cwd: str) -> list[str]:
    """Absolute paths: each pattern as is, or its glob matches (``**`` recursive), sorted,
    without duplicates; the first :data:`MAX_MATCHES` a pattern matches, no more (``/**``
    does not walk the whole disk)."""
    found: dict[str, None] = {}
    for pattern in patterns:
        path = os.path.normpath(os.path.join(cwd, os.path.expanduser(pattern)))
        if any(char in path for char in "*?["):
            matches = sorted(itertools.islice(glob.iglob(path, recursive=True), MAX_MATCHES))
        else:
            matches = [path]
        found.update((os.path.normpath(match), None) for match in matches)
    return list(found)


def venv_pythons(folder: str, *, windows: bool = False) -> list[str]:
    """The interpreters of the venvs in ``folder``: the folder itself when it is one, then
    each subdirectory (``.venv`` and ``venv`` first) holding a pyvenv.cfg. A broken link to
    the interpreter counts: the caller reports what is wrong with it."""
    places = [folder]
    names = child_dirs(folder, hidden=True, limit=MAX_ENTRIES)
    names.sort(key=lambda name: (name not in _FIRST, _FIRST.index(name) if name in _FIRST else 0,
                                 name))  # fmt: skip
    places += [os.path.join(folder, name) for name in names]
    found = []
    for place in places:
        python = directory_python(place, windows=windows)
        if python is not None and find_pyvenv_cfg(python) is not None:
            found.append(python)
    return found
