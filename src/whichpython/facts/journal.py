"""``fix-sysconfig``'s writes: a whole backup of each file, then the set of files changed as one
journaled step that a rerun finishes after a kill (docs/relocated-sysconfig.md).

The steps: every backup written whole (temp file, fsync, rename, fsync of the directory) or
verified; every new version written beside its file (``<file>.whichpython-new``, fsynced); the
journal written (:data:`JOURNAL_NAME` beside the sysconfig data: each file, its backup, its new
version, the SHA-256 of its old and new content); the new versions renamed over the files
(``.pc`` files first, the sysconfig data last); the journal removed. A run that finds a journal
rolls it forward (renames the new versions still waiting), or, when a new version is gone,
back (restores the changed files from their backups), before anything else.
"""

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Iterable
from typing import Any, Optional

import attrs
import cattrs

from whichpython.files import CONFIG, SOURCE, FileRefused, kind_of, own_uid, read_bytes
from whichpython.model.errors import Refused

BACKUP_SUFFIX = ".whichpython-backup"
NEW_SUFFIX = ".whichpython-new"
TEMP_SUFFIX = ".whichpython-tmp"
JOURNAL_NAME = ".whichpython-fix-sysconfig.json"
JOURNAL_FORMAT = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


@attrs.frozen
class Change:
    """One file's old and new content (the new content not yet written)."""

    path: str
    old: bytes
    new: bytes

    @property
    def backup(self) -> str:
        """Where the old content is kept: ``<file>.whichpython-backup``."""
        return self.path + BACKUP_SUFFIX

    @property
    def staged(self) -> str:
        """Where the new content waits for its rename: ``<file>.whichpython-new``."""
        return self.path + NEW_SUFFIX


@attrs.frozen
class JournalEntry:
    """One file of an unfinished fix, as the journal records it."""

    path: str
    backup: str
    staged: str
    old_sha256: str
    new_sha256: str


@attrs.frozen
class Journal:
    """The journal of a fix: the build prefix it replaces and its files, in rename order."""

    format: int
    build_prefix: str
    files: list[JournalEntry]


def _strict(kind: type) -> Any:
    def structure(value: Any, _type: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}")
        return value

    return structure


_converter = cattrs.Converter(forbid_extra_keys=True)
_converter.register_structure_hook(str, _strict(str))
_converter.register_structure_hook(int, _strict(int))


