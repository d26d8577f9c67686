"""macOS (and Linuxbrew) layouts: the python.org framework builds and Homebrew's formulae."""

import os
import re
from collections.abc import Iterator

from whichpython.sources.base import Candidate, Context, Hints, Source, merge, name_hints, subdirs

_MINOR = re.compile(r"^\d+\.\d+$")
_BREW_FORMULA = re.compile(r"^python@(\d+\.\d+)$")
_BREW_PREFIXES = ("/opt/homebrew", "/usr/local", "/home/linuxbrew/.linuxbrew")


class PythonOrgFramework(Source):
    """The python.org installers' frameworks: ``Python.framework/Versions/<X.Y>/bin/python<X.Y>``,
    then the free-threaded ``PythonT.framework`` (``python<X.Y>t``), newest version first."""

    name = "python.org"
    kind = "system"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        for framework, flag in (("Python.framework", ""), ("PythonT.framework", "t")):
            versions = ctx.system_path(f"/Library/Frameworks/{framework}/Versions")
            for version in subdirs(versions):
                if not _MINOR.match(version):  # "Current" is a link to one of the others
                    continue
                exe = f"python{version}{flag}"
                path = os.path.join(versions, version, "bin", exe)
                if os.path.isfile(path):
                    hints = Hints(version=version, implementation="cpython", venv=False)
                    yield Candidate(path, self.name, merge(hints, name_hints(exe)))


class Homebrew(Source):
    """Homebrew's versioned formulae: ``<prefix>/opt/python@3.X/bin/python3.X`` for
    ``$HOMEBREW_PREFIX``, ``/opt/homebrew``, ``/usr/local`` and Linuxbrew's prefix."""

    name = "homebrew"
    kind = "system"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        prefixes = [ctx.system_path(p) for p in _BREW_PREFIXES]
        env_prefix = ctx.environ.get("HOMEBREW_PREFIX")
        if env_prefix:
            prefixes.insert(0, env_prefix)
        seen: set[str] = set()
        for prefix in prefixes:
            opt = os.path.join(prefix, "opt")
            key = os.path.realpath(opt)
            if key in seen:
                continue
            seen.add(key)
            for formula, version in _formulae(opt):
                exe = f"python{version}"
                path = os.path.join(opt, formula, "bin", exe)
                if os.path.isfile(path):
                    hints = Hints(version=version, implementation="cpython", venv=False)
                    yield Candidate(path, self.name, merge(hints, name_hints(exe)))


def _formulae(opt: str) -> list[tuple[str, str]]:
    """``(python@3.X, 3.X)`` in ``opt``, newest first, from names alone (no stat per formula)."""
    try:
        names = os.listdir(opt)
    except OSError:
        return []
    found = [(n, m.group(1)) for n, m in ((n, _BREW_FORMULA.match(n)) for n in names) if m]
    return sorted(found, key=lambda f: tuple(int(n) for n in f[1].split(".")), reverse=True)
