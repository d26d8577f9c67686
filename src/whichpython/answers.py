"""Recorded CLI answers: a repeated ``find``, ``list`` or ``inspect`` is answered from the last
run's output while every path that run looked at is unchanged.

A run is recorded only when it spawned no process, so every fact in its output came from
files: the sources' directories and small files, and the probe cache. While it runs, every
path it stats, lists, opens or reads a link of is noted; afterwards each gets a signature
(mode, inode, device, size, mtime, ctime; a directory's mtime moves when an entry is added,
removed or renamed). Replaying is one file read and an ``os.stat`` per path; this module
imports nothing of the engine, nor json (whose ``re`` a ``python -m whichpython`` would not
otherwise import): answers are ``marshal`` data, the format of ``.pyc`` files, read only by
the Python that wrote them (its version is in the key). A different command line, working
directory, environment (bar shell bookkeeping variables), Python or whichpython install means
another key or a changed signature, and the engine runs again (docs/cache.md).
"""

from __future__ import annotations

import marshal
import os
import sys
import time
import zlib

from whichpython.files import (
    FileRefused,
    is_own_file,
    private_dir,
    read_bytes,
    sweep_temp,
    warn_once,
)
from whichpython.witness import Witness, is_witness_list, signature

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Callable, TextIO


FORMAT = 2
COMMANDS = frozenset({"find", "list", "inspect"})
# Set by the shell on every prompt or cd; no source reads them (the cwd is keyed on its own).
SHELL_NOISE = frozenset({"_", "OLDPWD", "PWD", "SHLVL", "COLUMNS", "LINES"})
_MAX_WITNESSES = 100_000
_MAX_FILES = 256  # answers kept per cache dir; the oldest go first
_MAX_BYTES = 64 * 1024 * 1024  # an answer file larger than this is neither written nor read


def answers_dir(environ: Mapping[str, str]) -> str | None:
    """Where answers live: ``$WHICHPYTHON_CACHE_DIR/answers``, else ``whichpython/answers`` in
    the user cache dir (found without importing platformdirs); None when caching is off or on
    Windows (its registry and C-level path checks cannot be witnessed)."""
    if sys.platform == "win32":
        return None
    if caching_off(environ):
        return None
    explicit = environ.get("WHICHPYTHON_CACHE_DIR")
    if explicit:
        return os.path.join(explicit, "answers")
    if sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        xdg = environ.get("XDG_CACHE_HOME", "").strip()
        base = xdg if os.path.isabs(xdg) else os.path.expanduser("~/.cache")
    return os.path.join(base, "whichpython", "answers")


def caching_off(environ: Mapping[str, str]) -> bool:
    """True when ``WHICHPYTHON_NO_CACHE`` is set to anything but ``0``/``false``/``no``/``off``
    (the probe cache and recorded answers alike)."""
    value = environ.get("WHICHPYTHON_NO_CACHE", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def _valid(data: object) -> bool:
    """The shape :meth:`Answers._write` gives: anything else is not replayed."""
    return (
        isinstance(data, dict)
        and data.get("format") == FORMAT
        and type(data.get("code")) is int
        and data["code"] in (0, 1)
        and isinstance(data.get("stdout"), str)
        and isinstance(data.get("stderr"), str)
        and "expires" in data
        and (data["expires"] is None or type(data["expires"]) is float)
        and is_witness_list(data.get("witnesses"))
    )


class Answers:
    """The recorded answer of one command line in one environment and working directory."""

    def __init__(self, directory: str, words: Sequence[str]) -> None:
        environ = sorted((k, v) for k, v in os.environ.items() if k not in SHELL_NOISE)
        kernel = tuple(os.uname()) if hasattr(os, "uname") else None  # platform facts
        material = repr(
            (FORMAT, sys.version, sys.executable, sys.prefix, os.getcwd(), list(words), environ,
             kernel)
        ).encode("utf-8", "surrogateescape")  # fmt: skip
        key = f"{zlib.crc32(material):08x}{zlib.adler32(material):08x}{len(material):x}"
        self.directory = directory
        self.file = os.path.join(directory, key + ".marshal")

    @classmethod
    def for_process(cls, words: Sequence[str]) -> Answers | None:
        """Answers for this process's command line, or None when it cannot have one."""
        if not words or words[0] not in COMMANDS or "--no-cache" in words:
            return None
        try:
            directory = answers_dir(os.environ)
            return cls(directory, words) if directory else None
        except (OSError, ValueError):  # no cwd any more, say
            return None

    def replay(self) -> int | None:
        """Print the recorded output and return its exit status, or None if it may be stale."""
        try:
            data = marshal.loads(read_bytes(self.file, _MAX_BYTES, private=True))
        except FileRefused as refused:
            warn_once(f"ignoring a recorded answer: {refused}")
            return None
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if not _valid(data) or (data["expires"] is not None and time.time() >= data["expires"]):
            return None
        for path, follow, recorded in data["witnesses"]:
            if signature(path, follow) != recorded:
                return None
        out, err, code = data["stdout"], data["stderr"], data["code"]
        try:
            sys.stdout.write(out)
            sys.stdout.flush()
            sys.stderr.write(err)
        except BrokenPipeError:  # `whichpython list | head -1`: as the engine path does
            return 1
        return int(code)

    def record(self, run: Callable[[], int]) -> int:
        """Run the command, tee its output, and keep it if nothing it used escaped the record."""
        out, err = _Tee(sys.stdout), _Tee(sys.stderr)
        sys.stdout, sys.stderr = out, err
        witness = Witness()
        try:
            with witness:
                code = run()
        finally:
            sys.stdout, sys.stderr = out.stream, err.stream
        if code in (0, 1) and witness.complete and not (out.failed or err.failed):
            witnesses = witness.signatures()
            if witnesses is not None:
                data = {"format": FORMAT, "code": code, "stdout": "".join(out.parts),
                        "stderr": "".join(err.parts), "expires": witness.expires,
                        "witnesses": witnesses}  # fmt: skip
                self._write(data)
        return code

    def _write(self, data: dict[str, Any]) -> None:
        if len(data["witnesses"]) > _MAX_WITNESSES:
            return
        blob = marshal.dumps(data)
        if len(blob) > _MAX_BYTES:
            return
        temp = f"{self.file}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.directory), mode=0o700, exist_ok=True)
            private_dir(self.directory)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(temp, flags, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(temp, self.file)
        except FileRefused as refused:
            warn_once(f"not recording answers: {refused}")
            return
        except OSError:
            import contextlib

            with contextlib.suppress(OSError):
                os.unlink(temp)
            return
        self._prune()

    def _prune(self) -> None:
        """Keep the newest answers; only our own regular files with our names are touched."""
        try:
            with os.scandir(self.directory) as entries:
                files = [
                    (info.st_mtime_ns, entry.path)
                    for entry in entries
                    if _is_answer_name(entry.name)
                    for info in [entry.stat(follow_symlinks=False)]
                    if is_own_file(info)
                ]
            for _, path in sorted(files)[: max(0, len(files) - _MAX_FILES)]:
                os.unlink(path)
        except OSError:
            pass
        sweep_temp(self.directory)


def _is_answer_name(name: str) -> bool:
    stem, _, suffix = name.partition(".")
    return suffix == "marshal" and len(stem) >= 16 and not stem.strip("0123456789abcdef")


class _Tee:
    """A text stream that writes through and keeps a copy."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: list[str] = []
        self.failed = False

    def write(self, text: str) -> int:
        self.parts.append(text)
        try:
            return self.stream.write(text)
        except BaseException:
            self.failed = True
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
