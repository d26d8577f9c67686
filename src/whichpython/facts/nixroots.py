"""Which of the Nix store's Pythons a machine uses (docs/server.md, refresh): a store
holds every build a profile generation, a ``nix-shell`` or a ``nix build`` ever fetched, and
only some of them are still reachable from something the user runs.

A store Python (one the ``nix-store`` source found, not reached another way) is kept when
its store entry is reached from a Nix profile (``~/.nix-profile``, ``/run/current-system``,
the per-user and ``NIX_PROFILES`` profiles), a garbage-collector root
(``$NIX_STATE_DIR/gcroots``, else ``/nix/var/nix/gcroots``, walked at a bounded cost; a
root's ``bin`` programs followed one level, as a profile's), or an interpreter
found elsewhere (on ``PATH``, in a profile: its executable, its prefix and its base prefix,
so the base of a ``python3-X-env`` counts), or when it is the only entry of its name in the
store (no second ``<hash>-python3-3.12.8``). Everything else is a leftover copy.
"""

import collections
import os
import re
from collections.abc import Iterable
from typing import Optional

from whichpython.memo import OneSearch, realpath
from whichpython.model.models import Interpreter
from whichpython.sources.base import Context
from whichpython.sources.nix import profile_bins, store_dir, store_python_names

#: What a look at the GC roots may cost: directories listed and entries read in all.
MAX_ROOT_DIRS = 200
MAX_ROOT_ENTRIES = 5_000
_ROOT_DEPTH = 4  # gcroots/per-user/<user>/<link>, gcroots/profiles -> profiles/per-user/...
_PYTHON_NAME = re.compile(r"^(?:python|pypy|graalpy)[0-9.]*t?$")
STORE_SOURCE = "nix-store"


class _Walk:
    """What is left of the GC-root walk's budget."""

    def __init__(self) -> None:
        self.dirs = MAX_ROOT_DIRS
        self.entries = MAX_ROOT_ENTRIES

    def listing(self, folder: str) -> list[str]:
        if self.dirs <= 0 or self.entries <= 0:
            return []
        self.dirs -= 1
        try:
            with os.scandir(folder) as scan:
                names = []
                for entry in scan:
                    self.entries -= 1
                    if self.entries < 0:
                        break
                    names.append(entry.name)
        except OSError:
            return []
        return sorted(names)


def entry_of(path: Optional[str], store: str) -> Optional[str]:
    """The store entry (``<store>/<hash>-name``) ``path`` lies in, links not followed."""
    if not path:
        return None
    try:
        rest = os.path.relpath(os.path.normpath(path), store) if os.path.isabs(path) else ".."
    except ValueError:  # another drive (Windows)
        return None
    if rest == "." or rest.startswith(".."):
        return None
    return os.path.join(store, rest.split(os.sep, 1)[0])


def _bin_entries(entry: str, store: str) -> set[str]:
    """The entries the Python-named programs in ``<entry>/bin`` lead to (a user environment
    links each program to its package's entry)."""
    found: set[str] = set()
    folder = os.path.join(entry, "bin")
    try:
        names = [name for name in os.listdir(folder) if _PYTHON_NAME.match(name)]
    except OSError:
        return found
    for name in names[:64]:
        target = entry_of(realpath(os.path.join(folder, name)), store)
        if target is not None:
            found.add(target)
    return found


def _reached_by_roots(ctx: Context, store: str) -> set[str]:
    """The store entries the profiles and the GC roots reach, with what their ``bin``
    programs lead to."""
    reached: set[str] = set()

    def reach(path: str) -> None:
        entry = entry_of(realpath(path), store)
        if entry is not None and entry not in reached:
            reached.add(entry)
            reached.update(_bin_entries(entry, store))

    for folder in profile_bins(ctx):
        reach(folder)  # the profile's user environment
        try:
            names = [name for name in os.listdir(folder) if _PYTHON_NAME.match(name)]
        except OSError:
            continue
        for name in names[:64]:
            reach(os.path.join(folder, name))
    state = ctx.environ.get("NIX_STATE_DIR") or ctx.system_path("/nix/var/nix")
    walk = _Walk()
    pending = [(os.path.join(state, "gcroots"), 0)]
    seen: set[str] = set()
    while pending:
        folder, depth = pending.pop()
        real = realpath(folder)
        if real in seen or depth > _ROOT_DEPTH:
            continue
        seen.add(real)
        for name in walk.listing(folder):
            path = os.path.join(folder, name)
            target = realpath(path)
            if entry_of(target, store) is not None:
                reach(path)
            elif os.path.isdir(target):  # gcroots/auto/, gcroots/profiles -> the profiles
                pending.append((path, depth + 1))
    return reached


def _name(entry: str) -> str:
    """A store entry's name without its hash: ``python3-3.12.8``."""
    return os.path.basename(entry)[33:]


def used_store_pythons(
    store_pythons: Iterable[Interpreter], others: Iterable[Interpreter], ctx: Context
) -> list[Interpreter]:
    """The ``store_pythons`` (in their order) that the machine uses, or that are the only
    copy of their name in the store; ``others`` are the interpreters found another way."""
    candidates = list(store_pythons)
    if not candidates:
        return []
    with OneSearch():  # each directory's real path is looked up once
        return _used(candidates, others, ctx)


def _used(
    candidates: list[Interpreter], others: Iterable[Interpreter], ctx: Context
) -> list[Interpreter]:
    store = realpath(store_dir(ctx))
    reached = _reached_by_roots(ctx, store)

    def note(python: Interpreter) -> None:
        places = (python.path, python.real_path, python.prefixes.prefix,
                  python.prefixes.base_prefix)  # fmt: skip
        for place in places:
            for path in (place, realpath(place)):
                entry = entry_of(path, store)
                if entry is not None:
                    reached.add(entry)

    for python in others:
        note(python)
    kept: dict[int, Interpreter] = {}
    growing = True
    while growing:  # an env kept makes its base reached: go round again
        growing = False
        for index, python in enumerate(candidates):
            if index in kept:
                continue
            own = {entry_of(realpath(p), store) for p in (python.path, python.real_path)}
            if own & reached:
                kept[index] = python
                note(python)
                growing = True
    copies = collections.Counter(_name(name) for name in store_python_names(ctx))
    for index, python in enumerate(candidates):
        own_entry = entry_of(realpath(python.path), store)
        if index not in kept and own_entry is not None and copies[_name(own_entry)] <= 1:
            kept[index] = python
    return [kept[index] for index in sorted(kept)]
