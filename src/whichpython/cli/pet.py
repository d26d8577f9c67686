"""``whichpython-pet`` (also ``whichpython pet``): the command line of microsoft/
python-environment-tools (PET), so that VS Code's Python extensions can run whichpython in
place of the ``pet`` they bundle (docs/recipes/ide.md).

- ``server``: ``whichpython serve``.
- ``find [--json] [--list] [--verbose] [--kind K | --workspace] [PATHS...]``: the
  environments, found by :class:`~whichpython.server.service.Server` in this process
  (``configure`` with the flags, then the ``refresh`` PET's flags map to), so the command
  and the server answer alike; ``--json`` prints ``{"managers": [...], "environments": [...]}``.
- ``resolve PATH [--json]``: the environment of one interpreter, or ``null``.
- ``--version``: ``<prog> <version>`` (the extensions read the first ``N.N.N...``).

PET's flags and their variables (``PET_CACHE_DIRECTORY``, ...); its exit statuses: 0 when
the command ran (a resolve that found nothing prints ``null``), 2 for bad usage, in one
line (1 if the server's refresh failed or stdout cannot be written).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

TYPE_CHECKING = False  # typing is not imported for --version
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, Callable, NoReturn

    from whichpython.cli.petsession import Session

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """PET's usage errors are exit status 2; here in one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _kind(text: str) -> str:
    """A PET kind, as the extensions send it (``Conda``, ``GlobalPaths``) or as PET's own
    ``--kind`` spells it (``conda``, ``global-paths``)."""
    from whichpython.server.environments import PET_KINDS

    wanted = text.replace("-", "").replace("_", "").lower()
    for kind in PET_KINDS:
        if kind.lower() == wanted:
            return kind
    raise argparse.ArgumentTypeError(
        f"unknown kind {text!r} (one of {', '.join(sorted(PET_KINDS))})"
    )


def _parsers(prog: str) -> tuple[_Parser, dict[str, argparse.ArgumentParser]]:
    """The program's parser (``--version``, ``--help``) and each command's."""
    parser = _Parser(prog=prog, description="PET's command line, answered by whichpython.")
    parser.add_argument("-V", "--version", action="store_true", help="print the version")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    env = os.environ.get

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "-c", "--cache-directory", metavar="DIR", default=env("PET_CACHE_DIRECTORY"),
            help="the cache directory (whichpython's cache goes in DIR/whichpython)",
        )  # fmt: skip
        sub.add_argument("-v", "--verbose", action="store_true", help="log more on stderr")
        sub.add_argument("-j", "--json", action="store_true", help="print JSON")

    find = commands.add_parser("find", help="find the environments and print them")
    find.add_argument("paths", nargs="*", metavar="PATH", help="workspace folders or pythons")
    common(find)
    find.add_argument("-l", "--list", action="store_true", help="print each one found")
    find.add_argument("-r", "--report-missing", action="store_true", help="accepted (no-op)")
    scope = find.add_mutually_exclusive_group()
    scope.add_argument("-w", "--workspace", action="store_true", help="only the PATHs")
    scope.add_argument("-k", "--kind", type=_kind, help="only this kind (Conda, Venv, ...)")
    for tool in ("conda", "pipenv", "poetry"):
        find.add_argument(
            f"--{tool}-executable", metavar="PATH", default=env(f"PET_{tool.upper()}_EXECUTABLE"),
            help="accepted, as PET's; whichpython finds the environments without it",
        )  # fmt: skip
    dirs = env("PET_ENVIRONMENT_DIRECTORIES")
    find.add_argument(
        "--environment-directories", metavar="DIRS", action="append",
        default=None if not dirs else [dirs],
        help="more directories holding environments (repeatable; commas separate, as in PET)",
    )  # fmt: skip
    resolve = commands.add_parser("resolve", help="describe the environment of one interpreter")
    resolve.add_argument("executable", metavar="PYTHON", help="an interpreter's path")
    common(resolve)
    server = commands.add_parser("server", help="answer JSON-RPC on stdin/stdout (= serve)")
    return parser, {"find": find, "resolve": resolve, "server": server}


