"""The ``whichpython`` command line (also ``python -m whichpython``).

A ``whichpython`` process first tries the answer recorded for the same command line
(:mod:`whichpython.cli.answers`); the modules below are imported only when the engine runs.
"""

import os
import sys

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any

    from whichpython.cli.answers import Answers
    from whichpython.model.errors import InterpreterNotFound, WhichPythonError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> "argparse.ArgumentParser":
    import argparse

    class _Version(argparse.Action):
        """``--version`` after other words (``main`` answers it alone, without a parser)."""

        def __call__(self, parser: "argparse.ArgumentParser", *args: "Any") -> None:
            _print_version()
            parser.exit()

    parser = argparse.ArgumentParser(
        prog="whichpython",
        description="Find the Python interpreters on this machine and tell the truth about each.",
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="print the version and the Python running it"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json",
        action="store_true",
        help="print JSON (schema_version 1: the models' fields)",
    )
    common.add_argument(
        "--timeout", metavar="SECONDS", help="probe timeout (default: 5, at most 86400)"
    )
    common.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")

    wide = argparse.ArgumentParser(add_help=False)
    wide.add_argument(
        "--wide",
        action="store_true",
        help="print whole paths on a terminal too (into a pipe or file they always are)",
    )
    bounded = argparse.ArgumentParser(add_help=False)
    bounded.add_argument(
        "--deadline",
        metavar="SECONDS",
        help="stop probing after this long and answer with what was found "
        "(default: 4 probe timeouts)",
    )
    search = argparse.ArgumentParser(add_help=False, parents=[common, wide, bounded])
    search.add_argument("request", nargs="?", metavar="REQUEST", help="e.g. 3.12, >=3.10, pypy")
    search.add_argument(
        "--prefer",
        choices=("managed", "system", "only-managed", "only-system"),
        default="managed",
        help="which installs come first, or only (default: managed)",
    )
    venvs = search.add_mutually_exclusive_group()
    venvs.add_argument(
        "--no-venv", dest="venvs", action="store_const", const="never", help="skip venvs"
    )
    venvs.add_argument(
        "--only-venv", dest="venvs", action="store_const", const="only", help="only venvs"
    )
    search.set_defaults(venvs="allow")
    search.add_argument(
        "--explain", action="store_true", help="list every candidate with its verdict"
    )

    commands.add_parser("find", parents=[search], help="print the interpreter a request selects")
    listing = commands.add_parser("list", parents=[search], help="list matching interpreters")
    listing.add_argument(
        "--sort",
        choices=("priority", "version"),
        default="priority",
        help="order: the search's priority (default) or newest version first",
    )
    inspect = commands.add_parser("inspect", parents=[common], help="describe one interpreter")
    inspect.add_argument("path", metavar="PATH", help="an interpreter's path, or a name on PATH")

    fix = commands.add_parser(
        "fix-sysconfig",
        parents=[common],
        help="rewrite a relocated install's sysconfig data and .pc files in place",
    )
    fix.add_argument("path", metavar="PATH", help="the relocated install's interpreter")
    fix.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")

    embed = commands.add_parser(
        "embed", parents=[common], help="what a program embedding this Python needs"
    )
    embed.add_argument("path", metavar="PATH", help="an interpreter's path, or a name on PATH")
    for flag, what in (
        ("--cflags", "compiler flags (include dirs)"),
        ("--ldflags", "linker flags (-L, -lpythonX.Y, system libs)"),
        ("--rpath", "-Wl,-rpath flag to bake the libpython dir in (empty if not needed)"),
        ("--env", "shell exports that let a linked program run"),
        ("--pyo3-config", "a PYO3_CONFIG_FILE"),
    ):
        embed.add_argument(flag, action="append_const", dest="parts", const=flag, help=what)

    venv = commands.add_parser(
        "venv", parents=[common, bounded], help="create a venv whose home is the real install"
    )
    venv.add_argument("dest", metavar="DEST", help="the new venv's directory (new or empty)")
    venv.add_argument(
        "-p", "--python", metavar="REQUEST", help="which Python (default: what `find` picks)"
    )
    venv.add_argument(
        "--system-site-packages", action="store_true", help="give the venv the base's packages"
    )
    venv.add_argument("--with-pip", action="store_true", help="install pip (slower)")
    envs = commands.add_parser(
        "envs",
        parents=[common, wide, bounded],
        help="list environments: a project's first (its .venv, poetry, pipenv, tox, ...), "
        "then the machine's others",
    )
    envs.add_argument(
        "--project",
        metavar="DIR",
        help="the project (default: the one the current directory is in, found by its "
        "pyproject.toml, Pipfile, .venv, ...)",
    )
    completion = commands.add_parser(
        "completion", help="print a shell completion script (bash, zsh or fish)"
    )
    completion.add_argument(
        "shell", choices=("bash", "zsh", "fish"), help='e.g. eval "$(whichpython completion bash)"'
    )
    commands.add_parser(
        "serve",
        help="answer JSON-RPC 2.0 on stdin/stdout (the protocol of VS Code's Python "
        "environment tools)",
    )
    pet = commands.add_parser(
        "pet",
        help="PET's command line (server, find, resolve), as the whichpython-pet script that "
        "VS Code's Python extensions can run",
        add_help=False,
    )
    pet.add_argument("words", nargs=argparse.REMAINDER, help="pet's arguments (pet --help)")
    return parser


