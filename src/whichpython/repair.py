"""``fix-sysconfig``: rewrite a relocated install's ``_sysconfigdata*.py`` and ``.pc`` files in
place so that every tool (pip, setuptools, pkg-config, PyO3) sees the real paths.

The corrections are those :mod:`whichpython.fixes` reports; this module only writes them,
atomically, keeping a backup of each file's first version (docs/relocated-sysconfig.md).
"""

import ast
import contextlib
import os
import pprint
import shutil
import tempfile
from collections.abc import Mapping
from typing import Any, Optional, Union

import attrs

from whichpython.errors import Refused
from whichpython.files import CONFIG, SOURCE, FileRefused, read_bytes
from whichpython.fixes import (
    FIXED_MARKER,
    Relocation,
    correct_sysconfig,
    find_relocation,
    rebase,
)
from whichpython.models import Interpreter, SysconfigCorrection

BACKUP_SUFFIX = ".whichpython-backup"


@attrs.frozen
class FileRepair:
    """One file rewritten (or to be, with ``--dry-run``) and what changes in it."""

    path: str
    backup: Optional[str]
    changes: list[SysconfigCorrection]


@attrs.frozen
class SysconfigRepair:
    """What ``fix-sysconfig`` did to one install; ``files`` is empty when nothing was stale."""

    interpreter: str
    build_prefix: Optional[str]
    prefix: str
    files: list[FileRepair]
    dry_run: bool


def fix_sysconfig(
    path: Union[str, "os.PathLike[str]"],
    *,
    dry_run: bool = False,
    timeout: Optional[float] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> SysconfigRepair:
    """Rewrite the sysconfig data and pkg-config files of the relocated install at ``path``.

    Idempotent: a fixed install is marked (``WHICHPYTHON_RELOCATED_FROM``) and a second run
    changes nothing. Raises :class:`~whichpython.errors.Refused` for a venv, an install that
    is not relocated, or files that cannot be written; nothing is changed then.
    """
    from whichpython.inspection import inspect_interpreter

    path = os.fspath(path)
    found = inspect_interpreter(path, timeout=timeout, environ=environ)
    data_file = _data_file(path, found)
    source = _read(data_file, SOURCE)
    values, segment = _build_time_vars(data_file, source)
    base, base_exec = found.prefixes.base_prefix, found.prefixes.base_exec_prefix
    relocation = find_relocation(values, base, base_exec)
    if relocation is None:
        marker = values.get(FIXED_MARKER)
        if marker is None:
            raise Refused(
                path,
                f"not relocated: its sysconfig prefix {values.get('prefix')} exists, "
                "so there is nothing to fix",
            )
        return SysconfigRepair(path, str(marker), base, [], dry_run)
    corrected, changes = correct_sysconfig(values, relocation)
    corrected[FIXED_MARKER] = relocation.build_prefix
    plans = [(data_file, _replace_segment(source, segment, corrected), changes)]
    for pc_file in _pc_files(base, corrected):
        text = _read(pc_file, CONFIG)
        new_text, pc_changes = _fix_pc(pc_file, text, relocation)
        if pc_changes:
            plans.append((pc_file, new_text, pc_changes))
    if not dry_run:
        for file, _text, _changes in plans:
            _check_writable(file)
    repairs = []
    for file, text, file_changes in plans:
        backup = None if dry_run else _write(file, text)
        repairs.append(FileRepair(file, backup, file_changes))
    return SysconfigRepair(path, relocation.build_prefix, base, repairs, dry_run)


def _data_file(path: str, found: Interpreter) -> str:
    if found.is_venv:
        base = found.base_executable or (found.venv.home if found.venv else None)
        raise Refused(path, f"is a venv; fix its base interpreter instead ({base})")
    data_file = found.sysconfig_file
    if not data_file or not os.path.exists(data_file):
        raise Refused(path, "has no _sysconfigdata file (its sysconfig is computed at run time)")
    return data_file


def _read(path: str, limit: int) -> str:
    """A regular file of at most ``limit`` bytes, as UTF-8; else :class:`Refused`."""
    try:
        return read_bytes(path, limit).decode("utf-8")
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


def _pc_files(base_prefix: str, config: Mapping[str, Any]) -> list[str]:
    folders = [os.path.join(base_prefix, "lib", "pkgconfig")]
    libpc = config.get("LIBPC")
    if isinstance(libpc, str) and libpc:
        folders.append(libpc)
    found = []
    for folder in dict.fromkeys(os.path.realpath(f) for f in folders):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        found += [os.path.join(folder, n) for n in names if n.endswith(".pc")]
    return found


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
    folder = os.path.dirname(path)
    if not (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
        raise Refused(path, "is read-only here; nothing was changed")


def _write(path: str, text: str) -> str:
    """Atomically replace ``path``; the first version is kept as ``<path>.whichpython-backup``."""
    backup = path + BACKUP_SUFFIX
    folder = os.path.dirname(path)
    fresh = None
    try:
        if not os.path.exists(backup):
            shutil.copy2(path, backup)
        descriptor, fresh = tempfile.mkstemp(dir=folder, prefix=".whichpython-")
        with open(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        shutil.copymode(path, fresh)
        os.replace(fresh, path)
    except OSError as exc:
        if fresh is not None and os.path.exists(fresh):
            os.remove(fresh)
        raise Refused(path, f"could not be rewritten ({exc.strerror or exc})") from None
    _drop_bytecode(path)
    return backup


def _drop_bytecode(path: str) -> None:
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
