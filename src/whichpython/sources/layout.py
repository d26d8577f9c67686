"""What the environment sources share to read a tool's layout: capped directory listings,
the candidate of an env directory, paths compared, a ``.project`` file, a setting's ``~`` and
``$NAME``, and the few TOML keys they need (``pyproject.toml``, a Pipfile, a tool's config).

TOML is read with :mod:`tomllib` on Python 3.11+. On 3.9 and 3.10 (no tomllib, and no tomli
dependency) :func:`parse_toml_subset` reads the part of TOML these keys are written in:
``[table]`` headers, ``key = value`` lines with bare, quoted or dotted keys, and values that
are strings (basic or literal, one line), booleans, numbers, or arrays of these (which may
span lines, with comments). Anything else (inline tables, multi-line strings, dates, arrays
of tables) is skipped, never guessed.
"""

import itertools
import json
import os
import re
import sys
from typing import Any, Optional

from whichpython.files import SMALL, FileRefused, read_text, warn_once
from whichpython.sources.base import Candidate, Context, Hints, venv_hints
from whichpython.sources.pyvenv import directory_python
from whichpython.sources.tomlcost import TOML_LIMIT, TomlRefused, check_cost

#: Directory entries read per listing: a tool's env dir holds far fewer; a hostile one more.
SCAN_LIMIT = 1000
_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def child_dirs(
    path: str, *, hidden: bool = False, limit: int = SCAN_LIMIT, ordered: bool = True
) -> list[str]:
    """Names of the directories in ``path`` (links to directories included), sorted (in the
    order the directory lists them unless ``ordered``: a tool that globs without sorting);
    names starting with ``.`` only if ``hidden``. At most ``limit`` entries are read; empty
    when ``path`` is missing or unreadable."""
    return _names(path, "is_dir", hidden, limit, ordered)


def child_files(path: str, *, hidden: bool = False, limit: int = SCAN_LIMIT) -> list[str]:
    """Names of the files in ``path``, as :func:`child_dirs` lists directories."""
    return _names(path, "is_file", hidden, limit)


def _names(path: str, test: str, hidden: bool, limit: int, ordered: bool = True) -> list[str]:
    names = []
    try:
        with os.scandir(path) as entries:
            for entry in itertools.islice(entries, limit):
                if (hidden or not entry.name.startswith(".")) and _holds(entry, test):
                    names.append(entry.name)
            more = next(entries, None) is not None
    except OSError:
        return []
    if more:  # named once per process (the output of `envs`, `list`, the server's log)
        warn_once(f"{path}: only its first {limit} entries were looked at (it has more)")
    return sorted(names) if ordered else names


def _holds(entry: "os.DirEntry[str]", test: str) -> bool:
    try:
        return bool(getattr(entry, test)())
    except OSError:
        return False


def is_venv(folder: str) -> bool:
    """Whether ``folder`` holds a ``pyvenv.cfg`` (anything but a directory, as for
    :func:`whichpython.sources.pyvenv.find_pyvenv_cfg`)."""
    cfg = os.path.join(folder, "pyvenv.cfg")
    return os.path.lexists(cfg) and not os.path.isdir(cfg)


def env_candidate(
    env: str, source: str, ctx: Context, project: Optional[str] = None
) -> Optional[Candidate]:
    """The candidate of the venv at ``env``: its interpreter (a dangling link too: the
    engine reports why it fails) with the pyvenv.cfg hints. A venv without an interpreter is
    a candidate of the directory with a ``problem``; a directory that is no venv, or one in a
    project found by walking up that another user controls (:meth:`Context.distrusted`), is
    None."""
    if not is_venv(env) or ctx.distrusted(env):
        return None
    python = directory_python(env, windows=ctx.windows)
    if python is None:
        what = "Scripts\\python.exe" if ctx.windows else "bin/python3 or bin/python"
        return Candidate(env, source, Hints(venv=True), f"the venv has no {what}", project)
    return Candidate(python, source, venv_hints(python, ctx) or Hints(venv=True), None, project)


def same_path(first: str, second: str) -> bool:
    """Whether two absolute paths name the same file: spelled alike (case-folded where the OS
    does), or alike once links are resolved."""
    fold = os.path.normcase
    if fold(os.path.normpath(first)) == fold(os.path.normpath(second)):
        return True
    return fold(os.path.realpath(first)) == fold(os.path.realpath(second))


def project_file(path: str, ctx: Context) -> Optional[str]:
    """The absolute project directory a ``.project`` file names (pipenv, virtualenvwrapper);
    None when it is missing, not one line holding an absolute path, or refused (a FIFO, a
    device, too large: noted in ``ctx.skipped``, never opened)."""
    text = (read_small(path, ctx, 4096) or "").strip()
    if ctx.windows:
        import ntpath  # here: Windows paths only

        absolute = ntpath.isabs(text)
    else:
        absolute = os.path.isabs(text)
    return text if text and "\n" not in text and absolute else None


