"""Errors whichpython raises on purpose; each renders as one line naming the path and cause."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported on the CLI's fast path
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import ClassVar

    from whichpython.model.models import Considered, Skipped


class WhichPythonError(Exception):
    """Base class of every error whichpython raises on purpose."""

    kind: ClassVar[str] = "error"

    @property
    def message(self) -> str:
        """The one-line message (the same as ``str(error)``)."""
        return str(self)


class ConfigError(WhichPythonError, ValueError):
    """A setting (argument or environment variable) has an unusable value."""

    kind = "config"


class PathError(WhichPythonError):
    """An error about one path: the message is ``<path>: <cause>``, on one line."""

    kind = "path"

    def __init__(self, path: str, cause: str) -> None:
        self.path = path
        self.cause = " ".join(cause.split())  # always one line
        super().__init__(f"{path}: {self.cause}")


class InterpreterError(PathError):
    """A path could not be inspected as a Python interpreter."""

    kind = "interpreter"


class PathNotFound(InterpreterError):
    """Nothing exists at the path."""

    kind = "not-found"


class PathIsDirectory(InterpreterError):
    """The path is a directory, not an executable."""

    kind = "is-a-directory"


class NotExecutable(InterpreterError):
    """The file exists but has no execute permission or cannot be executed."""

    kind = "not-executable"


class BrokenSymlink(InterpreterError):
    """The path is a symlink whose target does not exist."""

    kind = "broken-symlink"


class SymlinkLoop(InterpreterError):
    """Resolving the path's symlinks never ends."""

    kind = "symlink-loop"


class PermissionDenied(InterpreterError):
    """The operating system refused access to the path."""

    kind = "permission-denied"


class NotAPython(InterpreterError):
    """The program ran but is not a Python interpreter (it did not answer the probe)."""

    kind = "not-a-python"


class ProbeTimeout(InterpreterError):
    """The interpreter did not answer within the timeout; its process group was killed."""

    kind = "timed-out"

    def __init__(self, path: str, timeout: float) -> None:
        setting = getattr(timeout, "setting", "WHICHPYTHON_TIMEOUT")  # probe.identity.Timeout
        self.timeout = float(timeout)
        super().__init__(path, f"timed out after {timeout:g} s ({setting} sets the limit)")


class ProbeCrashed(InterpreterError):
    """The interpreter exited without answering the probe."""

    kind = "crashed"

    def __init__(self, path: str, returncode: int, stderr_tail: str) -> None:
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        last = telling_line(stderr_tail)
        how = f"killed by signal {-returncode}" if returncode < 0 else f"exit code {returncode}"
        super().__init__(path, f"crashed ({how})" + (f": {last}" if last else ""))


def telling_line(stderr: str) -> str:
    """The stderr line that says most: the last exception line (``ModuleNotFoundError: ...``),
    else the last ``Fatal Python error``, else the last non-empty line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for wanted in ("Error: ", "Fatal Python error"):
        for line in reversed(lines):
            if wanted in line and not line.startswith(("File ", "Current thread")):
                return line
    return lines[-1] if lines else ""


class OutputTooLarge(InterpreterError):
    """The program printed more than the probe reads before answering."""

    kind = "output-too-large"

    def __init__(self, path: str, limit: int) -> None:
        self.limit = limit
        super().__init__(
            path, f"printed more than {limit // 1024} KiB without answering the probe; stopped it"
        )


class VenvBaseMissing(InterpreterError):
    """A virtual environment whose base interpreter no longer exists."""

    kind = "venv-base-missing"

    def __init__(self, path: str, cfg_path: str, home: str | None, detail: str) -> None:
        self.cfg_path = cfg_path
        self.home = home
        super().__init__(path, f"venv whose base interpreter is gone ({cfg_path}: {detail})")


class VenvConfigUnreadable(InterpreterError):
    """A venv whose pyvenv.cfg cannot be read: not a regular file (a FIFO, a device: the
    interpreter would hang reading it at start-up), larger than 64 KiB, or unreadable."""

    kind = "venv-config-unreadable"

    def __init__(self, path: str, cfg_path: str, reason: str) -> None:
        self.cfg_path = cfg_path
        self.reason = reason
        super().__init__(path, f"its pyvenv.cfg cannot be read ({cfg_path} {reason})")


class UnresolvedShim(InterpreterError):
    """A version manager's shim that runs no interpreter here (found without running it)."""

    kind = "unresolved-shim"


class ProbeFailed(InterpreterError):
    """The interpreter answered, but the answer is unusable."""

    kind = "probe-failed"


class ProbeLeftChild(InterpreterError):
    """The interpreter exited without answering while a process it started kept its output
    open; that process (and any other holding the output) was killed."""

    kind = "left-child"

    def __init__(self, path: str, returncode: int | None, stderr_tail: str) -> None:
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        last = telling_line(stderr_tail)
        if returncode is None:
            how = "exited"
        elif returncode < 0:
            how = f"exited (killed by signal {-returncode})"
        else:
            how = f"exited (exit code {returncode})"
        super().__init__(
            path,
            f"{how} without answering the probe; a process it started kept its output open "
            "(killed)" + (f": {last}" if last else ""),
        )


class Refused(PathError):
    """whichpython refused to change anything at the path (``fix-sysconfig``, ``venv``)."""

    kind = "refused"


class VenvCreationFailed(PathError):
    """Creating a venv failed, or the new venv does not run."""

    kind = "venv-failed"


class InterpreterNotFound(WhichPythonError):
    """No interpreter matched a request; ``candidates`` says why each one lost, ``skipped``
    which files were not read (a FIFO, a device, too large) or not used (one another user
    planted above the working directory: docs/security.md)."""

    kind = "no-match"

    def __init__(
        self,
        request: str,
        candidates: list[Considered],
        note: str = "",
        skipped: Sequence[Skipped] = (),
    ) -> None:
        self.request = request
        self.candidates = candidates
        self.skipped = list(skipped)
        counted = f"{len(candidates)} candidate{'s' if len(candidates) != 1 else ''} considered"
        super().__init__(f"no Python matches {request} ({counted}{note})")
