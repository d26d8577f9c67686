"""pipenv: envs in its WORKON_HOME (``$WORKON_HOME``, else ``${XDG_DATA_HOME:-~/.local/share}/
virtualenvs``, ``~/.virtualenvs`` on Windows) named ``<dir name>-<hash8>``, each with a
``.project`` file naming its project; or the project's ``.venv``
(fixtures/environments/pipenv.json, read from pipenv 2026.10.3's sources).
"""

import os
import re
from collections.abc import Iterator
from typing import Optional

from whichpython.envplaces import pipenv_hash, pipenv_workon_default
from whichpython.sources.base import Candidate, Context, EnvironmentSource
from whichpython.sources.layout import (
    child_dirs,
    env_candidate,
    expand,
    has_hooks,
    lookup,
    project_file,
    read_small,
    read_toml,
    same_path,
)

_UNSAFE = re.compile(r'[ &$`!*@"()\[\]\\\r\n\t]')
_FALSE, _TRUE = ("0", "false", "no", "off"), ("1", "true", "yes", "on")


def env_name(project: str, pipfile: Optional[str] = None) -> str:
    """pipenv's name for a project's env: the project directory's name (case kept), shell-unsafe
    characters as ``_``, cut to 42; ``-``; the first 6 bytes of the SHA-256 of the Pipfile's
    absolute path (symlinks kept: ``pipfile``, as ``PIPENV_PIPFILE`` gives it, else the one in
    ``project``), urlsafe base64 (8 characters)."""
    pipfile = os.path.abspath(pipfile or os.path.join(project, "Pipfile"))
    safe = _UNSAFE.sub("_", os.path.basename(os.path.dirname(pipfile)))[:42]
    return f"{safe}-{pipenv_hash(pipfile)}"


def workon_home(ctx: Context) -> str:
    """pipenv's WORKON_HOME (its own default, not virtualenvwrapper's)."""
    value = ctx.environ.get("WORKON_HOME") or pipenv_workon_default(ctx.environ, ctx.windows)
    return os.path.join(ctx.cwd, expand(value, ctx))


def named_pipfile(ctx: Context) -> Optional[str]:
    """``$PIPENV_PIPFILE`` (relative to the working directory), the Pipfile pipenv uses
    wherever it runs; None when unset or not a file (pipenv stops there)."""
    value = ctx.environ.get("PIPENV_PIPFILE", "")
    if not value or value.lower() in _TRUE + _FALSE:
        return None
    path = os.path.abspath(os.path.join(ctx.cwd, expand(value, ctx)))
    return path if os.path.isfile(path) else None


def _suffix(ctx: Context) -> str:
    """What ``PIPENV_PYTHON`` adds to the env's name: ``-<value>``, ``-<its file name>`` for
    an absolute path."""
    value = ctx.environ.get("PIPENV_PYTHON", "")
    if not value or value.lower() in _TRUE + _FALSE:  # pipenv reads these as booleans
        return ""
    if ctx.windows:
        import ntpath  # here: Windows paths only

        absolute = ntpath.isabs(value)
    else:
        absolute = os.path.isabs(value)
    name = re.split(r"[\\/]" if ctx.windows else "/", value)[-1]
    return "-" + (name if absolute else value)


def _default_name(project: str, ctx: Context) -> str:
    """The env's name pipenv gives the project: :func:`env_name` of the Pipfile
    ``PIPENV_PIPFILE`` names when it is the project's, then ``PIPENV_PYTHON``'s suffix."""
    pipfile = named_pipfile(ctx)
    if pipfile is not None and not same_path(os.path.dirname(pipfile), project):
        pipfile = None  # another project's: this one is asked about as it is
    return env_name(project, pipfile) + _suffix(ctx)


def max_depth(ctx: Context) -> int:
    """How many directories, the working directory first, pipenv looks in for a Pipfile:
    ``$PIPENV_MAX_DEPTH`` (default 10), 1 with ``PIPENV_NO_INHERIT``."""
    inherit = ctx.environ.get("PIPENV_NO_INHERIT", "")
    if inherit and inherit.lower() not in _FALSE:
        return 1
    value = ctx.environ.get("PIPENV_MAX_DEPTH", "").lower()
    value = {"true": "1", "yes": "1", "on": "1", "false": "0", "no": "0", "off": "0"}.get(
        value, value
    )
    return int(value) if value.isdigit() else 10


def _within(project: str, ctx: Context) -> bool:
    """Whether pipenv, looking from the working directory up (:func:`max_depth`), reaches
    ``project`` (the real directories are compared: pipenv starts from the real one)."""
    up = os.path.relpath(os.path.realpath(ctx.cwd), os.path.realpath(project))
    levels = 0 if up == "." else len(up.split(os.sep))
    return not up.startswith("..") and levels < max_depth(ctx)


