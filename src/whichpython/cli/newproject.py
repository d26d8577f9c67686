"""Whether an answer recorded for any directory (:meth:`whichpython.cli.witness.Witness.upward`)
also holds in a new project's directory: one whose only project files are a
``pyproject.toml`` and/or a ``Pipfile``, when no tool has an environment for that project
(docs/cache.md, "Recorded CLI answers"). The engine would then find what it finds in a
directory without project files: the project's tools are asked (``sources/project.py``) and
each yields nothing. Decided without the engine and without a TOML parser, conservatively:
anything that may give the project an env, or move where a tool looks for one, sends the
run to the engine. Checked afresh on every replay (nothing of it is recorded), so an env
made for the project later is seen. Imports nothing of the engine."""

import os
import sys

from whichpython import envplaces
from whichpython.files import distrust, read_bytes

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from collections.abc import Mapping

#: The project files a new project may hold (the others: a ``.venv``, a version file, pixi's
#: and conda's, hatch.toml, ... make the answer the directory's own).
MARKERS = frozenset({"pyproject.toml", "Pipfile"})
#: Files in the project directory that name an env or move one: poetry's and pdm's project
#: settings, pdm's saved interpreter and lock file (a pdm project's ``venv``/``env``), hatch's
#: in-project env dir, tox's work dir.
TOOL_FILES = ("poetry.toml", "pdm.toml", ".pdm.toml", ".pdm-python", "pdm.lock", ".hatch", ".tox")
#: Tools whose table in pyproject.toml (``[tool.<name>...]``, in any TOML spelling) may name or
#: move an env: a file that mentions one as a word goes to the engine.
TOOL_WORDS = (b"poetry", b"pdm", b"hatch", b"uv", b"pixi", b"tox")
#: Variables that name an env or a tool's settings or env dir: any one set goes to the engine.
VARIABLE_PREFIXES = ("POETRY_", "PDM_", "PIPENV_", "HATCH_")
VARIABLES = frozenset({"UV_PROJECT_ENVIRONMENT", "WORKON_HOME"})
_XDG = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")
# A file read here at most (the engine reads TOML up to 256 KiB); lines, dots per line and
# dots and brackets below what the engine refuses to parse (4300-digit integers, 64-part
# dotted keys, 16 Ki structure); fewer ``[``/``{`` than nesting tomllib cannot recurse into
# (~400 deep): the engine parses what is replayed here without a note. A new project's file
# holds a few dozen brackets.
_LIMIT = 64 * 1024
_LINE = 4000
_DOTS = 60
_STRUCTURE = 8192
_OPENERS = 256


def without_envs(found: "list[tuple[str, str]]") -> bool:
    """Whether the project files ``found`` up from the working directory (``(folder, name)``)
    are one new project's, that no tool has an environment for (the module says how)."""
    folders = {folder for folder, _ in found}
    names = {name for _, name in found}
    if len(folders) != 1 or not names <= MARKERS or sys.platform == "win32":
        return False
    (project,) = folders
    environ = os.environ
    if any(key in VARIABLES or key.startswith(VARIABLE_PREFIXES) for key in environ):
        return False
    if any("$" in environ.get(key, "") or "~" in environ.get(key, "") for key in _XDG):
        return False  # hatch and pipenv expand them; the others do not
    for name in names:
        path = os.path.join(project, name)
        data = _scan(path)
        if data is None or distrust(path, environ) is not None:
            return False
        if _mentions(data.lower(), TOOL_WORDS):
            return False
    if any(os.path.lexists(os.path.join(project, name)) for name in TOOL_FILES):
        return False
    platform = sys.platform
    return (
        _no_poetry_env(project, platform)
        and _no_pdm_env(project, platform)
        and _no_hatch_env(project, platform)
        and ("Pipfile" not in names or _no_pipenv_env(environ))
    )


def _no_poetry_env(project: str, platform: str) -> bool:
    """No ``<name>-<hash>-py<X.Y>`` of the project in poetry's default virtualenvs dir, and
    no global config that may move it (``virtualenvs.path``, ``cache-dir``)."""
    config = os.path.join(envplaces.poetry_config_dir(os.environ, platform), "config.toml")
    if not _config_avoids(config, (b"path", b"cache")):
        return False
    root = os.path.join(envplaces.poetry_cache_dir(os.environ, platform), "virtualenvs")
    entries = _entries(root)
    if not entries:  # (the hash, its module's import too, only when there is something)
        return entries is not None
    tag = f"-{envplaces.poetry_hash(project)}-py"
    return not any(tag in name for name in entries)


