"""What a probe's answer is keyed on, without what it takes to run one: the probe's hash,
the environment it runs in and its timeout. Imported on the warm path (no ``subprocess``)."""

import functools
import math
import os
import zlib
from collections.abc import Mapping
from typing import Optional

from whichpython.errors import ConfigError

DEFAULT_TIMEOUT = 5.0
#: The longest probe timeout accepted (a day): more is a mistake, and ``inf`` overflows the
#: clocks the probe is timed with.
MAX_TIMEOUT = 86400.0


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
    :class:`~whichpython.errors.ConfigError` (a ValueError) for a value that is not a number
    of seconds above 0 and at most :data:`MAX_TIMEOUT` (``inf``, ``nan``, ``1e309``, 20
    digits: no clamping, the setting is named)."""
    if timeout is not None:
        return check_timeout(timeout, "timeout=")
    raw = environ.get("WHICHPYTHON_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        float(raw)
    except ValueError:
        raise ConfigError(f"WHICHPYTHON_TIMEOUT={_shown(raw)} is not a number of seconds") from None
    return check_timeout(raw, "WHICHPYTHON_TIMEOUT=")


def check_timeout(value: object, name: str) -> float:
    """``value`` (a number, or its text) as seconds: above 0, at most :data:`MAX_TIMEOUT`;
    else a :class:`~whichpython.errors.ConfigError` naming the setting and the value
    (``name`` ends with what comes between them: ``timeout=``, ``--timeout ``)."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int of 400 digits
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT:  # False for nan, inf
        raise ConfigError(
            f"{name}{_shown(value)} is not a usable timeout: give a number of seconds above 0 "
            f"and at most {MAX_TIMEOUT:g}"
        )
    return seconds


def _shown(value: object) -> str:
    """``value`` for a message: its repr, cut short (an int of 5000 digits has none)."""
    try:
        text = repr(value)
    except ValueError:
        text = f"<{type(value).__name__} too long to show>"
    return text if len(text) <= 40 else text[:37] + "..."


def probe_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without the variables that change what Python reports:
    ``PYTHON*``, the cross-build ``_PYTHON_*`` (``_PYTHON_SYSCONFIGDATA_NAME``, ...) and
    ``__PYVENV_LAUNCHER__``."""
    return {
        key: value
        for key, value in environ.items()
        if not key.upper().lstrip("_").startswith("PYTHON") and key.upper() != "__PYVENV_LAUNCHER__"
    }