def main(argv: Sequence[str] | None = None) -> int:
    """The ``whichpython-pet`` console script: returns the exit status."""
    if argv is not None:
        return run(argv, prog="whichpython-pet")
    from whichpython.cli.streams import guard, safely

    guard()  # set up as a ``whichpython`` process is (never a recorded answer, though)
    name = os.path.basename(sys.argv[0])  # ``pet`` when run through the extension's link
    if sys.argv[1:] in (["--version"], ["-V"]):  # what the extensions ask first: no parser
        return safely(lambda: _print_version(name or "whichpython-pet"))
    from whichpython.cli.signals import stop_probes_on_signals

    stop_probes_on_signals()
    return safely(lambda: run(sys.argv[1:], prog=name or "whichpython-pet"))


def run(argv: Sequence[str], *, prog: str) -> int:
    """Run a PET command line (``argv`` without the program's name)."""
    parser, commands = _parsers(prog)
    if argv and argv[0] in commands:  # options and PATHs in any order, as PET takes them
        args = commands[argv[0]].parse_intermixed_args(argv[1:])
        args.command = argv[0]
    elif parser.parse_args(argv).version:  # or exits: --help, a bad word
        return _print_version(prog)
    else:  # PET's default: find, listing what it finds
        args = commands["find"].parse_args(["--list"])
        args.command = "find"
    if args.command == "server":
        from whichpython.server import main as serve

        return serve()
    from whichpython.model.errors import ConfigError
    from whichpython.server.deadline import default_deadline

    try:
        deadline = default_deadline(os.environ)
        cwd = os.getcwd()
    except ConfigError as error:
        return _fail(prog, str(error))
    except OSError:
        return _fail(prog, "the current directory no longer exists")
    from whichpython.cli.petsession import Session

    session = Session(deadline, args.verbose, prog)
    code = _find(args, session, cwd) if args.command == "find" else _resolve(args, session, cwd)
    sys.stdout.flush()
    session.close(code)
    return code


def _print_version(prog: str) -> int:
    from whichpython import _version

    print(f"{prog} {_version()}")
    sys.stdout.flush()
    return EXIT_OK


def _fail(prog: str, message: str, code: int = EXIT_USAGE) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code


def _find(args: argparse.Namespace, session: Session, cwd: str) -> int:
    started = time.monotonic()
    paths: list[str] = args.paths
    files = [p for p in paths if os.path.isfile(p)]
    # As PET: PATHs that are all files search only them; directories are the workspace (the
    # current directory if no PATH is given); --workspace searches the PATHs alone.
    only_paths = args.workspace or (bool(paths) and len(files) == len(paths))
    folders = [p for p in paths if p not in files] if paths else [cwd]
    problem = session.configure(args, folders)
    if problem is not None:
        return _fail(session.connection.prog, problem)
    refreshes: list[dict[str, Any]] = []
    if only_paths:
        refreshes.append({"searchPaths": paths or [cwd]})
    else:
        refreshes.append({"searchKind": args.kind} if args.kind else {})
        if files:
            refreshes.append({"searchPaths": files})
    for params in refreshes:
        error = session.ask("refresh", params).get("error")
        if error is not None:
            return _fail(session.connection.prog, str(error["message"]), EXIT_FAILED)
    managers, environments = _unique(session.connection.found, args.kind)
    if args.json:
        from whichpython.cli.commands import print_json

        print_json({"managers": managers, "environments": environments})
        return EXIT_OK
    if args.list:
        kept = {id(item) for item in (*managers, *environments)}
        for method, item in session.connection.found:
            if id(item) in kept:
                print(_manager(item) if method == "manager" else _environment(item))
    _summary(managers, environments, verbose=args.verbose)
    print(f"Completed in {int((time.monotonic() - started) * 1000)}ms")
    return EXIT_OK


