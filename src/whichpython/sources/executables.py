"""The Python executables in one directory (a ``PATH`` dir, an extra install dir): python,
python3, python3.X[t|d], python2*, pypy*, graalpy* (``.exe`` on Windows), or exact names."""

import os
import re
from collections.abc import Iterator
from typing import Optional

from whichpython.sources.base import Candidate, Context, merge, name_hints, venv_hints

_NAME = re.compile(
    r"^(python(3(\.\d+[td]?)?|2(\.\d+)?)?|pypy(3(\.\d+)?)?|graalpy(3(\.\d+)?)?)$", re.IGNORECASE
)


def _order(name: str) -> tuple[int, tuple[int, ...], str]:
    """Within a directory: python3, python, versioned names (newest first), then the rest."""
    stem = name.lower().removesuffix(".exe")
    rank = {"python3": 0, "python": 1}.get(stem, 2 if stem.startswith("python") else 3)
    return rank, tuple(-int(n) for n in re.findall(r"\d+", stem)), stem


def scan(
    folder: str, source: str, ctx: Context, names: Optional[tuple[str, ...]] = None
) -> Iterator[Candidate]:
    """The Python executables in ``folder`` (or those called one of ``names``), in
    :func:`_order`, as candidates of ``source``. Broken links are yielded, so that an
    explanation can say what is wrong with them."""
    try:
        with os.scandir(folder) as entries:
            found = [e.name for e in entries if _wanted(e.name, ctx, names)]
    except OSError:
        return
    for name in sorted(found, key=_order):
        path = os.path.join(folder, name)
        if runnable(path, ctx) or (os.path.islink(path) and not os.path.exists(path)):
            yield Candidate(path, source, merge(name_hints(name), venv_hints(path, ctx)))


def runnable(path: str, ctx: Context) -> bool:
    """Whether ``path`` is a file one may run (any file on Windows, where the name says)."""
    return os.path.isfile(path) and (ctx.windows or os.access(path, os.X_OK))


def which(name: str, ctx: Context) -> Optional[str]:
    """The first ``name`` on the context's PATH that :func:`runnable` accepts (shutil's
    ``which``, without importing shutil; ``name.exe`` on Windows)."""
    name = name + ".exe" if ctx.windows else name
    for folder in filter(None, ctx.environ.get("PATH", "").split(os.pathsep)):
        path = os.path.join(folder, name)
        if runnable(path, ctx):
            return path
    return None


def _wanted(name: str, ctx: Context, names: Optional[tuple[str, ...]]) -> bool:
    if names is not None:
        return name in names or (ctx.windows and name.lower().removesuffix(".exe") in names)
    return python_name(name, windows=ctx.windows)


def python_name(name: str, *, windows: bool = False) -> bool:
    """Whether a file called ``name`` is one the PATH source would run: python, python3,
    python3.X[t|d], python2*, pypy*, graalpy* (with ``.exe`` on Windows)."""
    if name[:1] not in "pPgG":
        return False  # a PATH dir holds hundreds of other programs: no regex for them
    if windows:
        if not name.lower().endswith(".exe"):
            return False
        name = name[:-4]
    return bool(_NAME.match(name))
