"""The CLI's commands: one function each, taking the parsed arguments and returning the
exit status (:mod:`whichpython.cli` parses, dispatches and reports errors)."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any

from whichpython.cli.terminal import Progress, width

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable

    from whichpython.model.models import Considered

EXIT_OK, EXIT_FAILED = 0, 1


def _discovery(args: argparse.Namespace, progress: Progress) -> Any:
    from whichpython.engine.discovery import Discovery

    return Discovery(
        prefer=args.prefer,
        venvs=args.venvs,
        timeout=args.timeout,
        cache=not args.no_cache,
        progress=progress.note,
        deadline=args.deadline,
    )


def note_cwd() -> None:
    """Say so on stderr when the working directory cannot be looked in: its project files
    (a ``.python-version``, a ``.venv``, ...) are then not seen, and the answer may differ."""
    from whichpython.cli.terminal import cwd_problem

    problem = cwd_problem()
    if problem is not None:
        print(
            f"whichpython: note: {problem}: project files in it (.python-version, .venv, ...) "
            "are not seen",
            file=sys.stderr,
        )


def find(args: argparse.Namespace) -> int:
    """``find``: the chosen interpreter's path (``--explain``: every candidate's verdict)."""
    note_cwd()
    with Progress() as progress:
        result = _discovery(args, progress).find(args.request, explain=args.explain)
    note_deadline(c.detail for c in result.candidates)
    chosen = result.interpreters[0]
    if args.json:
        from whichpython.model.converter import converter
        from whichpython.model.serialization import interpreter_to_json

        data = interpreter_to_json(chosen)
        if args.explain:
            data = {"schema_version": data["schema_version"], "interpreter": data,
                    "candidates": converter.unstructure(result.candidates),
                    "skipped": converter.unstructure(result.skipped)}  # fmt: skip
        print_json(data)
        return EXIT_OK
    print(chosen.path)
    if args.explain:
        from whichpython.cli.render import explanation

        print(explanation(result, columns(args, sys.stdout)))
    return EXIT_OK


def list_(args: argparse.Namespace) -> int:
    """``list``: a table of the matches; nothing on stdout and status 1 when none match."""
    from whichpython.cli.render import explanation, table

    note_cwd()
    with Progress() as progress:
        result = _discovery(args, progress).find_all(args.request)
    note_deadline(c.detail for c in result.candidates)
    found = result.interpreters
    if args.sort == "version":
        from packaging.version import Version

        found = sorted(found, key=lambda i: Version(i.version), reverse=True)
    if args.json:
        from whichpython.model.converter import converter
        from whichpython.model.serialization import interpreter_to_json

        data: dict[str, Any] = {
            "schema_version": 1,
            "request": result.request.raw,
            "interpreters": [interpreter_to_json(i) for i in found],
        }
        if args.explain:
            data["candidates"] = converter.unstructure(result.candidates)
            data["skipped"] = converter.unstructure(result.skipped)
        print_json(data)
        return EXIT_OK if found else EXIT_FAILED
    if found:
        print(table(found, columns(args, sys.stdout)))
    if not args.explain:  # --explain lists them with the reasons
        note_broken(result.candidates)
    if not found:  # nothing on stdout: `for p in $(whichpython list 3.99)` runs no loop
        print(f"whichpython: no Python matches {result.request}", file=sys.stderr)
    if args.explain:
        stream = sys.stdout if found else sys.stderr
        print(explanation(result, columns(args, stream)), file=stream)
    return EXIT_OK if found else EXIT_FAILED


def inspect(args: argparse.Namespace) -> int:
    """``inspect``: one interpreter described (``--json``: the whole model)."""
    from whichpython.engine.inspection import inspect_interpreter

    interpreter = inspect_interpreter(
        locate(args.path), timeout=args.timeout, cache=not args.no_cache
    )
    if args.json:
        from whichpython.model.serialization import interpreter_to_json

        print_json(interpreter_to_json(interpreter))
    else:
        from whichpython.cli.render import describe

        print(describe(interpreter, width(sys.stdout)))
    return EXIT_OK


def fix_sysconfig(args: argparse.Namespace) -> int:
    """``fix-sysconfig``: rewrite a relocated install's sysconfig data."""
    from whichpython.cli.render import repair_lines
    from whichpython.engine.repair import fix_sysconfig

    repair = fix_sysconfig(args.path, dry_run=args.dry_run, timeout=args.timeout)
    if args.json:
        from whichpython.model.converter import converter

        print_json(converter.unstructure(repair))
    else:
        print("\n".join(repair_lines(repair)))
    return EXIT_OK


def embed(args: argparse.Namespace) -> int:
    """``embed``: the flags, environment and PyO3 config an embedder needs."""
    from whichpython.engine.inspection import inspect_interpreter
    from whichpython.facts.embedding import env_lines, pyo3_config

    found = inspect_interpreter(locate(args.path), timeout=args.timeout, cache=not args.no_cache)
    if args.json:
        from whichpython.model.converter import converter

        print_json(
            {
                "path": found.path,
                "libpython": converter.unstructure(found.libpython),
                "embedding": converter.unstructure(found.embedding),
                "env": env_lines(found),
                "pyo3_config": pyo3_config(found),
            }
        )
        return EXIT_OK
    embed = found.embedding
    if embed is None:
        from whichpython.model.errors import InterpreterError

        raise InterpreterError(found.path, f"{found.implementation} cannot be embedded")
    parts = args.parts or ["--cflags", "--ldflags"]
    baked = embed.rpath and embed.library_path_var != "PATH"  # Windows has no rpath
    flags = {
        "--cflags": embed.cflags,
        "--ldflags": embed.ldflags,
        "--rpath": [f"-Wl,-rpath,{embed.rpath}"] if baked else [],
    }
    words = [word for part in parts for word in flags.get(part, [])]
    if words:
        import shlex

        print(" ".join(shlex.quote(word) for word in words))
    if "--env" in parts:
        print("\n".join(env_lines(found)))
    if "--pyo3-config" in parts:
        print(pyo3_config(found), end="")
    return EXIT_OK


