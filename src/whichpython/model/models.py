"""The public data model: frozen attrs classes, serialized to JSON by cattrs (docs/schema.md).

Their methods are pre-built (:mod:`whichpython.model.prebuilt`): importing this module imports
neither attrs nor typing (docs/performance.md, "Models on the hot path").
"""

from __future__ import annotations

import enum

from whichpython.model.prebuilt import finish

TYPE_CHECKING = False  # typing and attrs are not imported on the fast path
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, Optional, Union

    from attrs import field, frozen

    ConfigValue = Union[str, int, float, None]
else:
    from whichpython.model.prebuilt import field, frozen

    ConfigValue = "Union[str, int, float, None]"  # a forward reference (TYPE_ALIASES)

#: Version of the JSON schema of :class:`Interpreter` (docs/schema.md). Field names are stable.
SCHEMA_VERSION = 1

#: The aliases the annotations use, to resolve them at run time (attrs' fields, cattrs).
TYPE_ALIASES = {"ConfigValue": "Union[str, int, float, None]"}


class Kind(str, enum.Enum):
    """What an interpreter is, for choosing between them (docs/classification.md)."""

    SYSTEM = "system"
    MANAGED = "managed"
    VENV = "venv"
    NIX_ENV = "nix-env"

    def __str__(self) -> str:
        return self.value


@frozen(eq=False)
class VersionInfo:
    """``sys.version_info`` (language version, not the implementation's). Like it, it compares
    with tuples (``info >= (3, 10)``), indexes, unpacks and slices."""

    major: int
    minor: int
    micro: int
    releaselevel: str
    serial: int

    def _tuple(self) -> tuple[int, int, int, str, int]:
        return self.major, self.minor, self.micro, self.releaselevel, self.serial

    @staticmethod
    def _other(other: object) -> Optional[tuple[Any, ...]]:
        if isinstance(other, VersionInfo):
            return other._tuple()
        return other if isinstance(other, tuple) else None

    def __eq__(self, other: object) -> bool:
        theirs = self._other(other)
        return NotImplemented if theirs is None else self._tuple() == theirs

    def __lt__(self, other: object) -> bool:
        theirs = self._other(other)
        return NotImplemented if theirs is None else self._tuple() < theirs

    def __le__(self, other: object) -> bool:
        theirs = self._other(other)
        return NotImplemented if theirs is None else self._tuple() <= theirs

    def __gt__(self, other: object) -> bool:
        theirs = self._other(other)
        return NotImplemented if theirs is None else self._tuple() > theirs

    def __ge__(self, other: object) -> bool:
        theirs = self._other(other)
        return NotImplemented if theirs is None else self._tuple() >= theirs

    def __hash__(self) -> int:
        return hash(self._tuple())

    def __iter__(self) -> Iterator[Union[int, str]]:
        return iter(self._tuple())

    def __len__(self) -> int:
        return 5

    def __getitem__(self, index: Any) -> Any:
        return self._tuple()[index]


@frozen
class Libc:
    """The C library: ``glibc`` or ``musl`` and its version (for manylinux/musllinux tags)."""

    name: str
    version: Optional[str]


@frozen
class Distro:
    """``/etc/os-release`` identity of a Linux system."""

    id: Optional[str]
    version_id: Optional[str]
    id_like: Optional[str]


@frozen
class Platform:
    """Operating system and machine as the interpreter sees them."""

    system: str
    release: str
    machine: str
    sys_platform: str
    os_name: str
    pointer_bits: int
    byteorder: str
    libc: Optional[Libc]
    distro: Optional[Distro]


@frozen
class Prefixes:
    """``sys.prefix`` and friends; base prefixes are the installation behind a venv or env."""

    prefix: str
    base_prefix: str
    exec_prefix: str
    base_exec_prefix: str


@frozen
class Venv:
    """A virtual environment's ``pyvenv.cfg`` (PEP 405), or a legacy virtualenv."""

    config_path: Optional[str]
    home: Optional[str]
    include_system_site_packages: bool
    creator: str
    creator_version: Optional[str]
    version: Optional[str]
    config: dict[str, str]


@frozen
class UserSite:
    """The user site-packages dir (``~/.local/lib/pythonX.Y/site-packages``).

    Never on ``sys_path``: the probe runs isolated. ``enabled`` says whether a normal run
    would add it (it does when it exists, outside venvs without system site packages).
    """

    path: str
    exists: bool
    enabled: bool


@frozen
class SysconfigCorrection:
    """One config var corrected for a relocated install (docs/relocated-sysconfig.md)."""

    var: str
    was: ConfigValue
    now: ConfigValue
    reason: str


