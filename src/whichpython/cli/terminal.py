"""Fitting the CLI's text to a terminal: its width, middle-elided paths, a progress line; and
whether the working directory the CLI runs in can be looked in.

Only what goes to a terminal is shortened: into a pipe or a file, and with ``--wide``, every
path is printed whole.
"""

import os
import sys
import time

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    import threading
    from collections.abc import Iterable
    from typing import TextIO

ELLIPSIS = "…"
DELAY = 0.5  # a scan that takes longer than this gets a progress line
_TICK = 0.1


def width(stream: "TextIO") -> "int | None":
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


def elide_apart(paths: "Iterable[str]", room: int) -> "dict[str, str]":
    """Each of ``paths`` elided to ``room`` (:func:`elide`), so that different paths stay
    different: paths that would be elided alike (``/nix/…/bin/python3.12`` twice) each keep
    the first component where they differ (cut in its middle if need be, running past
    ``room`` rather than losing it); a path that still cannot be told apart is shown whole."""
    shown = {path: elide(path, room) for path in paths}
    alike: dict[str, list[str]] = {}
    for path, short in shown.items():
        alike.setdefault(short, []).append(path)
    for group in alike.values():
        for path in group if len(group) > 1 else ():
            shown[path] = _keeping(path, [p for p in group if p != path], room)
    seen: dict[str, str] = {}
    for path, short in shown.items():  # whole, rather than like another
        other = seen.setdefault(short, path)
        if other != path:
            shown[path], shown[other] = path, other
    return shown


def _keeping(path: str, others: "list[str]", room: int) -> str:
    """``path`` in ``room``, eliding components but keeping its head, its file name and each
    component where it first differs from one of ``others``."""
    sep = "\\" if "\\" in path and "/" not in path else "/"
    parts = path.split(sep)
    kept = {0, len(parts) - 1, *((1,) if parts[0] == "" and len(parts) > 3 else ())}
    for other in others:
        theirs = other.split(sep)
        kept.add(next((i for i, p in enumerate(parts) if i >= len(theirs) or theirs[i] != p), 0))
    first = max(kept - {len(parts) - 1}, default=0)  # the last kept before the file name
    for index in range(len(parts) - 2, first, -1):  # trailing components while they fit
        if len(_joined(parts, kept | {index}, sep)) > room:
            break
        kept.add(index)
    text = _joined(parts, kept, sep)
    if len(text) > room:  # cut the differing component in its middle
        keep = len(parts[first]) - (len(text) - room) - 1
        if keep >= 2:
            part = parts[first]
            parts[first] = part[: keep - keep // 2] + ELLIPSIS + part[len(part) - keep // 2 :]
            text = _joined(parts, kept, sep)
    return text


def _joined(parts: "list[str]", kept: "set[int]", sep: str) -> str:
    """``parts`` joined by ``sep``, each run of parts not ``kept`` as one ellipsis."""
    shown: list[str] = []
    for index, part in enumerate(parts):
        if index in kept:
            shown.append(part)
        elif not shown or shown[-1] != ELLIPSIS:
            shown.append(ELLIPSIS)
    return sep.join(shown)


def cut(text: str, room: int) -> str:
    """``text`` in at most ``room`` characters, its end replaced by an ellipsis if cut."""
    return text if len(text) <= room else text[: max(room - 1, 0)] + ELLIPSIS


class Progress:
    """A progress line on a terminal's stderr while a scan runs longer than :data:`DELAY`
    seconds: ``whichpython: probing #N (S s) <path>``, erased when the scan ends. Does
    nothing when stderr is not a terminal. Used as a context manager; :meth:`note` is the
    engine's progress callback."""

    def __init__(self, stream: "TextIO | None" = None) -> None:
        self.stream = stream if stream is not None else sys.__stderr__
        self.columns = width(self.stream) if self.stream is not None else None
        self.count = 0
        self.current = ""
        self._thread: threading.Thread | None = None  # only on a terminal

    def note(self, path: str) -> None:
        """The engine starts probing ``path``."""
        self.count += 1
        self.current = path

    def __enter__(self) -> "Progress":
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


def cwd_problem() -> "str | None":
    """Why the working directory cannot be looked in (removed, or not readable), or None."""
    try:
        cwd = os.getcwd()
    except OSError:
        return "the current directory no longer exists"
    if not os.access(cwd, os.R_OK | os.X_OK):
        return f"the current directory {cwd} cannot be read (permission denied)"
    return None