def expand(value: str, ctx: Context) -> str:
    """``value`` with a leading ``~`` and ``$NAME``/``${NAME}`` taken from the context's
    environment (not the process's); unknown variables are left as they are."""

    def variable(found: "re.Match[str]") -> str:
        name = found.group(1) or found.group(2)
        return ctx.environ.get(name, found.group(0))

    if "$" in value:
        value = _VARIABLE.sub(variable, value)
    if value == "~" or value.startswith(("~/", "~\\")):
        value = ctx.home + value[1:]
    return value


def read_small(path: str, ctx: Optional[Context], limit: int = SMALL) -> Optional[str]:
    """The text of the file at ``path`` (a marker, a redirect, a config); None when it is
    missing, unreadable, or refused (not a regular file, over ``limit`` bytes, or in a
    project found by walking up and controlled by another user: :meth:`Context.distrusted`;
    noted in ``ctx.skipped``, never opened)."""
    if ctx is not None and ctx.distrusted(path):
        return None
    try:
        return read_text(path, limit)
    except FileRefused as refused:
        if ctx is not None:
            ctx.skip(path, refused.reason)
        return None
    except OSError:
        return None


def read_toml(path: str, ctx: Optional[Context] = None) -> dict[str, Any]:
    """The top-level table of the TOML file at ``path``; empty when it is missing,
    unreadable, invalid, or refused (over 256 KiB, too costly to parse, a value Python will
    not read: see :mod:`whichpython.sources.tomlcost`; noted in ``ctx.skipped``)."""
    text = read_small(path, ctx, TOML_LIMIT)
    if text is None:
        return {}
    try:
        return load_toml(text)
    except TomlRefused as refused:
        if ctx is not None:
            ctx.skip(path, refused.reason)
        return {}


def parse_toml(text: str) -> dict[str, Any]:
    """TOML text as a dict (:func:`load_toml`); empty when invalid or refused."""
    try:
        return load_toml(text)
    except TomlRefused:
        return {}


def load_toml(text: str) -> dict[str, Any]:
    """TOML text as a dict (:mod:`tomllib`, else :func:`parse_toml_subset`), empty when
    invalid; raises :class:`TomlRefused` for text too costly to parse, nested too deep, or
    with a value Python will not read (an integer of more than 4300 digits)."""
    check_cost(text)
    try:
        if sys.version_info >= (3, 11):
            import tomllib

            try:
                return tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                return {}
        return parse_toml_subset(text)  # pragma: no cover (3.9, 3.10)
    except RecursionError:
        raise TomlRefused("nests deeper than the parser can follow (not parsed)") from None
    except ValueError as exc:  # int('1' * 5000): "Exceeds the limit (4300 digits) for ..."
        cause = str(exc).split(":")[0]
        raise TomlRefused(f"holds a value Python will not read ({cause})") from None


def lookup(table: dict[str, Any], *keys: str) -> Any:
    """``table[k1][k2]...``, or None when a level is missing or not a table."""
    value: Any = table
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


# -- the TOML subset reader (Python 3.9, 3.10) -----------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_NUMBER = re.compile(r"[+-]?\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?")
_SKIP = object()  # a value of a kind the subset does not read


def parse_toml_subset(text: str) -> dict[str, Any]:
    """The tables, strings, booleans, numbers and arrays of ``text`` (see the module's
    docstring); keys under an ``[[array of tables]]`` and values of other kinds are left
    out."""
    root: dict[str, Any] = {}
    table: Optional[dict[str, Any]] = root
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            array = line.startswith("[[")
            keys, rest = _keys(line[2 if array else 1 :])
            closed = rest.startswith("]]" if array else "]")
            table = _descend(root, keys) if keys and closed and not array else None
            continue
        keys, rest = _keys(line)
        if not keys or not rest.startswith("="):
            continue
        value_text = rest[1:].strip()
        quote = value_text[:3]
        if quote in ('"""', "'''") and value_text.count(quote) < 2:
            while index < len(lines) and quote not in lines[index]:
                index += 1  # a multi-line string's lines are not keys
            index += 1
            continue
        depth = _bracket_depth(value_text) if value_text.startswith("[") else 0
        more = []
        while depth > 0 and index < len(lines):  # an array that goes on over the next lines
            more.append(lines[index])
            depth += _bracket_depth(lines[index])  # each line once: strings end with it
            index += 1
        value_text = "\n".join([value_text, *more])
        value, _ = _value(value_text, 0)
        target = _descend(table, keys[:-1]) if table is not None else None
        if target is not None and value is not _SKIP:
            target[keys[-1]] = value
    return root


