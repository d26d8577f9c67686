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

    from whichpython.discovery import Discovery, SearchResult, find_interpreter, find_interpreters
    from whichpython.errors import (
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
    from whichpython.inspection import inspect_interpreter
    from whichpython.models import (
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
    from whichpython.projects import find_environments
    from whichpython.repair import SysconfigRepair, fix_sysconfig
    from whichpython.request import RequestError, parse_request
    from whichpython.venvs import create_venv

_HOMES = {
    "BrokenSymlink": "whichpython.errors",
    "ConfigError": "whichpython.errors",
    "Considered": "whichpython.models",
    "Discovery": "whichpython.discovery",
    "Distro": "whichpython.models",
    "Embedding": "whichpython.models",
    "Environment": "whichpython.models",
    "Interpreter": "whichpython.models",
    "InterpreterError": "whichpython.errors",
    "InterpreterNotFound": "whichpython.errors",
    "Kind": "whichpython.models",
    "Libc": "whichpython.models",
    "Libpython": "whichpython.models",
    "LibraryFile": "whichpython.models",
    "NotAPython": "whichpython.errors",
    "NotExecutable": "whichpython.errors",
    "OutputTooLarge": "whichpython.errors",
    "PathIsDirectory": "whichpython.errors",
    "PathNotFound": "whichpython.errors",
    "PermissionDenied": "whichpython.errors",
    "Platform": "whichpython.models",
    "Prefixes": "whichpython.models",
    "ProbeCrashed": "whichpython.errors",
    "ProbeFailed": "whichpython.errors",
    "ProbeLeftChild": "whichpython.errors",
    "ProbeTimeout": "whichpython.errors",
    "Refused": "whichpython.errors",
    "RequestError": "whichpython.request",
    "SCHEMA_VERSION": "whichpython.models",
    "SearchResult": "whichpython.discovery",
    "Skipped": "whichpython.models",
    "SymlinkLoop": "whichpython.errors",
    "SysconfigCorrection": "whichpython.models",
    "SysconfigRepair": "whichpython.repair",
    "UnresolvedShim": "whichpython.errors",
    "UserSite": "whichpython.models",
    "Venv": "whichpython.models",
    "VenvBaseMissing": "whichpython.errors",
    "VenvConfigUnreadable": "whichpython.errors",
    "VenvCreationFailed": "whichpython.errors",
    "VersionInfo": "whichpython.models",
    "WhichPythonError": "whichpython.errors",
    "create_venv": "whichpython.venvs",
    "find_environments": "whichpython.projects",
    "find_interpreter": "whichpython.discovery",
    "find_interpreters": "whichpython.discovery",
    "fix_sysconfig": "whichpython.repair",
    "inspect_interpreter": "whichpython.inspection",
    "parse_request": "whichpython.request",
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
    """The installed distribution's version (``0+unknown`` when run from a source tree)."""
    from importlib import metadata

    try:
        return metadata.version("whichpython")
    except metadata.PackageNotFoundError:
        return "0+unknown"


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
