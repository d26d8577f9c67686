"""The server's first moments: ``info`` is answered, and frames are read, while the methods'
modules are still being imported in a thread of their own (the service, then what a refresh
searches with). Any other request waits for them, on the reading thread, so requests are
still taken in the order they came."""

import importlib
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Callable, Optional

from whichpython.server.protocol import Method

#: Imported with the service, before any request but ``info`` is taken: what the first
#: ``refresh`` would otherwise import on its way (~20-30 ms of its answer).
WARM_MODULES = (
    "whichpython.engine.discovery",
    "whichpython.engine.projects",
    "whichpython.facts.nixroots",
    "whichpython.request.specifiers",
    "packaging.specifiers",
)


def info(params: Any) -> dict[str, Any]:
    """PET's ``info`` (``petVersion``, which the extensions read) and whichpython's own
    ``name`` and ``version``; ``petVersion`` is whichpython's version too."""
    from whichpython import _version

    version = _version()
    return {"petVersion": version, "name": "whichpython", "version": version}


class Methods(Mapping[str, Method]):
    """The server's methods, made by ``load`` in a thread started now; ``info`` at once,
    the others once ``load`` has returned (it raises its error again, if it failed)."""

    def __init__(self, load: Callable[[], Mapping[str, Method]]) -> None:
        self._info = Method(info)
        self._loaded: Optional[Mapping[str, Method]] = None
        self._error: Optional[BaseException] = None
        self._load = load
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="whichpython-load", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            loaded = self._load()
            for name in WARM_MODULES:
                importlib.import_module(name)
            self._loaded = loaded
        except BaseException as error:  # handed to the first request that needs it
            self._error = error
        finally:
            self._ready.set()

    def _methods(self) -> Mapping[str, Method]:
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self._loaded is not None
        return self._loaded

    def __getitem__(self, name: str) -> Method:
        return self._info if name == "info" else self._methods()[name]

    def get(self, name: str, default: Any = None) -> Any:
        if name == "info":
            return self._info
        return self._methods().get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._methods())

    def __len__(self) -> int:
        return len(self._methods())
