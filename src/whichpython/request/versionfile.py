"""Version files that name the Python a project wants: ``.python-version``,
``.python-versions`` and asdf's ``.tool-versions`` (its ``python`` line)."""

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Optional

from whichpython.files import SMALL, FileRefused, read_text, walk_up

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

NAMES = (".python-version", ".python-versions", ".tool-versions")

#: Told of a file that is not read: ``skip(path, reason)`` (``Context.skip``).
Skip = Callable[[str, str], None]


@attrs.frozen
class VersionFile:
    """The nearest version file and the requests it lists, in order."""

    path: str
    requests: tuple[str, ...]


def find_version_file(
    cwd: str, *, skip: Optional[Skip] = None, environ: Optional[Mapping[str, str]] = None
) -> Optional[VersionFile]:
    """Walk up from ``cwd``; in each directory the first of :data:`NAMES` that names a
    version wins. Comments and blank lines are skipped; so is a file that is not a regular
    file or larger than 64 KiB, and one another user planted (``environ``'s trust settings:
    :func:`whichpython.files.walk_up`); ``skip`` is told why."""
    told = skip or _ignore
    for folder, names in walk_up(cwd, NAMES, os.environ if environ is None else environ, told):
        for name in names:
            path = os.path.join(folder, name)
            requests = _read(path, tool_versions=name == ".tool-versions", skip=skip)
            if requests:
                return VersionFile(path, tuple(requests))
    return None


def _ignore(path: str, reason: str) -> None:
    """A ``skip`` that is told nothing."""


def read_lines(path: str, *, skip: Optional[Skip] = None) -> list[str]:
    """The lines of a small text file without comments (``#``) and surrounding blanks; empty
    when it is missing or unreadable. A FIFO, a device, a socket or a file over 64 KiB is not
    read: ``skip`` is told why."""
    try:
        text = read_text(path, SMALL)
    except FileRefused as refused:
        if skip is not None:
            skip(path, refused.reason)
        return []
    except OSError:
        return []
    return [line.split("#", 1)[0].strip() for line in text.splitlines()]


def _read(path: str, *, tool_versions: bool, skip: Optional[Skip]) -> list[str]:
    lines = read_lines(path, skip=skip)
    if not tool_versions:
        return [line for line in lines if line]
    for line in lines:
        words = line.split()
        if words and words[0] == "python":
            return words[1:]
    return []
