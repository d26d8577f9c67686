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

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Callable, Optional, TextIO

    _Signature = Optional[list[int]]

FORMAT = 2
_STAT, _LSTAT = os.stat, os.lstat  # the real ones: the witness wraps those in os
COMMANDS = frozenset({"find", "list", "inspect"})
# Set by the shell on every prompt or cd; no source reads them (the cwd is keyed on its own).
SHELL_NOISE = frozenset({"_", "OLDPWD", "PWD", "SHLVL", "COLUMNS", "LINES"})
_SPAWNS = frozenset(
    {"subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.forkpty", "os.system",
     "os.spawn", "os.startfile"}
)  # fmt: skip
# The code that makes the answer: an upgrade or an edit of any of it changes a signature.
_CODE = ("whichpython", "attr", "attrs", "cattrs", "packaging", "platformdirs", "filelock")
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


def signature(path: str, follow: bool) -> _Signature:
    """What must stay the same for an answer to hold; None for a path that does not exist."""
    try:
        info = _STAT(path) if follow else _LSTAT(path)
    except (OSError, ValueError):
        return None
    if not follow and stat.S_ISDIR(info.st_mode):
        # lstat of a directory asks "is it a link?" (realpath walking a path, islink): its
        # entries coming and going (/tmp, say) do not change the answer.
        return [info.st_mode, info.st_ino, info.st_dev]
    return [info.st_mode, info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns,
            info.st_ctime_ns]  # fmt: skip


def is_witness_list(value: object) -> bool:
    """True for a list of ``[path, follow, signature]`` as :func:`signature` makes them (what
    a recorded answer or a cache entry read from disk must hold before it is used)."""
    return isinstance(value, list) and all(
        isinstance(item, list)
        and len(item) == 3
        and isinstance(item[0], str)
        and isinstance(item[1], bool)
        and (
            item[2] is None
            or (
                isinstance(item[2], list)
                and len(item[2]) in (3, 6)
                and all(type(n) is int for n in item[2])
            )
        )
        for item in value
    )


def expires_at(when: float) -> None:
    """Called by the probe cache when an answer uses a remembered failure: a recording of
    this run must not outlive it."""
    witness = _Witness._hooked
    if witness is not None:
        witness.expires = min(when, witness.expires or when)


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
        witness = _Witness()
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


class _Witness:
    """Notes every path the run stats, lists, opens or reads a link of, and any process it
    starts, by wrapping the ``os`` functions that ``os.path``, ``glob`` and the sources call."""

    _WRAPPED = (("stat", True), ("lstat", False), ("listdir", True), ("scandir", True),
                ("access", True), ("readlink", False))  # fmt: skip
    _hooked: _Witness | None = None

    def __init__(self) -> None:
        # Each path with its signature when first noted: before the call that looks at it.
        self.paths: dict[tuple[str, bool], _Signature] = {}
        self.spawned = False
        self.blind = False  # a path it could not note (relative to a dir fd, say)
        self.saved: dict[str, Any] = {}
        self.expires: float | None = None  # set when the run used a remembered failure

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
        os.scandir = self._wrap_scandir(os.scandir)
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

    def _wrap_scandir(self, scandir: Callable[..., Any]) -> Callable[..., Any]:
        """``DirEntry.is_dir()`` and friends stat a link's target without calling ``os``:
        hand out entries that note the target first."""

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return _Entries(scandir(*args, **kwargs), self)

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
        if key not in self.paths:
            self.paths[key] = signature(*key)

    def signatures(self) -> list[list[Any]] | None:
        """Each noted path with its signature, and the code that wrote the answer; None when
        any of them changed while the run went on (or too close to its start to tell)."""
        noted = dict(self.paths)
        for name, module in list(sys.modules.items()):
            location = getattr(module, "__file__", None)
            if location and name.partition(".")[0] in _CODE:  # loaded before the run
                key = os.path.abspath(location), True
                noted.setdefault(key, signature(*key))
        signed = []
        for (path, follow), before in noted.items():
            now = signature(path, follow)
            if now != before:
                return None
            signed.append([path, follow, now])
        return signed


class _Entries:
    """``os.scandir``'s iterator, handing out :class:`_Entry` proxies."""

    def __init__(self, entries: Any, witness: _Witness) -> None:
        self.entries, self.witness = entries, witness

    def __iter__(self) -> _Entries:
        return self

    def __next__(self) -> _Entry:
        return _Entry(next(self.entries), self.witness)

    def __enter__(self) -> _Entries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.entries.close()

    def close(self) -> None:
        self.entries.close()


class _Entry:
    """A ``DirEntry`` that notes a link's target before asking about it (a dangling link
    whose target appears later changes the answer, not the directory)."""

    def __init__(self, entry: os.DirEntry[str], witness: _Witness) -> None:
        self.entry, self.witness = entry, witness
        self.name, self.path = entry.name, entry.path

    def __fspath__(self) -> str:
        return self.entry.path

    def _note(self, follow: bool) -> None:
        if follow and self.entry.is_symlink():
            self.witness.note(self.entry.path, True, {})

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        self._note(follow_symlinks)
        return self.entry.is_dir(follow_symlinks=follow_symlinks)

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        self._note(follow_symlinks)
        return self.entry.is_file(follow_symlinks=follow_symlinks)

    def is_symlink(self) -> bool:
        return self.entry.is_symlink()

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        self.witness.note(self.entry.path, follow_symlinks, {})
        return self.entry.stat(follow_symlinks=follow_symlinks)

    def inode(self) -> int:
        return self.entry.inode()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in _SPAWNS and _Witness._hooked is not None:
        _Witness._hooked.spawned = True
