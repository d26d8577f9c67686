"""``fix-sysconfig``: rewrite a relocated install's ``_sysconfigdata*.py`` and ``.pc`` files in
place so that every tool (pip, setuptools, pkg-config, PyO3) sees the real paths.

The corrections are those :mod:`whichpython.facts.fixes` reports; this module works them out and
:mod:`whichpython.facts.journal` writes them: a whole backup of each file, then the set of files as
one journaled step that a rerun finishes after a kill (docs/relocated-sysconfig.md).
"""

import ast
import contextlib
import os
import pprint
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Optional, Union

import attrs

from whichpython.facts.fixes import (
    FIXED_MARKER,
    Relocation,
    correct_sysconfig,
    find_relocation,
    rebase,
)
from whichpython.facts.journal import (
    Change,
    apply,
    journal_path,
    read_journal,
    recover,
)
from whichpython.files import CONFIG, SOURCE, FileRefused, kind_of, own_uid, read_bytes
from whichpython.model.errors import Refused
from whichpython.model.models import Interpreter, SysconfigCorrection


@attrs.frozen
class FileRepair:
    """One file rewritten (or to be, with ``--dry-run``) and what changes in it."""

    path: str
    backup: Optional[str]
    changes: list[SysconfigCorrection]


@attrs.frozen
class SysconfigRepair:
    """What ``fix-sysconfig`` did to one install; ``files`` is empty when nothing was stale.
    ``notes``: an interrupted fix finished or undone, a backup that had to be rewritten."""

    interpreter: str
    build_prefix: Optional[str]
    prefix: str
    files: list[FileRepair]
    dry_run: bool
    notes: list[str] = attrs.field(factory=list)


