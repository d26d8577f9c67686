"""Parse what a user asks for ("3.12", ">=3.10", "pypy@3.10", "3.13t", a path, a name)."""

import os
import re
from typing import Optional

import attrs
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from whichpython.errors import ConfigError

IMPLEMENTATIONS = {"cpython": "cpython", "cp": "cpython", "python": None, "pypy": "pypy",
                   "pp": "pypy", "graalpy": "graalpy", "gp": "graalpy"}  # fmt: skip
_VARIANTS = {"t": "freethreaded", "d": "debug", "freethreaded": "freethreaded", "debug": "debug"}
# "3", "3.12", "3.12.1", "3.13.0rc1", "312" with an optional variant ("t", "d", "+debug").
_VERSION = re.compile(
    r"^(?P<version>\d+(?:\.\d+){0,2}(?:(?:a|b|rc)\d+)?)"
    r"(?:(?P<flag>[td])|\+(?P<variant>freethreaded|debug))?$"
)
# "cpython3.12", "cp312", "pypy3.10", "pp310", "python3.12t", "graalpy"
_NAMED = re.compile(r"^(?P<impl>cpython|cp|pypy|pp|graalpy|gp|python)(?P<rest>\d.*)?$")
# uv keys: cpython-3.12.1[+freethreaded]-linux-x86_64-gnu (platform parts optional)
_KEY = re.compile(
    r"^(?P<impl>cpython|pypy|graalpy)-(?P<version>\d[^-+]*)(?:\+(?P<variant>freethreaded|debug))?"
    r"(?:-(?P<os>[a-z0-9_]+)(?:-(?P<arch>[a-z0-9_]+)(?:-(?P<libc>[a-z0-9_.]+))?)?)?$"
)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RequestError(ConfigError):
    """A request that whichpython cannot understand."""

    kind = "bad-request"


@attrs.frozen
class Request:
    """A parsed request. Empty fields accept anything.

    ``freethreaded``/``debug`` are ``True`` when asked for; ``None`` means "prefer the plain
    build". ``path`` and ``name`` requests name an interpreter directly.
    """

    raw: str
    implementation: Optional[str] = None
    specifier: Optional[SpecifierSet] = None
    freethreaded: Optional[bool] = None
    debug: Optional[bool] = None
    path: Optional[str] = None
    name: Optional[str] = None
    os: Optional[str] = None
    arch: Optional[str] = None
    libc: Optional[str] = None

    @property
    def allows_prereleases(self) -> bool:
        """True when the request itself names a prerelease (``3.13.0rc1``)."""
        if self.specifier is None:
            return False
        versions = (_version(s.version) for s in self.specifier if not s.version.endswith(".*"))
        return any(version is not None and version.is_prerelease for version in versions)

    def version_matches(self, version: str) -> bool:
        """Whether a PEP 440 version satisfies the version part (prereleases included)."""
        return self.specifier is None or self.specifier.contains(version, prereleases=True)

    def __str__(self) -> str:
        return self.raw or "any Python"


