"""One overall deadline per server request: the request is answered when it passes, whatever
its work is doing; the work stops starting probes, and those it runs were given no more
time than was left (a probe's own time-out kills it)."""

import threading
import time
import weakref
from collections.abc import Mapping
from typing import Callable, TypeVar

from whichpython.model.seconds import seconds

#: Seconds a refresh, find or resolve may take, overall (PET's clients wait 30 s).
DEFAULT_DEADLINE = 25.0
MAX_DEADLINE = 3600.0
VARIABLE = "WHICHPYTHON_SERVER_DEADLINE"
_SHORTEST_PROBE = 0.05  # a probe started with less time left than this still gets this much

T = TypeVar("T")
_WORKS: "weakref.WeakSet[threading.Thread]" = weakref.WeakSet()  # threads within() started


class Expired(Exception):
    """The request's deadline has passed."""


def deadline_seconds(value: object, where: str) -> float:
    """``value`` (a number, or its text) as a deadline in seconds; ConfigError if it is not
    one (above 0, at most :data:`MAX_DEADLINE`: :func:`whichpython.model.seconds.seconds`)."""
    return seconds(value, where, what="deadline", maximum=MAX_DEADLINE)


def default_deadline(environ: Mapping[str, str]) -> float:
    """``$WHICHPYTHON_SERVER_DEADLINE``, else :data:`DEFAULT_DEADLINE`."""
    raw = environ.get(VARIABLE, "").strip()
    return deadline_seconds(raw, f"{VARIABLE}=") if raw else DEFAULT_DEADLINE


class RequestDeadline:
    """The end of one request's time."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        #: Held while a result of the work is sent, and while the request is answered at
        #: the deadline: nothing of the work goes out after that answer.
        self.lock = threading.Lock()
        self.passed = False  # set under ``lock`` when the request was answered at the deadline

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self, *args: object) -> None:
        """Raise :class:`Expired` once the deadline has passed (a Discovery ``progress``:
        no probe starts after it)."""
        if self.passed or self.left() <= 0:
            raise Expired

    def remaining(self) -> float:
        """What is left, for work starting now (a little at least: a positive number)."""
        return max(_SHORTEST_PROBE, self.left())

    def probe_timeout(self, limit: float) -> float:
        """The time-out for a probe starting now: ``limit``, or less if less is left."""
        return min(limit, self.remaining())

    def message(self, method: str) -> str:
        return (f"{method}: deadline of {self.seconds:g} s reached ({VARIABLE} or "
                f"configure's deadline sets it)")  # fmt: skip


def within(deadline: RequestDeadline, work: Callable[[], T], name: str) -> T:
    """``work()`` run in a thread of its own; its result (or its exception), or
    :class:`Expired` when the deadline passes first. Then the work is left to end by itself:
    it stops at its next :meth:`RequestDeadline.check`, and its probes were started with
    :meth:`RequestDeadline.probe_timeout`."""
    done = threading.Event()
    outcome: list[object] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # handed to the waiting thread
            failure.append(error)
        finally:
            done.set()

    thread = threading.Thread(target=run, name=name, daemon=True)
    _WORKS.add(thread)
    thread.start()
    if not done.wait(max(0.0, deadline.left())):
        with deadline.lock:
            if not done.is_set():
                deadline.passed = True
        if deadline.passed:
            raise Expired
    if failure:
        raise failure[0]
    return outcome[0]  # type: ignore[return-value]


def working() -> bool:
    """Whether work of a request still runs, answered or not (a request answered at its
    deadline leaves its work to end by itself)."""
    return any(thread.is_alive() for thread in list(_WORKS))