def _no_pdm_env(project: str, platform: str) -> bool:
    """No ``<dir name>-<hash>-*`` in pdm's default ``venv.location``, and no global config
    that may move it."""
    config = os.path.join(envplaces.user_config_dir(os.environ, platform, "pdm", "pdm"),
                          "config.toml")  # fmt: skip
    if not _config_avoids(config, (b"location",)):
        return False
    root = os.path.join(envplaces.user_data_dir(os.environ, platform, "pdm", "pdm"), "venvs")
    entries = _entries(root)
    if not entries:
        return entries is not None
    prefix = envplaces.pdm_prefix(project)
    return not any(name.startswith(prefix) for name in entries)


def _no_hatch_env(project: str, platform: str) -> bool:
    """No ``<any name>/<project id>`` in hatch's default env dir, and no global config that
    may move it (:func:`_hatch_config_keeps`)."""
    config = os.path.join(envplaces.user_config_dir(os.environ, platform, "hatch"),
                          "config.toml")  # fmt: skip
    data = envplaces.user_data_dir(os.environ, platform, "hatch")
    if not _hatch_config_keeps(config, data):
        return False
    root = os.path.join(data, "env", "virtual")
    entries = _entries(root)
    if not entries:
        return entries is not None
    ident = envplaces.hatch_id(project, platform)
    return not any(os.path.lexists(os.path.join(root, name, ident)) for name in entries)


def _no_pipenv_env(environ: "Mapping[str, str]") -> bool:
    """pipenv's WORKON_HOME is empty or missing: any env in it may name the project in its
    ``.project`` file."""
    root = envplaces.pipenv_workon_default(environ, False)
    if root.startswith("~"):
        root = envplaces.home(environ) + root[1:]
    return _entries(root) == []


def _hatch_config_keeps(path: str, data: str) -> bool:
    """hatch's config is missing, or keeps the default env dir: no ``virtual`` anywhere (no
    ``dirs.env.virtual``), and each line that mentions ``data`` is ``data = "<the default
    data dir>"``, as the config hatch writes on its first run has it."""
    if not os.path.lexists(path):
        return True
    raw = _scan(path)
    if raw is None or b"virtual" in raw.lower():
        return False
    default = {b'"' + os.fsencode(data) + b'"', b"'" + os.fsencode(data) + b"'"}
    for line in raw.splitlines():
        if b"data" in line.lower():
            key, _, value = line.partition(b"=")
            if key.strip() != b"data" or value.strip() not in default:
                return False
    return True


def _config_avoids(path: str, words: "tuple[bytes, ...]") -> bool:
    """A tool's config file is missing, or readable and without any of ``words``."""
    if not os.path.lexists(path):
        return True
    data = _scan(path)
    return data is not None and not any(word in data.lower() for word in words)


def _scan(path: str) -> "bytes | None":
    """The file's bytes when the engine would read and parse it without a note (a
    regular file, small, cheap to parse) and no key can hide in an escape; else None."""
    try:
        data = read_bytes(path, _LIMIT)
    except OSError:  # FileRefused too: the engine would note it
        return None
    if b"\\u" in data or b"\\U" in data:  # "\u0070oetry" spells a key too
        return None
    openers = data.count(b"[") + data.count(b"{")
    if openers > _OPENERS or openers + data.count(b".") > _STRUCTURE:
        return None
    for line in data.splitlines():
        if len(line) > _LINE or line.count(b".") > _DOTS:
            return None
    return data


def _mentions(data: bytes, words: "tuple[bytes, ...]") -> bool:
    """Whether any of ``words`` is in ``data`` as a word of its own: not inside a longer
    bare key or name (``hatchling``, ``uvicorn``, ``pdm-backend`` are not ``hatch``, ``uv``,
    ``pdm``... though ``pdm.backend`` is)."""
    for word in words:
        start = data.find(word)
        while start >= 0:
            end = start + len(word)
            if not (_part(data[start - 1 : start]) or _part(data[end : end + 1])):
                return True
            start = data.find(word, start + 1)
    return False


def _part(char: bytes) -> bool:
    """A byte of a TOML bare key (letters, digits, ``_``, ``-``)."""
    return bool(char) and (char.isalnum() or char in b"_-")


def _entries(folder: str) -> "list[str] | None":
    """The names in ``folder``: ``[]`` when it is missing; None when it cannot be listed."""
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError:
        return None