def parse_request(text: Optional[str]) -> Request:
    """Parse a request string; ``None`` or ``""`` asks for any interpreter."""
    raw = (text or "").strip()
    if not raw or raw.lower() in ("any", "default"):
        return Request(raw="")
    bad = _CONTROL.search(raw)
    if bad:
        what = "a NUL byte" if bad.group() == "\0" else f"a control character ({bad.group()!r})"
        raise RequestError(f"{_short(raw)} contains {what}")
    if _looks_like_path(raw):
        try:
            return Request(raw=raw, path=os.path.abspath(os.path.expanduser(raw)))
        except OSError:  # relative, and the current directory is gone
            raise RequestError(f"{_short(raw)}: the current directory no longer exists") from None
    lowered = raw.lower()
    if lowered[0] in "<>=!~":
        return Request(raw=raw, specifier=_specifier(raw, raw))
    found = _VERSION.match(lowered)
    if found:
        return _versioned(raw, None, found)
    key = _KEY.match(lowered)
    if key:
        request = _versioned(raw, key.group("impl"), _VERSION.match(key.group("version")))
        variant = key.group("variant")
        return attrs.evolve(
            request,
            freethreaded=True if variant == "freethreaded" else request.freethreaded,
            debug=True if variant == "debug" else request.debug,
            os=key.group("os"),
            arch=key.group("arch"),
            libc=key.group("libc"),
        )
    impl, _, version = lowered.partition("@")
    if version:
        if impl not in IMPLEMENTATIONS or IMPLEMENTATIONS[impl] is None:
            raise RequestError(f"{_short(raw)}: unknown implementation {_short(impl)}")
        return _versioned(raw, IMPLEMENTATIONS[impl], _version_or_error(raw, version))
    named = _NAMED.match(lowered)
    if named and (named.group("rest") is None or _VERSION.match(named.group("rest"))):
        implementation = IMPLEMENTATIONS[named.group("impl")]
        rest = named.group("rest")
        if rest is None:
            if named.group("impl") == "python":
                return Request(raw=raw)
            return Request(raw=raw, implementation=implementation)
        return _versioned(raw, implementation, _version_or_error(raw, rest))
    if re.match(r"^[A-Za-z_][\w.+-]*$", raw):
        return Request(raw=raw, name=raw)
    raise RequestError(f"{_short(raw)} is not a version, a version range, an implementation, "
                       "a path or an executable name")  # fmt: skip


def _looks_like_path(raw: str) -> bool:
    """``/x``, ``./x``, ``.venv``, ``~``, ``~/x``, ``~user``; never ``~=3.11`` (a range)."""
    if raw.startswith("~="):
        return False
    return "/" in raw or os.sep in raw or raw.startswith(("~", "."))


def _version(text: str) -> Optional[Version]:
    """``text`` as a version, or None (an arbitrary ``===`` string, say)."""
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or more digits than int() converts
        return None


def _version_or_error(raw: str, text: str) -> "re.Match[str]":
    found = _VERSION.match(text)
    if not found:
        raise RequestError(f"{_short(raw)}: {_short(text)} is not a version")
    return found


def _versioned(
    raw: str, implementation: Optional[str], found: "Optional[re.Match[str]]"
) -> Request:
    if found is None:
        raise RequestError(f"{_short(raw)}: not a version")
    version = found.group("version")
    if re.fullmatch(r"[23]\d{1,2}", version):  # "312" -> "3.12", "27" -> "2.7"
        version = f"{version[0]}.{version[1:]}"
    variant = _VARIANTS.get(found.group("flag") or found.group("variant") or "")
    parsed = _version(version)
    if parsed is None:
        raise RequestError(f"{_short(raw)}: a version number with too many digits")
    parts = len(parsed.release)
    if parsed.is_prerelease or parts >= 3:
        spec = f"=={parsed}"
    else:
        spec = f"=={'.'.join(map(str, parsed.release))}.*"
    return Request(
        raw=raw,
        implementation=implementation,
        specifier=_specifier(raw, spec),
        freethreaded=True if variant == "freethreaded" else None,
        debug=True if variant == "debug" else None,
    )


def _specifier(raw: str, text: str) -> SpecifierSet:
    try:
        specifier = SpecifierSet(text)
    except (InvalidSpecifier, ValueError):
        specifier = None
    # packaging parses each bound again when matching: a bound it cannot parse (more digits
    # than int() converts) would fail there, in the middle of a search.
    if specifier is None or any(
        s.operator != "===" and _version(s.version.removesuffix(".*")) is None for s in specifier
    ):
        raise RequestError(f"{_short(raw)} is not a valid version range (PEP 440)")
    return specifier


def _short(raw: str) -> str:
    """The request for a message: quoted, and cut short if it is very long."""
    return repr(raw) if len(raw) <= 80 else repr(raw[:60]) + f"... ({len(raw)} characters)"
