"""Static reading of PEP 405 ``pyvenv.cfg`` files (no process needed)."""

import os
from typing import Optional

from whichpython.files import SMALL, read_text
from whichpython.memo import remember


def find_pyvenv_cfg(executable: str) -> Optional[str]:
    """The pyvenv.cfg next to ``executable`` or one directory up (PEP 405), if any.

    The path is taken as given, not resolved: a venv's ``bin/python`` is usually a
    symlink out of the venv, and the venv is where the link is. Anything but a directory
    counts, as it does for the interpreter's own start-up: a FIFO or a device there is a
    pyvenv.cfg that cannot be read (:func:`read_pyvenv_cfg` refuses it).
    """
    here = os.path.dirname(os.path.abspath(executable))
    for folder in (here, os.path.dirname(here)):
        candidate = remember("pyvenv.cfg", folder, _cfg_in)
        if candidate is not None:
            return candidate
    return None


def _cfg_in(folder: str) -> Optional[str]:
    candidate = os.path.join(folder, "pyvenv.cfg")
    return candidate if os.path.exists(candidate) and not os.path.isdir(candidate) else None


def directory_python(folder: str, *, windows: bool = False) -> Optional[str]:
    """The interpreter of a venv or prefix directory: ``bin/python3``, ``bin/python``
    (``Scripts\\python.exe``, ``python.exe`` on Windows); a broken link counts, so that the
    caller can say what is wrong with it."""
    names = ("Scripts/python.exe", "python.exe") if windows else ("bin/python3", "bin/python")
    for name in names:
        path = os.path.join(folder, *name.split("/"))
        if os.path.lexists(path):
            return path
    return None


def read_pyvenv_cfg(path: str) -> dict[str, str]:
    """Parse ``key = value`` lines (split at the first ``=``; keys lower-cased). Raises
    :class:`~whichpython.files.FileRefused` for anything but a regular file of at most
    64 KiB, or the ``OSError`` of an unreadable one."""
    values: dict[str, str] = {}
    for line in read_text(path, SMALL).splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            values[key.strip().lower()] = value.strip()
    return values
