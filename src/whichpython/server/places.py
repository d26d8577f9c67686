"""Directories an IDE names: glob patterns expanded (at a bounded cost), the environments
found in them, and the interpreter a directory or a bare command names."""

import fnmatch
import itertools
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from typing import Callable, Optional

from whichpython.sources.layout import child_dirs
from whichpython.sources.pyvenv import directory_python, find_pyvenv_cfg

MAX_MATCHES = 1000  # paths one glob pattern may expand to
MAX_ENTRIES = 10_000  # directory entries looked at in one folder
#: What one expansion (all the patterns of one request) may cost: directories listed, and
#: entries read in them. ``/usr/**`` stops there instead of walking the disk.
MAX_GLOB_DIRS = 5_000
MAX_GLOB_ENTRIES = 50_000
#: The names projects use, looked at first, in PET's order (find.rs,
#: find_python_environments_in_workspace_folder_recursive).
_FIRST = (".venv", ".conda", ".virtualenv", "venv")


class _Stop(Exception):
    """The expansion's budget or deadline is spent."""


class _Budget:
    """What is left of one expansion's cost."""

    def __init__(self, deadline: Optional[float]) -> None:
        self.dirs = MAX_GLOB_DIRS
        self.entries = MAX_GLOB_ENTRIES
        self.deadline = deadline
        self.spent: Optional[str] = None

    def listing(self, folder: str) -> list["os.DirEntry[str]"]:
        """The entries of ``folder``, sorted by name; none for a folder that cannot be
        listed."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.spent = "the request's deadline"
            raise _Stop
        if self.dirs <= 0:
            self.spent = f"{MAX_GLOB_DIRS} directories"
            raise _Stop
        self.dirs -= 1
        try:
            with os.scandir(folder) as entries:
                found = list(itertools.islice(entries, self.entries + 1))
        except OSError:
            return []
        self.entries -= len(found)
        if self.entries < 0:
            self.spent = f"{MAX_GLOB_ENTRIES} directory entries"
            raise _Stop
        found.sort(key=_name)
        return found


def _name(entry: "os.DirEntry[str]") -> str:
    return entry.name


def _is_dir(entry: "os.DirEntry[str]") -> bool:
    """Whether the entry is a directory, links followed."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def expand(
    patterns: list[str],
    *,
    cwd: str,
    deadline: Optional[float] = None,
    warn: Callable[[str], None] = lambda text: None,
) -> list[str]:
    """Absolute paths: each pattern as is, or its glob matches (``*``, ``?``, ``[...]``;
    ``**`` any depth), sorted, without duplicates; the first :data:`MAX_MATCHES` a pattern
    matches. ``**`` walks each real directory once, following links to directories but
    never into a loop, and skips hidden names (as :mod:`glob` does). The walk of all
    ``patterns`` lists at most :data:`MAX_GLOB_DIRS` directories and reads at most
    :data:`MAX_GLOB_ENTRIES` entries, and stops at ``deadline`` (``time.monotonic()``);
    ``warn`` hears of a pattern cut short."""
    found: dict[str, None] = {}
    budget = _Budget(deadline)
    for pattern in patterns:
        path = os.path.normpath(os.path.join(cwd, os.path.expanduser(pattern)))
        if _magic(path):
            matches = sorted(_glob(path, budget))[:MAX_MATCHES]
            if budget.spent is not None:
                warn(f"{pattern[:200]!r}: expansion stopped after {budget.spent}")
        else:
            matches = [path]
        found.update((os.path.normpath(match), None) for match in matches)
    return list(found)


def _magic(part: str) -> bool:
    return any(char in part for char in "*?[")


def _glob(path: str, budget: _Budget) -> list[str]:
    """The matches of an absolute pattern, one component at a time (no recursion: a
    pattern of 1500 parts is as good as one of 3); what was matched when the budget ran
    out in the last component, else none."""
    drive, rest = os.path.splitdrive(path)
    if os.altsep:
        rest = rest.replace(os.altsep, os.sep)
    parts: list[str] = []
    for part in rest.split(os.sep):
        if part and not (part == "**" and parts[-1:] == ["**"]):  # **/** is **
            parts.append(part)
    bases = [drive + os.sep]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        step: list[str] = []
        try:
            if budget.spent is not None:
                raise _Stop
            for base in bases:
                step.extend(_step(base, part, last, budget))
        except _Stop:
            return step if last else []
        bases = step
    return bases


def _step(base: str, part: str, last: bool, budget: _Budget) -> Iterator[str]:
    """The paths under ``base`` matching one component (directories only, unless it is the
    ``last``)."""
    if part == "**":
        yield from _below(base, last, budget)
    elif _magic(part):
        hidden = part.startswith(".")
        for entry in budget.listing(base):
            name = entry.name
            shown = hidden or name[:1] != "."
            if shown and fnmatch.fnmatch(name, part) and (last or _is_dir(entry)):
                yield os.path.join(base, name)
    else:
        path = os.path.join(base, part)
        if os.path.isdir(path) if not last else os.path.lexists(path):
            yield path


def _below(base: str, last: bool, budget: _Budget) -> Iterator[str]:
    """``base`` and what is below it, hidden names left out: its directories (and files,
    when ``**`` is the last component). Each real directory is listed once."""
    seen: set[tuple[int, int]] = set()
    pending = [base]
    while pending:
        folder = pending.pop()
        try:
            info = os.stat(folder)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in seen:
            continue  # a link back up (x -> .), or a second way to the same directory
        seen.add((info.st_dev, info.st_ino))
        yield folder
        for entry in reversed(budget.listing(folder)):
            if entry.name[:1] == ".":
                continue
            if _is_dir(entry):
                pending.append(entry.path)
            elif last:
                yield entry.path


def venv_pythons(folder: str, *, windows: bool = False) -> list[str]:
    """The interpreters of the environments in ``folder``: the folder itself when it is one,
    then each subdirectory (``.venv``, ``.conda``, ``.virtualenv`` and ``venv`` first) that
    is a venv (a pyvenv.cfg beside its interpreter or one level up) or a conda env (a
    ``conda-meta`` directory: a workspace's ``.conda``, an env of conda's ``envs/``). A broken
    link to a venv's interpreter counts: the caller reports what is wrong with it."""
    places = [folder]
    names = child_dirs(folder, hidden=True, limit=MAX_ENTRIES)
    names.sort(key=lambda name: (name not in _FIRST, _FIRST.index(name) if name in _FIRST else 0,
                                 name))  # fmt: skip
    places += [os.path.join(folder, name) for name in names]
    found = []
    for place in places:
        python = directory_python(place, windows=windows)
        if python is not None and (find_pyvenv_cfg(python) is not None or is_conda_env(place)):
            found.append(python)
    return found


def is_conda_env(prefix: str) -> bool:
    """Whether ``prefix`` is a conda env (it has a ``conda-meta`` directory)."""
    return os.path.isdir(os.path.join(prefix, "conda-meta"))


def command_python(command: str, environ: Mapping[str, str]) -> Optional[str]:
    """The program a bare command (``python3``: no directory part) runs, looked up on
    ``environ``'s PATH as the OS would (PET runs it and reads the path back); None when the
    command has a directory part or is not found."""
    path = environ.get("PATH", "")
    if not path or os.path.dirname(command) or (os.altsep and os.altsep in command):
        return None
    return shutil.which(command, path=path)
