"""The CLI's signal handling: a signal that ends a ``whichpython`` (or ``whichpython-pet``)
process ends the probes it runs too."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from typing import Any


def stop_probes_on_signals() -> None:
    """SIGTERM, SIGHUP, SIGINT: kill every running probe's process group (each probe leads
    its own session, so a signal to this process or its group does not reach them), then
    exit with 128 + the signal's number, quietly. A signal ignored (``nohup``) or handled
    by the embedding program stays so."""
    import signal

    def stop(signo: int, frame: Any) -> None:
        status = 128 + signo
        process = sys.modules.get("whichpython.probe.process")  # no probe ran if not loaded
        starting = process is not None and process.stop_all(status)
        if not stopping:
            stopping.append(status)
            if not starting:  # else the probe being started raises, once it is listed
                raise SystemExit(status)

    stopping: list[int] = []
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        signo = getattr(signal, name, None)
        if signo is not None and signal.getsignal(signo) in (
            signal.SIG_DFL,
            signal.default_int_handler,
        ):
            signal.signal(signo, stop)