@frozen
class LibraryFile:
    """A library file and whether it exists here."""

    path: str
    exists: bool


@frozen
class Libpython:
    """The Python library an embedder links: ``-L<directory> -l<name>`` (docs/embedding.md)."""

    name: str
    directory: str
    shared: Optional[LibraryFile]
    static: Optional[LibraryFile]


@frozen
class Embedding:
    """What a program that embeds this Python needs (docs/embedding.md).

    ``rpath`` is the directory the runtime loader must be told about (``-Wl,-rpath`` or the
    library path variable); ``pythonhome`` is set only where the library would otherwise
    look for the standard library in the wrong place.
    """

    include_dirs: list[str]
    cflags: list[str]
    ldflags: list[str]
    rpath: Optional[str]
    library_path_var: Optional[str]
    pythonhome: Optional[str]


@frozen(repr=False, hash=False)
class Interpreter:
    """Everything whichpython knows about one interpreter (schema: docs/schema.md).

    Hashable by its identity, its real executable and its prefix (a venv's python and its
    base differ by prefix); ``==`` compares every field.
    """

    path: str
    real_path: str
    executable: Optional[str]
    base_executable: Optional[str]
    venv_home: Optional[str]
    implementation: str
    implementation_version: str
    version: str
    version_info: VersionInfo
    sys_version: str
    freethreaded: bool
    debug: bool
    platform: Optional[Platform]
    prefixes: Prefixes
    sys_path: list[str]
    site_packages: list[str]
    user_site: Optional[UserSite]
    paths: dict[str, Optional[str]]
    sysconfig_scheme: Optional[str]
    sysconfig: dict[str, ConfigValue]
    sysconfig_file: Optional[str]
    sysconfig_corrections: list[SysconfigCorrection]
    venv: Optional[Venv]
    externally_managed: bool
    externally_managed_file: Optional[str]
    build_details: Optional[dict[str, Any]]
    libpython: Optional[Libpython]
    embedding: Optional[Embedding]
    kind: Kind
    manager: Optional[str]
    probe_errors: dict[str, str]
    #: The project directory an environment belongs to, where its layout says so.
    project: Optional[str] = None
    source: Optional[str] = None
    aliases: list[str] = field(factory=list)
    #: A Nix store Python that no profile, PATH entry or GC root reaches: the garbage
    #: collector may remove it (set by a search; docs/classification.md).
    nix_unrooted: bool = False

    @property
    def is_venv(self) -> bool:
        """True for a PEP 405 venv or a legacy virtualenv."""
        return self.kind is Kind.VENV

    def __repr__(self) -> str:
        where = f"{self.kind}/{self.manager}" if self.manager else str(self.kind)
        return f"<Interpreter {self.implementation} {self.version} {where} {self.path}>"

    def __hash__(self) -> int:
        return hash((self.real_path, self.prefixes.prefix))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of docs/schema.md, as Python data (``schema_version`` first)."""
        from whichpython.model.converter import converter  # cattrs: only for JSON

        data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        data.update(converter.unstructure(self))
        return data

    def to_json(self, *, indent: Optional[int] = None) -> str:
        """:meth:`to_dict` as a JSON string."""
        import json

        return json.dumps(self.to_dict(), indent=indent)

    @property
    def raw_sysconfig(self) -> dict[str, ConfigValue]:
        """The config vars as the interpreter reports them, before any correction."""
        raw = dict(self.sysconfig)
        raw.update((fix.var, fix.was) for fix in self.sysconfig_corrections)
        return raw


@frozen
class Considered:
    """One candidate a search looked at, and what became of it (``--explain``)."""

    path: str
    source: str
    verdict: str
    detail: str
    version: Optional[str] = None


@frozen
class Skipped:
    """A file a search did not read, and why: a FIFO, a device, a socket, a file over the
    size cap; or did not use: one found by walking up that another user owns or others may
    write, ``not used: owned by uid 65534`` (``--explain``, docs/security.md)."""

    path: str
    reason: str


@frozen
class Environment:
    """An environment a tool made (a venv, a conda or pixi env), found by its layout
    (:func:`~whichpython.engine.projects.find_environments`, docs/environments.md). ``interpreter``
    is None when it cannot be used; ``error`` then says why (its base is gone, ...)."""

    path: str
    prefix: str
    manager: Optional[str]
    project: Optional[str]
    source: str
    interpreter: Optional[Interpreter] = None
    error: Optional[str] = None

    @property
    def kind(self) -> Optional[Kind]:
        """The interpreter's kind (``venv`` for a venv; None when it cannot be used)."""
        return self.interpreter.kind if self.interpreter is not None else None


finish(__name__)
