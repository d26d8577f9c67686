"""conda, mamba and pixi prefixes: the active one (``CONDA_PREFIX``) and every known env.

A prefix is recognised by its ``conda-meta`` directory, whose ``python-3.x.y-*.json`` record
gives the version without running anything.
"""

import os
import re
from collections.abc import Iterator

from whichpython.files import CONFIG, FileRefused, read_text
from whichpython.sources.base import (
    Candidate,
    Context,
    EnvironmentSource,
    Hints,
    Source,
    prefix_executable,
    subdirs,
)
from whichpython.sources.layout import child_dirs, child_files, prefix_hints
from whichpython.sources.pyvenv import directory_python

_ROOTS = ("miniconda3", "miniforge3", "anaconda3", "mambaforge", "micromamba", "miniconda")


def _candidate(prefix: str, source: str, ctx: Context) -> Iterator[Candidate]:
    if not os.path.isdir(os.path.join(prefix, "conda-meta")):
        return
    hints = prefix_hints(prefix)
    python = prefix_executable(prefix, ctx, hints)
    if python is not None:
        yield Candidate(python, source, hints)


def install_roots(ctx: Context) -> list[str]:
    """Where base installs are looked for: ``CONDA_EXE``'s, ``MAMBA_ROOT_PREFIX``,
    ``~/miniconda3``, ``~/miniforge3``, ..., ``/opt/conda``, ``/opt/miniconda3``."""
    roots = []
    exe = ctx.environ.get("CONDA_EXE")
    if exe:
        roots.append(os.path.dirname(os.path.dirname(exe)))
    if ctx.environ.get("MAMBA_ROOT_PREFIX"):
        roots.append(ctx.environ["MAMBA_ROOT_PREFIX"])
    roots += [os.path.join(ctx.home, name) for name in _ROOTS]
    roots += [ctx.system_path("/opt/conda"), ctx.system_path("/opt/miniconda3")]
    return roots


class ActiveConda(Source):
    """The activated conda env, from ``CONDA_PREFIX``."""

    name = "active-conda"
    kind = "active"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        prefix = ctx.environ.get("CONDA_PREFIX")
        if prefix:
            yield from _candidate(prefix, self.name, ctx)


class Conda(Source):
    """Base installs (``CONDA_EXE``'s, ``MAMBA_ROOT_PREFIX``, ``~/miniconda3``, ``~/miniforge3``,
    ..., ``/opt/conda``), their ``envs/``, ``~/.conda/envs`` and ``~/.conda/environments.txt``
    (a regular file of at most 1 MiB: anything else is noted in ``ctx.skipped``)."""

    name = "conda"
    kind = "managed"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        for prefix in self._prefixes(ctx):
            yield from _candidate(prefix, self.name, ctx)

    def _prefixes(self, ctx: Context) -> list[str]:
        prefixes: list[str] = []
        for root in install_roots(ctx):
            prefixes.append(root)
            prefixes += [
                os.path.join(root, "envs", name) for name in subdirs(os.path.join(root, "envs"))
            ]
        user = os.path.join(ctx.home, ".conda")
        prefixes += [
            os.path.join(user, "envs", name) for name in subdirs(os.path.join(user, "envs"))
        ]
        listing = os.path.join(user, "environments.txt")
        try:
            prefixes += [line.strip() for line in read_text(listing, CONFIG).splitlines()]
        except FileRefused as refused:
            ctx.skip(listing, refused.reason)
        except OSError:
            pass
        unique: dict[str, str] = {}
        for prefix in map(os.path.abspath, filter(None, prefixes)):
            unique.setdefault(os.path.normcase(prefix), prefix)
        return list(unique.values())


_STALE = "listed in ~/.conda/environments.txt, but gone"
_NOT_ENV = "listed in ~/.conda/environments.txt, but no longer a conda env (no conda-meta)"
_RC_NAMES = (".condarc", "condarc", "condarc.d")
_MAX_DIRS = 100  # envs_dirs items read from one rc file or variable
_VARIABLE = re.compile(r"\$(\w+)|\$\{([^}]*)\}")


class CondaEnvs(EnvironmentSource):
    """conda's and mamba's environments (not the base installs: the ``Conda`` source lists
    those), in conda's ``envs_dirs`` order (fixtures/environments/conda.json): the dirs of
    ``CONDA_ENVS_DIRS``/``CONDA_ENVS_PATH``, then the ``envs_dirs`` of each rc file (latest in
    conda's search path first, as conda merges them), then each base install's ``envs/``
    (micromamba 2's default root ``~/.local/share/mamba`` included), ``~/.conda/envs``, and
    last the prefixes ``~/.conda/environments.txt`` lists. A listed prefix that is gone (or
    no longer a conda env) is yielded with its ``problem``, as conda keeps such lines until
    it rewrites the file. A prefix named ``.conda`` (``conda create -p <dir>/.conda``)
    belongs to the project it is in. Pixi's envs (``conda-meta/pixi``) are pixi's."""

    name = "conda"
    markers = frozenset({".conda"})

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        roots = [*install_roots(ctx), ctx.user_data_dir("mamba")]
        seen = {_fold(root) for root in roots}
        for folder in envs_dirs(ctx, roots):
            for name in child_dirs(folder):
                prefix = os.path.join(folder, name)
                if _fold(prefix) not in seen:
                    seen.add(_fold(prefix))
                    yield from self._env(prefix, ctx)
        listing = os.path.join(ctx.home, ".conda", "environments.txt")
        try:
            lines = read_text(listing, CONFIG).splitlines()
        except FileRefused as refused:
            ctx.skip(listing, refused.reason)
            lines = []
        except OSError:
            lines = []
        for line in lines:
            prefix = line.strip()
            if not os.path.isabs(prefix) or _fold(prefix) in seen:
                continue
            seen.add(_fold(prefix))
            if os.path.isdir(os.path.join(prefix, "conda-meta")):
                yield from self._env(prefix, ctx)
                continue
            problem = _NOT_ENV if os.path.isdir(prefix) else _STALE
            python = os.path.join(prefix, *(["python.exe"] if ctx.windows else ["bin", "python"]))
            yield Candidate(python, self.name, Hints(venv=False), problem=problem)

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        """The project's ``.conda`` prefix (the name VS Code and PET look for)."""
        yield from self._env(os.path.join(project, ".conda"), ctx)

    def _env(self, prefix: str, ctx: Context) -> Iterator[Candidate]:
        """The interpreter of a conda env (a dangling ``bin/python3`` link included); nothing
        for a directory that is no conda env, a pixi env, or an env without Python."""
        meta = os.path.join(prefix, "conda-meta")
        if not os.path.isdir(meta) or os.path.isfile(os.path.join(meta, "pixi")):
            return
        if ctx.distrusted(prefix):  # in a walked-up project, another user's: not used
            return
        hints = prefix_hints(prefix)
        python = prefix_executable(prefix, ctx, hints) or directory_python(
            prefix, windows=ctx.windows
        )
        if python is not None:
            project = os.path.dirname(prefix) if os.path.basename(prefix) == ".conda" else None
            yield Candidate(python, self.name, hints, project=project)


