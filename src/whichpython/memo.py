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

It also tells a build what it read (:func:`watch_reads`): the reads made through
:func:`exists`, :func:`isfile`, :func:`isdir`, :func:`readlink` and :func:`resolved` (and
:func:`realpath`) are noted with their signatures taken before the read, so that an answer
built from them can be kept while those signatures hold (the engine's built interpreters).
"""

import os
import stat
from _thread import _local  # threading.local, without importing threading (~1 ms)
from types import TracebackType
from typing import Callable, Optional, TypeVar

from whichpython.signatures import signature

T = TypeVar("T")
_Facts = dict[tuple[str, str], object]
#: A file read: ``[path, follow symlinks, its signature just before the read]``.
Read = list[object]


class _State(_local):
    """This thread's facts: set while a search runs in it (searches nest)."""

    facts: Optional[_Facts] = None


_state = _State()


class _Reads(_local):
    """This thread's reads, while :func:`watch_reads` watches; None in ``files`` when one
    was made that cannot be told (:func:`unwatched`)."""

    watching = False
    files: Optional[list[Read]] = None


_reads = _Reads()


def _forget_in_child() -> None:
    """After ``fork``: the child's searches start afresh (the parent's facts may be stale)."""
    global _state, _reads
    _state = _State()
    _reads = _Reads()


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
    if _reads.watching:
        return resolved(path)
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


def watch_reads(compute: Callable[[], T]) -> tuple[T, Optional[list[Read]]]:
    """``compute()`` and the files it read through this module's functions, each with its
    signature before the read; None for the files when it made a read they cannot tell."""
    outer = _reads.watching, _reads.files
    _reads.watching, _reads.files = True, []
    try:
        value = compute()
        files = _reads.files
    finally:
        _reads.watching, _reads.files = outer
    if outer[0]:  # a watch around this one saw these reads too
        if files is None or outer[1] is None:
            _reads.files = None
        else:
            outer[1].extend(files)
    return value, files


def unwatched() -> None:
    """Say that a read the watch cannot tell was made (a tool's config file, a PATH lookup):
    what is computed now holds only now."""
    _reads.files = None


def _note(path: str, follow: bool) -> None:
    files = _reads.files
    if _reads.watching and files is not None:
        files.append([path, follow, signature(path, follow)])


def exists(path: str) -> bool:
    """``os.path.exists``, noted while watched."""
    _note(path, True)
    return os.path.exists(path)


def isfile(path: str) -> bool:
    """``os.path.isfile``, noted while watched."""
    _note(path, True)
    return os.path.isfile(path)


def isdir(path: str) -> bool:
    """``os.path.isdir``, noted while watched."""
    _note(path, True)
    return os.path.isdir(path)


def readlink(path: str) -> str:
    """``os.readlink``, noted while watched."""
    _note(path, False)
    return os.readlink(path)


def resolved(path: str) -> str:
    """``os.path.realpath(path)``; while watched, every part it looks at (each directory
    and link on the way, through each link's target) is noted with ``lstat``."""
    if _reads.watching and _reads.files is not None:
        if os.name == "nt":
            unwatched()
        else:
            _note_parts(os.path.join(os.getcwd(), path) if not path.startswith("/") else path)
    return os.path.realpath(path)


def _note_parts(path: str) -> None:
    """Note what ``os.path.realpath`` looks at to resolve ``path`` (absolute): each part in
    turn, with ``lstat``, and a link's target as if it stood there (a loop, or more than 40
    links: unwatched)."""
    done, pending, links = "/", path.split("/")[::-1], 0
    while pending:
        name = pending.pop()
        if not name or name == ".":
            continue
        if name == "..":
            done = os.path.dirname(done)
            continue
        full = os.path.join(done, name)
        _note(full, False)
        try:
            is_link = stat.S_ISLNK(os.lstat(full).st_mode)
            target = os.readlink(full) if is_link else ""
        except OSError:
            is_link = False
        if not is_link:
            done = full
            continue
        links += 1
        if links > 40:
            unwatched()
            return
        if target.startswith("/"):
            done = "/"
        pending += target.split("/")[::-1]