def _unique(
    found: list[tuple[str, dict[str, Any]]], kind: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The managers and environments reported, each once (two refreshes may meet one twice);
    with a kind, only environments of it."""
    managers: list[dict[str, Any]] = []
    environments: list[dict[str, Any]] = []
    seen: set[tuple[str, Any, Any]] = set()
    for method, item in found:
        key = (method, item.get("executable"), item.get("prefix"))
        if key in seen or (method == "environment" and kind and item.get("kind") != kind):
            continue
        seen.add(key)
        (managers if method == "manager" else environments).append(item)
    return managers, environments


def _resolve(args: argparse.Namespace, session: Session, cwd: str) -> int:
    started = time.monotonic()
    problem = session.configure(args, [cwd])
    if problem is not None:
        return _fail(session.connection.prog, problem)
    answer = session.ask("resolve", {"executable": args.executable})
    env = answer.get("result")
    if env is None and "error" in answer:
        print(f"{session.connection.prog}: warning: {answer['error']['message']}", file=sys.stderr)
    if args.json:
        from whichpython.cli.commands import print_json

        print_json(env)
        return EXIT_OK
    where = json.dumps(args.executable)
    if env is None:
        print(f"No environment found for {where}")
    else:
        print(f"Environment found for {where}")
        if env.get("manager"):
            print(_manager(env["manager"]))
        print(_environment(env))
    print(f"Resolve completed in {int((time.monotonic() - started) * 1000)}ms")
    return EXIT_OK


# -- PET's readable output (pet-core's Display of EnvManager and PythonEnvironment) --------


def _lines(title: str, rows: list[tuple[str, Any]]) -> str:
    shown = [f"   {label:<12}: {value}" for label, value in rows if value not in (None, "")]
    return "\n".join([title, *shown]) + "\n"


def _manager(manager: dict[str, Any]) -> str:
    rows = [("Executable", manager.get("executable")), ("Version", manager.get("version"))]
    return _lines(f"Manager ({manager.get('tool')})", rows)


def _environment(env: dict[str, Any]) -> str:
    manager = env.get("manager")
    rows: list[tuple[str, Any]] = [
        ("Display-Name", env.get("displayName")),
        ("Name", env.get("name")),
        ("Executable", env.get("executable")),
        ("Version", env.get("version")),
        ("Prefix", env.get("prefix")),
        ("Project", env.get("project")),
        ("Architecture", env.get("arch")),
        ("Manager", manager and f"{manager.get('tool')}, {manager.get('executable')}"),
    ]
    links = sorted(env.get("symlinks") or [], key=len)
    rows += [("Symlinks" if i == 0 else "", json.dumps(link)) for i, link in enumerate(links)]
    rows.append(("Error", env.get("error")))
    return _lines(f"Environment ({env.get('kind') or 'Unknown'})", rows)


def _summary(
    managers: list[dict[str, Any]], environments: list[dict[str, Any]], *, verbose: bool
) -> None:
    def counts(items: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> list[str]:
        tally: dict[str, int] = {}
        for item in items:
            tally[key(item)] = tally.get(key(item), 0) + 1
        return [f"{name:<20} : {count}" for name, count in sorted(tally.items())]

    def kind(env: dict[str, Any]) -> str:
        return str(env.get("kind") or "Unknown")

    if verbose and environments:
        print("Environment Paths:\n------------------")
        for name in sorted({kind(env) for env in environments}):
            print(f"\n{name}:")
            for env in environments:
                if kind(env) == name and env.get("executable"):
                    print(f"  - {env['executable']}")
        print()
    if managers:
        print("Managers:\n---------", *counts(managers, lambda m: str(m.get("tool"))), sep="\n")
        print()
    if environments:
        print(f"Environments ({len(environments)}):\n------------------")
        print(*counts(environments, kind), sep="\n")
        print()
