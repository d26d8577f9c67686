"""pyenv: every ``$PYENV_ROOT/versions/*``, and its shims resolved without running them.

A shim (``$PYENV_ROOT/shims/python3.12``) is a bash script that costs ~80 ms and fails with
exit 127 when the command is not in the selected versions. pyenv selects versions from
``PYENV_VERSION`` (colon-separated), else the nearest ``.python-version`` walking up from the
cwd, else ``$PYENV_ROOT/version``, else ``system``; the shim runs the command from the first
selected version that has it (``system``: the next one on PATH).
"""

import itertools
import os
from collections.abc import Iterator
from typing import Optional

from whichpython.files import SMALL, FileRefused, read_text
from whichpython.sources.base import (
    Candidate,
    Context,
    EnvironmentSource,
    Hints,
    InstallDirSource,
    Resolution,
    subdirs,
    venv_hints,
)
from whichpython.sources.pyvenv import directory_python

_SCAN_LIMIT = 1000  # entries read from one directory


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
        # Envs (pyenv-virtualenv's aliases, ``system``-made envs) after the versions: sorted
        # among them by the digits in their names, ``legacy27`` came before ``3.12.1``.
        found = sorted(super().candidates(ctx), key=lambda c: c.hints.venv is True)
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


class PyenvVirtualenvs(EnvironmentSource):
    """pyenv-virtualenv's envs (fixtures/environments/pyenv-virtualenv.json), in the order of
    ``pyenv virtualenvs``: every ``versions/<v>/envs/<name>`` (by its alias ``versions/<name>``
    when one points at it, the name pyenv users select and PET reports; else by the long path),
    then the envs made from ``system`` directly at ``versions/<name>`` and aliases to venvs
    elsewhere. Conda prefixes under ``versions/`` (the plugin's conda envs) are not listed
    here. Directories are read one level deep: the link ``versions/<name>/<name>`` that a
    ``system``-made env holds to itself is never followed."""

    name = "pyenv"

    def store(self, ctx: Context) -> Optional[str]:
        return os.path.join(Pyenv.root(ctx), "versions")

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        for path, problem in _virtualenvs(Pyenv.root(ctx)).values():
            yield self._candidate(path, ctx, problem)

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        """The envs the project's own ``.python-version`` names (``myenv`` or
        ``3.12.1/envs/myenv``), in its order: pyenv-virtualenv records no other link to a
        project."""
        words = _read_versions(os.path.join(project, ".python-version"), ctx) or []
        versions = os.path.join(Pyenv.root(ctx), "versions")
        named = [os.path.join(versions, word) for word in words if word != "system"]
        if not named:
            return
        envs = _virtualenvs(os.path.dirname(versions))
        done = set()
        for path in named:
            key = _key(path)
            if key in envs and key not in done:
                done.add(key)
                yield self._candidate(envs[key][0], ctx, envs[key][1], project)

    def _candidate(
        self, env: str, ctx: Context, problem: Optional[str], project: Optional[str] = None
    ) -> Candidate:
        python = directory_python(env, windows=ctx.windows)
        if python is None:
            python = os.path.join(env, "Scripts" if ctx.windows else "bin", "python")
            problem = problem or f"the env {env} has no interpreter"
        hints = venv_hints(python, ctx) or Hints(venv=True)
        return Candidate(python, self.name, hints, problem=problem, project=project)


def _virtualenvs(root: str) -> dict[str, tuple[str, Optional[str]]]:
    """pyenv-virtualenv's envs under ``root``: (the path to list it by, its problem) keyed by
    the real path of the env directory, in ``pyenv virtualenvs`` order."""
    versions = os.path.join(root, "versions")
    entries = _entries(versions)
    aliases: dict[str, str] = {}
    for name, is_link in entries:
        if is_link:
            aliases.setdefault(_key(os.path.join(versions, name)), os.path.join(versions, name))
    found: dict[str, tuple[str, Optional[str]]] = {}
    for name, is_link in entries:
        envs = os.path.join(versions, name, "envs")
        if is_link or not os.path.isdir(envs):
            continue
        for env_name, _ in _entries(envs):
            env = os.path.join(envs, env_name)
            key = _key(env)
            if _is_conda(env) or key in found or not os.path.isdir(env):
                continue
            found[key] = (aliases.get(key, env), None)
    for name, is_link in entries:
        entry = os.path.join(versions, name)
        key = _key(entry)
        if key in found or _is_conda(entry):
            continue
        if os.path.isfile(os.path.join(entry, "pyvenv.cfg")):
            found[key] = (entry, None)  # made from ``system``, or an alias to a venv elsewhere
        elif is_link and not os.path.exists(entry):
            target = _link_target(entry)
            if os.path.basename(os.path.dirname(target)) == "envs":
                found[key] = (entry, f"pyenv-virtualenv alias to {target}, which is gone")
    return found


def _entries(folder: str) -> list[tuple[str, bool]]:
    """(name, is a symlink) of the directories and symlinks in ``folder``, sorted by name;
    at most ``_SCAN_LIMIT`` entries are read."""
    try:
        with os.scandir(folder) as scan:
            found = [
                (e.name, e.is_symlink())
                for e in itertools.islice(scan, _SCAN_LIMIT)
                if not e.name.startswith(".") and (e.is_symlink() or e.is_dir())
            ]
    except OSError:
        return []
    return sorted(found)


def _key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _is_conda(prefix: str) -> bool:
    return os.path.isdir(os.path.join(prefix, "conda-meta"))


def _link_target(path: str) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        return ""
    return os.path.join(os.path.dirname(path), target)


def selected_versions(root: str, ctx: Context) -> tuple[list[str], str]:
    """The versions pyenv selects here, and what selected them. A version file that is not
    read (a FIFO, a device, over 64 KiB: noted in ``ctx.skipped``) is passed over, as pyenv
    passes over what is not a regular file."""
    explicit = ctx.environ.get("PYENV_VERSION")
    if explicit:
        return [v for v in explicit.split(":") if v], "PYENV_VERSION"
    for folder, _ in ctx.upward([".python-version"]):  # what another user planted: passed over
        local = os.path.join(folder, ".python-version")
        versions = _read_versions(local, ctx)
        if versions is not None:
            return versions, local
    global_file = os.path.join(root, "version")
    versions = _read_versions(global_file, ctx)
    if versions is not None:
        return versions or ["system"], global_file
    return ["system"], "default"


def _read_versions(path: str, ctx: Context) -> Optional[list[str]]:
    """The words of a version file; None when there is none that can be read (or, in a
    project found by walking up, one another user controls: :meth:`Context.distrusted`)."""
    if ctx.distrusted(path):
        return None
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


def named_version(word: str, ctx: Context) -> Optional[str]:
    """The install a version file's word names as pyenv reads it, when it is no version
    number: ``$PYENV_ROOT/versions/<word>`` (a pyenv-virtualenv env ``myenv`` or
    ``3.12.1/envs/myenv``, ``miniconda3-latest``, ``pypy3.10-7.3.17``); None when there is
    no such directory."""
    if not word or word in (".", "..") or os.path.isabs(word) or ".." in word.split("/"):
        return None
    folder = os.path.join(Pyenv.root(ctx), "versions", *word.split("/"))
    return folder if os.path.isdir(folder) else None


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
