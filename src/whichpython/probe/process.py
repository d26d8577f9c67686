"""One probe process: its pipes read by threads, its exit noticed as it happens, and everything
it started killed afterwards (its process group; on Linux also whatever still holds its pipes).

The probes running at any moment are known (:func:`stop_all` kills them all at once: the CLI
calls it when it is told to terminate, so that no probe outlives it under pid 1).
"""

import contextlib
import errno
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Optional

TYPE_CHECKING = False  # attrs is not imported by a probing run (its methods are pre-built)
if TYPE_CHECKING:
    from attrs import frozen
else:
    from whichpython.model.prebuilt import frozen

OUTPUT_LIMIT = 4 * 1024 * 1024
STDERR_TAIL = 4096
EXIT_GRACE = 1.0  # an answered probe's time to exit
DRAIN_GRACE = 0.2  # the pipes' time to reach EOF once the probe exited or was killed
KILL_WAIT = 1.0  # a killed process's time to die
_POLL = 0.05  # how often the exit is polled where no thread can wait for it (not Linux)
_HUNTS = 3  # rounds of killing the processes that still hold the pipes

# The probes running now, by pid, each until it is reaped (its pid and group id are ours while
# it is listed); a thread reaps under ``_reaping``, so :func:`stop_all` never kills a group
# whose id was handed on. ``_state.starting``: this thread is between spawning a probe and
# listing it. ``_stopping``: the exit status :func:`stop_all` was given, once it was called.
_live: "dict[int, subprocess.Popen[bytes]]" = {}
_reaping = threading.RLock()
_state = threading.local()
_stopping: Optional[int] = None


class Interrupted(SystemExit):
    """The process is terminating (:func:`stop_all` was called): the probe was killed, or not
    started. A :class:`SystemExit` carrying the exit status: nothing to report or remember."""


def stop_all(status: int) -> bool:
    """Kill the process group of every running probe, and from now on every probe as it
    starts (its run raises :class:`Interrupted` with ``status``). For a signal handler: returns
    whether this thread is starting a probe, whose start then raises :class:`Interrupted`
    itself (an exception raised there could leave it running unlisted)."""
    global _stopping
    if _stopping is None:
        _stopping = status
    with _reaping:
        for pid, proc in list(_live.items()):
            _kill_group(pid, proc)
    return bool(getattr(_state, "starting", False))


def _kill_group(pid: int, proc: "subprocess.Popen[bytes]") -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            proc.kill()
        else:
            os.killpg(pid, signal.SIGKILL)


def _check_stopping() -> None:
    if _stopping is not None:
        raise Interrupted(_stopping)


def frame(marker: str) -> tuple[bytes, bytes]:
    """The BEGIN and END markers around the answer."""
    return (marker + ":BEGIN").encode("ascii"), (marker + ":END").encode("ascii")


def framed(data: "bytes | bytearray", begin: bytes, end: bytes) -> Optional[bytes]:
    """The text between the last BEGIN marker and the END after it. The probe writes after
    start-up hooks have run, so anything such a hook printed comes before the real answer."""
    start = data.rfind(begin)
    if start < 0:
        return None
    stop = data.find(end, start + len(begin))
    return bytes(data[start + len(begin) : stop]) if stop >= 0 else None


@frozen
class Outcome:
    """What one run of the probe produced."""

    marker: str
    stdout: bytes
    stderr_tail: bytes
    returncode: Optional[int]  # its own exit status; None when it was still running (killed)
    timed_out: bool
    overflow: bool
    answered: bool
    held: bool = False  # it exited unanswered while a process it started held stdout open


def _readable(fd: int, stop: int) -> bool:
    """Block until ``fd`` has data or is at EOF (True) or ``stop`` is signalled (False)."""
    if sys.platform == "win32":
        return True  # a plain blocking read (see docs/probe.md)
    import select

    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.register(stop, select.POLLIN)
    return all(ready != stop for ready, _ in poller.poll())