def _flag(ctx: Context) -> Optional[bool]:
    """``PIPENV_VENV_IN_PROJECT`` (or ``PIPENV_NO_VENV_IN_PROJECT``) as pipenv reads it."""
    for variable, negate in (
        ("PIPENV_VENV_IN_PROJECT", False),
        ("PIPENV_NO_VENV_IN_PROJECT", True),
    ):
        if variable in ctx.environ:
            value = ctx.environ[variable].lower()
            if value in _TRUE + _FALSE:
                return (value in _TRUE) != negate
            return None
    return None


def _looks_like_dir(text: str, windows: bool) -> bool:
    """pipenv's ``looks_like_dir``: a trailing separator, or more than one part (pathlib's
    ``parts``: a root or drive counts as one, ``.`` parts do not)."""
    separators = "\\/" if windows else "/"
    if text.endswith(tuple(separators)):
        return True
    parts = [p for p in re.split(f"[{re.escape(separators)}]", text) if p not in ("", ".")]
    rooted = text.startswith(tuple(separators)) or bool(windows and re.match(r"[A-Za-z]:", text))
    return len(parts) + rooted > 1


class PipenvEnvs(EnvironmentSource):
    """pipenv's envs in its WORKON_HOME: the ones with a ``.project`` file and without
    virtualenvwrapper's hook scripts (virtualenvwrapper shares ``$WORKON_HOME``)."""

    name = "pipenv"
    markers = frozenset({"Pipfile"})

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        root = workon_home(ctx)
        for name in child_dirs(root, hidden=True):
            env = os.path.join(root, name)
            path = os.path.join(env, ".project")
            if not os.path.lexists(path) or has_hooks(env, ctx):
                continue
            project = project_file(path, ctx)
            if not os.path.isfile(path):  # a FIFO or a device named .project: not pipenv's
                continue
            found = env_candidate(env, self.name, ctx, project)
            if found is not None:
                yield found

    def named_project(self, ctx: Context) -> Optional[str]:
        """The directory of ``$PIPENV_PIPFILE``, pipenv's project wherever it runs (its real
        path, as every project is reported; the env's name still hashes the path as given)."""
        pipfile = named_pipfile(ctx)
        return None if pipfile is None else os.path.realpath(os.path.dirname(pipfile))

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        """Nothing without a Pipfile, nor for one found by walking up further than pipenv
        looks (:func:`max_depth`). First the env pipenv would use, found as pipenv finds
        it; then the others it made for the project (their ``.project`` names it: an env made
        under another ``PIPENV_CUSTOM_VENV_NAME``, an in-project ``.venv``)."""
        if not os.path.isfile(os.path.join(project, "Pipfile")):
            return
        if ctx.walked is not None and not named_pipfile(ctx) and not _within(project, ctx):
            return  # found by walking up further than pipenv looks
        seen: list[str] = []
        chosen = self._location(project, ctx)
        found = None if chosen is None else env_candidate(chosen, self.name, ctx, project)
        if found is not None and chosen is not None:
            seen.append(chosen)
            yield found
        root = workon_home(ctx)
        places = [os.path.join(root, name) for name in child_dirs(root, hidden=True)]
        for env in [*places, os.path.join(project, ".venv")]:
            path = os.path.join(env, ".project")
            if any(same_path(env, other) for other in seen) or not os.path.lexists(path):
                continue
            named = project_file(path, ctx)
            if named is not None and same_path(named, project) and not has_hooks(env, ctx):
                found = env_candidate(env, self.name, ctx, project)
                if found is not None:
                    seen.append(env)
                    yield found

    def _location(self, project: str, ctx: Context) -> Optional[str]:
        """pipenv's ``get_location``: the env it uses for the project (VIRTUAL_ENV aside)."""
        root = workon_home(ctx)
        name = ctx.environ.get("PIPENV_CUSTOM_VENV_NAME") or _default_name(project, ctx)
        dot_venv = os.path.join(project, ".venv")
        if os.path.lexists(dot_venv) and not os.path.isdir(dot_venv):  # a file naming the env
            text = read_small(dot_venv, ctx)
            if text is None:
                return None
            text = text.strip()
            if not text:
                return os.path.join(root, name)
            if _looks_like_dir(text, ctx.windows):  # relative to the project
                return os.path.normpath(os.path.join(project, text))
            return os.path.join(root, text)
        setting = _flag(ctx)
        if setting is None:
            pipfile = read_toml(os.path.join(project, "Pipfile"), ctx)
            configured = lookup(pipfile, "pipenv", "venv_in_project")
            setting = None if configured is None else bool(configured)
        if setting is False or (setting is None and not os.path.isdir(dot_venv)):
            return os.path.join(root, name)
        if setting is None and os.path.isdir(os.path.join(root, name)):
            return os.path.join(root, name)  # an env made before the .venv: pipenv keeps it
        return dot_venv
