"""The IDE server's rows of ``run.py``: ``whichpython serve`` driven as the Python
Environments extension drives PET (``configure``, then ``refresh {}``), over the stdio framing
of JSON-RPC, with the same minimal env as the CLI rows.

Per run: ``spawn`` is the wall time from spawning the server to the ``refresh`` response (what
a cold CLI ``list`` is compared with: both start a process and report every interpreter),
``refresh`` the time from the ``refresh`` request to its response. The executables of the
``environment`` notifications are the answer checked against the machine.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from typing import Any


class _Pipe:
    """Content-Length framing over the server's stdout, with a deadline."""

    def __init__(self, proc: subprocess.Popen[bytes], deadline: float) -> None:
        self.proc, self.deadline, self.buffer = proc, deadline, b""

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while True:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if sep:
                fields = dict(line.split(b":", 1) for line in head.split(b"\r\n"))
                length = int(fields[b"Content-Length"])
                if len(rest) >= length:
                    self.buffer = rest[length:]
                    return dict(json.loads(rest[:length]))
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("the server did not answer in time")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError("the server closed its output")
            self.buffer += chunk


def refresh(
    argv: list[str], env: dict[str, str], cwd: str, cache: str, cap: float
) -> tuple[float, float, list[str]] | None:
    """(spawn to refresh answer ms, refresh request to answer ms, environment executables),
    or None when the server hung or failed within ``cap`` seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    pipe = _Pipe(proc, time.monotonic() + cap)
    found: list[str] = []
    try:
        pipe.send({"jsonrpc": "2.0", "id": 1, "method": "configure", "params": {
            "workspaceDirectories": [cwd], "environmentDirectories": [],
            "cacheDirectory": os.path.join(cache, "pet")}})  # fmt: skip
        while pipe.receive().get("id") != 1:
            pass
        asked = time.perf_counter()
        pipe.send({"jsonrpc": "2.0", "id": 2, "method": "refresh", "params": {}})
        while True:
            message = pipe.receive()
            if message.get("method") == "environment":
                executable = message.get("params", {}).get("executable")
                if executable:
                    found.append(executable)
            elif message.get("id") == 2:
                break
        done = time.perf_counter()
        return (done - start) * 1000, (done - asked) * 1000, found
    except (TimeoutError, EOFError, ValueError):
        return None
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
