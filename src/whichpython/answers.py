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

import builtins
import marshal
import os
import stat
import sys
import zlib

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Callable, Optional, TextIO

    _Signature = Optional[list[int]]

FORMAT = 1
COMMANDS = frozenset({"find", "list", "inspect"})
# Set by the shell on every prompt or cd; no source reads them (the cwd is keyed on its own).
_SHELL_NOISE = frozenset({"_", "OLDPWD", "PWD", "SHLVL", "COLUMNS", "LINES"})
_SPAWNS = frozenset(
    {"subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.forkpty", "os.system",
     "os.spawn", "os.startfile"}
)  # fmt: skip
# The code that makes the answer: an upgrade or an edit of any of it changes a signature.
_CODE = ("whichpython", "attr", "attrs", "cattrs", "packaging", "platformdirs", "filelock")
_MAX_WITNESSES = 100_000
_MAX_FILES = 256  # answers kept per cache dir; the oldest go first


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


def signature(path: str, follow: bool) -> _Signature:
    """What must stay the same for an answer to hold; None for a path that does not exist."""
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except (OSError, ValueError):
        return None
    if not follow and stat.S_ISDIR(info.st_mode):
        # lstat of a directory asks "is it a link?" (realpath walking a path, islink): its
        # entries coming and going (/tmp, say) do not change the answer.
        return [info.st_mode, info.st_ino, info.st_dev]
    return [info.st_mode, info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns,
            info.st_ctime_ns]  # fmt: skip


class Answers:
    """The recorded answer of one command line in one environment and working directory."""

    def __init__(self, directory: str, words: Sequence[str]) -> None:
        environ = sorted((k, v) for k, v in os.environ.items() if k not in _SHELL_NOISE)
        material = repr(
            (FORMAT, sys.version, sys.executable, sys.prefix, os.getcwd(), list(words), environ)
        ).encode("utf-8", "surrogateescape")
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
            with open(self.file, "rb") as handle:
                data = marshal.load(handle)
            if data["format"] != FORMAT:
                return None
            for path, follow, recorded in data["witnesses"]:
                if signature(path, follow) != recorded:
                    return None
            out, err, code = data["stdout"], data["stderr"], data["code"]
        except (OSError, EOFError, ValueError, KeyError, TypeError):
            return None
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
        witness = _Witness()
        try:
            with witness:
                code = run()
        finally:
            sys.stdout, sys.stderr = out.stream, err.stream
        if code in (0, 1) and witness.complete and not (out.failed or err.failed):
            self._write(code, "".join(out.parts), "".join(err.parts), witness.signatures())
        return code

    def _write(self, code: int, out: str, err: str, witnesses: list[list[Any]]) -> None:
        if len(witnesses) > _MAX_WITNESSES:
            return
        temp = f"{self.file}.{os.getpid()}.tmp"
        data = {"format": FORMAT, "code": code, "stdout": out, "stderr": err,
                "witnesses": witnesses}  # fmt: skip
        try:
            os.makedirs(self.directory, exist_ok=True)
            with open(temp, "wb") as handle:
                marshal.dump(data, handle)
            os.replace(temp, self.file)
            self._prune()
        except OSError:
            import contextlib

            with contextlib.suppress(OSError):
                os.unlink(temp)

    def _prune(self) -> None:
        with os.scandir(self.directory) as entries:
            files = [(e.stat().st_mtime_ns, e.path) for e in entries if e.name.endswith(".marshal")]
        for _, path in sorted(files)[: max(0, len(files) - _MAX_FILES)]:
            os.unlink(path)


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


class _Witness:
    """Notes every path the run stats, lists, opens or reads a link of, and any process it
    starts, by wrapping the ``os`` functions that ``os.path``, ``glob`` and the sources call."""

    _WRAPPED = (("stat", True), ("lstat", False), ("listdir", True), ("scandir", True),
                ("access", True), ("readlink", False))  # fmt: skip
    _hooked: _Witness | None = None

    def __init__(self) -> None:
        self.paths: dict[tuple[str, bool], None] = {}
        self.spawned = False
        self.blind = False  # a path it could not note (relative to a dir fd, say)
        self.saved: dict[str, Any] = {}

    @property
    def complete(self) -> bool:
        """True when the record covers everything the run depended on."""
        return not (self.spawned or self.blind)

    def __enter__(self) -> _Witness:
        if _Witness._hooked is None:
            sys.addaudithook(_audit)
        _Witness._hooked = self
        for name, follow in self._WRAPPED:
            self.saved[name] = getattr(os, name)
            setattr(os, name, self._wrap(self.saved[name], follow))
        self.saved["open"] = builtins.open
        builtins.open = self._wrap(builtins.open, True)
        probe = os.path.abspath(__file__)
        os.path.isfile(probe)  # os.path must reach the wrappers, or the record is blind
        os.path.realpath(probe)
        self.blind = not {(probe, True), (probe, False)} <= self.paths.keys()
        return self

    def __exit__(self, *exc: object) -> None:
        builtins.open = self.saved.pop("open")
        for name, original in self.saved.items():
            setattr(os, name, original)
        _Witness._hooked = None

    def _wrap(self, original: Callable[..., Any], follow: bool) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            path = args[0] if args else kwargs.get("path", kwargs.get("file", "."))
            self.note(path, follow and kwargs.get("follow_symlinks", True), kwargs)
            return original(*args, **kwargs)

        return wrapped

    def note(self, path: Any, follow: bool, kwargs: dict[str, Any]) -> None:
        if isinstance(path, int):
            return  # a file descriptor: its file was noted when it was opened
        if kwargs.get("dir_fd") is not None:
            self.blind = True
            return
        try:
            key = os.path.abspath(os.fsdecode(path)), follow
        except (TypeError, ValueError):
            return  # the call itself fails the same way
        self.paths[key] = None

    def signatures(self) -> list[list[Any]]:
        """Each noted path with its signature now, and the code that wrote the answer."""
        noted = dict(self.paths)
        for name, module in list(sys.modules.items()):
            location = getattr(module, "__file__", None)
            if location and name.partition(".")[0] in _CODE:
                noted[os.path.abspath(location), True] = None
        return [[path, follow, signature(path, follow)] for path, follow in noted]


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in _SPAWNS and _Witness._hooked is not None:
        _Witness._hooked.spawned = True
