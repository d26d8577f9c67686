"""Run the probe inside an interpreter: isolated, framed by markers, bounded in time and size."""

import errno
import json
import os
import re
import stat
from collections.abc import Mapping
from typing import Any, NoReturn, Optional

from whichpython.files import FileRefused
from whichpython.model.errors import (
    BrokenSymlink,
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
    SymlinkLoop,
    VenvBaseMissing,
    VenvConfigUnreadable,
)
from whichpython.probe.identity import (  # noqa: F401 (re-exported)
    DEFAULT_TIMEOUT,
    probe_environment,
    probe_hash,
    probe_source,
    resolve_timeout,
)
from whichpython.probe.process import OUTPUT_LIMIT, Outcome, frame, framed
from whichpython.probe.process import run as _run
from whichpython.recording import unwatched
from whichpython.sources.pyvenv import directory_python, find_pyvenv_cfg, read_pyvenv_cfg

MAX_DEPTH = 64  # a real answer nests less than 10 levels deep
#: JSON values an answer may hold (a real one: about 250; a long sys.path adds one each).
#: Counted before parsing: 4 MiB of ``[{},{},...]`` would take 150 MB to parse.
MAX_VALUES = 65536
_PYTHON2_NAME = re.compile(r"^(python|pypy)2(\.\d+)?(\.exe)?$", re.IGNORECASE)
_WINDOWS = os.name == "nt"


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
    except FileRefused as refused:
        raise VenvConfigUnreadable(path, cfg, refused.reason) from None
    except FileNotFoundError:  # gone since it was found: no venv
        return
    except OSError as exc:
        raise VenvConfigUnreadable(path, cfg, f"is unreadable: {exc.strerror}") from None
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


def run_probe(
    path: str, *, timeout: Optional[float] = None, environ: Optional[Mapping[str, str]] = None
) -> dict[str, Any]:
    """Run the probe in the interpreter at ``path`` and return its raw JSON answer.

    Raises a subclass of :class:`~whichpython.model.errors.InterpreterError` naming the cause.
    """
    environ = os.environ if environ is None else environ
    limit = resolve_timeout(timeout, environ)
    check_path(path)
    with unwatched():  # what of it the outcome depends on is the cache's to say (recording)
        env = probe_environment(environ)
    python2 = bool(_PYTHON2_NAME.match(os.path.basename(path)))
    flags = ["-E", "-s"] if python2 else ["-I"]
    outcome = _spawn(path, flags, env, limit)
    if not python2 and _rejected_isolated_flag(outcome):  # Python 2 named `python`
        outcome = _spawn(path, ["-E", "-s"], env, limit)
    return _parse(path, outcome, limit)


def _spawn(path: str, flags: list[str], env: dict[str, str], limit: float) -> Outcome:
    marker = "whichpython-" + os.urandom(16).hex()
    # The very file check_path looked at: a bare name is never looked up on PATH by exec.
    argv = [os.path.abspath(path), *flags, "-c", probe_source(), marker]
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


def _rejected_isolated_flag(outcome: Outcome) -> bool:
    return (
        not outcome.answered
        and outcome.returncode in (1, 2)  # CPython 2, PyPy 2: 2; Jython: 1
        and b"-I" in outcome.stderr_tail
        and b"option" in outcome.stderr_tail.lower()
    )


def _parse(path: str, outcome: Outcome, limit: float) -> dict[str, Any]:
    payload = framed(outcome.stdout, *frame(outcome.marker))
    if payload is None:
        if outcome.overflow:
            raise OutputTooLarge(path, OUTPUT_LIMIT)
        if outcome.timed_out:
            raise ProbeTimeout(path, limit)
        stderr = outcome.stderr_tail.decode("utf-8", "replace")
        if outcome.held:
            raise ProbeLeftChild(path, outcome.returncode, stderr)
        if outcome.returncode:
            raise ProbeCrashed(path, outcome.returncode, stderr)
        raise NotAPython(path, "ran, but did not answer the probe (not a Python interpreter?)")
    too_deep = f"answered the probe with JSON nested more than {MAX_DEPTH} levels deep"
    # Every value but the first follows a comma or opens a list or object (commas in
    # strings count too: an over-count, never an under-count).
    values = payload.count(b",") + payload.count(b"[") + payload.count(b"{")
    if values > MAX_VALUES:
        raise ProbeFailed(
            path, f"answered the probe with more than {MAX_VALUES} JSON values (not parsed)"
        )
    try:
        answer = json.loads(payload.decode("ascii"))
    except RecursionError:
        raise ProbeFailed(path, too_deep) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProbeFailed(path, f"answered the probe with invalid JSON ({exc})") from None
    if not isinstance(answer, dict):
        raise ProbeFailed(path, "answered the probe with something other than a JSON object")
    if _depth_over(answer, MAX_DEPTH):
        raise ProbeFailed(path, too_deep)
    if "fatal" in answer:
        raise ProbeFailed(path, f"the probe failed inside the interpreter: {answer['fatal']}")
    return answer


def _depth_over(answer: dict[str, Any], limit: int) -> bool:
    """Whether lists and dicts nest deeper than ``limit`` in ``answer``, walked iteratively:
    what cannot be walked recursively must not reach the code that walks it so."""
    stack: list[tuple[Any, int]] = [(answer, 1)]
    while stack:
        item, depth = stack.pop()
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False
