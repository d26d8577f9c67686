"""The cache dir whichpython's caches share (the probe cache, stored listings, recorded CLI
answers): where it is, whether caching is off, and the check that a directory in it is this
user's alone (docs/cache.md, docs/security.md). A floor module: imported on the CLI's fast
path, it imports no layer of whichpython, nor ``typing``."""

import os
import stat
import sys

from whichpython.files import FileRefused, kind_of, own_uid, refuse_shared, warn_once
from whichpython.signatures import UNWATCHED_LSTAT, UNWATCHED_STAT

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from collections.abc import Mapping

# Set by the shell on every prompt or cd; no source reads them (the cwd is keyed on its own).
SHELL_NOISE = frozenset({"_", "OLDPWD", "PWD", "SHLVL", "COLUMNS", "LINES"})


def cache_root(environ: "Mapping[str, str]") -> "str | None":
    """whichpython's cache dir: ``$WHICHPYTHON_CACHE_DIR``, else ``whichpython`` in the user
    cache dir (as platformdirs gives it, worked out without importing platformdirs, whose
    import costs more than a warm answer; Windows asks platformdirs); None when caching is off."""
    if caching_off(environ):
        return None
    explicit = environ.get("WHICHPYTHON_CACHE_DIR")
    if explicit:
        return explicit
    if sys.platform == "win32":
        import platformdirs

        return platformdirs.user_cache_dir("whichpython", appauthor=False)
    if sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        xdg = environ.get("XDG_CACHE_HOME", "").strip()
        base = xdg if os.path.isabs(xdg) else os.path.expanduser("~/.cache")
    return os.path.join(base, "whichpython")


def trusted_dir(root: str, name: str, what: str, *, create: bool = False) -> "str | None":
    """``root/name`` when both the cache dir ``root`` and it are directories of this user that
    nobody else may write (created 0700 if ``create``; ``root`` may be a link of this user's
    to such a directory); None when missing, or refused: then ``not using <what>: <why>`` is
    warned once. Checked on every read, so not a witness of a recorded answer."""
    folder = os.path.join(root, name)
    try:
        for directory in (root, folder) if create else ():  # (mode: of the last part only)
            try:  # noqa: SIM105 (contextlib is not imported on the CLI's fast path)
                os.makedirs(directory, mode=0o700, exist_ok=True)
            except FileExistsError:  # a file or a dangling link: said below
                pass
        _private(root, link=True)
        _private(folder, link=False)
        return folder
    except FileRefused as refused:
        warn_once(f"not using {'the cache' if refused.path == root else what}: {refused}")
    except OSError:
        pass
    return None


def _private(path: str, *, link: bool) -> None:
    """Raise :class:`FileRefused` unless ``path`` is a directory of this user that nobody else
    may write (with ``link``, or a link of this user's to one)."""
    info = UNWATCHED_LSTAT(path)
    if link and stat.S_ISLNK(info.st_mode):
        if own_uid() not in (None, info.st_uid):
            raise FileRefused(path, f"is a symlink of another user (uid {info.st_uid})")
        info = UNWATCHED_STAT(path)
    if not stat.S_ISDIR(info.st_mode):
        raise FileRefused(path, f"is {kind_of(info.st_mode)}, not a directory")
    refuse_shared(path, info)


def caching_off(environ: "Mapping[str, str]") -> bool:
    """True when ``WHICHPYTHON_NO_CACHE`` is set to anything but ``0``/``false``/``no``/``off``
    (the probe cache and recorded answers alike)."""
    value = environ.get("WHICHPYTHON_NO_CACHE", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")
