"""Run the probe inside an interpreter: isolated, framed by markers, bounded in time and size."""

import contextlib
import errno
import functools
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Mapping
from typing import Any, NoReturn, Optional

import attrs

from whichpython.errors import (
    BrokenSymlink,
    ConfigError,
    NotAPython,
    NotExecutable,
    OutputTooLarge,
    PathIsDirectory,
    PathNotFound,
    PermissionDenied,
    ProbeCrashed,
    ProbeFailed,
    ProbeTimeout,
    SymlinkLoop,
    VenvBaseMissing,
)
from whichpython.pyvenv import directory_python, find_pyvenv_cfg, read_pyvenv_cfg

DEFAULT_TIMEOUT = 5.0
OUTPUT_LIMIT = 4 * 1024 * 1024
STDERR_TAIL = 4096
_EXIT_GRACE = 1.0
_PYTHON2_NAME = re.compile(r"^(python|pypy)2(\.\d+)?(\.exe)?$", re.IGNORECASE)
_WINDOWS = os.name == "nt"


@functools.cache
def probe_source() -> str:
    """The probe's source code, passed to the interpreter with ``-c``."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_script.py")
    with open(script, encoding="utf-8") as handle:
        return handle.read()


@functools.cache
def probe_hash() -> str:
    """A hash of the probe: cached answers of another probe version never match."""
    data = probe_source().encode("utf-8")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"


def resolve_timeout(timeout: Optional[float], environ: Mapping[str, str]) -> float:
    """The probe timeout: the argument, else ``WHICHPYTHON_TIMEOUT``, else 5 s."""
    if timeout is None:
        raw = environ.get("WHICHPYTHON_TIMEOUT", "").strip()
        if not raw:
            return DEFAULT_TIMEOUT
        try:
            timeout = float(raw)
        except ValueError:
            raise ConfigError(f"WHICHPYTHON_TIMEOUT={raw!r} is not a number of seconds") from None
    if not timeout > 0:
        raise ConfigError(f"the probe timeout must be a positive number of seconds, not {timeout}")
    return float(timeout)


def probe_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without the variables that change what Python reports."""
    return {
        key: value
        for key, value in environ.items()
        if not key.upper().startswith("PYTHON") and key.upper() != "__PYVENV_LAUNCHER__"
    }


def check_path(path: str) -> None:
    """Raise the specific error for a path that cannot be an interpreter, without running it."""
    try:
        info = os.stat(path)
    except OSError as exc:
        _raise_stat_error(path, exc)
    if stat.S_ISDIR(info.st_mode):
        inside = directory_python(path, windows=_WINDOWS)
        hint = f" (did you mean {inside}?)" if inside else ""
        raise PathIsDirectory(path, "is a directory, not an interpreter" + hint)
    if not stat.S_ISREG(info.st_mode):
        raise NotExecutable(path, "is not a regular file")
    if not _WINDOWS and not os.access(path, os.X_OK):
        raise NotExecutable(path, "is not executable (no execute permission)")
    _check_venv_base(path)


def _check_venv_base(path: str) -> None:
    """A venv (pyvenv.cfg beside or above ``path``) whose ``home`` is gone cannot run."""
    cfg = find_pyvenv_cfg(path)
    if cfg is None:
        return
    try:
        home = read_pyvenv_cfg(cfg).get("home") or None
    except OSError:
        home = None
    if not home or not os.path.isdir(home):
        detail = f"home = {home} does not exist" if home else "it names no home"
        raise VenvBaseMissing(path, cfg, home, detail) from None


def _raise_stat_error(path: str, exc: OSError) -> NoReturn:
    if exc.errno == errno.ELOOP or getattr(exc, "winerror", None) == 1921:
        raise SymlinkLoop(path, "symlink loop (its links never reach a file)") from None
    if exc.errno in (errno.EACCES, errno.EPERM):
        raise PermissionDenied(path, f"permission denied ({exc.strerror})") from None
    if os.path.islink(path):
        _check_venv_base(path)
        raise BrokenSymlink(
            path, f"broken symlink (its target {os.readlink(path)} does not exist)"
        ) from None
    raise PathNotFound(path, "no such file") from None


def _frame(marker: str) -> tuple[bytes, bytes]:
    return (marker + ":BEGIN").encode("ascii"), (marker + ":END").encode("ascii")


def _framed(data: "bytes | bytearray", begin: bytes, end: bytes) -> Optional[bytes]:
    """The text between the last BEGIN marker and the END after it. The probe writes after
    start-up hooks have run, so anything such a hook printed comes before the real answer."""
    start = data.rfind(begin)
    if start < 0:
        return None
    stop = data.find(end, start + len(begin))
    return bytes(data[start + len(begin) : stop]) if stop >= 0 else None


@attrs.frozen
class _Outcome:
    marker: str
    stdout: bytes
    stderr_tail: bytes
    returncode: Optional[int]
    timed_out: bool
    overflow: bool
    answered: bool