def venv(args: argparse.Namespace) -> int:
    """``venv``: a venv whose ``home`` is the real install."""
    from whichpython.engine.discovery import Discovery
    from whichpython.engine.venvs import check_destination, create_venv, venv_base

    with contextlib.suppress(FileNotFoundError):  # a removed cwd: create_venv says so
        check_destination(os.path.abspath(args.dest))  # before a search and its notes
    discovery = Discovery(timeout=args.timeout, cache=not args.no_cache, deadline=args.deadline)
    source = discovery.find(args.python).interpreters[0]
    base = venv_base(source)
    if source.is_venv:
        print(
            f"whichpython: note: {source.path} is a venv; using its base interpreter {base}",
            file=sys.stderr,
        )
    made = create_venv(
        source,
        args.dest,
        system_site_packages=args.system_site_packages,
        with_pip=args.with_pip,
        timeout=args.timeout,
    )
    if args.json:
        from whichpython.model.serialization import interpreter_to_json

        print_json(interpreter_to_json(made))
    else:
        home = made.venv.home if made.venv is not None else "-"
        print(made.path)
        print(f"  made from {base} (home = {home})", file=sys.stderr)
    return EXIT_OK


def envs(args: argparse.Namespace) -> int:
    """``envs``: the environments of a project, then the machine's others."""
    from whichpython.engine.projects import find_environments, project_dir
    from whichpython.sources.base import Context, working_dir

    if args.project is None:
        note_cwd()
    ctx = Context(environ=os.environ, cwd=working_dir(os.environ))
    project = project_dir(args.project, ctx)
    if args.project is not None and not os.path.isdir(project):
        from whichpython.model.errors import ConfigError

        what = "is not a directory" if os.path.exists(project) else "no such directory"
        raise ConfigError(f"--project {project}: {what}")
    for path, reason in ctx.skipped:  # a project file another user planted
        print(f"whichpython: {path}: {reason}", file=sys.stderr)
    found = find_environments(
        args.project, timeout=args.timeout, cache=not args.no_cache, deadline=args.deadline
    )
    note_deadline(env.error for env in found)
    if args.json:
        from whichpython.model.serialization import environment_to_json

        print_json({"schema_version": 1, "project": project,
                    "environments": [environment_to_json(env) for env in found]})  # fmt: skip
        return EXIT_OK
    from whichpython.cli.render import environments_table

    if found:
        print(environments_table(found, columns(args, sys.stdout)))
    else:
        print("whichpython: no environments found", file=sys.stderr)
    return EXIT_OK


def note_broken(candidates: Iterable[Considered]) -> None:
    """Say on stderr, in one line, how many interpreters were skipped because their probe
    failed (a broken link, a time-out, a crash), as ``find`` sums up a failed search."""
    broken = {c.path for c in candidates if c.verdict == "failed"}
    if broken:
        some = f"{len(broken)} interpreter{'s were' if len(broken) != 1 else ' was'}"
        print(f"whichpython: note: {some} skipped as broken (--explain says why)", file=sys.stderr)


def note_deadline(details: Iterable[str | None]) -> None:
    """Say on stderr, in one line, how many candidates the search's deadline left out."""
    from whichpython.engine.deadline import note, untried

    line = note(untried(details))
    if line is not None:
        print(line, file=sys.stderr)


def locate(name: str) -> str:
    """An interpreter's path from a command-line word. A bare name is looked up on PATH, as
    a shell does (a file of that name in the current directory is not what ``python3`` runs;
    ``./python3`` names it). A directory (``.venv``, ``./env``: a path as ``find`` takes one)
    is its interpreter, ``bin/python3`` or ``bin/python``, as ``find DIR`` takes it."""
    pathlike = os.sep in name or bool(os.altsep and os.altsep in name)
    if (pathlike or name.startswith(".")) and os.path.isdir(name):
        from whichpython.sources.pyvenv import directory_python

        inside = directory_python(name, windows=os.name == "nt")
        return inside if inside is not None else name
    if pathlike:
        return name
    import shutil

    found = shutil.which(name)
    if found is None:
        from whichpython.model.errors import PathNotFound

        here = f" (./{name} is here: name it with ./)" if os.path.lexists(name) else ""
        raise PathNotFound(name, f"no such command on PATH{here}")
    return found


def columns(args: argparse.Namespace, stream: Any) -> int | None:
    """The width to fit output for ``stream`` to: None (whole paths) with ``--wide`` or when
    ``stream`` is not a terminal."""
    return None if getattr(args, "wide", False) else width(stream)


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout."""
    import json

    print(json.dumps(data, indent=2))
