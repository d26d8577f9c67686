"""What every source shares: the candidate it yields, its context, and static hints.

A source lists executables that may be Pythons, cheaply (directory listings and small file
reads, no process), with whatever the layout says about each: a version from a file or
directory name, pyvenv.cfg, conda-meta, PEP 739 file. The engine uses the hints to skip what
cannot match before probing anything.
"""

import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Optional, Protocol

from whichpython import envplaces
from whichpython.files import CONFIG, FileRefused, distrust, read_bytes, walk_up
from whichpython.model.prebuilt import field_names
from whichpython.sources.pyvenv import find_pyvenv_cfg, read_pyvenv_cfg

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

# "python3.12t", "python3.11d", "pypy3.10", "graalpy", "python.exe", "python3.13t.exe"
_EXE_NAME = re.compile(
    r"^(?P<impl>python|pypy|graalpy)(?P<version>\d+(?:\.\d+)?)?(?P<flag>[td])?(?:\.exe)?$",
    re.IGNORECASE,
)
# "3.12.1", "3.13.0rc1", "3.13.0t", "pypy3.10-7.3.17", "cpython-3.12.7-linux-...", "cpython@3.12.1"
_DIR_VERSION = re.compile(
    r"(?:^|[-@])(?P<impl>cpython|pypy|graalpy)?[-@]?"
    r"(?P<version>\d+\.\d+(?:\.\d+)?(?:(?:a|b|rc)\d+)?)(?P<flag>t|\+freethreaded|\+debug|d)?"
    r"(?=$|[-+._])",
)


@attrs.frozen
class Hints:
    """What a layout says about a candidate before it runs. ``None`` means unknown."""

    version: Optional[str] = None
    implementation: Optional[str] = None
    freethreaded: Optional[bool] = None
    debug: Optional[bool] = None
    venv: Optional[bool] = None


@attrs.frozen
class Candidate:
    """An executable a source found, with the source's name and its static hints."""

    path: str
    source: str
    hints: Hints = Hints()
    #: Why it cannot be used, known without running it (a missing ``$VIRTUAL_ENV``).
    problem: Optional[str] = None
    #: The project directory it belongs to, when the source knows (an environment's).
    project: Optional[str] = None


@attrs.frozen
class Resolution:
    """A wrapper (a shim) resolved without running it: the interpreters it would run, or
    none, with the reason."""

    targets: tuple[str, ...]
    reason: str


class Registry(Protocol):
    """The slice of the Windows registry PEP 514 needs (a fake one stands in for tests)."""

    def subkeys(self, hive: str, key: str) -> list[str]:
        """Names of the subkeys of ``hive\\key`` (empty when it does not exist)."""

    def value(self, hive: str, key: str, name: str) -> Optional[str]:
        """A string value (``""`` is the default value), or None."""


@attrs.frozen
class Context:
    """Where and for whom to look. ``root`` prefixes absolute system locations
    (``/nix/store``, ``/Library/Frameworks``, ...) so tests can build them in a temp dir."""

    environ: Mapping[str, str]
    cwd: str
    root: str = "/"
    platform: str = sys.platform
    registry: Optional[Registry] = None
    #: Install directories to search beyond PATH (``Discovery(extra_dirs=...)``).
    extra_dirs: tuple[str, ...] = ()
    #: Files the sources refused to read, as (path, reason): shown by ``--explain``.
    skipped: list[tuple[str, str]] = attrs.field(factory=list, eq=False)
    #: A project directory found by walking up (not named by the user): the files the tools
    #: read in it are held to the same rule as the walk (:meth:`distrusted`).
    walked: Optional[str] = None
    #: The search's :class:`~whichpython.engine.deadline.Deadline` (the engine's; no source's).
    deadline: Any = attrs.field(default=None, eq=False)

    def skip(self, path: str, reason: str) -> None:
        """Note a file that was not read (a FIFO, a device, too large, ...)."""
        if (path, reason) not in self.skipped:
            self.skipped.append((path, reason))

    def upward(
        self, names: Sequence[str], start: Optional[str] = None
    ) -> Iterator[tuple[str, list[str]]]:
        """Each directory from ``start`` (the working directory) up that holds any of
        ``names``, with those it holds: :func:`whichpython.files.walk_up`, which leaves out
        (and notes in :attr:`skipped`) what another user planted."""
        return walk_up(start or self.cwd, names, self.environ, self.skip)

    def distrusted(self, path: str) -> bool:
        """True (and noted in :attr:`skipped`) for a file in or below the :attr:`walked`
        project directory that another user owns or others may write, or whose directory is
        such (:func:`whichpython.files.distrust`); False for anything else."""
        base = self.walked
        if base is None or not path.startswith(base.rstrip(os.sep) + os.sep):
            return False
        reason = distrust(path, self.environ)
        if reason is not None:
            self.skip(path, f"not used: {reason}")
        return reason is not None

    @property
    def home(self) -> str:
        """The user's home directory, from the environment first."""
        return envplaces.home(self.environ)

    @property
    def windows(self) -> bool:
        """True on Windows (executables are ``python.exe`` at the prefix, not ``bin/``)."""
        return self.platform == "win32"

    def system_path(self, path: str) -> str:
        """An absolute system location under ``root``."""
        if self.root in ("", "/"):
            return path
        return os.path.join(self.root, path.lstrip("/\\"))

    def data_home(self) -> str:
        """``$XDG_DATA_HOME``, else ``~/.local/share``."""
        return envplaces.data_home(self.environ)

    def user_data_dir(self, app: str, *, author: Optional[str] = None) -> str:
        """Where platformdirs puts ``app``'s data, worked out from this context's environment
        and platform (not the process's): ``$XDG_DATA_HOME/app``, ``~/Library/Application
        Support/app``, ``%LOCALAPPDATA%\\[author\\]app``."""
        return envplaces.user_data_dir(self.environ, self.platform, app, author)

    def user_config_dir(self, app: str, *, author: Optional[str] = None) -> str:
        """Where platformdirs puts ``app``'s config: ``$XDG_CONFIG_HOME/app`` (else
        ``~/.config/app``) on Linux, the data dir (:meth:`user_data_dir`) elsewhere."""
        return envplaces.user_config_dir(self.environ, self.platform, app, author)


