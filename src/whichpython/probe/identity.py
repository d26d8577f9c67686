"""What a probe's answer is keyed on, without what it takes to run one: the probe's hash,
the environment it runs in and its timeout. Imported on the warm path (no ``subprocess``)."""

import functools
import os
import zlib
from collections.abc import Mapping
from typing import Optional

from whichpython.model.seconds import seconds

DEFAULT_TIMEOUT = 5.0


class Timeout(float):
    """A probe timeout in seconds that names the setting it came from (``--timeout``): a
    time-out's message names it (:class:`~whichpython.model.errors.ProbeTimeout`; a plain
    float's is ``WHICHPYTHON_TIMEOUT``)."""

    setting: str

    def __new__(cls, value: float, setting: str) -> "Timeout":
        made = super().__new__(cls, value)
        made.setting = setting
        return made


@functools.cache
def probe_source() -> str:
    """The probe's source code, passed to the interpreter with ``-c``."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_script.py")
    with open(script, encoding="utf-8") as handle:
        return handle.read()


@functools.cache
def probe_hash() -> str:
    """A hash of the probe: cached answers of another probe version never match."""
    data = probe_source().encode("utf-8")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"


def resolve_timeout(timeout: Optional[float], environ: Mapping[str, str]) -> float:
    """The probe timeout: the argument, else ``WHICHPYTHON_TIMEOUT``, else 5 s. Raises
    :class:`~whichpython.model.errors.ConfigError` (a ValueError) for a value that is not a number
    of seconds above 0 and at most a day (:func:`whichpython.model.seconds.seconds`)."""
    if timeout is not None:
        value = seconds(timeout, "timeout=", what="timeout")
        return Timeout(value, timeout.setting) if isinstance(timeout, Timeout) else value
    raw = environ.get("WHICHPYTHON_TIMEOUT", "").strip()
    return seconds(raw, "WHICHPYTHON_TIMEOUT=", what="timeout") if raw else DEFAULT_TIMEOUT


def probe_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without the variables that change what Python reports:
    ``PYTHON*``, the cross-build ``_PYTHON_*`` (``_PYTHON_SYSCONFIGDATA_NAME``, ...) and
    ``__PYVENV_LAUNCHER__``."""
    return {
        key: value
        for key, value in environ.items()
        if not key.upper().lstrip("_").startswith("PYTHON") and key.upper() != "__PYVENV_LAUNCHER__"
    }