def main(argv: "Sequence[str] | None" = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 failed, 2 bad usage or request).

    Without ``argv`` (a ``whichpython`` process) a ``find``/``list``/``inspect`` is answered
    from its recorded answer while that holds, and recorded when every process it started
    was a probe the probe cache kept (docs/cache.md); the process's output is made safe to
    write (:mod:`whichpython.cli.streams`) and a SIGTERM, SIGHUP or SIGINT kills the running
    probes before it exits (status 128 + the signal's number)."""
    if argv is not None:
        return _run(argv)
    from whichpython.cli.streams import guard, safely

    guard()
    words = sys.argv[1:]
    if words == ["--version"]:  # no parser, no recorded answers, no engine
        return safely(_print_version)
    from whichpython.cli.terminal import cwd_problem

    answers = None if cwd_problem() else _answers(words)
    if answers is not None:
        replayed = answers.replay()
        if replayed is not None:
            return replayed
    from whichpython.cli.signals import stop_probes_on_signals

    stop_probes_on_signals()
    if answers is None:
        return _run(words)
    return answers.record(lambda: _run(words))


def _print_version() -> int:
    from whichpython import _version

    print(f"whichpython {_version()} (Python {sys.version.split()[0]}, {sys.executable})")
    sys.stdout.flush()  # here: a closed or full stdout is reported, not raised at exit
    return EXIT_OK


def _answers(words: "Sequence[str]") -> "Answers | None":
    from whichpython.cli.answers import Answers

    return Answers.for_process(words)


def _run(argv: "Sequence[str]") -> int:
    from whichpython.cli.streams import safely

    return safely(lambda: _dispatch(argv))


def _dispatch(argv: "Sequence[str]") -> int:
    from whichpython.model.errors import InterpreterNotFound, WhichPythonError

    if argv[:1] == ["pet"]:  # its own command line, parsed by it (never a recorded answer)
        from whichpython.cli.pet import run

        return run(argv[1:], prog="whichpython pet")
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "completion":
        from whichpython.cli.completion import script

        sys.stdout.write(script(args.shell, parser))
        sys.stdout.flush()
        return EXIT_OK
    if args.command == "serve":
        from whichpython.server import main as serve

        return serve()
    from whichpython.cli import commands

    command = {
        "inspect": commands.inspect,
        "find": commands.find,
        "list": commands.list_,
        "fix-sysconfig": commands.fix_sysconfig,
        "embed": commands.embed,
        "venv": commands.venv,
        "envs": commands.envs,
    }[args.command]
    try:
        _check_timeout(args)
        code = command(args)
        sys.stdout.flush()  # here, not at exit: a closed pipe or a full disk is caught
        return code
    except InterpreterNotFound as missing:
        return _not_found(missing, args)
    except WhichPythonError as error:
        return _fail(error, getattr(args, "path", None), as_json=args.json)
    except KeyboardInterrupt:
        return 130


def _check_timeout(args: "argparse.Namespace") -> None:
    """A ``--timeout``, ``--deadline``, ``WHICHPYTHON_TIMEOUT`` or ``WHICHPYTHON_DEADLINE``
    that is no usable number of seconds (``inf``, ``nan``, ``1e309``, 0, a word) is a usage
    error naming it, before anything runs."""
    from whichpython.engine.deadline import resolve_deadline
    from whichpython.model.seconds import seconds
    from whichpython.probe.identity import Timeout, resolve_timeout

    if args.timeout is not None:  # a time-out's message names the flag
        args.timeout = Timeout(seconds(args.timeout, "--timeout ", what="timeout"), "--timeout")
    timeout = resolve_timeout(args.timeout, os.environ)
    if getattr(args, "deadline", None) is not None:
        args.deadline = seconds(args.deadline, "--deadline ", what="deadline")
    resolve_deadline(getattr(args, "deadline", None), timeout, os.environ)


def _not_found(missing: "InterpreterNotFound", args: "argparse.Namespace") -> int:
    """No match: the reason and the nearest candidates (``--explain``: all of them)."""
    from whichpython.cli.commands import columns, print_json

    if args.json:
        from whichpython.model.converter import converter

        error = {"kind": missing.kind, "message": missing.message, "request": missing.request}
        error["candidates"] = converter.unstructure(missing.candidates)
        error["skipped"] = converter.unstructure(missing.skipped)
        print_json({"error": error})
        return EXIT_FAILED
    from whichpython.cli.commands import note_deadline
    from whichpython.cli.render import closest, considered_lines, skipped_lines

    print(f"whichpython: error: {missing.message}", file=sys.stderr)
    note_deadline(c.detail for c in missing.candidates)
    width = columns(args, sys.stderr)
    if getattr(args, "explain", True):  # `venv -p` has no --explain: it shows them all
        lines = [*considered_lines(missing.candidates, width), *skipped_lines(missing.skipped)]
    else:
        near = closest(missing.candidates, missing.request)
        lines = ["closest:", *considered_lines(near, width)] if near else []
        lines += skipped_lines(missing.skipped)  # a version file not read may be the reason
        if missing.candidates:
            lines.append("(--explain lists every candidate and why it lost)")
    if lines:
        print("\n".join(lines), file=sys.stderr)
    return EXIT_FAILED


def _fail(error: "WhichPythonError", path: "str | None", *, as_json: bool) -> int:
    from whichpython.model.errors import ConfigError, PathError

    code = EXIT_USAGE if isinstance(error, ConfigError) else EXIT_FAILED
    if as_json:
        from whichpython.cli.commands import print_json

        where = error.path if isinstance(error, PathError) else path
        print_json({"error": {"kind": error.kind, "message": error.message, "path": where}})
    else:
        print(f"whichpython: error: {error.message}", file=sys.stderr)
    return code
