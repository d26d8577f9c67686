"""What a TOML file may cost to parse (docs/security.md, "What whichpython reads, and how").

The TOML files whichpython reads (``pyproject.toml``, ``pixi.toml``, a Pipfile, the tools'
configs) are read for a few keys each, yet a parser builds all of a file. :mod:`tomllib` is
quadratic in the parts of one dotted key (``a.a.a...=1``: 10,000 parts take 7 s and 400 MB)
and spends about 1 KB per table it makes, so a file is parsed only when it is:

- at most :data:`TOML_LIMIT` bytes (a large real ``pyproject.toml`` holds 40 KB);
- holds at most :data:`STRUCTURE_LIMIT` dots, ``[`` and ``{`` (each key part, table or
  array costs one at least; a large real file holds 2,000);
- has no dotted key (or table header) of more than :data:`KEY_PARTS` parts.

Otherwise it is refused with a reason (:class:`TomlRefused`), as is a file whose values
Python will not read (an integer of more than 4300 digits) or that nests deeper than the
parser can recurse.
"""

import re
import sys
from typing import Optional

#: Bytes of a TOML file read at most.
TOML_LIMIT = 256 * 1024
#: Dots, ``[`` and ``{`` a TOML file may hold: the tables and key parts it can make.
STRUCTURE_LIMIT = 16 * 1024
#: Parts of one dotted key or table header.
KEY_PARTS = 64

_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_long_key: Optional["re.Pattern[str]"] = None


class TomlRefused(ValueError):
    """A TOML file that is not parsed, or not used: ``reason`` says why (no path)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_cost(text: str) -> None:
    """Raise :class:`TomlRefused` unless ``text`` is cheap to parse (see the module)."""
    structure = text.count(".") + text.count("[") + text.count("{")
    if structure > STRUCTURE_LIMIT:
        raise TomlRefused(
            f"holds {structure} dots and brackets, more than the {STRUCTURE_LIMIT} a config "
            "file needs (not parsed: its tables would cost too much)"
        )
    if text.count(".") >= KEY_PARTS and _has_long_key(text):
        raise TomlRefused(f"has a dotted key of more than {KEY_PARTS} parts (not parsed)")


def _has_long_key(text: str) -> bool:
    """Whether ``text`` holds a run of more than :data:`KEY_PARTS` key parts joined by
    dots, anywhere (in a string too: a value is never parsed as a key, but such a string
    is no real config). Possessive quantifiers and a word start keep the scan linear;
    they exist on Python 3.11+, the only ones that parse with :mod:`tomllib` (the subset
    reader of 3.9 and 3.10 is linear in a key's parts)."""
    global _long_key
    if sys.version_info < (3, 11):
        return False  # pragma: no cover (3.9, 3.10)
    if _long_key is None:
        _long_key = re.compile(
            rf"(?<![A-Za-z0-9_-]){_PART}(?:[ \t]*+\.[ \t]*+{_PART}){{{KEY_PARTS}}}"
        )
    return _long_key.search(text) is not None