def working_dir(environ: Mapping[str, str]) -> str:
    """The current directory; when it was deleted, ``$PWD`` (as pyenv does), else the root:
    what is above a deleted directory still applies, nothing inside it does."""
    try:
        return os.getcwd()
    except OSError:
        pwd = environ.get("PWD", "")
        return pwd if os.path.isabs(pwd) else os.path.abspath(os.sep)


class Source:
    """Base of all sources: a name, a kind, and a generator of candidates."""

    name: ClassVar[str]
    #: "active" (an activated or project environment), "managed" or "system".
    kind: ClassVar[str]

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        """Yield candidates in this source's own priority order."""
        raise NotImplementedError

    def resolve(self, path: str, ctx: Context) -> Optional[Resolution]:
        """Resolve ``path`` statically if it is one of this source's wrappers (shims)."""
        return None


class EnvironmentSource(Source):
    """A tool's environments (docs/environments.md): ``candidates`` yields every one the tool
    keeps on the machine, ``for_project`` the ones that belong to a project directory, in the
    order the tool itself would use them. Each candidate is the env's interpreter, with
    ``project`` set where the layout says so (a broken one is yielded too: its failure is
    reported, not dropped)."""

    kind = "environment"
    #: Names (``pyproject.toml``, ``Pipfile``) whose presence in a directory makes it a
    #: project of this tool's for ``find``, which asks the tool about the nearest such
    #: directory above the working directory. Empty for tools whose envs a project does not
    #: run in (tox's test envs, pipx's apps, virtualenvwrapper's, which name their project
    #: but are not picked from it) and for pyenv-virtualenv's (a version file names those).
    markers: ClassVar[frozenset[str]] = frozenset()
    #: Names that make a directory a project of this tool's for ``envs`` only (its default
    #: project, found up from the working directory), not for ``find``: tox's config files.
    project_files: ClassVar[frozenset[str]] = frozenset()

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        return iter(())

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        """The environments of the project at ``project`` (an absolute directory)."""
        return iter(())

    def named_project(self, ctx: Context) -> Optional[str]:
        """The project directory the tool's settings name, used wherever it runs (pipenv's
        ``PIPENV_PIPFILE``), or None: the tool finds its project by walking up."""
        return None

    def store(self, ctx: Context) -> Optional[str]:
        """The directory the tool keeps its machine-wide environments in (an environment
        under it is the tool's: docs/classification.md), or None."""
        return None


def name_hints(name: str) -> Hints:
    """Hints from an executable name: ``python3.12t`` -> 3.12, free-threaded."""
    found = _EXE_NAME.match(name)
    if not found:
        return Hints()
    impl = found.group("impl").lower()
    version = found.group("version")
    if impl != "python" and version is None:
        return Hints(implementation=impl)
    flag = found.group("flag")
    return Hints(
        version=version,
        implementation=None if impl == "python" else impl,
        freethreaded=flag == "t" if version and "." in version else None,
        debug=flag == "d" if version and "." in version else None,
    )


def dir_hints(name: str) -> Hints:
    """Hints from an install directory name: ``3.12.1``, ``cpython-3.13.0+freethreaded-...``,
    ``pypy3.10-7.3.17``, ``cpython@3.12.1``, ``3.13.0t``."""
    found = _DIR_VERSION.search(name.lower())
    if not found or found.group("version").split(".")[0] not in ("2", "3"):
        return Hints()  # no version, or not a language version (graalpy-24.1.1, anaconda3-2024.02)
    impl = found.group("impl")
    if impl is None and name.lower().startswith(("pypy", "graalpy")):
        impl = "pypy" if name.lower().startswith("pypy") else "graalpy"
    elif impl is None and name[:1].isdigit():
        impl = "cpython"  # version managers name CPython installs by their bare version
    flag = found.group("flag") or ""
    return Hints(
        version=found.group("version"),
        implementation=impl,
        freethreaded=flag in ("t", "+freethreaded"),
        debug=flag in ("d", "+debug"),
    )