def sha256(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def journal_path(data_file: str) -> str:
    """The journal of the install whose sysconfig data is ``data_file``."""
    return os.path.join(os.path.dirname(data_file), JOURNAL_NAME)


def read_journal(path: str, data_file: str, root: str) -> Optional[Journal]:
    """The journal at ``path``, or None when there is none. Refused unless it is a regular
    file of ours that nobody else may write, shaped as :func:`apply` writes it, naming only
    ``data_file`` and ``.pc`` files under ``root`` (all real paths)."""

    def refuse(why: str) -> Refused:
        return Refused(
            path,
            f"an unfinished fix-sysconfig's journal that is not used ({why}); "
            "nothing was changed (remove it once the install is checked)",
        )

    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise refuse(f"is {kind_of(info.st_mode)}, not a regular file")
        data = read_bytes(path, CONFIG, private=True)
    except FileNotFoundError:
        return None
    except FileRefused as refused:
        raise refuse(refused.reason) from None
    except OSError as exc:
        raise refuse(f"cannot be read: {exc.strerror or exc}") from None
    try:
        journal = _converter.structure(json.loads(data), Journal)
    except (ValueError, TypeError, KeyError, RecursionError, cattrs.BaseValidationError):
        raise refuse("is not a journal whichpython wrote") from None
    paths = [entry.path for entry in journal.files]
    if (
        journal.format != JOURNAL_FORMAT
        or not journal.files
        or len(set(paths)) != len(paths)
        or not all(_well_formed(entry) for entry in journal.files)
    ):
        raise refuse("is not a journal whichpython wrote")
    for name in paths:
        if not _of_install(name, data_file, root):
            why = f"names {name}, which is not a sysconfig data or .pc file of this install"
            raise refuse(why)
    return journal


def _well_formed(entry: JournalEntry) -> bool:
    return (
        entry.backup == entry.path + BACKUP_SUFFIX
        and entry.staged == entry.path + NEW_SUFFIX
        and all(_SHA256.fullmatch(s) for s in (entry.old_sha256, entry.new_sha256))
    )


def _of_install(path: str, data_file: str, root: str) -> bool:
    """``path`` is the sysconfig data or a ``.pc`` file under ``root``, with no link in it."""
    if "\0" in path or not os.path.isabs(path) or os.path.realpath(path) != path:
        return False
    return path == data_file or (path.endswith(".pc") and path.startswith(root + os.sep))


def recover(path: str, journal: Journal, *, dry_run: bool) -> str:
    """Finish the fix ``journal`` records (or undo it when a new version is gone); the note
    that says which. Raises :class:`Refused` for a file that is neither old nor new."""
    waiting, changed = [], []
    for entry in journal.files:
        now = _digest(entry.path)
        if now == entry.new_sha256:
            changed.append(entry)
        elif now == entry.old_sha256:
            waiting.append(entry)
        else:
            raise Refused(
                entry.path,
                f"is neither the old nor the new version that the interrupted fix-sysconfig "
                f"recorded in {path}; nothing was changed (compare it with {entry.backup}, "
                "then remove the journal)",
            )
    if dry_run:
        return f"{path}: a fix-sysconfig was interrupted here; a run without --dry-run finishes it"
    try:
        return _roll(path, journal, waiting, changed)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise Refused(
            path, f"the interrupted fix-sysconfig it records could not be finished ({why})"
        ) from None


def _roll(
    path: str, journal: Journal, waiting: list[JournalEntry], changed: list[JournalEntry]
) -> str:
    """Forward when every new version still waiting is there, else back; the note."""
    if all(_digest(entry.staged) == entry.new_sha256 for entry in waiting):
        for entry in waiting:
            os.replace(entry.staged, entry.path)
        finish(journal.files, path)
        return (
            f"{path}: finished the fix-sysconfig interrupted earlier "
            f"({len(waiting)} of {len(journal.files)} files were still to replace)"
        )
    originals = {entry.path: _read(entry.backup) for entry in changed}
    for entry in changed:  # every backup checked before the first file is restored
        old = originals[entry.path]
        if old is None or sha256(old) != entry.old_sha256:
            raise Refused(
                entry.backup,
                f"does not hold the original that {path} records, so the interrupted "
                "fix-sysconfig cannot be undone; nothing was changed",
            )
    for entry in changed:
        _replace_whole(entry.path, originals[entry.path] or b"", os.stat(entry.path))
    for entry in journal.files:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.staged)
    finish([], path)
    return (
        f"{path}: undid the fix-sysconfig interrupted earlier (its new versions were gone); "
        "fixing again"
    )


