"""Where the tools keep a project's environments: the platformdirs-style directories they
default to and the hashes of a project's path in their env names. One place for both users:
the sources (``sources/poetry.py``, ``pdm.py``, ``hatch.py``, ``pipenv.py``) and the CLI's
new-project check (:mod:`whichpython.cli.newproject`), which runs on the fast path without
the engine. A floor module: it imports ``os`` only (the hash modules lazily: the builtin
``_sha2``/``_sha256``/``_md5`` and ``binascii``, not :mod:`hashlib` or :mod:`base64`)."""

import os

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from collections.abc import Mapping


def home(environ: "Mapping[str, str]") -> str:
    """The user's home directory, from the environment first."""
    return environ.get("HOME") or environ.get("USERPROFILE") or os.path.expanduser("~")


def data_home(environ: "Mapping[str, str]") -> str:
    """``$XDG_DATA_HOME``, else ``~/.local/share``."""
    return environ.get("XDG_DATA_HOME") or os.path.join(home(environ), ".local", "share")


def local_app_data(environ: "Mapping[str, str]") -> str:
    """Windows' ``%LOCALAPPDATA%``, else ``~\\AppData\\Local``."""
    return environ.get("LOCALAPPDATA") or os.path.join(home(environ), "AppData", "Local")


def user_data_dir(
    environ: "Mapping[str, str]", platform: str, app: str, author: "str | None" = None
) -> str:
    """Where platformdirs puts ``app``'s data on ``platform``, from ``environ``:
    ``$XDG_DATA_HOME/app``, ``~/Library/Application Support/app``,
    ``%LOCALAPPDATA%\\[author\\]app``."""
    if platform == "win32":
        base = local_app_data(environ)
        return os.path.join(base, *([author] if author else []), app)
    if platform == "darwin":
        return os.path.join(home(environ), "Library", "Application Support", app)
    return os.path.join(data_home(environ), app)


def user_config_dir(
    environ: "Mapping[str, str]", platform: str, app: str, author: "str | None" = None
) -> str:
    """Where platformdirs puts ``app``'s config: ``$XDG_CONFIG_HOME/app`` (else
    ``~/.config/app``) on Linux, the data dir (:func:`user_data_dir`) elsewhere."""
    if platform in ("win32", "darwin"):
        return user_data_dir(environ, platform, app, author)
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(home(environ), ".config")
    return os.path.join(base, app)


def _xdg(environ: "Mapping[str, str]", variable: str) -> "str | None":
    value = environ.get(variable, "")
    return value if value.startswith("/") else None  # platformdirs takes absolute ones only


def poetry_cache_dir(environ: "Mapping[str, str]", platform: str) -> str:
    """platformdirs' ``user_cache_dir("pypoetry")`` (poetry's default ``cache-dir``; its
    envs default to ``virtualenvs`` in it)."""
    if platform == "win32":
        base = local_app_data(environ)
        return os.path.join(base, "pypoetry", "Cache")
    default = ("Library", "Caches") if platform == "darwin" else (".cache",)
    cache = _xdg(environ, "XDG_CACHE_HOME") or os.path.join(home(environ), *default)
    return os.path.join(cache, "pypoetry")


def poetry_config_dir(environ: "Mapping[str, str]", platform: str) -> str:
    """``$POETRY_CONFIG_DIR``, else platformdirs' roaming ``user_config_dir("pypoetry")``."""
    configured = environ.get("POETRY_CONFIG_DIR")
    if configured:
        return configured
    if platform == "win32":
        base = environ.get("APPDATA") or os.path.join(home(environ), "AppData", "Roaming")
        return os.path.join(base, "pypoetry")
    default = ("Library", "Application Support") if platform == "darwin" else (".config",)
    config = _xdg(environ, "XDG_CONFIG_HOME") or os.path.join(home(environ), *default)
    return os.path.join(config, "pypoetry")


def pipenv_workon_default(environ: "Mapping[str, str]", windows: bool) -> str:
    """pipenv's WORKON_HOME when ``$WORKON_HOME`` is unset, before ``~`` and ``$NAME`` are
    expanded: ``${XDG_DATA_HOME:-~/.local/share}/virtualenvs``, ``~/.virtualenvs`` on
    Windows."""
    if windows:
        return os.path.join("~", ".virtualenvs")
    data = environ.get("XDG_DATA_HOME") or os.path.join("~", ".local", "share")
    return os.path.join(data, "virtualenvs")


def _urlsafe_b64(digest: bytes) -> str:
    """``base64.urlsafe_b64encode(digest).decode()``, without :mod:`base64` (and its ``re``)."""
    import binascii

    encoded = binascii.b2a_base64(digest, newline=False)
    return encoded.replace(b"+", b"-").replace(b"/", b"_").decode("ascii")


def _sha256(data: bytes) -> bytes:
    try:
        from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]  # 3.12+
    except ImportError:
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
    return sha256(data).digest()  # type: ignore[no-any-return,unused-ignore]


def poetry_hash(project: str, *, windows: bool = False) -> str:
    """The hash in poetry's env names (``generate_env_name``): 8 characters of the urlsafe
    base64 SHA-256 of the project directory (symlinks resolved, case folded on Windows)."""
    where = os.path.realpath(project)
    if windows:
        import ntpath

        where = ntpath.normcase(where)
    return _urlsafe_b64(_sha256(where.encode("utf-8")))[:8]


def pdm_hash(project: str) -> str:
    """pdm's hash of a project root: the first 8 characters of the URL-safe base64 MD5 of
    its path as given, with ``/`` separators (also on Windows), not case-folded."""
    from _md5 import md5  # type: ignore[import-not-found,unused-ignore]

    path = os.path.normpath(project).replace("\\", "/")
    return _urlsafe_b64(md5(path.encode(), usedforsecurity=False).digest())[:8]


def pdm_prefix(project: str) -> str:
    """The start of the names of a project's central pdm venvs: ``<dir name>-<hash>-``."""
    return f"{os.path.basename(os.path.normpath(project))}-{pdm_hash(project)}-"


def hatch_id(project: str, platform: str) -> str:
    """hatch's id of a project root: the first 8 characters of the URL-safe base64 SHA-256
    of its path as given (case-folded on Windows and macOS only)."""
    path = os.path.normpath(project)
    if platform in ("win32", "darwin"):
        path = path.casefold()
    return _urlsafe_b64(_sha256(path.encode("utf-8")))[:8]


def pipenv_hash(pipfile: str) -> str:
    """The hash in pipenv's env names: the first 6 bytes of the SHA-256 of the Pipfile's
    absolute path, urlsafe base64 (8 characters)."""
    return _urlsafe_b64(_sha256(os.path.abspath(pipfile).encode())[:6])
