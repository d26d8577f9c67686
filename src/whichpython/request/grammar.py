"""Parse what a user asks for ("3.12", ">=3.10", "pypy@3.10", "3.13t", a path, a name)."""

import os
import re
from typing import TYPE_CHECKING, Optional

import whichpython.request.specifiers as specifiers
from whichpython.model.errors import ConfigError
from whichpython.request.platforms import ARCHES, LIBCS, SYSTEMS

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

if TYPE_CHECKING:  # packaging.specifiers is imported by range requests only
    from packaging.specifiers import SpecifierSet

IMPLEMENTATIONS = {"cpython": "cpython", "cp": "cpython", "python": None, "py": None,
                   "pypy": "pypy", "pp": "pypy", "graalpy": "graalpy", "gp": "graalpy",
                   "graalvm": "graalpy", "jython": "jython"}  # fmt: skip
# A build variant after a version: "t", "d", "td"; "+freethreaded", "+debug", "+gil" (not
# free-threaded), combined ("+freethreaded+debug"); Debian's "-dbg" and "-debug".
_VARIANT = r"(?:[td]|td|(?:\+(?:freethreaded|debug|gil))+|-dbg|-debug)"
# "3", "3.12", "3.12.1", "3.13.0rc1", "312" with an optional variant.
_VERSION = re.compile(
    rf"^(?P<version>\d+(?:\.\d+){{0,2}}(?:(?:a|b|rc)\d+)?)(?P<variant>{_VARIANT})?$"
)
# python-discovery's bitness and machine after anything else: "python-64",
# "cpython3.12-64-arm64", "python3.12-aarch64", "3.12-32", ">=3.12-64"
_TAGGED = re.compile(r"^(?P<head>.*?)(?:-(?P<bits>32|64))?(?:-(?P<machine>[a-z][a-z0-9_]*))?$")
# A range with a variant after its last bound: ">=3.13t", ">=3.13,<3.15+freethreaded"
_RANGE_VARIANT = re.compile(rf"^(?P<spec>.*[\d*])(?P<variant>{_VARIANT})$")
_IMPL = "|".join(sorted(IMPLEMENTATIONS, key=len, reverse=True))
# "cpython3.12", "cp312", "pypy3.10", "pp310", "python3.12t", "graalpy", "3.12"
_NAMED = re.compile(rf"^(?P<impl>{_IMPL})?(?P<rest>\d.*)?$")
# "cpython>=3.12,<3.13", "python!=3.11.*", "cpython@>=3.12": an implementation and a range
_RANGED = re.compile(rf"^(?P<impl>{_IMPL})@?\s*(?P<spec>[<>=!~].*)$")
_KEY_IMPLS = ("cpython", "pypy", "graalpy")
# What only a uv key (cpython-3.12.1-linux-x86_64-gnu) starts with: a wrong one is an error
_KEY = re.compile(rf"^(?:{'|'.join(_KEY_IMPLS)}|any)-\d")
_KEY_SLOTS = ("impl", "version", "os", "arch", "libc")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    #: 32 or 64: the pointer size python-discovery's ``python-64`` asks for.
    bits: Optional[int] = None

    @property
    def specifier(self) -> Optional["SpecifierSet"]:
        """The version part as a :class:`packaging.specifiers.SpecifierSet` (None: any)."""
        return None if self.spec is None else specifiers.specifier_set(self.spec)

    @property
    def allows_prereleases(self) -> bool:
        """True when the request itself names a prerelease (``3.13.0rc1``, ``>=3.14.0b1``)."""
        return self.spec is not None and specifiers.names_prerelease(self.spec)

    def version_matches(self, version: str) -> bool:
        """Whether a PEP 440 version satisfies the version part: prereleases included, and
        taken as their final release by a lower bound (``>=3.14`` accepts 3.14.0rc3)."""
        return self.spec is None or specifiers.matches(self.spec, version)

    def canonical(self) -> str:
        """A request string that parses back to this request (``raw`` aside), in the
        forms docs/requests.md lists first: ``any``, ``cpython3.12+freethreaded``,
        ``pypy>=3.10,<3.11``, ``cpython-3.12.1-linux-x86_64-gnu``, ``python3.12-64-x86_64``.
        :class:`ValueError` for a request no string makes (a platform with a range)."""
        if self.path is not None or self.name is not None:
            return self.path or self.name or ""
        variant = "".join(f"+{word}" for word, on in (
            ("freethreaded", self.freethreaded), ("gil", self.freethreaded is False),
            ("debug", self.debug)) if on)  # fmt: skip
        version = _version_text(self.spec)
        tags = "".join(f"-{tag}" for tag in (self.bits, self.arch) if tag)
        if self.debug is False or (variant and self.spec is None):
            raise ValueError(f"no request string asks for {self!r}")
        if self.os or self.libc:
            if self.bits or (self.spec and not version) or self.implementation == "jython":
                raise ValueError(f"no request string asks for {self!r}")
            version = version + variant if version else None
            key = (self.implementation, version, self.os, self.arch, self.libc)
            return "-".join(part or "any" for part in key)
        head = (self.implementation or "") + (version or self.spec or "") + variant
        return head + tags if head else "python" + tags if tags else "any"

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
    request = _tagged(raw, lowered) or _plain(raw, lowered) or _partial_key(raw, lowered)
    if request is not None:
        return request
    if _KEY.match(lowered):
        raise RequestError(
            f"{_short(raw)} is not a uv key: expected <implementation>-<version>-<os>-<arch>-"
            "<libc> (cpython-3.12.1-linux-x86_64-gnu) with known names, or 'any' for a part"
        )
    if re.match(r"^[A-Za-z_][\w.+-]*$", raw):
        return Request(raw=raw, name=raw)
    raise RequestError(f"{_short(raw)} is not a version, a version range, an implementation, "
                       "a path or an executable name")  # fmt: skip


