"""The server that ``whichpython-pet find`` and ``resolve`` ask, in their own process (a
module of its own so that ``whichpython-pet --version`` imports none of the server)."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from typing import Any

from whichpython.server.protocol import Connection

_MARGIN = 10.0  # seconds past the server's deadline a request's answer is waited for


class Collector(Connection):
    """The server's messages, kept instead of written: responses by id, the ``manager`` and
    ``environment`` notifications in order; ``log`` goes to stderr (info and debug only
    with ``--verbose``, as PET logs warnings by default)."""

    def __init__(self, verbose: bool, prog: str) -> None:  # no writer: nothing is written
        self.verbose, self.prog = verbose, prog
        self.lock = threading.Lock()
        self.found: list[tuple[str, dict[str, Any]]] = []
        self.responses: dict[int, dict[str, Any]] = {}
        self.answered = threading.Condition(self.lock)

    def _send(self, message: dict[str, Any]) -> bool:
        method = message.get("method")
        with self.lock:
            if method in ("manager", "environment"):
                self.found.append((method, message["params"]))
            elif method == "log":
                level, text = message["params"]["level"], message["params"]["message"]
                if self.verbose or level in ("warning", "error"):
                    print(f"{self.prog}: {level}: {text}", file=sys.stderr)
            elif method is None and isinstance(message.get("id"), int):
                self.responses[message["id"]] = message
                self.answered.notify_all()
        return True


class Session:
    """A server in this process, asked one request at a time."""

    def __init__(self, deadline: float, verbose: bool, prog: str) -> None:
        from whichpython.server.protocol import Dispatcher
        from whichpython.server.service import Server

        self.deadline = deadline
        self.connection = Collector(verbose, prog)
        self.dispatcher = Dispatcher(self.connection, Server(self.connection, os.environ).methods())
        self.ids = 0

    def ask(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The response to one request (a ``REQUEST_FAILED`` error if none came in time)."""
        self.ids += 1
        message = {"jsonrpc": "2.0", "id": self.ids, "method": method, "params": params}
        self.dispatcher.dispatch(message)
        end = time.monotonic() + self.deadline + _MARGIN
        with self.connection.answered:
            while self.ids not in self.connection.responses:
                left = end - time.monotonic()
                if left <= 0:
                    return {"error": {"code": -4, "message": f"{method}: no answer in time"}}
                self.connection.answered.wait(left)
            return self.connection.responses.pop(self.ids)

    def configure(self, args: argparse.Namespace, workspace: list[str]) -> str | None:
        """``configure`` with the flags; the error's message if the server refused it."""
        params: dict[str, Any] = {"workspaceDirectories": workspace}
        given = getattr(args, "environment_directories", None) or []
        params["environmentDirectories"] = [d for text in given for d in text.split(",") if d]
        if args.cache_directory:
            params["cacheDirectory"] = args.cache_directory
        for tool in ("conda", "pipenv", "poetry"):
            value = getattr(args, f"{tool}_executable", None)
            if value:
                params[f"{tool}Executable"] = value
        error = self.ask("configure", params).get("error")
        return None if error is None else str(error["message"])

    def close(self, code: int) -> None:
        """Work still running (a request answered at its deadline): stop its probes and
        exit with ``code`` now, as the server does."""
        from whichpython.server.deadline import working

        if working():
            from whichpython.probe import process

            process.stop_all(code)
            sys.stderr.flush()
            os._exit(code)