class _Pump(threading.Thread):
    """Reads one pipe: everything up to a limit, or only its tail; stops at the answer's end."""

    def __init__(
        self,
        fd: int,
        limit: int,
        tail: bool,
        marks: Optional[tuple[bytes, bytes]],
        wake: threading.Event,
    ) -> None:
        super().__init__(daemon=True)
        self.fd, self.limit, self.tail, self.marks = fd, limit, tail, marks
        self.wake = wake
        self.stop = -1  # the read end of the stop pipe (POSIX)
        self.data = bytearray()
        self.overflow = False
        self.answered = False
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while _readable(self.fd, self.stop):
                try:
                    chunk = os.read(self.fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk or self._keep(chunk):
                    break
        except (OSError, ValueError):
            pass
        finally:
            self.done.set()
            self.wake.set()

    def _keep(self, chunk: bytes) -> bool:
        """Add ``chunk``; True when reading should stop (over the limit, or answered)."""
        self.data += chunk
        if self.tail:
            del self.data[: -self.limit]
            return False
        if len(self.data) > self.limit:
            self.overflow = True
            return True
        end = self.marks[1] if self.marks else b""
        if self.marks and end in self.data[-len(chunk) - len(end) :]:
            self.answered = framed(self.data, *self.marks) is not None
        return self.answered


class _Waiter(threading.Thread):
    """Waits for the process to exit without reaping it (``waitid(WNOWAIT)``, Linux): until it
    is reaped, its pid, and so its process group id, cannot be reused."""

    def __init__(self, pid: int, wake: threading.Event) -> None:
        super().__init__(daemon=True)
        self.pid, self.wake = pid, wake
        self.exited = threading.Event()
        self.unreaped = False

    def run(self) -> None:
        if sys.platform != "linux":
            return
        try:
            os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
            self.unreaped = True
        except OSError:  # reaped by someone else (SIGCHLD ignored): it has exited all the same
            pass
        finally:
            self.exited.set()
            self.wake.set()


def run(argv: list[str], env: dict[str, str], timeout: float) -> Outcome:
    """Run ``argv`` (the probe, whose marker is its last argument) in a new session and read
    its output until it answers, exits or ``timeout`` seconds pass; then kill what it left."""
    deadline = time.monotonic() + timeout
    extra: dict[str, Any] = {"start_new_session": True}
    if sys.platform == "win32":
        extra = {"creationflags": subprocess.CREATE_NO_WINDOW | subprocess.CREATE_NEW_PROCESS_GROUP}
    _check_stopping()
    _state.starting = True
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            **extra,
        )
        _live[proc.pid] = proc
    finally:
        _state.starting = False
    session = _Session(proc, frame(argv[-1]))
    try:
        _check_stopping()  # stop_all ran while it started: it was listed too late
        session.start()
        outcome = session.watch(argv[-1], deadline)
    finally:
        session.close()
    _check_stopping()  # killed by stop_all: not a failure of the interpreter
    return outcome


