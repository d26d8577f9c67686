"""The probe's answer as typed data (the raw facts, before classification), and its JSON."""

from __future__ import annotations

from whichpython.model.prebuilt import field_names, finish
from whichpython.model.structure import StructureError, structure

TYPE_CHECKING = False  # typing and attrs are not imported on the fast path
if TYPE_CHECKING:
    from typing import Any, Optional, Union

    from attrs import field, frozen

    ConfigValue = Union[str, int, float, None]
else:
    from whichpython.model.prebuilt import field, frozen

#: The aliases the annotations use, to resolve them at run time (attrs' fields, cattrs).
TYPE_ALIASES = {"ConfigValue": "Union[str, int, float, None]"}


@frozen
class ProbeImplementation:
    """``sys.implementation``: name, version (5 items) and cache tag."""

    name: str
    version: list[Union[int, str]]
    cache_tag: Optional[str] = None


@frozen
class ProbeSysconfig:
    """The default install scheme, its paths, selected config vars, and their source file."""

    scheme: Optional[str]
    paths: dict[str, Optional[str]]
    vars: dict[str, ConfigValue]
    data_file: Optional[str] = None


@frozen
class ProbeLibc:
    """The C library the interpreter runs on (glibc or musl)."""

    name: str
    version: Optional[str] = None
    path: Optional[str] = None  # the file loaded (Linux)


@frozen
class ProbePlatform:
    """Operating system and machine as the interpreter sees them."""

    sys_platform: str
    os_name: str
    system: str
    release: str
    machine: str
    pointer_bits: int
    byteorder: str
    libc: Optional[ProbeLibc] = None
    os_release: Optional[dict[str, str]] = None


@frozen
class ProbePyvenvCfg:
    """A pyvenv.cfg file found next to the executable, one directory up, or in sys.prefix."""

    path: str
    values: dict[str, str]


@frozen
class ProbeMarkerFile:
    """A file whose presence is a fact (EXTERNALLY-MANAGED, build-details.json)."""

    path: str
    exists: bool


@frozen
class ProbeUserSite:
    """The user site-packages dir, and whether a normal run would enable it."""

    path: str
    exists: bool
    enabled: bool


@frozen
class ProbeResult:
    """Everything ``_script.py`` reports (see docs/schema.md)."""

    probe_format: int
    implementation: ProbeImplementation
    version: str
    version_info: list[Union[int, str]]
    executable: Optional[str]
    executable_realpath: Optional[str]
    sys_base_executable: Optional[str]
    base_executable: Optional[str]
    prefix: str
    base_prefix: Optional[str]
    exec_prefix: str
    base_exec_prefix: Optional[str]
    real_prefix: Optional[str]
    sys_path: list[str]
    platlibdir: Optional[str]
    debug_build: bool
    gil_enabled: Optional[bool]
    sysconfig: Optional[ProbeSysconfig]
    user_site: Optional[ProbeUserSite]
    platform: Optional[ProbePlatform]
    pyvenv_cfg: Optional[ProbePyvenvCfg]
    externally_managed: Optional[ProbeMarkerFile]
    build_details_file: Optional[ProbeMarkerFile]
    build_details: Optional[dict[str, Any]]
    conda_meta: bool
    pixi: bool
    errors: dict[str, str] = field(factory=dict)

    @property
    def site_packages(self) -> list[str]:
        """Entries of ``sys.path`` named site-packages or dist-packages, in order, de-duplicated
        (trailing separators dropped)."""
        found: list[str] = []
        for entry in self.sys_path:
            trimmed = entry.rstrip("/\\")
            name = trimmed.replace("\\", "/").rsplit("/", 1)[-1]
            if name in ("site-packages", "dist-packages") and trimmed not in found:
                found.append(trimmed)
        return found


def probe_from_json(data: Any) -> ProbeResult:
    """Structure (and type-check) a probe answer; raises :class:`~whichpython.model.structure.
    StructureError` for a value of the wrong type or a version that is not
    ``(major, minor, micro, level, serial)``."""
    probe = structure(data, ProbeResult)
    for what, info in (("version_info", probe.version_info),
                       ("implementation version", probe.implementation.version)):  # fmt: skip
        if not _is_version_info(info):
            raise StructureError(f"its {what} is not (major, minor, micro, level, serial)")
    return probe


def probe_to_json(probe: ProbeResult) -> dict[str, Any]:
    """The probe answer as plain JSON data (for the cache): what ``attrs.asdict`` makes of it
    (each class's fields in order, lists for sequences), without importing attrs."""
    data: dict[str, Any] = _plain(probe)
    return data


def _plain(value: Any) -> Any:
    cls = type(value)
    if "__attrs_attrs__" in cls.__dict__:  # (not getattr: a pre-built class would build it)
        return {name: _plain(getattr(value, name)) for name in field_names(cls)}
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    return value


finish(__name__)

_LEVELS = ("alpha", "beta", "candidate", "final")


def _is_version_info(info: list[Union[int, str]]) -> bool:
    """Five items: non-negative integers, a release level in the fourth place."""
    numbers = info[:3] + info[4:]
    return (
        len(info) == 5
        and info[3] in _LEVELS
        and all(type(n) is int and 0 <= n < 1 << 32 for n in numbers)
    )
