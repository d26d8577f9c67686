"""Reading files that may be hostile: regular files only, opened without blocking, read up to
a cap. A FIFO, a device (``/dev/zero``), a socket or a file larger than the cap is refused
with a reason instead of hanging or filling memory (docs/security.md). Also the reading and
writing of whichpython's own cache files (private, written whole or not at all)."""

import errno
import os
import stat
import sys
import time
from _thread import get_ident  # threading's own; threading itself is not imported here

TYPE_CHECKING = False  # typing is not imported on the CLI's fast path
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from typing import Any, Callable

# Caps by what is read (bytes). Each is far above what a real file of the kind holds.
SMALL = 64 * 1024  # version files, pyvenv.cfg, pyenv's version file
CONFIG = 1024 * 1024  # environments.txt, build-details.json, ld.so.conf, .pc files
SOURCE = 16 * 1024 * 1024  # _sysconfigdata*.py, cache entries
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_KINDS = ((stat.S_ISLNK, "a symlink"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))  # fmt: skip
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class FileRefused(OSError):
    """A file that is not read: not a regular file, or larger than the cap. ``reason`` says
    which, without the path; ``str()`` names both."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, path)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


#: Directories whose walked-up files are used whoever owns or may write them (git's
#: ``safe.directory``): ``os.pathsep``-separated absolute directories, each covering what is
#: below it, or ``*`` for all (docs/security.md).
SAFE_DIRECTORIES = "WHICHPYTHON_SAFE_DIRECTORIES"


def walk_up(
    start: str,
    names: "Sequence[str]",
    environ: "Mapping[str, str]",
    skip: "Callable[[str, str], None]",
) -> "Iterator[tuple[str, list[str]]]":
    """Each directory from ``start`` up to the root that holds any of ``names``, nearest
    first, with the names it holds in the order given. A name that is not to be trusted
    (:func:`distrust`) is left out and told to ``skip`` (``not used: <reason>``): every file
    whichpython finds by walking up from the working directory is found here."""
    folder = os.path.abspath(start)
    while True:
        usable = []
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.lexists(path):
                continue
            reason = distrust(path, environ)
            if reason is None:
                usable.append(name)
            else:
                skip(path, f"not used: {reason}")
        if usable:
            yield folder, usable
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def distrust(path: str, environ: "Mapping[str, str]") -> "str | None":
    """Why the file or directory at ``path``, found by walking up, must not be used, or None
    (git's ``safe.directory`` rule, docs/security.md): the directory it is in, or the entry
    itself (a link: and what it points to), is owned by another user than this one, root, or
    (as root under sudo) ``$SUDO_UID``, or is writable by others (sticky ``/tmp`` too). Lifted
    for the directories in ``$WHICHPYTHON_SAFE_DIRECTORIES``; never on Windows."""
    if sys.platform == "win32":
        return None
    folder = os.path.dirname(path)
    try:
        entry = os.lstat(path)
        reason = _stranger(entry, environ, "")
        if reason is None and stat.S_ISLNK(entry.st_mode):
            reason = _stranger(os.stat(path), environ, "a link to a file ")
        if reason is None:
            where = os.lstat(folder)  # lstat: a directory's signature keeps out its entries
            if stat.S_ISLNK(where.st_mode):
                where = os.stat(folder)
            reason = _stranger(where, environ, "in a directory ")
    except OSError:  # gone, or a dangling link: what reads it finds nothing
        return None
    if reason is None or _declared_safe(folder, environ):
        return None
    return reason


def _stranger(info: "os.stat_result", environ: "Mapping[str, str]", what: str) -> "str | None":
    """Why ``info`` is of a file someone untrusted controls, or None."""
    if info.st_uid not in _trusted_uids(environ):
        return f"{what}owned by uid {info.st_uid}"
    writable = info.st_mode & stat.S_IWOTH  # of content: a link's mode is 777, /dev/zero's 666
    if writable and (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        return f"{what}others can write" if what else "writable by others"
    return None


def _trusted_uids(environ: "Mapping[str, str]") -> "tuple[int, ...]":
    """This user, root (who can change any file anyway) and, when root runs under sudo, the
    user who ran sudo (as git does)."""
    uid = os.geteuid()
    if uid != 0:
        return (uid, 0)
    sudo = environ.get("SUDO_UID", "")
    return (0, int(sudo)) if sudo.isdigit() and len(sudo) < 11 else (0,)


def _declared_safe(folder: str, environ: "Mapping[str, str]") -> bool:
    """Whether ``$WHICHPYTHON_SAFE_DIRECTORIES`` covers ``folder``: ``*``, or a listed
    absolute directory that is ``folder`` or above it."""
    for entry in environ.get(SAFE_DIRECTORIES, "").split(os.pathsep):
        if entry == "*":
            return True
        if os.path.isabs(entry):
            entry = os.path.normpath(entry)
            if folder == entry or folder.startswith(entry.rstrip(os.sep) + os.sep):
                return True
    return False


def kind_of(mode: int) -> str:
    """``a FIFO``, ``a character device``, ... for a stat mode (``not a regular file`` else)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path: str, limit: int, *, private: bool = False) -> bytes:
    """The content of the regular file at ``path`` (symlinks followed), at most ``limit``
    bytes. ``private``: only a file of this user that nobody else may write (cache files).
    Raises :class:`FileRefused`, or the ``OSError`` of a missing or unreadable file."""
    info = os.stat(path)  # before opening: opening a FIFO or a device may block or act
    _check(path, info, limit)
    try:
        fd = os.open(path, _FLAGS | (_NOFOLLOW if private else 0))
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.ELOOP):  # a socket; a link where none may be
            raise FileRefused(path, "is not a regular file") from None
        raise
    try:
        info = os.fstat(fd)  # the file opened is the file checked
        _check(path, info, limit)
        if private:
            refuse_shared(path, info)
        chunks: list[bytes] = []
        left = limit + 1
        # Reads as large as the file (and a little): os.read allocates what it is asked for.
        step = min(1024 * 1024, max(info.st_size + 1, 64 * 1024))
        while left > 0:
            chunk = os.read(fd, min(left, step))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew after the check
        raise FileRefused(path, f"is larger than {_size(limit)}")
    return data


