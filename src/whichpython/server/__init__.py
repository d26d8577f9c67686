"""``whichpython serve``: JSON-RPC 2.0 over stdio with ``Content-Length`` framing, speaking
the protocol of microsoft/python-environment-tools (docs/server.md).

A reader thread turns frames into calls (``info`` is answered while the methods' modules
are still being imported: :mod:`whichpython.server.startup`); refresh, resolve and find run
in worker threads;
the main thread waits until the client is gone (EOF on stdin, or a failed write on
stdout), then exits 0 at once, stopping whatever probes are still running.
"""

import os
import sys
import threading
from typing import Any


def main() -> int:
    """Serve JSON-RPC on stdin/stdout until the client closes them; returns the exit status."""
    from whichpython.model.errors import ConfigError
    from whichpython.server.deadline import default_deadline, working
    from whichpython.server.framing import FrameReader, FrameWriter
    from whichpython.server.protocol import Connection, Dispatcher
    from whichpython.server.startup import Methods

    try:
        default_deadline(os.environ)
    except ConfigError as error:
        sys.stderr.write(f"whichpython: error: {error}\n")
        return 2
    try:  # the protocol gets its own descriptor; a stray print goes to stderr instead
        out = os.dup(1)
        os.dup2(2, 1)
    except OSError:
        out = 1
    gone = threading.Event()
    writer = FrameWriter(lambda data: os.write(out, data), gone.set)
    connection = Connection(writer)
    methods = Methods(lambda: _service(connection))
    dispatcher = Dispatcher(connection, methods)
    reader = threading.Thread(
        target=_read_loop, args=(FrameReader(_read), dispatcher, gone), daemon=True
    )
    reader.start()
    code = 0
    try:
        gone.wait()
    except KeyboardInterrupt:
        code = 130
    writer.close()
    if dispatcher.busy or reader.is_alive() or methods.thread.is_alive() or working():
        # Work in flight (or a reader blocked on a client that closed only stdout): abandon
        # it. Interpreter shutdown would wait for the probe pool's threads; exit now.
        _stop_children()
        sys.stderr.flush()
        os._exit(code)
    return code


def _service(connection: Any) -> Any:
    """The methods of :class:`~whichpython.server.service.Server` (the heavy imports)."""
    from whichpython.server.service import Server

    return Server(connection, os.environ).methods()


def _read(size: int) -> bytes:
    """Read stdin's descriptor directly: no buffered reader whose lock a thread could hold."""
    try:
        return os.read(0, size)
    except OSError:  # EBADF, EIO: as good as EOF
        return b""


def _read_loop(reader: Any, dispatcher: Any, gone: threading.Event) -> None:
    try:
        while not gone.is_set():
            frame = reader.read()
            if frame is None:
                break
            dispatcher.handle(frame)
            del frame  # not kept while the next read waits: a request holds its params only
    finally:
        gone.set()


def _stop_children() -> None:
    """Kill the probes this process started that still run (each leads its own process
    group, so its group goes too). Linux only (``/proc``); elsewhere they finish alone."""
    if sys.platform == "win32":
        return
    import signal

    me = os.getpid()
    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            if int(fields[1]) != me:  # the parent pid, after the state
                continue
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            continue
