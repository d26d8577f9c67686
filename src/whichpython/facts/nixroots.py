"""Which of the Nix store's Pythons a machine uses (docs/classification.md, "Nix store
Pythons"; docs/server.md, refresh): a store holds every build a profile generation, a
``nix-shell`` or a ``nix build`` ever fetched, and only some of them are still reachable from
something the user runs; the garbage collector may remove the others at any time.

A store Python (one the ``nix-store`` source found, not reached another way) is rooted when
its store entry is reached from a Nix profile (``~/.nix-profile``, ``/run/current-system``,
the per-user and ``NIX_PROFILES`` profiles), a garbage-collector root
(``$NIX_STATE_DIR/gcroots``, else ``/nix/var/nix/gcroots``, walked at a bounded cost; a
root's ``bin`` programs followed one level, as a profile's), or an interpreter
found elsewhere (on ``PATH``, in a profile: its executable, its prefix and its base prefix,
so the base of a ``python3-X-env`` counts). The search marks the others ``nix_unrooted`` and
ranks them last (:class:`StoreRoots`); the server also keeps an unrooted one that is the only
entry of its name in the store (no second ``<hash>-python3-3.12.8``), and holds back the
leftover copies (:func:`used_store_pythons`).
"""

import collections
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Optional

from whichpython.memo import OneSearch, realpath
from whichpython.model.models import Interpreter
from whichpython.sources.base import Context
from whichpython.sources.nix import profile_bins, store_dir, store_python_names

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

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


_GENERATION = re.compile(r"-\d+-link$")  # a profile's old generation: no place to run from


class _Roots:
    """The store entries the profiles and the GC roots reach (with what their ``bin``
    programs lead to), and the paths a user reaches them by: a profile's program
    (``~/.nix-profile/bin/python3``), a profile (``/nix/var/nix/profiles/default``), an
    indirect root's link (a ``nix-build`` ``result``)."""

    def __init__(self, ctx: Context, store: str) -> None:
        self.store = store
        self.reached: set[str] = set()
        self.places: list[tuple[str, str]] = []  # (a user's path, the entry it resolves into)
        self.leads: dict[str, set[str]] = {}  # an entry -> what its bin programs lead to
        self._walk(ctx)

    def reach(self, path: str, place: Optional[str], real: Optional[str] = None) -> None:
        entry = entry_of(real or realpath(path), self.store)
        if entry is None:
            return
        if place is not None:
            self.places.append((place, entry))
        if entry not in self.leads:
            self.leads[entry] = _bin_entries(entry, self.store)
            self.reached.add(entry)
            self.reached.update(self.leads[entry])

    def _walk(self, ctx: Context) -> None:
        for folder in profile_bins(ctx):
            self.reach(folder, None)  # the profile's user environment
            try:
                names = [name for name in os.listdir(folder) if _PYTHON_NAME.match(name)]
            except OSError:
                continue
            for name in sorted(names)[:64]:
                self.reach(os.path.join(folder, name), os.path.join(folder, name))
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
                if entry_of(target, self.store) is not None:
                    self.reach(path, _user_place(real, name), target)
                elif os.path.isdir(target):  # gcroots/auto/, gcroots/profiles -> the profiles
                    pending.append((path, depth + 1))

    def place_of(self, python: Interpreter) -> Optional[str]:
        """The first path a user reaches ``python``'s binary by, outside the store."""
        real = realpath(python.path)
        entry = entry_of(real, self.store)
        for place, reaches in self.places:
            if entry != reaches and entry not in self.leads.get(reaches, ()):
                continue  # neither this entry nor a profile holding it
            here = realpath(place)
            if here == real:
                return place
            if here == entry:  # a link to the entry itself: the same file inside it
                inside = os.path.join(place, os.path.relpath(python.path, entry))
                if realpath(inside) == real:
                    return inside
            folder = os.path.join(place, "bin")
            try:
                names = sorted(n for n in os.listdir(folder) if _PYTHON_NAME.match(n))
            except OSError:
                continue
            for name in names[:64]:  # a profile: its program that is this binary
                if realpath(os.path.join(folder, name)) == real:
                    return os.path.join(folder, name)
        return None


def _user_place(folder: str, name: str) -> Optional[str]:
    """The path a user knows a GC root ``folder/name`` by: the link an indirect root points
    at (``~/project/result``), else the root itself in its real folder (a profile); None for
    a profile's old generation."""
    path = os.path.join(folder, name)
    try:
        target = os.readlink(path)
    except OSError:
        return None
    if os.path.isabs(target) and os.path.islink(target):  # an indirect root
        return None if _GENERATION.search(os.path.basename(target)) else target
    return None if _GENERATION.search(name) else path


def _name(entry: str) -> str:
    """A store entry's name without its hash: ``python3-3.12.8``."""
    return os.path.basename(entry)[33:]


@attrs.frozen
class Reach:
    """What the roots say of some store Pythons (in their order): whether each is reached,
    and the path outside the store a user reaches it by (None: none, or not reached)."""

    rooted: list[bool]
    places: list[Optional[str]]


class StoreRoots:
    """The machine's Nix roots, looked at once (a search asks about its store Pythons as it
    meets them)."""

    def __init__(self, ctx: Context) -> None:
        self.store = realpath(store_dir(ctx))
        self._roots = _Roots(ctx, self.store)

    def reach(self, store_pythons: list[Interpreter], others: Iterable[Interpreter]) -> Reach:
        """Which of ``store_pythons`` a root reaches: a profile, a GC root, or an interpreter
        found another way (``others``: on PATH, in a profile; its executable, prefix and base
        prefix count, so the base of a ``python3-X-env`` is reached through the env), and a
        store Python reached makes its own base reached."""
        reached = set(self._roots.reached)

        def note(python: Interpreter) -> None:
            places = (python.path, python.real_path, python.prefixes.prefix,
                      python.prefixes.base_prefix)  # fmt: skip
            for place in places:
                for path in (place, realpath(place)):
                    entry = entry_of(path, self.store)
                    if entry is not None:
                        reached.add(entry)

        for python in others:
            note(python)
        rooted = [False] * len(store_pythons)
        growing = True
        while growing:  # an env reached makes its base reached: go round again
            growing = False
            for index, python in enumerate(store_pythons):
                own = {entry_of(realpath(p), self.store) for p in (python.path, python.real_path)}
                if not rooted[index] and own & reached:
                    rooted[index] = growing = True
                    note(python)
        places = [self._roots.place_of(p) if ok else None
                  for p, ok in zip(store_pythons, rooted)]  # fmt: skip
        return Reach(rooted, places)


def used_store_pythons(store_pythons: Iterable[Interpreter], ctx: Context) -> list[Interpreter]:
    """The ``store_pythons`` a search found and marked (:class:`StoreRoots`, in their order)
    that the machine uses: the rooted ones (not ``nix_unrooted``), and those that are the only
    copy of their name in the store."""
    candidates = list(store_pythons)
    if not candidates:
        return []
    with OneSearch():  # each directory's real path is looked up once
        store = realpath(store_dir(ctx))
        copies = collections.Counter(_name(name) for name in store_python_names(ctx))
        kept = []
        for python in candidates:
            own = entry_of(realpath(python.real_path), store)
            if not python.nix_unrooted or (own is not None and copies[_name(own)] <= 1):
                kept.append(python)
        return kept