def load_private(path: str, limit: int, parse: "Callable[[bytes], Any]", what: str) -> "Any":
    """``parse`` of a cache file of ours (:func:`read_bytes` with ``private``), or None when
    it is missing, refused (warned about once, naming ``what``) or does not parse."""
    try:
        return parse(read_bytes(path, limit, private=True))
    except FileRefused as refused:
        warn_once(f"ignoring {what}: {refused}")
    except (OSError, ValueError, EOFError, TypeError, RecursionError):
        pass
    return None


def write_private(path: str, data: bytes) -> None:
    """Write a cache file of ours whole or not at all: a temp file named for this writer
    (process and thread), created ``O_EXCL``/``O_NOFOLLOW`` 0600 beside ``path``, renamed over
    it. Raises the ``OSError`` (the temp file removed); the directory is the caller's."""
    temp = f"{path}.{os.getpid()}.{get_ident()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        try:  # noqa: SIM105 (contextlib is not imported on the CLI's fast path)
            os.unlink(temp)
        except OSError:
            pass
        raise


def refuse_shared(path: str, info: "os.stat_result") -> None:
    """Raise :class:`FileRefused` unless ``info`` is of a file or directory owned by this
    user that neither group nor others may write (not checked on Windows)."""
    if sys.platform == "win32":
        return
    if info.st_uid != os.geteuid():
        raise FileRefused(path, f"is owned by another user (uid {info.st_uid})")
    if info.st_mode & 0o022:
        raise FileRefused(path, f"is writable by others (mode {stat.S_IMODE(info.st_mode):o})")


def private_dir(path: str, *, create: bool = True) -> str:
    """``path`` if it is a directory of this user that nobody else may write, created (mode
    0700) if ``create`` and missing; else raise :class:`FileRefused` (a link, not a directory,
    another user's, writable by others) or the ``OSError`` of a missing one."""
    if create:
        try:  # noqa: SIM105 (contextlib is not imported on the CLI's fast path)
            os.makedirs(path, mode=0o700, exist_ok=True)
        except FileExistsError:  # a file or a dangling link: said below
            pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise FileRefused(path, f"is {kind_of(info.st_mode)}, not a directory")
    refuse_shared(path, info)
    return path


_WARNED: "set[str]" = set()


def warn_once(message: str) -> None:
    """Print ``whichpython: warning: <message>`` on stderr, once per process and message."""
    if message not in _WARNED:
        _WARNED.add(message)
        print(f"whichpython: warning: {message}", file=sys.stderr)


def sweep_temp(directory: str, *, age: float = 60.0) -> None:
    """Remove ``*.tmp`` files of this user older than ``age`` seconds from ``directory``:
    what writers killed between writing and renaming left behind. The cache's own
    housekeeping, not a fact of an answer: a recorded run does not witness it."""
    from whichpython.signatures import UNWATCHED_SCANDIR

    now = time.time()
    try:
        with UNWATCHED_SCANDIR(directory) as entries:
            stale = [
                entry.path
                for entry in entries
                if entry.name.endswith(".tmp")
                for info in [entry.stat(follow_symlinks=False)]
                if is_own_file(info) and now - info.st_mtime > age
            ]
        for path in stale:
            os.unlink(path)
    except OSError:
        pass


def own_uid() -> "int | None":
    """This process's effective user id (None on Windows, which has no such owners)."""
    if sys.platform == "win32":
        return None
    return os.geteuid()


def is_own_file(info: "os.stat_result") -> bool:
    """True for (the ``lstat`` of) a regular file of this user: one that may be deleted."""
    uid = own_uid()
    return stat.S_ISREG(info.st_mode) and (uid is None or info.st_uid == uid)


def is_script(path: str) -> bool:
    """Whether ``path`` is a regular file that starts with ``#!`` (a script the kernel runs
    through another program), read without blocking; False when it cannot be read."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, 2) == b"#!"
    except OSError:
        return False
    finally:
        os.close(fd)


def read_text(path: str, limit: int) -> str:
    """:func:`read_bytes` decoded as UTF-8 (undecodable bytes replaced)."""
    return read_bytes(path, limit).decode("utf-8", "replace")


def _check(path: str, info: "os.stat_result", limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(path, f"is {kind_of(info.st_mode)}, not a regular file")
    if info.st_size > limit:
        raise FileRefused(path, f"is larger than {_size(limit)} ({_size(info.st_size)})")


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:g} {unit}" if count % scale else f"{count // scale} {unit}"
    return f"{count} bytes"
