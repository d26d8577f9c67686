"""Fitting the CLI's text to a terminal: its width, middle-elided paths, a progress line; and
whether the working directory the CLI runs in can be looked in.

Only what goes to a terminal is shortened: into a pipe or a file, and with ``--wide``, every
path is printed whole.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    import threading
    from typing import TextIO

ELLIPSIS = "…"
DELAY = 0.5  # a scan that takes longer than this gets a progress line
_TICK = 0.1


def width(stream: TextIO) -> int | None:
    """The columns of the terminal ``stream`` writes to (``$COLUMNS`` first, as shells set
    it), or None when it is not a terminal (no shortening)."""
    try:
        if not stream.isatty():
            return None
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(fd).columns or 80
    except OSError:
        return 80


def elide(path: str, room: int) -> str:
    """``path`` in at most ``room`` characters: whole if it fits, else its head and as many
    trailing components as fit, joined by an ellipsis (``/root/…/3.12.1/bin/python3.12``);
    a file name too long for the room keeps its end."""
    if len(path) <= room:
        return path
    if room <= 1:
        return ELLIPSIS[:room]
    sep = "\\" if "\\" in path and "/" not in path else "/"
    parts = path.split(sep)
    head = parts[0] + sep if len(parts) > 2 else ""  # "" for "/x", "C:" for "C:\\x"
    if parts[0] == "" and len(parts) > 3:
        head = sep + parts[1] + sep
    tail = parts[-1]
    if len(head) + 2 + len(tail) > room:
        head = ""
    if 2 + len(tail) > room:
        return ELLIPSIS + path[len(path) - room + 1 :]
    for part in reversed(parts[1:-1]):
        longer = part + sep + tail
        if len(head) + 2 + len(longer) > room:
            break
        tail = longer
    return f"{head}{ELLIPSIS}{sep}{tail}"


def cut(text: str, room: int) -> str:
    """``text`` in at most ``room`` characters, its end replaced by an ellipsis if cut."""
    return text if len(text) <= room else text[: max(room - 1, 0)] + ELLIPSIS


class Progress:
    """A progress line on a terminal's stderr while a scan runs longer than :data:`DELAY`
    seconds: ``whichpython: probing #N (S s) <path>``, erased when the scan ends. Does
    nothing when stderr is not a terminal. Used as a context manager; :meth:`note` is the
    engine's progress callback."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.__stderr__
        self.columns = width(self.stream) if self.stream is not None else None
        self.count = 0
        self.current = ""
        self._thread: threading.Thread | None = None  # only on a terminal

    def note(self, path: str) -> None:
        """The engine starts probing ``path``."""
        self.count += 1
        self.current = path

    def __enter__(self) -> Progress:
        if self.columns is not None:
            import threading

            self._done = threading.Event()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._done.set()
            self._thread.join()

    def _run(self) -> None:
        assert self.stream is not None and self.columns is not None
        started = time.monotonic()
        if self._done.wait(DELAY):
            return
        try:
            while not self._done.is_set():
                seconds = time.monotonic() - started
                text = f"whichpython: probing #{self.count} ({seconds:.0f} s) "
                text += elide(self.current, max(self.columns - len(text) - 1, 10))
                self.stream.write("\r" + cut(text, self.columns - 1) + "\x1b[K")
                self.stream.flush()
                self._done.wait(_TICK)
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the scan goes on
            pass


def cwd_problem() -> str | None:
    """Why the working directory cannot be looked in (removed, or not readable), or None."""
    try:
        cwd = os.getcwd()
    except OSError:
        return "the current directory no longer exists"
    if not os.access(cwd, os.R_OK | os.X_OK):
        return f"the current directory {cwd} cannot be read (permission denied)"
    return None