def _keys(text: str) -> tuple[list[str], str]:
    """A dotted key at the start of ``text`` (bare or quoted parts) and the text after it."""
    keys: list[str] = []
    position = 0
    while True:
        while position < len(text) and text[position] in " \t":
            position += 1
        if text[position : position + 1] in ('"', "'"):
            value, position = _string(text, position)
            if not isinstance(value, str):
                return [], ""
            keys.append(value)
        else:
            found = _BARE_KEY.match(text, position)
            if found is None:
                return [], ""
            keys.append(found.group())
            position = found.end()
        while position < len(text) and text[position] in " \t":
            position += 1
        if text[position : position + 1] != ".":
            return keys, text[position:]
        position += 1


def _descend(table: dict[str, Any], keys: list[str]) -> Optional[dict[str, Any]]:
    """The table at ``keys`` under ``table``, made where missing; None where a key holds a
    value that is not a table."""
    for key in keys:
        table = table.setdefault(key, {})
        if not isinstance(table, dict):
            return None
    return table


def _bracket_depth(text: str) -> int:
    """How many more ``[`` than ``]`` ``text`` holds outside strings and comments."""
    depth, position = 0, 0
    while position < len(text):
        char = text[position]
        if char in ('"', "'"):
            _, position = _string(text, position)
            continue
        if char == "#":
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        position += 1
    return depth


def _value(text: str, position: int) -> tuple[Any, int]:
    """The value starting at ``position`` and the position after it (``_SKIP`` for a value
    the subset does not read)."""
    char = text[position : position + 1]
    if char in ('"', "'"):
        return _string(text, position)
    if char == "[":
        return _array(text, position + 1)
    for word, meaning in (("true", True), ("false", False)):
        if text.startswith(word, position):
            return meaning, position + len(word)
    found = _NUMBER.match(text, position)
    if found is not None and text[found.end() : found.end() + 1] in ("", *" \t\r\n,]#"):
        number = found.group().replace("_", "")
        return (float(number) if found.group(1) or found.group(2) else int(number)), found.end()
    return _SKIP, len(text)


def _array(text: str, position: int) -> tuple[Any, int]:
    items: list[Any] = []
    while True:
        position = _blank(text, position)
        if position >= len(text):
            return _SKIP, position
        if text[position] == "]":
            return (_SKIP if _SKIP in items else items), position + 1
        value, position = _value(text, position)
        items.append(value)
        position = _blank(text, position)
        if text[position : position + 1] == ",":
            position += 1
        elif text[position : position + 1] != "]":
            return _SKIP, len(text)


def _blank(text: str, position: int) -> int:
    """The position after whitespace, newlines and comments."""
    while position < len(text):
        if text[position] in " \t\r\n":
            position += 1
        elif text[position] == "#":
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
        else:
            break
    return position


def _string(text: str, position: int) -> tuple[Any, int]:
    """A one-line basic (``"..."``, JSON-like escapes) or literal (``'...'``) string."""
    quote = text[position]
    if text.startswith(quote * 3, position):
        return _SKIP, len(text)  # multi-line strings are not read
    end = position + 1
    while end < len(text) and text[end] != quote and text[end] != "\n":
        end += 2 if quote == '"' and text[end] == "\\" else 1
    if end >= len(text) or text[end] != quote:
        return _SKIP, len(text)
    body = text[position + 1 : end]
    if quote == "'":
        return body, end + 1
    try:
        return json.loads(f'"{body}"'), end + 1
    except ValueError:
        return _SKIP, end + 1


#: One of the hook scripts virtualenvwrapper's user_scripts plugin writes into every env it
#: makes (a pipenv env in the same ``$WORKON_HOME`` has none).
_HOOK = "postactivate"


def has_hooks(env: str, ctx: Context) -> bool:
    """Whether ``env`` has virtualenvwrapper's per-env hook scripts (a plain env has none)."""
    return os.path.isfile(os.path.join(env, "Scripts" if ctx.windows else "bin", _HOOK))


_RECORD = re.compile(r"^python-(\d+\.\d+\.\d+[^-]*)-")


def prefix_hints(prefix: str) -> Hints:
    """The Python version a conda prefix (conda's, pixi's) records in ``conda-meta``."""
    import glob  # here: glob and fnmatch only for a conda prefix

    for record in glob.glob(os.path.join(glob.escape(prefix), "conda-meta", "python-[0-9]*.json")):
        found = _RECORD.match(os.path.basename(record))
        if found:
            return Hints(version=found.group(1), venv=False)
    return Hints(venv=False)
