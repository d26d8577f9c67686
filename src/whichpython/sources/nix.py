"""Nix: the interpreters linked into Nix profiles, and those sitting in the Nix store."""

import os
import re
from collections.abc import Iterator
from typing import Optional

from packaging.version import Version

import whichpython.sources.listings as listings
from whichpython.sources.base import Candidate, Context, Hints, Source, merge, name_hints

# "python3", "python3.12", "python3.13t", "pypy3", "pypy3.10" (not "python3-config")
_PROFILE_NAME = re.compile(r"^(?:python3(?:\.\d+t?)?|pypy3(?:\.\d+)?)$")
# "<hash>-python3-3.12.8", "<hash>-python3-3.12.8-env", "<hash>-pypy3.10-7.3.17",
# "<hash>-graalpy-24.1.1"; never "<hash>-python3.12-requests-2.31.0" or "<hash>-python3-3.12.8-dev".
_STORE_NAME = re.compile(
    r"^[0-9a-df-np-sv-z]{32}-(?P<name>python3|python|pypy3(?:\.\d+)?|pypy|graalpy)"
    r"-(?P<version>\d+\.\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?)(?P<env>-env)?$"
)
_STORE_PREFIXES = ("python", "pypy", "graalpy")


class NixProfiles(Source):
    """Pythons linked into Nix profiles: ``~/.nix-profile``, the NixOS system profile, the
    per-user profile and each entry of ``NIX_PROFILES``."""

    name = "nix-profile"
    kind = "system"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        seen: set[str] = set()
        for directory in profile_bins(ctx):
            key = os.path.realpath(directory)
            if key in seen:
                continue
            seen.add(key)
            try:
                with os.scandir(directory) as entries:
                    names = [e.name for e in entries if _PROFILE_NAME.match(e.name) and e.is_file()]
            except OSError:
                continue
            for name in sorted(names, key=_profile_order):
                yield Candidate(os.path.join(directory, name), self.name, name_hints(name))


def profile_bins(ctx: Context) -> list[str]:
    """The ``bin`` directories of the Nix profiles, as :class:`NixProfiles` reads them."""
    dirs = [
        os.path.join(ctx.home, ".nix-profile", "bin"),
        ctx.system_path("/run/current-system/sw/bin"),
    ]
    user = ctx.environ.get("USER")
    if user:
        dirs.append(ctx.system_path(f"/etc/profiles/per-user/{user}/bin"))
    dirs += [os.path.join(p, "bin") for p in ctx.environ.get("NIX_PROFILES", "").split()]
    return dirs


def _profile_order(name: str) -> tuple[bool, tuple[int, ...], str]:
    """CPython before PyPy, then versioned names newest first, then the bare name."""
    numbers = tuple(-int(n) for n in re.findall(r"\d+", name)[1:])
    return name.startswith("pypy"), numbers or (1,), name


class NixStore(Source):
    """Interpreters and ``withPackages`` envs in the Nix store, found from entry names alone
    (``<hash>-python3-3.12.8``, ``<hash>-python3-3.12.8-env``), newest version first."""

    name = "nix-store"
    kind = "system"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        store = store_dir(ctx)
        for match in _store_pythons(store, ctx):
            entry = os.path.join(store, match.string)
            for exe, hints in _store_executables(match):
                path = os.path.join(entry, "bin", exe)
                if os.path.isfile(path):
                    yield Candidate(path, self.name, merge(hints, name_hints(exe)))
                    break


def store_dir(ctx: Context) -> str:
    """The Nix store: ``$NIX_STORE_DIR``, ``$NIX_STORE``, else ``/nix/store``."""
    return (
        ctx.environ.get("NIX_STORE_DIR")
        or ctx.environ.get("NIX_STORE")
        or ctx.system_path("/nix/store")
    )


def store_python_names(ctx: Context) -> list[str]:
    """The names of the store entries :class:`NixStore` looks into (``<hash>-python3-3.12.8``,
    ``<hash>-python3-3.12.8-env``, ...), newest version first."""
    return [match.string for match in _store_pythons(store_dir(ctx), ctx)]


# store dir -> ((mtime_ns, inode, device), its Pythons' names parsed and in order): adding or
# removing a store path changes the directory's mtime, so a long-lived process lists and
# parses 50k entries (thousands of them python3.X-<package>) only once.
_LISTINGS: dict[str, tuple[tuple[int, ...], list["re.Match[str]"]]] = {}


def _store_pythons(store: str, ctx: Context) -> list["re.Match[str]"]:
    """The store names that are Pythons, parsed, newest version first (names only: no entry
    is stat'ed). A new process reads them from the listing stored by an earlier one while
    the store's mtime holds (:mod:`whichpython.sources.listings`)."""
    try:
        stamped = listings.stamp(store)
        known = _LISTINGS.get(store)
        if known is not None and known[0] == tuple(stamped):
            return known[1]
        names = listings.kept_names("nix-store", store, stamped, _is_interesting, ctx.environ)
    except OSError:
        return []
    found = [_STORE_NAME.match(name) for name in names]
    kept = sorted((m for m in found if m), key=lambda m: m.string)
    kept.sort(key=lambda m: m.group("env") is not None)
    kept.sort(key=_store_version, reverse=True)
    _LISTINGS[store] = (tuple(stamped), kept)
    return kept


def _is_interesting(name: str) -> bool:
    """A cheap filter before the regex: ``<32 chars>-python...``/``pypy``/``graalpy``."""
    return len(name) > 33 and name[32] == "-" and name.startswith(_STORE_PREFIXES, 33)


def _python_version(match: "re.Match[str]") -> Optional[str]:
    """The Python version a store name says: CPython's own version, PyPy's ``3.X``."""
    name = match.group("name")
    if name.startswith("python"):
        return match.group("version")
    if name.startswith("pypy3"):
        return name[4:]  # "3.10", or "3" for older nixpkgs' "pypy3-7.3.x"
    return None  # pypy 2 and graalpy carry their own release number, not Python's


def _store_version(match: "re.Match[str]") -> tuple[Version, Version]:
    """(Python version, release) for sorting; unknown Python versions sort last."""
    return Version(_python_version(match) or "0"), Version(match.group("version"))


def _store_executables(match: "re.Match[str]") -> list[tuple[str, Hints]]:
    """Executable names to try in ``<entry>/bin``, each with the store name's hints."""
    name = match.group("name")
    version = _python_version(match)
    if name.startswith("python"):
        hints = Hints(version=version, implementation="cpython", venv=False)
        minor = ".".join(match.group("version").split(".")[:2])
        return [(f"python{minor}", hints), (f"python{minor}t", hints)]
    if name.startswith("pypy"):
        hints = Hints(version=version, implementation="pypy", venv=False)
        names = dict.fromkeys([name, "pypy3" if version else "pypy"])  # "pypy3.10", then "pypy3"
        return [(exe, hints) for exe in names]
    return [("graalpy", Hints(implementation="graalpy", venv=False))]
