"""A findpython provider filled from whichpython's answers (docs/recipes/pdm.md).

``register()`` adds :class:`WhichPythonProvider` to findpython under the name ``whichpython``
(PDM's plugin does it at start-up: ``pdm config python.providers whichpython``). Each
interpreter comes with its version, architecture, implementation, ``sys.executable`` and
free-threading already set from whichpython's probe, so findpython runs nothing itself; and
findpython's sort (highest version first, then the longest path) is replaced, among this
provider's interpreters, by whichpython's preference. Install with
``pip install 'whichpython[pdm]'``.
"""

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Optional

from findpython import PythonVersion, register_provider
from findpython.providers.base import BaseProvider
from packaging.version import Version

from whichpython.engine.discovery import find_interpreters
from whichpython.engine.policy import Policy
from whichpython.model.models import Interpreter
from whichpython.request.grammar import parse_request

__all__ = ["WhichPythonProvider", "WhichPythonVersion", "python_version", "register"]


@dataclasses.dataclass(repr=False, eq=False)  # keep findpython's repr, __eq__ and __hash__
class WhichPythonVersion(PythonVersion):
    """A :class:`findpython.PythonVersion` whose facts come from whichpython, never from a
    run of its own; ``rank`` is its place in whichpython's preference (0 first)."""

    _implementation: Optional[str] = None
    rank: int = 0

    @property
    def implementation(self) -> str:
        if self._implementation is None:
            return super().implementation
        return self._implementation

    def is_valid(self) -> bool:
        """True: whichpython has just run it (findpython's own check runs it again)."""
        if self._version is None:
            return super().is_valid()
        return True

    def __lt__(self, other: PythonVersion) -> bool:
        """findpython sorts its matches with this, best last, then reverses the list: among
        whichpython's interpreters the best is the one whichpython prefers."""
        if isinstance(other, WhichPythonVersion):
            return self.rank > other.rank
        return super().__lt__(other)


def python_version(interpreter: Interpreter, rank: int = 0) -> WhichPythonVersion:
    """``interpreter`` as findpython sees it, every fact findpython would probe for set."""
    platform = interpreter.platform
    return WhichPythonVersion(
        Path(interpreter.path),
        _version=Version(interpreter.version),
        # platform.architecture()[0], which findpython asks for: the pointer size
        _architecture=f"{platform.pointer_bits}bit" if platform is not None else None,
        _interpreter=Path(interpreter.executable or interpreter.path),
        keep_symlink=True,  # whichpython's path, not its target (a venv's python is a link)
        _freethreaded=interpreter.freethreaded,
        _implementation=interpreter.implementation,
        rank=rank,
    )


class WhichPythonProvider(BaseProvider):
    """Every interpreter whichpython finds (``find_interpreters()``), best first: plain
    builds (CPython, final, neither free-threaded nor debug) in whichpython's priority order,
    then the others in that order, which is whom ``whichpython find`` picks for a version."""

    def __init__(
        self,
        *,
        prefer: str = "managed",
        venvs: str = "allow",
        cwd: Optional[str] = None,
        environ: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> None:
        self.prefer = prefer
        self.venvs = venvs
        self.cwd = cwd
        self.environ = environ
        self.timeout = timeout

    @classmethod
    def name(cls) -> str:
        return "whichpython"

    @classmethod
    def create(cls) -> "WhichPythonProvider":
        return cls()

    def find_pythons(self) -> Iterator[PythonVersion]:
        found = list(
            find_interpreters(
                prefer=self.prefer,
                venvs=self.venvs,
                cwd=self.cwd,
                environ=self.environ,
                timeout=self.timeout,
            )
        )
        policy = Policy(parse_request(None), self.prefer, self.venvs)
        ordered = [i for i in found if policy.is_plain(i)]
        ordered += [i for i in found if not policy.is_plain(i)]
        for rank, interpreter in enumerate(ordered):
            yield python_version(interpreter, rank)

    def __repr__(self) -> str:
        return f"<WhichPythonProvider prefer={self.prefer} venvs={self.venvs}>"


def register() -> type[WhichPythonProvider]:
    """Make ``whichpython`` a findpython provider name (``Finder(selected_providers=...)``).
    A ``Finder()`` without a selection then asks it too, after findpython's own providers."""
    return register_provider(WhichPythonProvider)