class _Pump(threading.Thread):
    """Reads one pipe: everything up to a limit, or only its tail."""

    def __init__(
        self, fd: int, limit: int, tail: bool, frame: Optional[tuple[bytes, bytes]]
    ) -> None:
        super().__init__(daemon=True)
        self.fd, self.limit, self.tail, self.frame = fd, limit, tail, frame
        self.data = bytearray()
        self.overflow = False
        self.answered = False
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while True:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    break
                self.data += chunk
                if self.tail:
                    del self.data[: -self.limit]
                elif len(self.data) > self.limit:
                    self.overflow = True
                    break
                elif (
                    self.frame is not None
                    and self.frame[1] in self.data[-len(chunk) - len(self.frame[1]) :]
                    and _framed(self.data, *self.frame) is not None
                ):
                    self.answered = True
                    break
        except OSError:
            pass
        finally:
            self.done.set()


def _run(argv: list[str], env: dict[str, str], timeout: float) -> _Outcome:
    deadline = time.monotonic() + timeout
    extra: dict[str, Any] = {"start_new_session": True}
    if sys.platform == "win32":
        extra = {"creationflags": subprocess.CREATE_NO_WINDOW | subprocess.CREATE_NEW_PROCESS_GROUP}
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        **extra,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = _Pump(proc.stdout.fileno(), OUTPUT_LIMIT, tail=False, frame=_frame(argv[-1]))
    err = _Pump(proc.stderr.fileno(), STDERR_TAIL, tail=True, frame=None)
    out.start()
    err.start()
    out.done.wait(max(0.0, deadline - time.monotonic()))
    timed_out = not out.done.is_set()
    returncode: Optional[int] = None
    if not timed_out and not out.overflow:
        wait = deadline - time.monotonic()
        if out.answered:
            wait = min(wait, _EXIT_GRACE)
        try:
            returncode = proc.wait(max(0.0, wait))
        except subprocess.TimeoutExpired:
            timed_out = not out.answered
    if returncode is None:  # still running (or an unreaped zombie): its group id is still ours
        _kill_group(proc)
    err.done.wait(0.2)
    if err.done.is_set() and out.done.is_set():
        proc.stdout.close()
        proc.stderr.close()
    return _Outcome(
        marker=argv[-1],
        stdout=bytes(out.data),
        stderr_tail=bytes(err.data),
        returncode=returncode,
        timed_out=timed_out,
        overflow=out.overflow,
        answered=out.answered,
    )


def _kill_group(proc: "subprocess.Popen[bytes]") -> None:
    """Kill the probe and anything it started (it runs in its own session/group)."""
    with contextlib.suppress(OSError):
        if _WINDOWS:
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(1.0)


def run_probe(
    path: str, *, timeout: Optional[float] = None, environ: Optional[Mapping[str, str]] = None
) -> dict[str, Any]:
    """Run the probe in the interpreter at ``path`` and return its raw JSON answer.

    Raises a subclass of :class:`~whichpython.errors.InterpreterError` naming the cause.
    """
    environ = os.environ if environ is None else environ
    limit = resolve_timeout(timeout, environ)
    check_path(path)
    env = probe_environment(environ)
    python2 = bool(_PYTHON2_NAME.match(os.path.basename(path)))
    flags = ["-E", "-s"] if python2 else ["-I"]
    outcome = _spawn(path, flags, env, limit)
    if not python2 and _rejected_isolated_flag(outcome):  # Python 2 named `python`
        outcome = _spawn(path, ["-E", "-s"], env, limit)
    return _parse(path, outcome, limit)


def _spawn(path: str, flags: list[str], env: dict[str, str], limit: float) -> _Outcome:
    marker = "whichpython-" + os.urandom(16).hex()
    argv = [path, *flags, "-c", probe_source(), marker]
    try:
        return _run(argv, env, limit)
    except PermissionError as exc:
        raise PermissionDenied(path, f"permission denied ({exc.strerror})") from None
    except FileNotFoundError:
        if os.path.exists(path):
            raise NotAPython(
                path, "cannot be run: the interpreter named by its #! line does not exist"
            ) from None
        raise PathNotFound(path, "no such file") from None
    except OSError as exc:
        if exc.errno == errno.ENOEXEC:
            raise NotAPython(
                path, "not a program this system can run (exec format error)"
            ) from None
        raise NotExecutable(path, f"cannot be run ({exc.strerror})") from None


def _rejected_isolated_flag(outcome: _Outcome) -> bool:
    return (
        not outcome.answered
        and outcome.returncode == 2
        and b"-I" in outcome.stderr_tail
        and b"option" in outcome.stderr_tail.lower()
    )


def _parse(path: str, outcome: _Outcome, limit: float) -> dict[str, Any]:
    payload = _framed(outcome.stdout, *_frame(outcome.marker))
    if payload is None:
        if outcome.overflow:
            raise OutputTooLarge(path, OUTPUT_LIMIT)
        if outcome.timed_out:
            raise ProbeTimeout(path, limit)
        stderr = outcome.stderr_tail.decode("utf-8", "replace")
        if outcome.returncode:
            raise ProbeCrashed(path, outcome.returncode, stderr)
        raise NotAPython(path, "ran, but did not answer the probe (not a Python interpreter?)")
    try:
        answer = json.loads(payload.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProbeFailed(path, f"answered the probe with invalid JSON ({exc})") from None
    if not isinstance(answer, dict):
        raise ProbeFailed(path, "answered the probe with something other than a JSON object")
    if "fatal" in answer:
        raise ProbeFailed(path, f"the probe failed inside the interpreter: {answer['fatal']}")
    return answer
