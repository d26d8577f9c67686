"""Facts remembered for the length of one search, and no longer.

A search looks at the same directories over and over: 1000 candidates in 100 PATH dirs are
resolved by ``os.path.realpath`` three times each (folding duplicates, checking the cache
entry, building the answer), every time walking every directory of the path with ``lstat``,
and each has its ``pyvenv.cfg`` looked for beside it and one level up. Within one search the
file system is taken to hold still (its result is a snapshot anyway); between searches
nothing is kept, so a long-lived process sees every change on its next call.
"""

import os
import stat
import threading
from types import TracebackType
from typing import Callable, Optional, TypeVar

T = TypeVar("T")
_LOCK = threading.Lock()
_searches = 0  # searches running now (threads of one process may search at once)
_facts: Optional[dict[tuple[str, str], object]] = None


class OneSearch:
    """``with OneSearch():`` remembers facts until the outermost search running ends."""

    def __enter__(self) -> "OneSearch":
        global _searches, _facts
        with _LOCK:
            _searches += 1
            if _facts is None:
                _facts = {}
        return self

    def __exit__(
        self,
        kind: Optional[type[BaseException]],
        error: Optional[BaseException],
        trace: Optional[TracebackType],
    ) -> None:
        global _searches, _facts
        with _LOCK:
            _searches -= 1
            if _searches == 0:
                _facts = None


def remember(kind: str, key: str, compute: Callable[[str], T]) -> T:
    """``compute(key)``, once per search for each ``(kind, key)``; every time outside one."""
    facts = _facts
    if facts is None:
        return compute(key)
    try:
        return facts[kind, key]  # type: ignore[return-value]
    except KeyError:
        value = facts[kind, key] = compute(key)
        return value


def realpath(path: str) -> str:
    """``os.path.realpath(path)``, cheaper within a search: each directory is resolved once,
    then the last part costs one ``lstat`` (and a ``readlink`` per link on the way)."""
    if _facts is None or os.name == "nt" or ".." in path.split("/"):
        return os.path.realpath(path)  # ".." after a link is not lexical: leave it to realpath
    return _resolve(os.path.abspath(path), 0)


def _resolve(path: str, links: int) -> str:
    folder, name = os.path.split(path)
    if not name:
        return os.path.realpath(path)
    real = remember("realpath", folder, os.path.realpath)
    full = os.path.join(real, name)
    try:
        if not stat.S_ISLNK(os.lstat(full).st_mode):
            return full
        target = os.readlink(full)
    except OSError:  # missing: realpath keeps a missing last part as it is
        return full
    if links >= 40:
        return os.path.realpath(full)  # a loop, or too deep: realpath says what it says
    while target.startswith("../"):  # ".." of a real directory is its real parent
        real, target = os.path.dirname(real), target[3:]
    if ".." in target.split("/"):
        return os.path.realpath(full)
    return _resolve(os.path.normpath(os.path.join(real, target)), links + 1)
