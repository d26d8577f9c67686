"""The methods of ``whichpython serve``: PET's configure, refresh, resolve, find, info and
clear, answered with whichpython's discovery and inspection."""

import itertools
import os
import shutil
import threading
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

import attrs

from whichpython.errors import InterpreterError
from whichpython.models import Interpreter
from whichpython.server.environments import PET_KINDS, broken_environment, environment
from whichpython.server.places import expand, venv_pythons
from whichpython.server.protocol import (
    INTERNAL_ERROR,
    REQUEST_FAILED,
    Connection,
    Method,
    RpcError,
    invalid_params,
    object_params,
    optional,
    optional_strings,
)

_CACHE_SUBDIR = "whichpython"  # inside configure's cacheDirectory: all that clear deletes


@attrs.frozen
class Config:
    """What ``configure`` said; ``generation`` counts the configure requests."""

    workspace: tuple[str, ...] = ()
    environment_dirs: tuple[str, ...] = ()
    cache_dir: Optional[str] = None
    generation: int = 0


class _Gone(Exception):
    """The client closed its end: stop reporting."""


#: Answers one request: ``respond(result)`` or ``respond(None, error)``.
Respond = Callable[[Any, Optional[RpcError]], None]


class _Run:
    """One refresh, shared by every identical request made while it is queued or running."""

    def __init__(self, refresh_id: int) -> None:
        self.refresh_id = refresh_id
        self.done = threading.Event()
        self.waiting: list[Respond] = []  # the requests it answers, in arrival order