def envs_dirs(ctx: Context, roots: list[str]) -> list[str]:
    """The directories conda and mamba keep named envs in, from the environment, the rc
    files, and the base installs ``roots``; duplicates dropped."""
    found: list[str] = []
    for variable in ("CONDA_ENVS_DIRS", "CONDA_ENVS_PATH"):
        found += ctx.environ.get(variable, "").split(os.pathsep)[:_MAX_DIRS]
    for rc in reversed(_rc_files(ctx, roots)):  # the last one read wins: its dirs come first
        found += _rc_envs_dirs(rc, ctx)
    found += [os.path.join(root, "envs") for root in roots]
    found.append(os.path.join(ctx.home, ".conda", "envs"))
    if ctx.windows:
        found.append(os.path.join(ctx.user_data_dir("conda", author="conda"), "envs"))
    unique: dict[str, str] = {}
    for folder in found:
        folder = _expand(folder.strip(), ctx)
        if os.path.isabs(folder):
            unique.setdefault(_fold(folder), folder)
    return list(unique.values())


def _rc_files(ctx: Context, roots: list[str]) -> list[str]:
    """The rc files conda reads (conda/base/constants.py SEARCH_PATH, plus mamba's
    ``.mambarc`` ones and each base install's own, which PET reads), in conda's order."""
    env, home = ctx.environ.get, ctx.home
    config = env("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    if ctx.windows:
        places = [ctx.system_path("C:/ProgramData/conda")]
    else:
        places = [ctx.system_path("/etc/conda"), ctx.system_path("/var/lib/conda")]
    places += [*roots, env("CONDA_ROOT", ""), env("MAMBA_ROOT_PREFIX", "")]
    places += [os.path.join(config, "conda"), os.path.join(home, ".config", "conda")]
    places.append(os.path.join(home, ".conda"))
    files = [os.path.join(p, name) for p in filter(None, places) for name in _RC_NAMES]
    files += [os.path.join(home, ".condarc"), os.path.join(home, ".mambarc")]
    files += [os.path.join(env("CONDA_PREFIX", ""), n) for n in _RC_NAMES if env("CONDA_PREFIX")]
    files += [env(v, "") for v in ("CONDARC", "MAMBARC") if env(v)]
    expanded: list[str] = []
    for path in dict.fromkeys(files):
        if os.path.basename(path) == "condarc.d":
            names = child_files(path)
            expanded += [os.path.join(path, n) for n in names if n.endswith((".yml", ".yaml"))]
        else:
            expanded.append(path)
    return expanded


def _rc_envs_dirs(path: str, ctx: Context) -> list[str]:
    """The ``envs_dirs`` (or its alias ``envs_path``) list of one rc file, by a reader of
    just that top-level key: a block list (``- item`` lines), a flow list (``[a, b]``) or
    one scalar; quotes and comments (conda's ``#!final`` flags too) dropped. Anything else
    in the file is ignored; a file that is not a small regular file is noted in
    ``ctx.skipped``."""
    try:
        lines = read_text(path, CONFIG).splitlines()
    except FileRefused as refused:
        ctx.skip(path, refused.reason)
        return []
    except OSError:
        return []
    items: list[str] = []
    inside = False
    for line in lines:
        text = _uncomment(line)
        if inside and text.lstrip().startswith("- "):
            items.append(_unquote(text.lstrip()[2:]))
            continue
        if inside and not text.strip():
            continue
        inside = False
        key, sep, value = text.partition(":")
        if not sep or key != key.strip() or key not in ("envs_dirs", "envs_path"):
            continue
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            items += [_unquote(item) for item in value[1:-1].split(",")]
        elif value:
            items.append(_unquote(value))
        else:
            inside = True
    return [item for item in items if item][:_MAX_DIRS]


def _uncomment(line: str) -> str:
    if line.lstrip().startswith("#"):
        return ""
    return line.split(" #", 1)[0].rstrip()


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _expand(path: str, ctx: Context) -> str:
    """``~`` and ``$VAR``/``${VAR}`` expanded from the context's environment, as conda does."""
    if path == "~" or path.startswith(("~/", "~\\")):
        path = ctx.home + path[1:]

    def value(found: "re.Match[str]") -> str:
        name = found.group(1) or found.group(2)
        return ctx.environ.get(name, found.group(0))

    return _VARIABLE.sub(value, path)


def _fold(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))
