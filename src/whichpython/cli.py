"""The ``whichpython`` command line (also ``python -m whichpython``)."""

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from typing import Any, Optional

from whichpython.errors import ConfigError, InterpreterError, WhichPythonError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="whichpython",
        description="Find the Python interpreters on this machine and tell the truth about each.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    inspect = commands.add_parser(
        "inspect",
        help="describe one interpreter",
        description="Run the probe in one interpreter (or use the cached answer) and describe it.",
    )
    inspect.add_argument("path", metavar="PATH", help="an interpreter's path, or a name on PATH")
    inspect.add_argument("--json", action="store_true", help="print the full JSON (docs/schema.md)")
    inspect.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="probe timeout (default: $WHICHPYTHON_TIMEOUT or 5)",
    )
    inspect.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 failed, 2 bad usage)."""
    args = _parser().parse_args(argv)
    try:
        return _inspect(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_FAILED


def _inspect(args: argparse.Namespace) -> int:
    from whichpython.inspection import inspect_interpreter

    path = _locate(args.path)
    try:
        interpreter = inspect_interpreter(path, timeout=args.timeout, cache=not args.no_cache)
    except WhichPythonError as error:
        return _fail(error, path, as_json=args.json)
    if args.json:
        from whichpython.serialization import interpreter_to_json

        _print_json(interpreter_to_json(interpreter))
    else:
        from whichpython.render import describe

        print(describe(interpreter))
    return EXIT_OK


def _locate(name: str) -> str:
    """A bare name that is not a file here is looked up on PATH, like a shell would."""
    if os.sep in name or (os.altsep and os.altsep in name) or os.path.lexists(name):
        return name
    return shutil.which(name) or name


def _fail(error: WhichPythonError, path: str, *, as_json: bool) -> int:
    code = EXIT_USAGE if isinstance(error, ConfigError) else EXIT_FAILED
    if as_json:
        where = error.path if isinstance(error, InterpreterError) else path
        _print_json({"error": {"kind": error.kind, "message": error.message, "path": where}})
    else:
        print(f"whichpython: error: {error.message}", file=sys.stderr)
    return code


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))