class Refreshes:
    """Runs refreshes one at a time; a request identical to one queued or running (same
    ``searchKind``, same expanded ``searchPaths``, same configuration) joins it and gets
    the same result, ``refreshId`` included. Every request a run answers is answered before
    the next run starts, so that no notification of a later run comes before them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._serial = threading.Lock()
        self._runs: dict[Any, _Run] = {}
        self._ids = itertools.count(1)

    def run(self, key: Any, work: Callable[[], None], respond: Respond) -> None:
        """Answer through ``respond`` once the run for ``key`` (this request's own, or the
        identical one it joins) is done."""
        with self._lock:
            run = self._runs.get(key)
            owner = run is None
            if run is None:
                run = self._runs[key] = _Run(next(self._ids))
            run.waiting.append(respond)
        if owner:
            with self._serial:
                result: Optional[dict[str, Any]] = None
                error: Optional[RpcError] = None
                started = time.monotonic()
                try:
                    work()
                    elapsed = int((time.monotonic() - started) * 1000)
                    result = {"duration": elapsed, "refreshId": run.refresh_id}
                except RpcError as failure:
                    error = failure
                except Exception as failure:  # a bug: every waiter hears of it
                    text = f"Internal error: {type(failure).__name__}: {failure}"
                    error = RpcError(INTERNAL_ERROR, text[:500])
                finally:
                    with self._lock:
                        del self._runs[key]
                    for answer in run.waiting:
                        answer(result, error)
                    run.done.set()
        run.done.wait()


class Server:
    """The state of one session (its configuration) and its methods."""

    def __init__(self, connection: Connection, environ: Mapping[str, str]) -> None:
        self.connection = connection
        self.base_environ = dict(environ)
        self.config = Config()
        self._config_lock = threading.Lock()
        self.refreshes = Refreshes()

    def methods(self) -> dict[str, Method]:
        return {
            "configure": Method(self.configure),
            "refresh": Method(self.refresh, background=True, replies=True),
            "resolve": Method(self.resolve, background=True),
            "find": Method(self.find, background=True),
            "info": Method(self.info),
            "clear": Method(self.clear),
        }

    def environ(self, config: Config) -> dict[str, str]:
        """The environment searches see: the server's own, with ``cacheDirectory``."""
        environ = dict(self.base_environ)
        if config.cache_dir is not None:
            environ["WHICHPYTHON_CACHE_DIR"] = os.path.join(config.cache_dir, _CACHE_SUBDIR)
        return environ

    # -- methods -------------------------------------------------------------------------

    def info(self, params: Any) -> dict[str, Any]:
        import whichpython

        return {"name": "whichpython", "version": whichpython.__version__}

    def configure(self, params: Any) -> None:
        options = object_params(params)
        workspace = optional_strings(options, "workspaceDirectories")
        environments = optional_strings(options, "environmentDirectories")
        cache_dir = optional(options, "cacheDirectory", str)
        for ignored in ("condaExecutable", "poetryExecutable", "pipenvExecutable"):
            optional(options, ignored, str)  # accepted, checked, not needed
        cwd = os.getcwd()
        with self._config_lock:
            previous = self.config
            self.config = Config(
                workspace=tuple(d for d in expand(workspace or [], cwd=cwd) if os.path.isdir(d)),
                environment_dirs=tuple(
                    d for d in expand(environments or [], cwd=cwd) if os.path.isdir(d)
                ),
                cache_dir=os.path.abspath(cache_dir) if cache_dir else previous.cache_dir,
                generation=previous.generation + 1,
            )

    def refresh(self, params: Any, respond: Respond) -> None:
        options = object_params(params)
        kind = optional(options, "searchKind", str)
        if kind is not None and kind not in PET_KINDS:
            raise invalid_params(f"unknown searchKind {kind[:60]!r}")
        paths = optional_strings(options, "searchPaths")
        found = None if paths is None else tuple(expand(paths, cwd=os.getcwd()))
        with self._config_lock:
            config = self.config
        key = (kind, found, config.generation)
        self.refreshes.run(key, lambda: self._refresh(config, kind, found), respond)

    def resolve(self, params: Any) -> dict[str, Any]:
        options = object_params(params, allow_null=False)
        executable = optional(options, "executable", str)
        if not executable:
            raise invalid_params("executable (a path) is required")
        environ = self.environ(self.config)
        from whichpython.inspection import inspect_interpreter

        try:
            python = inspect_interpreter(executable, environ=environ)
        except InterpreterError as error:
            data = {"path": error.path, "kind": error.kind, "cause": error.cause}
            raise RpcError(REQUEST_FAILED, f"{error.path}: {error.cause}", data) from None
        return environment(attrs.evolve(python, source="explicit"), environ)

    def find(self, params: Any) -> Optional[list[dict[str, Any]]]:
        options = object_params(params, allow_null=False)
        search_path = optional(options, "searchPath", str)
        if not search_path:
            raise invalid_params("searchPath (a directory or an executable) is required")
        environ = self.environ(self.config)
        found: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for path in expand([search_path], cwd=os.getcwd()):
            self._in_path(path, environ, seen, found.append)
        return found or None  # PET answers null when it found nothing

    def clear(self, params: Any) -> None:
        """Delete the cache under ``cacheDirectory`` (only whichpython's subdirectory of it);
        without a configured ``cacheDirectory`` there is nothing to clear (as in PET)."""
        cache_dir = self.config.cache_dir
        if cache_dir is None:
            self.connection.log("info", "clear: no cacheDirectory configured, nothing cleared")
            return
        target = os.path.join(cache_dir, _CACHE_SUBDIR)
        try:
            if os.path.lexists(target):
                shutil.rmtree(target)
        except OSError as error:
            raise RpcError(REQUEST_FAILED, f"{target}: {error.strerror or error}") from None

    # -- the work ------------------------------------------------------------------------

    def _refresh(
        self, config: Config, kind: Optional[str], paths: Optional[tuple[str, ...]]
    ) -> None:
        environ = self.environ(config)
        seen: set[tuple[str, str]] = set()
        managers: set[str] = set()

        def report(env: dict[str, Any]) -> None:
            if kind is not None and env["kind"] != kind:
                return
            manager = env.get("manager")
            if manager is not None and manager["executable"] not in managers:
                managers.add(manager["executable"])
                self._notify("manager", manager)
            self._notify("environment", env)

        try:
            if paths is not None:  # only these: directories and executables
                for path in paths:
                    self._in_path(path, environ, seen, report)
                return
            from whichpython.discovery import Discovery

            def found(python: Interpreter) -> None:  # as the search settles each, in order
                if _first(seen, python.path, python.prefixes.prefix):
                    report(environment(python, environ))

            self.connection.log("info", "refresh: searching the machine")
            Discovery(environ=environ, found=found).find_all()
            folders: list[tuple[str, Optional[str]]] = []
            if kind is None:  # as in PET: a search for one kind ignores the workspace
                folders += [(d, d) for d in config.workspace]
            folders += [(d, None) for d in config.environment_dirs]
            for folder, project in folders:
                self._venvs(folder, environ, seen, report, project=project)
            self._tools_envs(config.workspace if kind is None else (), environ, seen, report)
        except _Gone:
            return

    def _notify(self, method: str, params: Any) -> None:
        if not self.connection.notify(method, params):
            raise _Gone

    def _tools_envs(
        self,
        projects: tuple[str, ...],
        environ: Mapping[str, str],
        seen: set[tuple[str, str]],
        report: Callable[[dict[str, Any]], None],
    ) -> None:
        """The environments the tools keep (docs/environments.md): the workspace folders'
        first, then the machine's others; a broken one with its ``error``."""
        from whichpython.projects import environments_of
        from whichpython.sources.base import Context, working_dir

        ctx = Context(environ=environ, cwd=working_dir(environ))
        for env in environments_of(projects, ctx):
            python = env.interpreter
            if python is None:
                if _first(seen, env.path, env.prefix):
                    report(broken_environment(env.path, env.prefix, env.error or "broken",
                                              project=env.project))  # fmt: skip
            elif _first(seen, python.path, python.prefixes.prefix):
                report(environment(attrs.evolve(python, source=env.source), environ))

    def _in_path(
        self,
        path: str,
        environ: Mapping[str, str],
        seen: set[tuple[str, str]],
        report: Callable[[dict[str, Any]], None],
    ) -> None:
        """Environments at ``path``: the interpreter a file is, the venvs in a directory."""
        if os.path.isdir(path):
            self._venvs(path, environ, seen, report, project=path)
        elif os.path.isfile(path):
            from whichpython.inspection import inspect_interpreter

            try:
                python = inspect_interpreter(path, environ=environ)
            except InterpreterError as error:
                self.connection.log("warning", f"{error.path}: {error.cause}")
                return
            if _first(seen, python.path, python.prefixes.prefix):
                report(environment(attrs.evolve(python, source="search-path"), environ))

    def _venvs(
        self,
        folder: str,
        environ: Mapping[str, str],
        seen: set[tuple[str, str]],
        report: Callable[[dict[str, Any]], None],
        *,
        project: Optional[str],
    ) -> None:
        """Report each venv in ``folder`` (each inspected in turn), a broken one with its
        ``error``."""
        from whichpython.inspection import inspect_interpreter

        for python_path in venv_pythons(folder):
            prefix = os.path.dirname(os.path.dirname(python_path))
            try:
                python = inspect_interpreter(python_path, environ=environ)
            except InterpreterError as error:
                if _first(seen, python_path, prefix):
                    report(broken_environment(python_path, prefix, error.cause, project=project))
                continue
            if not _first(seen, python.path, python.prefixes.prefix):
                continue
            source = "workspace" if project is not None else "environment-directory"
            report(environment(attrs.evolve(python, source=source), environ, project=project))


def _first(seen: set[tuple[str, str]], path: str, prefix: str) -> bool:
    """True the first time an environment is met (``seen`` notes it), however it was
    reached: it is its real binary and its prefix."""
    key = os.path.realpath(path), os.path.realpath(prefix)
    if key in seen:
        return False
    seen.add(key)
    return True