class _Session:
    """The probe process and the threads that watch it."""

    def __init__(self, proc: "subprocess.Popen[bytes]", marks: tuple[bytes, bytes]) -> None:
        assert proc.stdout is not None and proc.stderr is not None
        self.proc = proc
        self.wake = threading.Event()
        self.out = _Pump(proc.stdout.fileno(), OUTPUT_LIMIT, False, marks, self.wake)
        self.err = _Pump(proc.stderr.fileno(), STDERR_TAIL, True, None, self.wake)
        self.waiter = _Waiter(proc.pid, self.wake) if sys.platform == "linux" else None
        self.stop: Optional[tuple[int, int]] = None
        self.killed = False

    def start(self) -> None:
        if sys.platform != "win32":
            self.stop = os.pipe()
            for pump in (self.out, self.err):
                pump.stop = self.stop[0]
                os.set_blocking(pump.fd, False)
        for thread in (self.waiter, self.out, self.err):
            if thread is not None:
                thread.start()

    def watch(self, marker: str, deadline: float) -> Outcome:
        out = self.out
        self._until(lambda: out.done.is_set() or self._exited(), deadline)
        if not out.done.is_set() and self._exited():
            out.done.wait(DRAIN_GRACE)  # what it wrote before exiting is in the pipe
        held = self._exited() and not out.done.is_set()
        timed_out = not out.done.is_set() and not held
        if out.done.is_set() and not out.overflow:  # answered, or closed stdout: let it exit
            end = min(deadline, time.monotonic() + EXIT_GRACE) if out.answered else deadline
            if not self._until(self._exited, end):
                timed_out = not out.answered
        natural = self._exited()
        self._kill()
        self._drain()
        return Outcome(
            marker=marker,
            stdout=bytes(out.data),
            stderr_tail=bytes(self.err.data),
            returncode=self.proc.returncode if natural else None,
            timed_out=timed_out,
            overflow=out.overflow,
            answered=out.answered,
            held=held and not out.answered,
        )

    def _until(self, done: Callable[[], bool], deadline: float) -> bool:
        """Wait until ``done()`` or the deadline; return ``done()``."""
        while True:
            self.wake.clear()
            if done():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.wake.wait(left if self.waiter is not None else min(left, _POLL))

    def _exited(self) -> bool:
        if self.waiter is not None:
            return self.waiter.exited.is_set()
        return self.proc.poll() is not None

    def _kill(self) -> None:
        """Kill the probe's process group (the probe and what it started) and reap the probe."""
        if self.killed:
            return
        self.killed = True
        proc, waiter = self.proc, self.waiter
        if sys.platform == "win32":
            if proc.poll() is None:
                with contextlib.suppress(OSError):
                    proc.kill()
        else:
            if waiter is not None:  # the group id is ours while the probe is not reaped
                ours = not waiter.exited.is_set() or waiter.unreaped
            else:  # reaped: its group lives on while a member (holding a pipe) does
                drained = self.out.done.is_set() and self.err.done.is_set()
                ours = proc.poll() is None or not drained
            if ours:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, signal.SIGKILL)
        if waiter is not None and waiter.is_alive():
            waiter.join(KILL_WAIT)  # reap only after the waiter saw the exit
        with _reaping:
            _live.pop(proc.pid, None)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(KILL_WAIT)

    def _drain(self) -> None:
        """Let the pipes reach EOF; kill the processes outside the group that hold them open."""
        pumps = (self.out, self.err)
        for _ in range(_HUNTS):
            end = time.monotonic() + DRAIN_GRACE
            if all(pump.done.wait(max(0.0, end - time.monotonic())) for pump in pumps):
                return
            if not kill_pipe_holders([pump.fd for pump in pumps if not pump.done.is_set()]):
                return

    def close(self) -> None:
        """Kill what is left, stop the pumps, close the pipes; never close a pipe under a
        thread still reading it."""
        self._kill()
        pumps = [pump for pump in (self.out, self.err) if pump.ident is not None]
        if self.stop is not None:
            with contextlib.suppress(OSError):
                os.write(self.stop[1], b"x")
            for pump in pumps:
                pump.join(5.0)
        if not any(pump.is_alive() for pump in pumps):
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()
            if self.stop is not None:
                for fd in self.stop:
                    os.close(fd)


def kill_pipe_holders(fds: list[int]) -> bool:
    """SIGKILL the processes of this user, other than this one, that hold one of the pipes
    whose read ends are ``fds`` (Linux: a ``/proc/<pid>/fd`` link names the pipe's inode).
    Returns whether any was found; elsewhere finds none."""
    if sys.platform != "linux" or not fds:
        return False
    try:
        names = {f"pipe:[{os.fstat(fd).st_ino}]" for fd in fds}
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return False
    me, uid = os.getpid(), os.getuid()
    found = False
    for pid in pids:
        if pid != me and _holds(pid, names, uid):
            found = True
            _kill_holder(pid, names, uid)
    return found


def _holds(pid: int, names: set[str], uid: int) -> bool:
    folder = f"/proc/{pid}/fd"
    try:
        if os.stat(f"/proc/{pid}").st_uid != uid:
            return False
        for fd in os.listdir(folder):
            with contextlib.suppress(OSError):
                if os.readlink(f"{folder}/{fd}") in names:
                    return True
    except OSError:
        pass
    return False


def _kill_holder(pid: int, names: set[str], uid: int) -> None:
    """Kill ``pid`` through a pidfd (checked again once pinned: the pid cannot be reused)."""
    if sys.platform != "linux":
        return
    try:
        if not hasattr(os, "pidfd_open") or not hasattr(signal, "pidfd_send_signal"):
            raise OSError(errno.ENOSYS, "no pidfd")
        pidfd = os.pidfd_open(pid)
    except OSError as exc:
        if exc.errno in (errno.ENOSYS, errno.EPERM, errno.EINVAL):  # old kernel, seccomp
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        return
    try:
        if _holds(pid, names, uid):
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(pidfd)
