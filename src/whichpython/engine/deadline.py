"""One deadline per search (docs/security.md, "Deadlines").

A search (``find``, ``list``, ``envs``, ``venv``'s search; :class:`~whichpython.Discovery`,
:func:`~whichpython.find_environments`) may probe many interpreters, each for up to the
probe timeout: a version file naming 2,700 hanging paths, or 1,000 envs of a hanging python,
would take hours. So the whole search has a deadline, in seconds from its start: the
``deadline`` argument, else ``$WHICHPYTHON_DEADLINE``, else four times the probe timeout
(20 s by default). A probe started near it runs only for what is left; once it has passed
no probe starts, the candidates left are reported as ``not probed`` (their verdict, or an
environment's ``error``) and the search ends with what it found. Answers from the cache are
still used: they run nothing.

Within a search, an interpreter whose probe timed out is not run again through another
path: a venv's python is a link to (or a copy of) its base's binary, so a candidate whose
real binary already timed out is ``not probed`` either.
"""

import time
from _thread import allocate_lock  # threading.Lock, without importing threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Callable, Optional, TypeVar

from whichpython.engine.policy import Verdict
from whichpython.memo import realpath
from whichpython.model.errors import InterpreterError, ProbeTimeout
from whichpython.model.seconds import seconds
from whichpython.probe.identity import resolve_timeout
from whichpython.recording import expires_at

if TYPE_CHECKING:
    from whichpython.model.models import Interpreter

T = TypeVar("T")
#: The default deadline, in probe timeouts.
TIMEOUTS = 4
#: How the verdict (or an environment's error) of a candidate the deadline left out starts.
PASSED = "not probed: the search's deadline"


class NotTried(InterpreterError):
    """A candidate the search did not probe: its deadline had passed, or the interpreter it
    runs timed out already. Its cause is the ``not probed: ...`` verdict."""

    kind = "not-tried"


def resolve_deadline(
    deadline: Optional[float], timeout: float, environ: Mapping[str, str]
) -> float:
    """The search's deadline in seconds: ``deadline``, else ``WHICHPYTHON_DEADLINE``, else
    :data:`TIMEOUTS` times the probe ``timeout``. Raises :class:`ConfigError` for anything
    but a number of seconds above 0 and at most a day
    (:func:`whichpython.model.seconds.seconds`)."""
    if deadline is not None:
        return seconds(deadline, "deadline=", what="deadline")
    raw = environ.get("WHICHPYTHON_DEADLINE", "").strip()
    return seconds(raw, "WHICHPYTHON_DEADLINE=", what="deadline") if raw else TIMEOUTS * timeout


class Deadline:
    """The clock of one search, shared by the threads that probe for it."""

    def __init__(self, seconds: float, timeout: float) -> None:
        self.seconds = seconds
        self.timeout = timeout  # the probe timeout
        self.end = time.monotonic() + seconds
        self._lock = allocate_lock()
        self._hung: dict[str, str] = {}  # a real binary that timed out -> the path probed

    @classmethod
    def start(
        cls, deadline: Optional[float], timeout: Optional[float], environ: Mapping[str, str]
    ) -> "Deadline":
        """The deadline of a search starting now (the arguments as :func:`resolve_deadline`
        and :func:`~whichpython.probe.identity.resolve_timeout` take them)."""
        limit = resolve_timeout(timeout, environ)
        return cls(resolve_deadline(deadline, limit, environ), limit)

    def run(
        self,
        path: str,
        inspect: Callable[[float], T],
        cached: Callable[[], Optional[T]] = lambda: None,
    ) -> T:
        """``inspect(limit)`` for the candidate at ``path``, ``limit`` being the probe
        timeout or what is left of the deadline if less; once the deadline has passed, only
        ``cached()`` (an answer that runs nothing). Raises :class:`NotTried` when the
        deadline passed before or while ``path`` was probed, or when the binary ``path``
        runs timed out earlier in this search."""
        binary = realpath(path)
        with self._lock:
            earlier = self._hung.get(binary)
        if earlier is not None:
            probed = f" (probed as {earlier})" if earlier != binary else ""
            raise NotTried(path, f"not probed: {binary} timed out in this search{probed}")
        left = self.end - time.monotonic()
        if left <= 0:
            found = cached()
            if found is not None:
                return found
            expires_at(time.time())  # an answer the clock shaped is not recorded (answers.py)
            raise NotTried(path, f"{PASSED} ({self.seconds:g} s) had passed")
        limit = min(self.timeout, left)
        try:
            return inspect(limit)
        except ProbeTimeout as timed_out:
            if timed_out.timeout < self.timeout:  # stopped by the deadline, not its timeout
                raise NotTried(
                    path, f"{PASSED} ({self.seconds:g} s) passed while it was probed"
                ) from None
            with self._lock:
                self._hung.setdefault(binary, path)
            raise

    def inspect(self, path: str, cache: bool, environ: Mapping[str, str]) -> "Interpreter":
        """:func:`~whichpython.engine.inspection.inspect_interpreter` of ``path`` within the
        deadline (:meth:`run`)."""
        from whichpython.cache.probes import Cache
        from whichpython.engine.inspection import cached_interpreter, inspect_interpreter

        def inspect(limit: float) -> "Interpreter":
            return inspect_interpreter(path, timeout=limit, cache=cache, environ=environ)

        def cached() -> "Optional[Interpreter]":
            store = Cache.from_environ(environ) if cache else None
            return None if store is None else cached_interpreter(path, store, environ, self.timeout)

        return self.run(path, inspect, cached)


def verdict_of(error: InterpreterError) -> Verdict:
    """The verdict on a candidate whose inspection raised ``error``."""
    if isinstance(error, NotTried):
        return Verdict("not-probed", error.cause)
    return Verdict("failed", f"failed: {error.cause}")


def untried(details: Iterable[Optional[str]]) -> int:
    """How many of these verdict details (or environments' errors) say the deadline left
    their candidate out."""
    return sum(1 for detail in details if detail and detail.startswith(PASSED))


def note(count: int) -> Optional[str]:
    """The one line the CLI prints on stderr when the deadline left ``count`` candidates
    out (None when it left none out)."""
    if not count:
        return None
    some = f"{count} candidate{'s were' if count != 1 else ' was'}"
    return (
        f"whichpython: note: the search's deadline passed: {some} not probed "
        "(--deadline or WHICHPYTHON_DEADLINE sets it)"
    )