def apply(changes: list[Change], backups: list[Change], path: str, build_prefix: str) -> None:
    """Write ``backups`` and the new versions, then the journal at ``path``; rename the new
    versions over the files; remove the journal. :class:`Refused` when a write fails (what
    was written is removed: nothing was changed)."""
    order = sorted(changes, key=lambda change: not change.path.endswith(".pc"))
    journal = Journal(JOURNAL_FORMAT, build_prefix, [_entry(change) for change in order])
    written: list[str] = []
    where = path
    try:
        infos = {change.path: os.stat(change.path) for change in changes}
        for change in backups:
            where = change.backup
            _replace_whole(where, change.old, infos[change.path], backup=True)
            written.append(where)
        for change in changes:
            where = change.staged
            _write_new(where, change.new, infos[change.path])
            written.append(where)
        _sync_dirs(written)
        where = path
        _replace_whole(path, json.dumps(_converter.unstructure(journal), indent=1).encode(), None)
    except OSError as exc:
        for name in written:
            with contextlib.suppress(OSError):
                os.unlink(name)
        why = exc.strerror or str(exc)
        raise Refused(where, f"could not be written ({why}); nothing was changed") from None
    done: list[Change] = []
    try:
        for change in order:
            where = change.path
            os.replace(change.staged, change.path)
            done.append(change)
    except OSError as exc:
        why = exc.strerror or str(exc)
        try:  # undone from memory; the backups written for this run go too
            for change in done:
                _replace_whole(change.path, change.old, infos[change.path])
            for name in [c.staged for c in changes] + [c.backup for c in backups]:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name)
            finish([], path)
        except OSError:
            raise Refused(
                where,
                f"could not be replaced ({why}); the fix is half done: "
                f"fix-sysconfig again finishes it ({path})",
            ) from None
        raise Refused(where, f"could not be replaced ({why}); nothing was changed") from None
    try:
        finish(journal.files, path)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise Refused(
            path, f"could not be removed ({why}); the files are fixed, the next run removes it"
        ) from None


def finish(files: Iterable[Any], path: str) -> None:
    """After the renames of ``files`` (journal entries or changes): make them durable, drop
    the stale bytecode of the sysconfig data, and remove the journal at ``path``."""
    names = [entry.path for entry in files]
    _sync_dirs(names)
    for name in names:
        drop_bytecode(name)
    os.unlink(path)
    _sync_dirs([path])


def _entry(change: Change) -> JournalEntry:
    return JournalEntry(
        change.path, change.backup, change.staged, sha256(change.old), sha256(change.new)
    )


def _read(path: str) -> Optional[bytes]:
    try:
        return read_bytes(path, SOURCE)
    except OSError:
        return None


def _digest(path: str) -> Optional[str]:
    """The SHA-256 of the regular file (not a link) at ``path``; None for anything else."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
    except OSError:
        return None
    data = _read(path)
    return None if data is None else sha256(data)


def _write_new(
    path: str, data: bytes, like: Optional[os.stat_result], *, backup: bool = False
) -> None:
    """Create ``path`` (a leftover of an interrupted run removed first) holding ``data``, with
    the mode (and, for root, the owner) of ``like`` (a backup: not writable by others; none:
    0600), flushed to disk; on failure nothing is left."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    fd = os.open(path, _CREATE, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if like is not None:
            if own_uid() == 0:
                os.fchown(fd, like.st_uid, like.st_gid)
            if hasattr(os, "fchmod"):
                os.fchmod(fd, stat.S_IMODE(like.st_mode) & (~0o022 if backup else ~0))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def _replace_whole(
    path: str, data: bytes, like: Optional[os.stat_result], *, backup: bool = False
) -> None:
    """Replace ``path`` with ``data`` whole or not at all: a temp file, fsync, rename, and
    an fsync of the directory."""
    temp = path + TEMP_SUFFIX
    _write_new(temp, data, like, backup=backup)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_dirs([path])


def _sync_dirs(paths: Iterable[str]) -> None:
    """fsync the directories of ``paths`` (their new names survive a crash)."""
    if sys.platform == "win32":
        return
    for folder in dict.fromkeys(os.path.dirname(path) for path in paths):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
                raise
        finally:
            os.close(fd)


def drop_bytecode(path: str) -> None:
    """Remove cached bytecode of a rewritten module (a stale .pyc could shadow the change)."""
    folder, name = os.path.split(path)
    stem = name[:-3] if name.endswith(".py") else None
    if stem is None:
        return
    candidates = [os.path.join(folder, stem + ".pyc")]
    cache = os.path.join(folder, "__pycache__")
    try:
        names = os.listdir(cache)
    except OSError:
        names = []
    candidates += [os.path.join(cache, n) for n in names if n.startswith(stem + ".")]
    for candidate in candidates:
        with contextlib.suppress(OSError):
            os.remove(candidate)