def venv_hints(executable: str, ctx: Optional[Context] = None) -> Optional[Hints]:
    """Hints from a pyvenv.cfg beside or above ``executable``; None when it is no venv. A
    pyvenv.cfg that is refused (a FIFO, a device, over 64 KiB) is noted in ``ctx.skipped``."""
    cfg = find_pyvenv_cfg(executable)
    if cfg is None:
        return None
    try:
        values = read_pyvenv_cfg(cfg)
    except FileRefused as refused:
        if ctx is not None:
            ctx.skip(cfg, refused.reason)
        return Hints(venv=True)
    except OSError:
        return Hints(venv=True)
    version = values.get("version_info") or values.get("version")
    if version:
        version = ".".join(version.split(".")[:3])
    return Hints(version=version or None, venv=True)


def build_details_hints(prefix: str, ctx: Optional[Context] = None) -> Optional[Hints]:
    """Hints from a PEP 739 ``build-details.json`` in the prefix's stdlib dir (3.14+); one
    that is refused (not a regular file, over 1 MiB) is noted in ``ctx.skipped``."""
    import json

    places = [os.path.join(prefix, "Lib", "build-details.json")]
    lib = os.path.join(prefix, "lib")
    try:  # lib/python*/build-details.json, without glob and fnmatch (~1 ms) on every search
        names = [n for n in os.listdir(lib) if n.startswith("python")]
    except OSError:
        names = []
    places += [
        p for p in (os.path.join(lib, n, "build-details.json") for n in names) if os.path.lexists(p)
    ]
    for place in places:
        try:
            details = json.loads(read_bytes(place, CONFIG))
            info = details["language"]["version_info"]
            flags = details.get("abi", {}).get("flags", [])
            return Hints(
                version=f"{info['major']}.{info['minor']}.{info['micro']}",
                implementation=details.get("implementation", {}).get("name"),
                freethreaded="t" in flags,
                debug="d" in flags,
            )
        except FileRefused as refused:
            if ctx is not None:
                ctx.skip(place, refused.reason)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            continue
    return None


def prefix_executable(
    prefix: str,
    ctx: Context,
    hints: Hints = Hints(),  # noqa: B008 (frozen)
) -> Optional[str]:
    """The interpreter of an install prefix: ``bin/python3.X[t]``/``bin/python3``/
    ``bin/python`` (``python.exe`` at the prefix or in ``Scripts`` on Windows)."""
    if ctx.windows:
        names = ["python.exe", os.path.join("Scripts", "python.exe")]
    else:
        names = []
        if hints.version and hints.version.count(".") >= 1:
            minor = ".".join(hints.version.split(".")[:2])
            base = "pypy" if hints.implementation == "pypy" else "python"
            names.append(os.path.join("bin", f"{base}{minor}{'t' if hints.freethreaded else ''}"))
        names += [os.path.join("bin", n) for n in ("python3", "python", "pypy3", "graalpy")]
    for name in names:
        path = os.path.join(prefix, name)
        if os.path.isfile(path):
            return path
    return None


def subdirs(path: str) -> list[str]:
    """Names of the directories in ``path`` (links to directories included), newest-looking
    version first; empty when ``path`` is missing."""
    try:
        with os.scandir(path) as entries:
            names = [e.name for e in entries if e.is_dir() and not e.name.startswith(".")]
    except OSError:
        return []
    return sorted(names, key=_version_key, reverse=True)


def _version_key(name: str) -> tuple[tuple[int, ...], str]:
    numbers = re.findall(r"\d+", name)
    return tuple(int(n) for n in numbers[:3]), name


def merge(first: Hints, second: Optional[Hints]) -> Hints:
    """Hints from two places: ``first`` wins where both know."""
    if second is None:
        return first
    return Hints(
        **{
            name: getattr(first, name)
            if getattr(first, name) is not None
            else getattr(second, name)
            for name in field_names(Hints)
        }
    )


class InstallDirSource(Source):
    """A version manager that keeps one install per directory under one or more roots."""

    kind: ClassVar[str] = "managed"

    def roots(self, ctx: Context) -> list[str]:
        """Directories whose subdirectories are installs."""
        raise NotImplementedError

    def install_prefix(self, entry: str) -> str:
        """The install prefix inside one entry directory (the entry itself by default)."""
        return entry

    def include(self, entry: str) -> bool:
        """Whether an entry is an install (links to other entries are skipped by default:
        they are the same interpreter)."""
        return not os.path.islink(entry)

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        for root in self.roots(ctx):
            for name in subdirs(root):
                entry = os.path.join(root, name)
                if not self.include(entry):
                    continue
                prefix = self.install_prefix(entry)
                hints = dir_hints(name)
                if hints.version is None:
                    hints = merge(hints, build_details_hints(prefix, ctx))
                executable = prefix_executable(prefix, ctx, hints)
                if executable is not None:
                    hints = merge(hints, venv_hints(executable, ctx))
                    yield Candidate(executable, self.name, hints)
