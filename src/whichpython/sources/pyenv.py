"""pyenv: every ``$PYENV_ROOT/versions/*``, and its shims resolved without running them.

A shim (``$PYENV_ROOT/shims/python3.12``) is a bash script that costs ~80 ms and fails with
exit 127 when the command is not in the selected versions. pyenv selects versions from
``PYENV_VERSION`` (colon-separated), else the nearest ``.python-version`` walking up from the
cwd, else ``$PYENV_ROOT/version``, else ``system``; the shim runs the command from the first
selected version that has it (``system``: the next one on PATH).
"""

import os
from collections.abc import Iterator
from typing import Optional

from whichpython.files import SMALL, FileRefused, read_text
from whichpython.sources.base import Candidate, Context, InstallDirSource, Resolution, subdirs


class Pyenv(InstallDirSource):
    """pyenv versions (pyenv-virtualenv envs included: they are venvs) and pyenv-win's."""

    name = "pyenv"

    @staticmethod
    def root(ctx: Context) -> str:
        """``$PYENV_ROOT``, else ``~/.pyenv``."""
        return ctx.environ.get("PYENV_ROOT") or os.path.join(ctx.home, ".pyenv")

    def roots(self, ctx: Context) -> list[str]:
        root = self.root(ctx)
        return [os.path.join(root, "versions"), os.path.join(root, "pyenv-win", "versions")]

    def include(self, entry: str) -> bool:
        return True  # pyenv-virtualenv's named envs are links into versions/*/envs

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        """The selected versions first (what ``python`` runs here), then the rest, newest first."""
        root = self.root(ctx)
        chosen = [version_dir(root, v) for v in selected_versions(root, ctx)[0] if v != "system"]
        found = list(super().candidates(ctx))
        first = [c for d in chosen if d for c in found if c.path.startswith(d + os.sep)]
        yield from first + [c for c in found if c not in first]

    def resolve(self, path: str, ctx: Context) -> Optional[Resolution]:
        if os.path.basename(os.path.dirname(path)) != "shims":
            return None  # asked of every candidate: the cheap test first
        root = self.root(ctx)
        shims = os.path.join(root, "shims")
        if os.path.dirname(os.path.abspath(path)) != os.path.abspath(shims):
            return None
        command = os.path.basename(path)
        versions, origin = selected_versions(root, ctx)
        for version in versions:
            if version == "system":
                rest = os.pathsep.join(
                    d for d in ctx.environ.get("PATH", "").split(os.pathsep)
                    if d and os.path.abspath(d) != os.path.abspath(shims)
                )  # fmt: skip
                import shutil  # pyenv's "system" only

                target = shutil.which(command, path=rest)
            else:
                prefix = version_dir(root, version)
                target = os.path.join(prefix, "bin", command) if prefix else None
            if target and os.path.isfile(target):
                return Resolution((target,), f"pyenv shim for {version} (selected by {origin})")
        return Resolution(
            (),
            f"pyenv shim: {command} is not in the selected versions "
            f"({', '.join(versions)}, selected by {origin})",
        )


def selected_versions(root: str, ctx: Context) -> tuple[list[str], str]:
    """The versions pyenv selects here, and what selected them. A version file that is not
    read (a FIFO, a device, over 64 KiB: noted in ``ctx.skipped``) is passed over, as pyenv
    passes over what is not a regular file."""
    explicit = ctx.environ.get("PYENV_VERSION")
    if explicit:
        return [v for v in explicit.split(":") if v], "PYENV_VERSION"
    folder = os.path.abspath(ctx.cwd)
    while True:
        local = os.path.join(folder, ".python-version")
        versions = _read_versions(local, ctx)
        if versions is not None:
            return versions, local
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    global_file = os.path.join(root, "version")
    versions = _read_versions(global_file, ctx)
    if versions is not None:
        return versions or ["system"], global_file
    return ["system"], "default"


def _read_versions(path: str, ctx: Context) -> Optional[list[str]]:
    """The words of a version file; None when there is none that can be read."""
    try:
        text = read_text(path, SMALL)
    except FileRefused as refused:
        ctx.skip(path, refused.reason)
        return None
    except PermissionError:  # there, but unreadable: pyenv stops here too
        return []
    except OSError:  # missing, a dangling link or a loop
        return None
    return [word for line in text.splitlines() for word in line.split("#", 1)[0].split()]


def version_dir(root: str, version: str) -> Optional[str]:
    """``versions/<version>``; a prefix such as ``3.12`` picks the newest installed 3.12.x."""
    versions = os.path.join(root, "versions")
    exact = os.path.join(versions, version)
    if os.path.isdir(exact):
        return exact
    for name in subdirs(versions):  # newest first
        if name.startswith(version + "."):
            return os.path.join(versions, name)
    return None