def fix_sysconfig(
    path: Union[str, "os.PathLike[str]"],
    *,
    dry_run: bool = False,
    timeout: Optional[float] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> SysconfigRepair:
    """Rewrite the sysconfig data and pkg-config files of the relocated install at ``path``.

    Idempotent: a fixed install is marked (``WHICHPYTHON_RELOCATED_FROM``) and a second run
    changes nothing. The files change together or not at all: a run killed half way is
    finished by the next one. Raises :class:`~whichpython.model.errors.Refused` for a venv, an
    install that is not relocated, files that cannot be written, a backup or journal that is
    not ours; nothing is changed then.
    """
    from whichpython.engine.inspection import inspect_interpreter

    path = os.fspath(path)
    found = inspect_interpreter(path, timeout=timeout, environ=environ)
    data_file = _data_file(path, found)
    base, base_exec = found.prefixes.base_prefix, found.prefixes.base_exec_prefix
    root = os.path.realpath(base)
    journal_file = journal_path(data_file)
    with contextlib.nullcontext() if dry_run else _locked(os.path.dirname(data_file)):
        journal = read_journal(journal_file, data_file, root)
        notes = [] if journal is None else [recover(journal_file, journal, dry_run=dry_run)]
        source = _read(data_file, SOURCE)
        values, segment = _build_time_vars(data_file, source.decode("utf-8"))
        relocation = find_relocation(values, base, base_exec)
        if relocation is None:
            marker = values.get(FIXED_MARKER)
            if marker is None:
                raise Refused(
                    path,
                    f"not relocated: its sysconfig prefix {values.get('prefix')} exists, "
                    "so there is nothing to fix",
                )
            return SysconfigRepair(path, str(marker), base, [], dry_run, notes)
        corrected, changes = correct_sysconfig(values, relocation)
        corrected[FIXED_MARKER] = relocation.build_prefix
        new_source = _replace_segment(source.decode("utf-8"), segment, corrected)
        plans = [(Change(data_file, source, new_source.encode("utf-8")), changes)]
        pc_files = _pc_files(base, root, corrected)
        for pc_file in pc_files:
            text = _read(pc_file, CONFIG)
            new_text, pc_changes = _fix_pc(pc_file, text.decode("utf-8"), relocation)
            if pc_changes and not _fixed_through_target(pc_file, pc_files):
                plans.append((Change(pc_file, text, new_text.encode("utf-8")), pc_changes))
        backups, backup_notes = _check_backups([c for c, _ in plans], dry_run=dry_run)
        notes += backup_notes
        if not dry_run:
            for change, _changes in plans:
                _check_writable(change.path)
            apply([c for c, _ in plans], backups, journal_file, relocation.build_prefix)
    repairs = [FileRepair(c.path, None if dry_run else c.backup, ch) for c, ch in plans]
    return SysconfigRepair(path, relocation.build_prefix, base, repairs, dry_run, notes)


def _check_backups(changes: Iterable[Change], *, dry_run: bool) -> tuple[list[Change], list[str]]:
    """The changes whose backup must be written (absent, or not holding the file's content:
    then a note says so); an existing backup that is not a regular file of ours (or of the
    file's owner) is :class:`Refused`."""
    todo, notes = [], []
    for change in changes:
        try:
            info = os.lstat(change.backup)
            why = _distrust(info, change.path)
        except FileNotFoundError:
            todo.append(change)
            continue
        except OSError as exc:
            why = f"cannot be checked ({exc.strerror or exc})"
        if why:
            name = os.path.basename(change.path)
            raise Refused(
                change.backup,
                f"{why}, so it is not trusted as the backup of {name}; nothing was changed",
            )
        if info.st_size != len(change.old) or _backup_content(change) != change.old:
            todo.append(change)
            done = "would be rewritten" if dry_run else "rewritten"
            notes.append(
                f"{change.backup}: did not hold this file's content ({info.st_size} bytes); {done}"
            )
    return todo, notes


def _distrust(info: os.stat_result, path: str) -> str:
    """Why a backup is not a regular file of ours (or of ``path``'s owner); "" if it is."""
    if not stat.S_ISREG(info.st_mode):
        return f"is {kind_of(info.st_mode)}, not a regular file"
    if info.st_uid not in (own_uid(), os.lstat(path).st_uid):
        return f"is owned by another user (uid {info.st_uid})"
    return ""


def _backup_content(change: Change) -> Optional[bytes]:
    try:
        return read_bytes(change.backup, len(change.old))
    except OSError:
        return None


@contextlib.contextmanager
def _locked(folder: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``folder`` (one fix of an install at a time)."""
    if sys.platform == "win32":
        yield
        return
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused(
                folder, "another fix-sysconfig is changing this install; nothing was changed"
            ) from None
        yield
    finally:
        os.close(fd)


def _data_file(path: str, found: Interpreter) -> str:
    if found.is_venv:
        base = found.base_executable or (found.venv.home if found.venv else None)
        raise Refused(path, f"is a venv; fix its base interpreter instead ({base})")
    data_file = found.sysconfig_file
    if not data_file or not os.path.exists(data_file):
        raise Refused(path, "has no _sysconfigdata file (its sysconfig is computed at run time)")
    # Real paths from here on: the journal names them, and may name nothing else.
    return os.path.join(os.path.realpath(os.path.dirname(data_file)), os.path.basename(data_file))


def _read(path: str, limit: int) -> bytes:
    """A regular file of at most ``limit`` bytes, valid UTF-8; else :class:`Refused`."""
    try:
        data = read_bytes(path, limit)
        data.decode("utf-8")
        return data
    except FileRefused as refused:
        raise Refused(path, f"{refused.reason}; nothing was changed") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(path, f"cannot be read ({exc}); nothing was changed") from None


def _build_time_vars(path: str, source: str) -> tuple[dict[str, Any], ast.expr]:
    """The literal ``build_time_vars = {...}`` dict and its node (for an in-place rewrite)."""
    try:
        module = ast.parse(source)
        for node in module.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "build_time_vars"
            ):
                values = ast.literal_eval(node.value)
                if isinstance(values, dict):
                    return values, node.value
    except (SyntaxError, ValueError):
        pass
    raise Refused(path, "is not a plain `build_time_vars = {...}` module; not touching it")


def _replace_segment(source: str, node: ast.expr, values: dict[str, Any]) -> str:
    lines = source.splitlines(keepends=True)
    start = _offset(lines, node.lineno, node.col_offset)
    end = _offset(lines, node.end_lineno or node.lineno, node.end_col_offset or 0)
    return source[:start] + pprint.pformat(values, indent=1, width=100) + source[end:]


def _offset(lines: "list[str]", lineno: int, col_bytes: int) -> int:
    """A character offset into the source from ast's line number and UTF-8 byte column."""
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode("utf-8")[:col_bytes].decode("utf-8", "replace"))


def _pc_files(base_prefix: str, root: str, config: Mapping[str, Any]) -> list[str]:
    """The ``.pc`` files of ``lib/pkgconfig`` and ``LIBPC`` inside the install (real folders)."""
    folders = [os.path.join(base_prefix, "lib", "pkgconfig")]
    libpc = config.get("LIBPC")
    if isinstance(libpc, str) and libpc:
        folders.append(libpc)
    found = []
    for folder in dict.fromkeys(os.path.realpath(f) for f in folders):
        if not folder.startswith(root + os.sep):
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        found += [os.path.join(folder, n) for n in names if n.endswith(".pc")]
    return found


def _fixed_through_target(pc_file: str, pc_files: list[str]) -> bool:
    """True for a link to another of ``pc_files`` (left a link); :class:`Refused` for a link
    elsewhere (replacing it would cut the link; rewriting its target is not ours to do)."""
    if not os.path.islink(pc_file):
        return False
    target = os.path.realpath(pc_file)
    if target in pc_files and not os.path.islink(target):
        return True
    raise Refused(
        pc_file, f"is a symlink to {target}, not to a .pc file beside it; nothing was changed"
    )


def _fix_pc(path: str, text: str, relocation: Relocation) -> tuple[str, list[SysconfigCorrection]]:
    """``prefix=`` becomes relative to the file (``${pcfiledir}/../..``); other stale paths
    are rebased."""
    out, changes = [], []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        new = body
        key, sep, value = body.partition("=")
        if sep and key.strip() == "prefix" and _under(value.strip(), relocation):
            relative = os.path.relpath(relocation.prefix, os.path.dirname(path)).replace(
                os.sep, "/"
            )
            new = f"{key}=${{pcfiledir}}/{relative}"
            reason = "prefix made relative to the .pc file (relocatable)"
        else:
            for build, real in relocation.prefixes:
                new = rebase(new, build, real)
            reason = f"build prefix {relocation.build_prefix} does not exist here; rebased"
        if new != body:
            name = key.strip() if sep and ":" not in key else body.split(":", 1)[0].strip()
            changes.append(SysconfigCorrection(name, body, new, reason))
        out.append(new + line[len(body) :])
    return "".join(out), changes


def _under(value: str, relocation: Relocation) -> bool:
    return any(value == b or value.startswith(b.rstrip("/") + "/") for b, _ in relocation.prefixes)


def _check_writable(path: str) -> None:
    if os.path.islink(path):  # replacing it would cut the link
        raise Refused(path, "is a symlink; fix the install it points into; nothing was changed")
    folder = os.path.dirname(path)
    if not (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
        raise Refused(path, "is read-only here; nothing was changed")