def _plain(raw: str, text: str) -> Optional[Request]:
    """A range, an implementation, a version, or an implementation with either (``>=3.12``,
    ``pypy``, ``3.12t``, ``cpython@3.12``, ``pypy3.10``, ``cpython>=3.12``); None for
    anything else."""
    if text[0] in "<>=!~":
        return _ranged(raw, None, text)
    ranged = _RANGED.match(text)
    if ranged:
        return _ranged(raw, IMPLEMENTATIONS[ranged.group("impl")], ranged.group("spec"))
    impl, at, version = text.partition("@")
    if at:
        if impl not in IMPLEMENTATIONS:
            raise RequestError(
                f"{_short(raw)}: unknown implementation {_short(impl)} (expected one of "
                f"{', '.join(IMPLEMENTATIONS)})"
            )
        return _versioned(raw, IMPLEMENTATIONS[impl], _version_or_error(raw, version))
    return _named(raw, text)


def _named(raw: str, text: str) -> Optional[Request]:
    """An implementation, a version, or both: ``pypy``, ``3.12``, ``cpython3.12``, ``cp312``,
    ``py3.12t``; None for anything else."""
    named = _NAMED.match(text)
    if not named or not text:
        return None
    implementation, rest = IMPLEMENTATIONS[named.group("impl") or "python"], named.group("rest")
    if rest is None:
        return Request(raw=raw, implementation=implementation)
    found = _VERSION.match(rest)
    return _versioned(raw, implementation, found) if found else None


def _tagged(raw: str, text: str) -> Optional[Request]:
    """python-discovery's ``-32``/``-64`` and machine name after a request (``python-64``,
    ``cpython3.12-64-arm64``, ``3.12-x86``, ``>=3.12-64``); None when ``text`` has neither."""
    found = _TAGGED.match(text)
    bits, machine = (found.group("bits"), found.group("machine")) if found else (None, None)
    if found is None or not (bits or machine) or (machine and machine not in ARCHES):
        return None
    head = found.group("head")
    request = _plain(raw, head) if head else Request(raw=raw)
    if request is None:
        return None
    return attrs.evolve(request, bits=int(bits) if bits else None,
                        arch=ARCHES[machine] if machine else None)  # fmt: skip


def _looks_like_path(raw: str) -> bool:
    """``/x``, ``./x``, ``.venv``, ``~``, ``~/x``, ``~user``; never ``~=3.11`` (a range)."""
    if raw.startswith("~="):
        return False
    return "/" in raw or os.sep in raw or raw.startswith(("~", "."))


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
    freethreaded, debug = _variants(raw, found.group("variant") or "")
    spec = _version_spec(_expanded(raw, found.group("version")))
    if spec is None:
        raise RequestError(f"{_short(raw)}: a version number with too many digits")
    return Request(raw=raw, implementation=implementation, spec=_specifier(raw, spec),
                   freethreaded=freethreaded, debug=debug)  # fmt: skip


def _version_spec(version: str) -> Optional[str]:
    """The spec a dotted version request means: ``3.12`` is ``==3.12.*``; ``3.12.1`` and
    ``3.13.0rc1`` are themselves."""
    parsed = specifiers.version(version)
    if parsed is None:
        return None
    if parsed.is_prerelease or len(parsed.release) >= 3:
        return f"=={parsed}"
    return f"=={'.'.join(map(str, parsed.release))}.*"


def _version_text(spec: Optional[str]) -> Optional[str]:
    """The version a request writes for ``spec`` (``3.12`` for ``==3.12.*``), or None when
    it takes a range (``==3.12.1.*``, ``>=3.12``)."""
    if spec is None or not spec.startswith("=="):
        return None
    text = spec[2:].removesuffix(".*")
    found = _VERSION.match(text)
    try:  # "10" would read as 1.0, "3rc1" not at all: those take the range form
        same = found and not found.group("variant") and _version_spec(_expanded("", text)) == spec
    except RequestError:
        same = False
    return text if same else None


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
    version, arch = found.get("version"), found.get("arch")
    request = _versioned(raw, None, _VERSION.match(version)) if version else Request(raw=raw)
    return attrs.evolve(request, implementation=found.get("impl"), os=found.get("os"),
                        arch=ARCHES[arch] if arch else None, libc=found.get("libc"))  # fmt: skip


def _fits(slot: str, part: str) -> bool:
    if part == "any":
        return True
    if slot == "impl":
        return part in _KEY_IMPLS
    if slot == "version":
        return _VERSION.match(part) is not None
    return part in {"os": SYSTEMS, "arch": ARCHES, "libc": LIBCS}[slot]


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
    spec = specifiers.normalized(text)
    if spec is None:
        hint, star = "", re.search(r"((?:[<>]=?|~=)\s*[\d.]+)\.\*", text)
        if star:
            hint = f": .* goes only with == and != (write {star.group(1)})"
        elif re.search(r"~=\s*\d+(?:$|[^\d.])", text):
            hint = ": ~= needs a minor version (~=3.0 is any 3.x from 3.0)"
        raise RequestError(f"{_short(raw)} is not a valid version range (PEP 440){hint}")
    return spec


def _short(raw: str) -> str:
    """The request for a message: quoted, and cut short if it is very long."""
    return repr(raw) if len(raw) <= 80 else repr(raw[:60]) + f"... ({len(raw)} characters)"
