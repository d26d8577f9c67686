"""whichpython: find the Python interpreters on a machine and tell the truth about each one.

The public API (docs/discovery.md, docs/schema.md):

- ``find_interpreter(request=None, *, prefer, venvs, cwd, environ, timeout, cache)``: the
  :class:`Interpreter` a request (``"3.12"``, ``">=3.10"``, ``"pypy@3.10"``, a path) selects.
- ``find_interpreters(request=None, ...)``: every match, in priority order.
- ``inspect_interpreter(path, *, timeout, cache)``: one interpreter, described.
- ``find_environments(project=None, ...)``: the environments tools made (poetry, pipenv, tox,
  ...): the project's first, then the machine's others, broken ones with their ``error``.
- ``Discovery``: a search with one set of preferences; ``.find(..., explain=True)`` returns a
  ``SearchResult`` whose ``candidates`` say why each one won or lost.
- ``parse_request``, ``create_venv``, ``fix_sysconfig``; the models (``Interpreter``,
  ``VersionInfo``, ``Platform``, ``Venv``, ...) and the errors (``WhichPythonError`` and its
  subclasses: ``InterpreterNotFound``, ``InterpreterError``, ``RequestError``, ...).
- ``__version__``: this package's version.

Names are imported on first use (PEP 562), so that ``import whichpython`` and the CLI stay cheap.
"""

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the CLI's fast path)
if TYPE_CHECKING:
    from typing import Any

    from whichpython.engine.discovery import (
        Discovery,
        SearchResult,
        find_interpreter,
        find_interpreters,
    )
    from whichpython.engine.inspection import inspect_interpreter
    from whichpython.engine.projects import find_environments
    from whichpython.engine.repair import SysconfigRepair, fix_sysconfig
    from whichpython.engine.venvs import create_venv
    from whichpython.model.errors import (
        BrokenSymlink,
        ConfigError,
        InterpreterError,
        InterpreterNotFound,
        NotAPython,
        NotExecutable,
        OutputTooLarge,
        PathIsDirectory,
        PathNotFound,
        PermissionDenied,
        ProbeCrashed,
        ProbeFailed,
        ProbeLeftChild,
        ProbeTimeout,
        Refused,
        SymlinkLoop,
        UnresolvedShim,
        VenvBaseMissing,
        VenvConfigUnreadable,
        VenvCreationFailed,
        WhichPythonError,
    )
    from whichpython.model.models import (
        SCHEMA_VERSION,
        Considered,
        Distro,
        Embedding,
        Environment,
        Interpreter,
        Kind,
        Libc,
        Libpython,
        LibraryFile,
        Platform,
        Prefixes,
        Skipped,
        SysconfigCorrection,
        UserSite,
        Venv,
        VersionInfo,
    )
    from whichpython.request.grammar import RequestError, parse_request

_HOMES = {
    "BrokenSymlink": "whichpython.model.errors",
    "ConfigError": "whichpython.model.errors",
    "Considered": "whichpython.model.models",
    "Discovery": "whichpython.engine.discovery",
    "Distro": "whichpython.model.models",
    "Embedding": "whichpython.model.models",
    "Environment": "whichpython.model.models",
    "Interpreter": "whichpython.model.models",
    "InterpreterError": "whichpython.model.errors",
    "InterpreterNotFound": "whichpython.model.errors",
    "Kind": "whichpython.model.models",
    "Libc": "whichpython.model.models",
    "Libpython": "whichpython.model.models",
    "LibraryFile": "whichpython.model.models",
    "NotAPython": "whichpython.model.errors",
    "NotExecutable": "whichpython.model.errors",
    "OutputTooLarge": "whichpython.model.errors",
    "PathIsDirectory": "whichpython.model.errors",
    "PathNotFound": "whichpython.model.errors",
    "PermissionDenied": "whichpython.model.errors",
    "Platform": "whichpython.model.models",
    "Prefixes": "whichpython.model.models",
    "ProbeCrashed": "whichpython.model.errors",
    "ProbeFailed": "whichpython.model.errors",
    "ProbeLeftChild": "whichpython.model.errors",
    "ProbeTimeout": "whichpython.model.errors",
    "Refused": "whichpython.model.errors",
    "RequestError": "whichpython.request.grammar",
    "SCHEMA_VERSION": "whichpython.model.models",
    "SearchResult": "whichpython.engine.discovery",
    "Skipped": "whichpython.model.models",
    "SymlinkLoop": "whichpython.model.errors",
    "SysconfigCorrection": "whichpython.model.models",
    "SysconfigRepair": "whichpython.engine.repair",
    "UnresolvedShim": "whichpython.model.errors",
    "UserSite": "whichpython.model.models",
    "Venv": "whichpython.model.models",
    "VenvBaseMissing": "whichpython.model.errors",
    "VenvConfigUnreadable": "whichpython.model.errors",
    "VenvCreationFailed": "whichpython.model.errors",
    "VersionInfo": "whichpython.model.models",
    "WhichPythonError": "whichpython.model.errors",
    "create_venv": "whichpython.engine.venvs",
    "find_environments": "whichpython.engine.projects",
    "find_interpreter": "whichpython.engine.discovery",
    "find_interpreters": "whichpython.engine.discovery",
    "fix_sysconfig": "whichpython.engine.repair",
    "inspect_interpreter": "whichpython.engine.inspection",
    "parse_request": "whichpython.request.grammar",
}


def __getattr__(name: str) -> "Any":
    if name == "__version__":
        return _version()
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module 'whichpython' has no attribute {name!r}")
    import importlib  # here: it imports warnings, which the CLI's fast path does without

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> "list[str]":
    """The public names too, though most are not imported yet (``help()``, completion)."""
    return sorted({*globals(), *__all__, "__version__"})


def _version() -> str:
    """This package's version, from the one place it is written (whichpython/_about.py, which
    the build reads too): importlib.metadata would cost more than a warm ``find``."""
    from whichpython._about import __version__

    return __version__


__all__ = [
    "SCHEMA_VERSION",
    "BrokenSymlink",
    "ConfigError",
    "Considered",
    "Discovery",
    "Distro",
    "Embedding",
    "Environment",
    "Interpreter",
    "InterpreterError",
    "InterpreterNotFound",
    "Kind",
    "Libc",
    "Libpython",
    "LibraryFile",
    "NotAPython",
    "NotExecutable",
    "OutputTooLarge",
    "PathIsDirectory",
    "PathNotFound",
    "PermissionDenied",
    "Platform",
    "Prefixes",
    "ProbeCrashed",
    "ProbeFailed",
    "ProbeLeftChild",
    "ProbeTimeout",
    "Refused",
    "RequestError",
    "SearchResult",
    "Skipped",
    "SymlinkLoop",
    "SysconfigCorrection",
    "SysconfigRepair",
    "UnresolvedShim",
    "UserSite",
    "Venv",
    "VenvBaseMissing",
    "VenvConfigUnreadable",
    "VenvCreationFailed",
    "VersionInfo",
    "WhichPythonError",
    "create_venv",
    "find_environments",
    "find_interpreter",
    "find_interpreters",
    "fix_sysconfig",
    "inspect_interpreter",
    "parse_request",
]
