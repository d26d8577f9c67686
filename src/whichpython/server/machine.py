"""What a refresh and a resolve search besides the configured directories: the whole
machine (the Nix store's Pythons only where the machine uses them), the interpreter a
directory or a bare command names, and the time each phase of a refresh took."""

import contextlib
import os
import time
from collections.abc import Iterator, Mapping
from typing import Callable

from whichpython.model.models import Interpreter
from whichpython.probe.identity import resolve_timeout
from whichpython.server.deadline import RequestDeadline
from whichpython.server.petfiles import pet_names, prefix_python
from whichpython.server.places import command_python
from whichpython.server.protocol import REQUEST_FAILED, RpcError


def search_machine(
    environ: Mapping[str, str], deadline: RequestDeadline, found: Callable[[Interpreter], None]
) -> None:
    """The whole machine, as ``whichpython list`` sees it: ``found`` hears of each
    interpreter as soon as it and every one before it are settled, in that order; of the Nix
    store's own Pythons last, and only of those the machine uses
    (:mod:`whichpython.facts.nixroots`)."""
    from whichpython.engine.discovery import Discovery
    from whichpython.facts.nixroots import STORE_SOURCE, used_store_pythons
    from whichpython.sources.base import Context, working_dir

    store: list[Interpreter] = []

    def settled(python: Interpreter) -> None:
        if python.source == STORE_SOURCE:
            store.append(python)  # marked rooted or not by the search (nix_unrooted)
        else:
            found(python)

    limit = resolve_timeout(None, environ)
    # The request's deadline is the search's: no probe starts after it (progress), and none
    # runs longer than is left.
    Discovery(
        environ=environ, found=settled, progress=deadline.check,
        timeout=deadline.probe_timeout(limit), deadline=deadline.remaining(),
    ).find_all()  # fmt: skip
    for python in used_store_pythons(store, Context(environ, working_dir(environ))):
        found(python)


def resolve_target(executable: str, environ: Mapping[str, str]) -> str:
    """What ``resolve`` inspects, as PET finds it (resolve.rs, resolve_environment): the
    interpreter in a directory (a venv, a ``sys.prefix``), the program a bare command
    (``python3``) runs on the server's PATH, else the path as given. ``RpcError`` (-4) when
    a directory holds none or a command is not on PATH."""
    cause = None
    if os.path.isdir(executable):
        windows = os.name == "nt"
        found = prefix_python(executable, windows=windows)
        cause = f"a directory with no Python interpreter in it (looked for {pet_names(windows)})"
    elif os.path.dirname(executable) or (os.altsep and os.altsep in executable):
        return executable
    else:
        found = command_python(executable, environ)
        cause = "no such command on the server's PATH"
    if found is None:
        data = {"path": executable, "kind": "not-found", "cause": cause}
        raise RpcError(REQUEST_FAILED, f"{executable}: {cause}", data)
    return found


def elapsed_ms(since: float) -> int:
    """Milliseconds since ``since`` (``time.monotonic()``)."""
    return int((time.monotonic() - since) * 1000)


@contextlib.contextmanager
def timed(phases: dict[str, int], phase: str) -> Iterator[None]:
    """Add the milliseconds the block takes to ``phases[phase]`` (PET's breakdown names:
    ``Locators``, ``GlobalVirtualEnvs``, ``Workspaces``)."""
    begun = time.monotonic()
    try:
        yield
    finally:
        phases[phase] = phases.get(phase, 0) + elapsed_ms(begun)
