"""Version files that name the Python a project wants: ``.python-version``,
``.python-versions`` and asdf's ``.tool-versions`` (its ``python`` line)."""

import os
from typing import Optional

import attrs

NAMES = (".python-version", ".python-versions", ".tool-versions")


@attrs.frozen
class VersionFile:
    """The nearest version file and the requests it lists, in order."""

    path: str
    requests: tuple[str, ...]


def find_version_file(cwd: str) -> Optional[VersionFile]:
    """Walk up from ``cwd``; in each directory the first of :data:`NAMES` that names a
    version wins. Comments and blank lines are skipped."""
    folder = os.path.abspath(cwd)
    while True:
        for name in NAMES:
            path = os.path.join(folder, name)
            requests = _read(path, tool_versions=name == ".tool-versions")
            if requests:
                return VersionFile(path, tuple(requests))
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _read(path: str, *, tool_versions: bool) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = [line.split("#", 1)[0].strip() for line in handle]
    except OSError:
        return []
    if not tool_versions:
        return [line for line in lines if line]
    for line in lines:
        words = line.split()
        if words and words[0] == "python":
            return words[1:]
    return []
