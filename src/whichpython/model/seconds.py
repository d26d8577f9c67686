"""Settings given in seconds — a probe's timeout, a search's deadline, a server request's
deadline — read by one rule, whether they come from an argument, an option or a variable:
a number above 0 and at most a maximum. Anything else (``inf``, ``nan``, ``1e309``, 20
digits, 0, a word) is refused, naming the setting and the value, never clamped."""

import math

from whichpython.model.errors import ConfigError

#: The longest any of them may be (a day): more is a mistake, and ``inf`` overflows the
#: clocks they are measured with.
DAY = 86400.0


def seconds(value: object, name: str, *, what: str, maximum: float = DAY) -> float:
    """``value`` (a number, or its text) as seconds above 0 and at most ``maximum``; else a
    :class:`~whichpython.model.errors.ConfigError` naming the setting and the value. ``name`` ends
    with what stands between the two in the message (``timeout=``, ``--timeout ``,
    ``WHICHPYTHON_DEADLINE=``); ``what`` names the setting's kind (``timeout``)."""
    try:
        number = math.nan if isinstance(value, bool) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int of 400 digits
        if isinstance(value, str):
            raise ConfigError(f"{name}{shown(value)} is not a number of seconds") from None
        number = math.nan
    if not 0 < number <= maximum:  # False for nan, inf
        raise ConfigError(
            f"{name}{shown(value)} is not a usable {what}: give a number of seconds above 0 "
            f"and at most {maximum:g}"
        )
    return number


def shown(value: object) -> str:
    """``value`` for a message: its repr, cut short (an int of 5000 digits has none)."""
    try:
        text = repr(value)
    except ValueError:
        text = f"<{type(value).__name__} too long to show>"
    return text if len(text) <= 40 else text[:37] + "..."
