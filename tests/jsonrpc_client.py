"""A JSON-RPC 2.0 client process for `whichpython serve` tests, with its own framing code
(it imports nothing from whichpython, so the server's framing is checked against another
implementation).

    python jsonrpc_client.py --write-fd W --read-fd R --plan PLAN.json

talks to a server through two inherited pipe ends, follows the plan, and prints the
transcript on stdout, one JSON object a line: ``{"sent": message}``, ``{"sent_raw": n}``
(n raw bytes) or ``{"received": message}``. Plan steps (a JSON array):

- ``{"send": message}``: frame and send a message;
- ``{"raw": text}``: send these bytes (latin-1) as they are;
- ``{"fill": [char, count]}``: send ``count`` copies of a byte, in chunks;
- ``{"expect": id}``: read until the response to ``id`` has arrived;
- ``{"expect_notification": method, "count": n}``: read until ``n`` (default 1) such
  notifications have arrived;
- ``{"expect_errors": n}``: read until ``n`` error responses with a null ``id`` have
  arrived in all (the answers to frames that could not be used);
- ``{"wait_file": path}``: wait until a file exists (what a test's fake interpreter writes
  when it starts);
- ``{"exit": true}``: print the transcript so far and die at once (``os._exit``), leaving
  the server with a client that disconnected.

After the last step it closes its write end and reads until the server closes its own.
Exit status 0, or 3 when a wait timed out (``--timeout`` seconds, 120 by default).
"""

import argparse
import json
import os
import select
import sys
import time
from typing import Any, Optional

_CHUNK = 1 << 16


class Client:
    def __init__(self, write_fd: int, read_fd: int, timeout: float) -> None:
        self.write_fd, self.read_fd, self.timeout = write_fd, read_fd, timeout
        self.buffer = b""
        self.eof = False
        self.transcript: list[dict[str, Any]] = []
        self.received: list[Any] = []

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.write_fd, view) :]

    def send(self, message: Any) -> None:
        body = json.dumps(message).encode("utf-8")
        self.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.transcript.append({"sent": message})

    def raw(self, data: bytes) -> None:
        self.write(data)
        self.transcript.append({"sent_raw": len(data)})

    def _message(self) -> Optional[Any]:
        """One whole message from the buffer, if it holds one."""
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        length = None
        for line in self.buffer[:end].split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length is None:
            raise SystemExit(f"server sent a frame without Content-Length: {self.buffer[:200]!r}")
        if len(self.buffer) < end + 4 + length:
            return None
        body = self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]
        return json.loads(body)

    def pump(self, deadline: float) -> bool:
        """Read what is there (waiting until ``deadline``); False at EOF or time-out."""
        while True:
            message = self._message()
            if message is not None:
                self.received.append(message)
                self.transcript.append({"received": message})
                return True
            if self.eof:
                return False
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                return False
            chunk = os.read(self.read_fd, _CHUNK)
            if not chunk:
                self.eof = True
            self.buffer += chunk

    def wait_for(self, test: Any, count: int = 1) -> bool:
        """Read until ``count`` received messages pass ``test``; False on a time-out or EOF."""
        deadline = time.monotonic() + self.timeout
        while sum(1 for message in self.received if test(message)) < count:
            if not self.pump(deadline):
                return False
        return True

    def dump(self) -> None:
        for entry in self.transcript:
            sys.stdout.write(json.dumps(entry) + "\n")
        sys.stdout.flush()


def run(client: Client, plan: list[dict[str, Any]]) -> int:
    for step in plan:
        if "send" in step:
            client.send(step["send"])
        elif "raw" in step:
            client.raw(step["raw"].encode("latin-1"))
        elif "fill" in step:
            char, count = step["fill"]
            block = char.encode("latin-1") * _CHUNK
            while count > 0:
                client.write(block[: min(count, _CHUNK)])
                count -= min(count, _CHUNK)
            client.transcript.append({"sent_raw": step["fill"][1]})
        elif "expect" in step:
            wanted = step["expect"]
            if not client.wait_for(lambda m, w=wanted: "method" not in m and m.get("id") == w):
                client.dump()
                return 3
        elif "expect_notification" in step:
            method, count = step["expect_notification"], step.get("count", 1)
            if not client.wait_for(
                lambda m, n=method: m.get("method") == n and "id" not in m, count
            ):
                client.dump()
                return 3
        elif "expect_errors" in step:
            count = step["expect_errors"]
            if not client.wait_for(lambda m: "error" in m and m.get("id") is None, count):
                client.dump()
                return 3
        elif "wait_file" in step:
            deadline = time.monotonic() + client.timeout
            while not os.path.exists(step["wait_file"]):
                if time.monotonic() > deadline:
                    client.dump()
                    return 3
                client.pump(time.monotonic() + 0.05)
        elif step.get("exit"):
            client.dump()
            os._exit(0)
    os.close(client.write_fd)
    deadline = time.monotonic() + client.timeout
    while client.pump(deadline):
        pass
    client.dump()
    return 0 if client.eof else 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-fd", type=int, required=True)
    parser.add_argument("--read-fd", type=int, required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    with open(args.plan, encoding="utf-8") as file:
        plan = json.load(file)
    return run(Client(args.write_fd, args.read_fd, args.timeout), plan)


if __name__ == "__main__":
    sys.exit(main())
