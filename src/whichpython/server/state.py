"""The state of a server session: its configuration as configure requests make it, and
the refreshes, run one at a time."""

import itertools
import threading
import time
from typing import Any, Callable, Optional

import attrs

from whichpython.server.deadline import RequestDeadline
from whichpython.server.protocol import INTERNAL_ERROR, REQUEST_FAILED, RpcError


@attrs.frozen
class Config:
    """What ``configure`` said; ``generation`` counts the configure requests; ``deadline``
    is each request's time, in seconds."""

    deadline: float
    workspace: tuple[str, ...] = ()
    environment_dirs: tuple[str, ...] = ()
    cache_dir: Optional[str] = None
    generation: int = 0


class Pending:
    """A configuration as a ``configure`` request arrives (on the reading thread): known at
    once but for its directories, whose globs are expanded in a worker thread. The requests
    that come after it wait for it (within their deadline)."""

    def __init__(self, config: Config, workspace: list[str], environments: list[str]) -> None:
        self.config = config
        self.patterns: Optional[tuple[list[str], list[str]]] = (workspace, environments)
        self.ready = threading.Event()

    def settle(self, config: Config) -> None:
        self.config, self.patterns = config, None
        self.ready.set()

    def wait(self, deadline: RequestDeadline, method: str) -> Config:
        if not self.ready.wait(max(0.0, deadline.left())):
            raise RpcError(REQUEST_FAILED, deadline.message(method) + " (configure expanding)")
        return self.config


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

    def run(
        self,
        key: Any,
        work: Callable[[], Optional[dict[str, Any]]],
        respond: Respond,
        deadline: RequestDeadline,
    ) -> None:
        """Answer through ``respond`` once the run for ``key`` (this request's own, or the
        identical one it joins) is done; ``work`` returns fields to add to the result. A run
        still waiting for its turn at the ``deadline`` is answered without searching."""
        with self._lock:
            run = self._runs.get(key)
            owner = run is None
            if run is None:
                run = self._runs[key] = _Run(next(self._ids))
            run.waiting.append(respond)
        if owner:
            turn = self._serial.acquire(timeout=max(0.0, deadline.left()))
            try:
                result: Optional[dict[str, Any]] = None
                error: Optional[RpcError] = None
                started = time.monotonic()
                try:
                    extra = work() if turn else {"deadlineReached": True}
                    elapsed = int((time.monotonic() - started) * 1000)
                    result = {"duration": elapsed, "refreshId": run.refresh_id, **(extra or {})}
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
            finally:
                if turn:
                    self._serial.release()
        run.done.wait()
