"""The methods of ``whichpython serve``: PET's configure, refresh, resolve, find, info and
clear, answered with whichpython's discovery and inspection."""

import os
import shutil
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

import attrs

from whichpython.model.errors import ConfigError, InterpreterError
from whichpython.model.models import Interpreter
from whichpython.probe.identity import resolve_timeout
from whichpython.server.deadline import Expired, RequestDeadline, deadline_seconds, within
from whichpython.server.environments import PET_KINDS, broken_environment, environment
from whichpython.server.machine import elapsed_ms, resolve_target, search_machine, timed
from whichpython.server.places import expand, is_conda_env, venv_pythons
from whichpython.server.protocol import (
    REQUEST_FAILED,
    Connection,
    Method,
    RpcError,
    invalid_params,
    object_params,
    optional,
    optional_path,
    optional_paths,
)
from whichpython.server.startup import info
from whichpython.server.state import Config, Pending, Refreshes, Respond
from whichpython.sources.executables import python_name

_CACHE_SUBDIR = "whichpython"  # inside configure's cacheDirectory: all that clear deletes


class _Gone(Exception):
    """The client closed its end: stop reporting."""


class Server:
    """The state of one session (its configuration) and its methods."""

    def __init__(self, connection: Connection, environ: Mapping[str, str]) -> None:
        self.connection = connection
        self.base_environ = dict(environ)
        from whichpython.server.deadline import default_deadline

        first = Config(deadline=default_deadline(environ))  # ConfigError: a bad variable
        self.pending = Pending(first, [], [])
        self.pending.settle(first)
        self.refreshes = Refreshes()

    def methods(self) -> dict[str, Method]:
        latest = self._latest
        return {
            "configure": Method(self.configure, background=True, capture=self._configured),
            "refresh": Method(self.refresh, background=True, replies=True, capture=latest),
            "resolve": Method(self.resolve, background=True, capture=latest),
            "find": Method(self.find, background=True, capture=latest),
            "info": Method(info),
            "clear": Method(self.clear),
        }

    def _latest(self, params: Any) -> Pending:
        """The configuration a request arriving now works with."""
        return self.pending

    def environ(self, config: Config) -> dict[str, str]:
        """The environment searches see: the server's own, with ``cacheDirectory``."""
        environ = dict(self.base_environ)
        if config.cache_dir is not None:
            environ["WHICHPYTHON_CACHE_DIR"] = os.path.join(config.cache_dir, _CACHE_SUBDIR)
        return environ

    # -- methods -------------------------------------------------------------------------

    def _configured(self, params: Any) -> Pending:
        """A configure's parameters, checked as it arrives: the configuration it makes,
        which the requests after it will use once its directories are expanded."""
        options = object_params(params)
        workspace = optional_paths(options, "workspaceDirectories")
        environments = optional_paths(options, "environmentDirectories")
        cache_dir = optional_path(options, "cacheDirectory")
        for ignored in ("condaExecutable", "poetryExecutable", "pipenvExecutable"):
            optional_path(options, ignored)  # accepted, checked, not needed
        previous = self.pending.config
        deadline = previous.deadline
        if options.get("deadline") is not None:
            try:
                deadline = deadline_seconds(options["deadline"], "configure's deadline ")
            except ConfigError as error:
                raise invalid_params(str(error)) from None
        config = Config(
            deadline=deadline,
            cache_dir=os.path.abspath(cache_dir) if cache_dir else previous.cache_dir,
            generation=previous.generation + 1,
        )
        self.pending = Pending(config, workspace or [], environments or [])
        return self.pending

    def configure(self, params: Any, pending: Pending) -> None:
        """Expand the directories of a configure (made by :meth:`_configured`), off the
        reading thread, within the deadline; answers once they are."""
        config = pending.config
        try:
            deadline = RequestDeadline(config.deadline)
            assert pending.patterns is not None
            workspace, environments = pending.patterns
            dirs = [self._dirs(patterns, deadline) for patterns in (workspace, environments)]
            config = attrs.evolve(config, workspace=dirs[0], environment_dirs=dirs[1])
        finally:
            pending.settle(config)

    def _dirs(self, patterns: list[str], deadline: RequestDeadline) -> tuple[str, ...]:
        def warn(text: str) -> None:
            self.connection.log("warning", f"configure: {text}")

        found = expand(patterns, cwd=os.getcwd(), deadline=deadline.end, warn=warn)
        return tuple(d for d in found if os.path.isdir(d))

    def refresh(self, params: Any, respond: Respond, pending: Pending) -> None:
        deadline = RequestDeadline(pending.config.deadline)
        options = object_params(params)
        kind = optional(options, "searchKind", str)
        if kind is not None and kind not in PET_KINDS:
            raise invalid_params(f"unknown searchKind {kind[:60]!r}")
        paths = optional_paths(options, "searchPaths")
        config = pending.wait(deadline, "refresh")
        found = None if paths is None else tuple(self._expand(paths, deadline, "refresh"))
        key = (kind, found, config.generation)
        work = lambda: self._refresh(config, kind, found, deadline)  # noqa: E731
        self.refreshes.run(key, work, respond, deadline)

    def resolve(self, params: Any, pending: Pending) -> dict[str, Any]:
        deadline = RequestDeadline(pending.config.deadline)
        options = object_params(params, allow_null=False)
        executable = optional_path(options, "executable")
        if not executable:
            raise invalid_params("executable (a path) is required")
        environ = self.environ(pending.wait(deadline, "resolve"))
        from whichpython.engine.inspection import inspect_interpreter

        target = resolve_target(executable, environ)

        def work() -> Interpreter:
            limit = deadline.probe_timeout(resolve_timeout(None, environ))
            return inspect_interpreter(target, environ=environ, timeout=limit)

        try:
            python = within(deadline, work, "whichpython-resolve-work")
        except Expired:
            raise RpcError(REQUEST_FAILED, deadline.message("resolve")) from None
        except InterpreterError as error:
            data = {"path": error.path, "kind": error.kind, "cause": error.cause}
            raise RpcError(REQUEST_FAILED, f"{error.path}: {error.cause}", data) from None
        return environment(attrs.evolve(python, source="explicit"), environ)

    def find(self, params: Any, pending: Pending) -> Optional[list[dict[str, Any]]]:
        deadline = RequestDeadline(pending.config.deadline)
        options = object_params(params, allow_null=False)
        search_path = optional_path(options, "searchPath")
        if not search_path:
            raise invalid_params("searchPath (a directory or an executable) is required")
        environ = self.environ(pending.wait(deadline, "find"))
        found: list[dict[str, Any]] = []

        def work() -> None:
            seen: set[tuple[str, str]] = set()
            for path in self._expand([search_path], deadline, "find"):
                self._in_path(path, environ, seen, found.append, deadline)

        try:
            within(deadline, work, "whichpython-find-work")
        except Expired:
            raise RpcError(REQUEST_FAILED, deadline.message("find")) from None
        return found or None  # PET answers null when it found nothing

    def _expand(self, patterns: list[str], deadline: RequestDeadline, method: str) -> list[str]:
        def warn(text: str) -> None:
            self.connection.log("warning", f"{method}: {text}")

        return expand(patterns, cwd=os.getcwd(), deadline=deadline.end, warn=warn)

    def clear(self, params: Any) -> None:
        """Delete the cache under ``cacheDirectory`` (only whichpython's subdirectory of it);
        without a configured ``cacheDirectory`` there is nothing to clear (as in PET)."""
        cache_dir = self.pending.config.cache_dir
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
        self,
        config: Config,
        kind: Optional[str],
        paths: Optional[tuple[str, ...]],
        deadline: RequestDeadline,
    ) -> Optional[dict[str, Any]]:
        """One refresh's search, answered at the deadline with what was reported so far
        (``deadlineReached``: the rest is not searched, and nothing more is sent). Its
        ``RefreshPerformance`` telemetry goes out just before the answer."""
        environ = self.environ(config)
        seen: set[tuple[str, str]] = set()
        managers: set[str] = set()
        started = time.monotonic()
        phases: dict[str, int] = {}

        def report(env: dict[str, Any]) -> None:
            if kind is not None and env["kind"] != kind:
                return
            with deadline.lock:  # nothing goes out once the request was answered
                deadline.check()
                manager = env.get("manager")
                if manager is not None and manager["executable"] not in managers:
                    managers.add(manager["executable"])
                    self._notify("manager", manager)
                self._notify("environment", env)

        def found(python: Interpreter) -> None:
            if _first(seen, python.path, python.prefixes.prefix):
                report(environment(python, environ))

        def search() -> None:
            if paths is not None:  # only these: directories and executables
                with timed(phases, "Workspaces"):
                    for path in paths:
                        self._in_path(path, environ, seen, report, deadline)
                return
            self.connection.log("info", "refresh: searching the machine")
            with timed(phases, "Locators"):
                search_machine(environ, deadline, found)
            # As in PET (jsonrpc.rs, build_refresh_config): a searchKind keeps the workspace.
            with timed(phases, "Workspaces"):
                for folder in config.workspace:
                    self._venvs(folder, environ, seen, report, deadline, project=folder)
            with timed(phases, "GlobalVirtualEnvs"):
                for folder in config.environment_dirs:
                    self._venvs(folder, environ, seen, report, deadline, project=None)
                self._tools_envs(config.workspace, environ, seen, report, deadline)

        extra: Optional[dict[str, Any]] = None
        try:
            within(deadline, search, "whichpython-refresh-work")
        except _Gone:
            return None
        except Expired:
            self.connection.log(
                "warning", deadline.message("refresh") + ": the search was cut short"
            )
            extra = {"deadlineReached": True}
        performance = {"total": elapsed_ms(started), "breakdown": dict(sorted(phases.items())),
                       "locators": {}}  # fmt: skip
        try:
            self._notify("telemetry", {"event": "RefreshPerformance",
                                       "data": {"refreshPerformance": performance}})  # fmt: skip
        except _Gone:
            return None
        return extra

    def _notify(self, method: str, params: Any) -> None:
        if not self.connection.notify(method, params):
            raise _Gone

    def _tools_envs(
        self,
        projects: tuple[str, ...],
        environ: Mapping[str, str],
        seen: set[tuple[str, str]],
        report: Callable[[dict[str, Any]], None],
        deadline: RequestDeadline,
    ) -> None:
        """The environments the tools keep (docs/environments.md): the workspace folders'
        first, then the machine's others; a broken one with its ``error``."""
        from whichpython.engine.projects import environments_of
        from whichpython.sources.base import Context, working_dir

        ctx = Context(environ=environ, cwd=working_dir(environ))
        deadline.check()
        limit = deadline.probe_timeout(resolve_timeout(None, environ))
        for env in environments_of(projects, ctx, timeout=limit, deadline=deadline.remaining()):
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
        deadline: RequestDeadline,
    ) -> None:
        """Environments at ``path``: the interpreter a file is (only one named like a
        Python, as on PATH: never ``deploy.sh``), the venvs in a directory."""
        if os.path.isdir(path):
            self._venvs(path, environ, seen, report, deadline, project=path)
        elif os.path.isfile(path):
            from whichpython.engine.inspection import inspect_interpreter

            if not python_name(os.path.basename(path), windows=os.name == "nt"):
                self.connection.log("warning", f"{path}: not run: not named like a Python "
                                    "interpreter (python, python3.12, pypy3, ...)")  # fmt: skip
                return
            deadline.check()
            try:
                limit = deadline.probe_timeout(resolve_timeout(None, environ))
                python = inspect_interpreter(path, environ=environ, timeout=limit)
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
        deadline: RequestDeadline,
        *,
        project: Optional[str],
    ) -> None:
        """Report each venv and conda env in ``folder`` (each inspected in turn), a broken
        venv with its ``error``."""
        from whichpython.engine.inspection import inspect_interpreter

        limit = resolve_timeout(None, environ)
        for python_path in venv_pythons(folder):
            prefix = os.path.dirname(os.path.dirname(python_path))
            deadline.check()
            try:
                timeout = deadline.probe_timeout(limit)
                python = inspect_interpreter(python_path, environ=environ, timeout=timeout)
            except InterpreterError as error:
                if is_conda_env(prefix):  # PET reports no broken conda env: say why here
                    self.connection.log("warning", f"{error.path}: {error.cause}")
                elif _first(seen, python_path, prefix):
                    report(broken_environment(python_path, prefix, error.cause, project=project))
                continue
            if not _first(seen, python.path, python.prefixes.prefix):
                continue
            source = "workspace" if project is not None else "environment-directory"
            report(environment(attrs.evolve(python, source=source), environ, project=project))


def _first(seen: set[tuple[str, str]], path: str, prefix: str) -> bool:
    """True the first time an environment is met (``seen`` notes it), however it was
    reached: its real binary and its environment, the engine's rule
    (:func:`~whichpython.engine.searching.interpreter_key`)."""
    from whichpython.engine.searching import interpreter_key

    key = interpreter_key(path, prefix)
    if key in seen:
        return False
    seen.add(key)
    return True
