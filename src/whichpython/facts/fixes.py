"""Facts others get wrong: sysconfig of relocated installs, and a venv's ``home``.

* A relocated install (python-build-standalone's ``/install``, any copied or moved build)
  still reports its build prefix in ``sysconfig``; :func:`correct_sysconfig` rebases those
  values onto the real prefix and swaps build-box compilers for local ones
  (docs/relocated-sysconfig.md).
* :func:`getpath_home` finds the directory a new venv's ``home`` must name the way CPython's
  getpath does: follow the symlink chain until the stdlib landmark appears (docs/venv-home.md).
"""

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Callable, Optional

from whichpython import memo
from whichpython.model.models import ConfigValue, SysconfigCorrection

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

#: Build-box tool vars and the local tool each falls back to.
COMPILER_VARS = {
    "CC": "cc",
    "LDSHARED": "cc",
    "BLDSHARED": "cc",
    "LINKCC": "cc",
    "CXX": "c++",
    "LDCXXSHARED": "c++",
    "AR": "ar",
}
#: The var ``fix-sysconfig`` adds to mark a rewritten install (value: the old build prefix).
FIXED_MARKER = "WHICHPYTHON_RELOCATED_FROM"

_ISYSROOT = re.compile(r"\s*-isysroot\s+(\S+)")


@attrs.frozen
class Relocation:
    """Where an install was built and where it really is.

    ``prefixes`` pairs each stale build prefix with its real one, longest first, so that an
    exec prefix nested in the prefix is rebased before the prefix around it.
    """

    build_prefix: str
    prefix: str
    prefixes: tuple[tuple[str, str], ...]


def find_relocation(
    config: Mapping[str, ConfigValue], base_prefix: str, base_exec_prefix: str
) -> Optional[Relocation]:
    """A :class:`Relocation` when the config's ``prefix`` names a directory that does not exist
    here while the interpreter's real base prefix does; else None (not relocated)."""
    build = config.get("prefix")
    if not isinstance(build, str) or not _usable_prefix(build):
        return None
    if memo.exists(build) or not memo.isdir(base_prefix):
        return None
    pairs = {build: base_prefix}
    build_exec = config.get("exec_prefix")
    if isinstance(build_exec, str) and _usable_prefix(build_exec) and not memo.exists(build_exec):
        pairs.setdefault(build_exec, base_exec_prefix)
    ordered = sorted(pairs.items(), key=lambda item: len(item[0]), reverse=True)
    return Relocation(build, base_prefix, tuple(ordered))


def _usable_prefix(path: str) -> bool:
    return os.path.isabs(path) and path.rstrip("/\\") not in ("", "/")


def correct_sysconfig(
    config: Mapping[str, ConfigValue],
    relocation: Optional[Relocation],
    *,
    which: Optional[Callable[[str], Optional[str]]] = None,
) -> tuple[dict[str, ConfigValue], list[SysconfigCorrection]]:
    """The corrected config vars and one :class:`SysconfigCorrection` per changed var.

    Nothing changes unless the install is relocated (``relocation`` is not None).
    """
    corrected = dict(config)
    if relocation is None:
        return corrected, []
    memo.unwatched()  # compilers looked up on PATH, -isysroot dirs: not watched
    changes = []
    for var, value in config.items():
        if not isinstance(value, str):
            continue
        new, reasons = correct_value(var, value, relocation, which=which)
        if new != value:
            corrected[var] = new
            changes.append(SysconfigCorrection(var, value, new, "; ".join(reasons)))
    return corrected, changes


def correct_value(
    var: str,
    value: str,
    relocation: Relocation,
    *,
    which: Optional[Callable[[str], Optional[str]]] = None,
) -> tuple[str, list[str]]:
    """One value rebased, its build-box compiler replaced, a missing ``-isysroot`` dropped;
    with the reasons for each change."""
    reasons = []
    new = value
    for build, real in relocation.prefixes:
        rebased = rebase(new, build, real)
        if rebased != new:
            reasons.append(f"build prefix {build} does not exist here; rebased onto {real}")
            new = rebased
    local = COMPILER_VARS.get(var)
    words = value.split(None, 1)
    if local is not None and words and not _tool_exists(words[0], which):
        rest = new.split(None, 1)[1:]
        new = " ".join([local, *rest])
        reasons.append(f"build-box tool {words[0]} is not on this machine; using {local}")
    for match in list(_ISYSROOT.finditer(new)):
        if not os.path.exists(match.group(1)):
            new = new.replace(match.group(0), "", 1)
            reasons.append(f"-isysroot {match.group(1)} does not exist here; dropped")
    return new, reasons


def rebase(value: str, build: str, real: str) -> str:
    """Replace ``build`` where it starts a path in ``value`` (alone, after a separator, or
    after ``-L``/``-I``/``-R``/``-B``), and only as a whole path component."""
    pattern = (
        r"(?:^|(?<=[\s=,:;'\"(])|(?<=-[LIRB]))"
        + re.escape(build.rstrip("/\\"))
        + r"(?=$|[/\\\s:;,'\")])"
    )
    return re.sub(pattern, lambda _match: real, value)


def _tool_exists(word: str, which: Optional[Callable[[str], Optional[str]]]) -> bool:
    if os.path.isabs(word):
        return os.path.isfile(word) and os.access(word, os.X_OK)
    if which is None:
        import shutil  # with bz2 and lzma: only for a relocated install's compiler

        which = shutil.which
    return which(word) is not None


def getpath_home(executable: str, stdlib_subdir: str) -> Optional[tuple[str, str]]:
    """``(home, executable_in_home)`` for ``executable``, found like CPython's getpath: follow
    the symlink chain one link at a time and stop at the first directory ``d`` where
    ``<d or its parent>/<stdlib_subdir>/os.py`` (or the zipped stdlib) exists.

    ``stdlib_subdir`` is the stdlib relative to the prefix (``lib/python3.12``, ``Lib``).
    None when no step of the chain has the landmark.
    """
    current = os.path.abspath(executable)
    zipped = _zip_landmark(stdlib_subdir)
    for _ in range(64):  # a link loop ends here
        folder = os.path.dirname(current)
        for root in (os.path.dirname(folder), folder):
            stdlib = os.path.join(root, stdlib_subdir)
            if memo.isfile(os.path.join(stdlib, "os.py")) or (
                zipped and memo.isfile(os.path.join(root, zipped))
            ):
                return folder, current
        try:
            target = memo.readlink(current)
        except OSError:
            return None
        current = os.path.normpath(os.path.join(folder, target))
    return None


def _zip_landmark(stdlib_subdir: str) -> Optional[str]:
    """``lib/python3.12`` -> ``lib/python312.zip`` (CPython's zipped stdlib)."""
    head, name = os.path.split(stdlib_subdir.replace("\\", "/"))
    match = re.fullmatch(r"python(\d)\.(\d+)t?", name)
    return f"{head}/python{match.group(1)}{match.group(2)}.zip" if match else None


def stdlib_subdir(stdlib: Optional[str], base_prefix: str, version: tuple[int, int]) -> str:
    """The stdlib dir relative to the base prefix; ``lib/pythonX.Y`` when unknown."""
    if stdlib:
        relative = os.path.relpath(stdlib, base_prefix)
        if not relative.startswith(".."):
            return relative
    return f"lib/python{version[0]}.{version[1]}"
