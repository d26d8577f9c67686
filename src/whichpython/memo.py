"""Facts remembered for the length of one search, and no longer.

A search looks at the same directories over and over: 1000 candidates in 100 PATH dirs are
resolved by ``os.path.realpath`` three times each (folding duplicates, checking the cache
entry, building the answer), every time walking every directory of the path with ``lstat``,
and each has its ``pyvenv.cfg`` looked for beside it and one level up. Within one search the
file system is taken to hold still (its result is a snapshot anyway); between searches
nothing is kept, so a long-lived process sees every change on its next call. The facts are
the search's own: another thread's search (a server's requests) keeps its own, and a child
forked during a search starts with none (threads the search starts itself, its probes,
remember nothing).
"""

import os
import stat
from _thread import _local  # threading.local, without importing threading (~1 ms)
from types import TracebackType
from typing import Callable, Optional, TypeVar

T = TypeVar("T")
_Facts = dict[tuple[str, str], object]


class _State(_local):
    """This thread's facts: set while a search runs in it (searches nest)."""

    facts: Optional[_Facts] = None


_state = _State()


def _forget_in_child() -> None:
    """After ``fork``: the child's searches start afresh (the parent's facts may be stale)."""
    global _state
    _state = _State()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


class OneSearch:
    """``with OneSearch():`` remembers facts in this thread until the outermost search
    running in it ends."""

    def __enter__(self) -> "OneSearch":
        self.state = _state
        self.outermost = self.state.facts is None
        if self.outermost:
            self.state.facts = {}
        return self

    def __exit__(
        self,
        kind: Optional[type[BaseException]],
        error: Optional[BaseException],
        trace: Optional[TracebackType],
    ) -> None:
        if self.outermost:
            self.state.facts = None  # (after a fork, the parent's state: never read again)


def _facts() -> Optional[_Facts]:
    return _state.facts


def remember(kind: str, key: str, compute: Callable[[str], T]) -> T:
    """``compute(key)``, once per search for each ``(kind, key)``; every time outside one."""
    facts = _facts()
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
    if _facts() is None or os.name == "nt" or ".." in path.split("/"):
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
