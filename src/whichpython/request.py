"""Parse what a user asks for ("3.12", ">=3.10", "pypy@3.10", "3.13t", a path, a name)."""

import functools
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Optional

import attrs
from packaging.version import Version

from whichpython.errors import ConfigError

if TYPE_CHECKING:  # packaging.specifiers is imported by range requests only
    from packaging.specifiers import SpecifierSet

IMPLEMENTATIONS = {"cpython": "cpython", "cp": "cpython", "python": None, "pypy": "pypy",
                   "pp": "pypy", "graalpy": "graalpy", "gp": "graalpy",
                   "graalvm": "graalpy"}  # fmt: skip
# A build variant after a version: "t", "d", "td"; "+freethreaded", "+debug", "+gil" (not
# free-threaded), combined ("+freethreaded+debug"); Debian's "-dbg" and "-debug".
_VARIANT = r"(?:[td]|td|(?:\+(?:freethreaded|debug|gil))+|-dbg|-debug)"
# "3", "3.12", "3.12.1", "3.13.0rc1", "312" with an optional variant.
_VERSION = re.compile(
    rf"^(?P<version>\d+(?:\.\d+){{0,2}}(?:(?:a|b|rc)\d+)?)(?P<variant>{_VARIANT})?$"
)
# A range with a variant after its last bound: ">=3.13t", ">=3.13,<3.15+freethreaded"
_RANGE_VARIANT = re.compile(rf"^(?P<spec>.*\d)(?P<variant>{_VARIANT})$")
_IMPL = "|".join(sorted(IMPLEMENTATIONS, key=len, reverse=True))
# "cpython3.12", "cp312", "pypy3.10", "pp310", "python3.12t", "graalpy"
_NAMED = re.compile(rf"^(?P<impl>{_IMPL})(?P<rest>\d.*)?$")
# "cpython>=3.12,<3.13", "python!=3.11.*", "cpython@>=3.12": an implementation and a range
_RANGED = re.compile(rf"^(?P<impl>{_IMPL})@?\s*(?P<spec>[<>=!~].*)$")
_KEY_IMPLS = ("cpython", "pypy", "graalpy")
# uv keys: cpython-3.12.1[+freethreaded]-linux-x86_64-gnu (platform parts optional)
_KEY = re.compile(
    rf"^(?P<impl>{'|'.join(_KEY_IMPLS)})-(?P<version>\d[^-+]*(?:\+(?:freethreaded|debug))?)"
    r"(?:-(?P<os>[a-z0-9_]+)(?:-(?P<arch>[a-z0-9_]+)(?:-(?P<libc>[a-z0-9_.]+))?)?)?$"
)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The values of a uv key's parts that are told apart by name (uv's own lists, and the
# python-discovery machine names amd64/arm64/x86 for the arch).
_KEY_OS = frozenset({"linux", "macos", "windows", "freebsd", "netbsd", "openbsd", "android"})
_KEY_ARCH = {"x86_64": "x86_64", "aarch64": "aarch64", "i686": "i686", "armv7": "armv7",
             "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
             "loongarch64": "loongarch64", "amd64": "x86_64", "arm64": "aarch64",
             "x86": "i686"}  # fmt: skip
_KEY_LIBC = frozenset({"gnu", "musl", "none", "gnueabi", "gnueabihf"})
_KEY_SLOTS = ("impl", "version", "os", "arch", "libc")


class RequestError(ConfigError):
    """A request that whichpython cannot understand."""

    kind = "bad-request"


@attrs.frozen
class Request:
    """A parsed request. Empty fields accept anything.

    ``freethreaded``/``debug`` are ``True`` when asked for, ``False`` when refused (``+gil``);
    ``None`` means "prefer the plain build". ``path`` and ``name`` requests name an
    interpreter directly.
    """

    raw: str
    implementation: Optional[str] = None
    #: The version part as a PEP 440 specifier (``==3.12.*``, ``>=3.10``); see :attr:`specifier`.
    spec: Optional[str] = None
    freethreaded: Optional[bool] = None
    debug: Optional[bool] = None
    path: Optional[str] = None
    name: Optional[str] = None
    os: Optional[str] = None
    arch: Optional[str] = None
    libc: Optional[str] = None

    @property
    def specifier(self) -> Optional["SpecifierSet"]:
        """The version part as a :class:`packaging.specifiers.SpecifierSet` (None: any)."""
        return None if self.spec is None else _specifier_set(self.spec)

    @property
    def allows_prereleases(self) -> bool:
        """True when the request itself names a prerelease (``3.13.0rc1``)."""
        if self.spec is None:
            return False
        simple = _simple(self.spec)
        if simple is not None:
            return simple[1].is_prerelease
        specifier = _specifier_set(self.spec)
        versions = (_version(s.version) for s in specifier if not s.version.endswith(".*"))
        return any(version is not None and version.is_prerelease for version in versions)

    def version_matches(self, version: str) -> bool:
        """Whether a PEP 440 version satisfies the version part (prereleases included)."""
        if self.spec is None:
            return True
        simple = _simple(self.spec)
        if simple is None:
            return _specifier_set(self.spec).contains(version, prereleases=True)
        candidate = _version(version)
        return candidate is not None and _simple_match(simple, candidate)

    def __str__(self) -> str:
        return self.raw or "any Python"


