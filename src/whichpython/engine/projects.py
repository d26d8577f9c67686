"""Environments: the ones that belong to a project first, then the machine's others
(:func:`find_environments`, ``whichpython envs``; docs/environments.md)."""

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Optional, Union

import attrs

from whichpython.engine.deadline import Deadline
from whichpython.engine.searching import environment_key
from whichpython.facts.environments import TOOLS, found_by
from whichpython.memo import OneSearch
from whichpython.model.errors import InterpreterError
from whichpython.model.models import Environment
from whichpython.sources import ENVIRONMENTS, Candidate, Context
from whichpython.sources.base import working_dir
from whichpython.sources.project import markers, nearest_project
from whichpython.sources.pyvenv import directory_python

_MAX_WORKERS = 8


def find_environments(
    project: Union[str, "os.PathLike[str]", None] = None,
    *,
    cwd: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache: bool = True,
    root: str = "/",
    deadline: Optional[float] = None,
) -> list[Environment]:
    """Every environment the tools keep (docs/environments.md): those that belong to
    ``project`` (default: the project the working directory is in, the nearest directory
    with a tool's project file or a ``.venv``), in the order its tools would use them, then
    the machine's others, each once. A broken one (its base gone, its interpreter a dangling
    link) is listed with its ``error``. ``deadline`` bounds the whole search in seconds
    (default: ``$WHICHPYTHON_DEADLINE``, else 4 probe timeouts): the environments not
    inspected by then have the error ``not probed: the search's deadline ...``."""
    environ = os.environ if environ is None else environ
    cwd = cwd or working_dir(environ)
    ctx = Context(environ=environ, cwd=cwd, root=root)
    folder = project_dir(project, ctx)
    if project is None:  # found by walking up: its files are held to the walk's rule
        ctx = attrs.evolve(ctx, walked=folder)
    return environments_of([folder], ctx, timeout=timeout, cache=cache, deadline=deadline)


def environments_of(
    projects: Sequence[str],
    ctx: Context,
    *,
    timeout: Optional[float] = None,
    cache: bool = True,
    deadline: Optional[float] = None,
) -> list[Environment]:
    """The environments of each of ``projects`` (absolute directories) in turn, then the
    machine's others, each once (:func:`find_environments` for several projects, or none),
    within ``deadline`` seconds from now (as :func:`find_environments` takes it)."""
    clock = Deadline.start(deadline, timeout, ctx.environ)
    with OneSearch():
        return _inspected(_unique(_candidates(projects, ctx)), ctx, clock, cache)


def project_dir(project: Union[str, "os.PathLike[str]", None], ctx: Context) -> str:
    """The project directory, its real path (the tools hash the real path, or see it as
    their working directory's): ``project`` (relative to the working directory), or by
    default the project the working directory is in, the nearest directory with a tool's
    project file (a ``pyproject.toml``, a ``Pipfile``, a ``tox.ini``, ...) or a ``.venv``
    that no other user planted (noted in ``ctx.skipped``), else the working directory."""
    if project is None:
        listed_only = sorted({name for source in ENVIRONMENTS for name in source.project_files})
        found = nearest_project(ctx, [*markers(ENVIRONMENTS), *listed_only, ".venv"])
        return os.path.realpath(found)
    return os.path.realpath(os.path.join(ctx.cwd, os.fspath(project)))


def _candidates(projects: Sequence[str], ctx: Context) -> Iterator[Candidate]:
    """Each project's environments (each with its project), then the machine's."""
    for project in projects:
        for source in ENVIRONMENTS:
            for candidate in source.for_project(project, ctx):
                yield candidate if candidate.project else attrs.evolve(candidate, project=project)
        for name in (".venv", "venv"):  # a project's own venv, whichever tool made it
            if ctx.distrusted(os.path.join(project, name)):
                continue
            python = directory_python(os.path.join(project, name), windows=ctx.windows)
            if python is not None:
                yield Candidate(python, "project-venv", project=project)
    for source in ENVIRONMENTS:
        yield from source.candidates(ctx)


def env_dir(python: str) -> str:
    """The environment directory of its interpreter (``<env>/bin/python``,
    ``<env>\\Scripts\\python.exe``, a conda prefix's ``python.exe``), or the directory itself
    (a broken environment without an interpreter is found as its directory)."""
    if os.path.isdir(python):
        return python
    folder = os.path.dirname(python)
    return os.path.dirname(folder) if os.path.basename(folder) in ("bin", "Scripts") else folder


def _unique(candidates: Iterator[Candidate]) -> list[Candidate]:
    """Each environment once (:func:`~whichpython.engine.searching.environment_key`), where
    it was first found; a project a later finding names is kept."""
    first: dict[str, int] = {}
    found: list[Candidate] = []
    for candidate in candidates:
        key = environment_key(env_dir(candidate.path))
        if key not in first:
            first[key] = len(found)
            found.append(candidate)
        elif candidate.project and not found[first[key]].project:
            found[first[key]] = attrs.evolve(found[first[key]], project=candidate.project)
    return found


def _inspected(
    found: list[Candidate], ctx: Context, clock: Deadline, cache: bool
) -> list[Environment]:
    def one(candidate: Candidate) -> Environment:
        prefix = env_dir(candidate.path)
        tool = candidate.source if candidate.source in TOOLS else None
        error = candidate.problem
        if error is None:
            try:
                python = clock.inspect(candidate.path, cache, ctx.environ)
            except InterpreterError as failure:
                error = failure.cause
            else:
                python = found_by(python, candidate.source, candidate.project)
                return Environment(candidate.path, python.prefixes.prefix, python.manager,
                                   python.project, candidate.source,
                                   interpreter=python)  # fmt: skip
        return Environment(candidate.path, prefix, tool, candidate.project, candidate.source,
                           error=error)  # fmt: skip

    if len(found) <= 1:
        return [one(candidate) for candidate in found]
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(min(_MAX_WORKERS, len(found))) as pool:
        return list(pool.map(one, found))