def parse_request(text: "Optional[str | os.PathLike[str]]") -> Request:
    """Parse a request string; ``None`` or ``""`` asks for any interpreter; an
    :class:`os.PathLike` (a :class:`pathlib.Path`) is always a path. Anything else is a
    :class:`TypeError` (``3.12`` the float is not ``"3.12"``: 3.10 would be 3.1)."""
    if isinstance(text, os.PathLike):
        path = os.fsdecode(text)
        try:
            return Request(raw=path, path=os.path.abspath(os.path.expanduser(path)))
        except OSError:
            raise RequestError(f"{_short(path)}: the current directory no longer exists") from None
    if text is not None and not isinstance(text, str):
        raise TypeError(
            f"a request is a string or a path, not {type(text).__name__} ({text!r}): "
            f"write it in quotes, e.g. '3.12' (as a number, 3.10 would be 3.1)"
        )
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
        return _ranged(raw, None, lowered)
    found = _VERSION.match(lowered)
    if found:
        return _versioned(raw, None, found)
    key = _KEY.match(lowered)
    if key:
        return _keyed(raw, key.groupdict())
    partial = _partial_key(raw, lowered)
    if partial is not None:
        return partial
    ranged = _RANGED.match(lowered)
    if ranged:
        return _ranged(raw, IMPLEMENTATIONS[ranged.group("impl")], ranged.group("spec"))
    impl, _, version = lowered.partition("@")
    if version:
        if impl not in IMPLEMENTATIONS:
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
    version = _expanded(raw, found.group("version"))
    freethreaded, debug = _variants(raw, found.group("variant") or "")
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
        spec=_specifier(raw, spec),
        freethreaded=freethreaded,
        debug=debug,
    )


def _variants(raw: str, text: str) -> tuple[Optional[bool], Optional[bool]]:
    """(free-threaded, debug) a variant suffix asks for (None: not said)."""
    if text in ("t", "d", "td"):
        return ("t" in text or None), ("d" in text or None)
    if text in ("-dbg", "-debug"):
        return None, True
    parts = set(text.split("+")[1:])
    if {"freethreaded", "gil"} <= parts:
        raise RequestError(f"{_short(raw)}: +freethreaded and +gil contradict each other")
    freethreaded = True if "freethreaded" in parts else False if "gil" in parts else None
    return freethreaded, ("debug" in parts or None)


def _partial_key(raw: str, text: str) -> Optional[Request]:
    """A uv key with ``any`` parts or parts left out, in uv's order
    (``<impl>-<version>-<os>-<arch>-<libc>``): ``any-3.13.2``, ``pypy-linux``,
    ``windows-x86_64``, ``cpython-macos-aarch64-none``, ``any-any-any-any-any``; None when
    ``text`` is not one (a name such as ``python3-custom``)."""
    parts = text.split("-")
    if not 2 <= len(parts) <= len(_KEY_SLOTS):
        return None
    found: dict[str, str] = {}
    slot = 0
    for part in parts:
        while slot < len(_KEY_SLOTS) and not _fits(_KEY_SLOTS[slot], part):
            slot += 1
        if slot == len(_KEY_SLOTS):
            return None
        if part != "any":
            found[_KEY_SLOTS[slot]] = part
        slot += 1
    if "arch" in found:
        found["arch"] = _KEY_ARCH[found["arch"]]
    return _keyed(raw, found)


def _keyed(raw: str, parts: "Mapping[str, Optional[str]]") -> Request:
    """The request a uv key's parts (``impl``, ``version``, ``os``, ``arch``, ``libc``) make."""
    version = parts.get("version")
    request = _versioned(raw, None, _VERSION.match(version)) if version else Request(raw=raw)
    return attrs.evolve(request, implementation=parts.get("impl"), os=parts.get("os"),
                        arch=parts.get("arch"), libc=parts.get("libc"))  # fmt: skip


def _fits(slot: str, part: str) -> bool:
    if part == "any":
        return True
    if slot == "impl":
        return part in _KEY_IMPLS
    if slot == "version":
        return _VERSION.match(part) is not None
    return part in {"os": _KEY_OS, "arch": _KEY_ARCH, "libc": _KEY_LIBC}[slot]


def _ranged(raw: str, implementation: Optional[str], text: str) -> Request:
    """A range request, with the variant written after its last bound (``>=3.13t``)."""
    found = _RANGE_VARIANT.match(text)
    freethreaded, debug = _variants(raw, found.group("variant")) if found else (None, None)
    spec = _range(raw, found.group("spec") if found else text)
    return Request(raw=raw, implementation=implementation, spec=spec,
                   freethreaded=freethreaded, debug=debug)  # fmt: skip


def _expanded(raw: str, version: str) -> str:
    """A compact version (no dots) made dotted, as uv and python-discovery read it: the
    first digit is the major, the rest the minor (``312`` is 3.12, ``3100`` 3.100, ``313rc4``
    3.13rc4). Five digits or more, and a prerelease of a bare major (``3rc1``), mean nothing:
    a :class:`RequestError`."""
    compact = re.fullmatch(r"(\d+)(.*)", version)
    if "." in version or compact is None:
        return version
    digits, prerelease = compact.groups()
    if len(digits) > 4:
        raise RequestError(
            f"{_short(raw)} is not a version: without dots, a version has 2 to 4 digits "
            "(312 is 3.12, 3100 is 3.100)"
        )
    if len(digits) == 1:
        if prerelease:
            raise RequestError(
                f"{_short(raw)} is not a version: a prerelease needs a minor version (3.13rc1, "
                "313rc1)"
            )
        return version
    return f"{digits[0]}.{digits[1:]}{prerelease}"


def _range(raw: str, text: str) -> str:
    """A range request's specifier set; a lone ``==X.Y`` (or ``==X``) is that line, as uv
    reads it (PEP 440 would take X.Y.0 only)."""
    lone = re.fullmatch(r"==\s*(\d+(?:\.\d+)?)", text)
    return _specifier(raw, f"=={lone.group(1)}.*" if lone else text)


def _specifier(raw: str, text: str) -> str:
    """``text`` checked as a PEP 440 specifier set, in packaging's normal form."""
    if _simple(text) is not None:  # "==3.12.*", "==3.12.1": no packaging.specifiers
        return "==" + text[2:].strip()
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

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
    return str(specifier)


@functools.lru_cache(maxsize=256)
def _specifier_set(text: str) -> "SpecifierSet":
    from packaging.specifiers import SpecifierSet  # range requests only: it costs ~3 ms

    return SpecifierSet(text)


@functools.lru_cache(maxsize=256)
def _simple(spec: str) -> Optional[tuple[bool, Version]]:
    """``(is_prefix, version)`` for the one-clause forms a version request makes (``==X.Y.*``
    and ``==X.Y.Z[rcN]``), matched without packaging.specifiers; None for anything else."""
    if not spec.startswith("==") or spec.startswith("===") or "," in spec:
        return None
    text = spec[2:].strip()
    prefix = text.endswith(".*")
    version = _version(text.removesuffix(".*"))
    if version is None or version.local is not None or (prefix and not _is_release(version)):
        return None
    return prefix, version


def _is_release(version: Version) -> bool:
    return version.pre is None and version.post is None and version.dev is None


def _simple_match(simple: tuple[bool, Version], candidate: Version) -> bool:
    """PEP 440 ``==`` for :func:`_simple` forms: a prefix compares the release padded with
    zeros; an exact version ignores the candidate's local label."""
    prefix, want = simple
    if not prefix:
        return Version(candidate.public) == want
    size = len(want.release)
    padded = candidate.release + (0,) * max(0, size - len(candidate.release))
    return candidate.epoch == want.epoch and padded[:size] == want.release


@functools.lru_cache(maxsize=1024)
def may_satisfy(spec: str, hint: str) -> bool:
    """Whether some version a layout's hint allows (``3.12`` allows any 3.12.x) satisfies
    the version part ``spec`` of a request."""
    simple = _simple_may_satisfy(spec, hint)
    if simple is not None:
        return simple
    specifier = _specifier_set(spec)
    parts = hint.split(".")
    if len(parts) >= 3:
        return specifier.contains(hint, prereleases=True)
    if len(parts) == 1:  # "python3": only an exact request for another major rules it out
        return not any(
            s.operator in ("==", "===") and s.version.split(".")[0] != parts[0] for s in specifier
        )
    named = [s.version.removesuffix(".*") for s in specifier if s.version.startswith(hint + ".")]
    samples = named + [f"{hint}.{micro}" for micro in range(0, 100)]
    return any(specifier.contains(sample, prereleases=True) for sample in samples)


def _simple_may_satisfy(spec: str, hint: str) -> Optional[bool]:
    """:func:`may_satisfy` for a :func:`_simple` spec, without packaging.specifiers; None when
    the spec or hint is of another form."""
    simple = _simple(spec)
    numbers = hint.split(".")
    if simple is None or not all(n.isdigit() for n in numbers):
        return None
    if len(numbers) >= 3:
        hinted = _version(hint)
        return hinted is not None and _simple_match(simple, hinted)
    given = tuple(int(n) for n in numbers)
    release = simple[1].release
    common = min(len(given), len(release))
    return given[:common] == release[:common]


def _short(raw: str) -> str:
    """The request for a message: quoted, and cut short if it is very long."""
    return repr(raw) if len(raw) <= 80 else repr(raw[:60]) + f"... ({len(raw)} characters)"
