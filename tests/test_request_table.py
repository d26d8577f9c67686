"""The request grammar as a table (issue 14): every written form with the meaning the grammar
gives it (docs/requests.md), and the malformed ones with the error a user reads."""

import os
from typing import Any, Optional

import pytest

from whichpython.request.grammar import Request, RequestError, parse_request

PATH = {"path": "<from the text>"}  # a path request: os.path.abspath(os.path.expanduser(text))
FIELDS = {"impl": "implementation", "ft": "freethreaded"}


def meaning(request: Request) -> dict[str, Any]:
    """The request's fields that say something (raw aside), under short names."""
    names = ("impl", "spec", "ft", "debug", "os", "arch", "libc", "bits", "path", "name")
    found = {name: getattr(request, FIELDS.get(name, name)) for name in names}
    return {name: value for name, value in found.items() if value is not None}


def v(spec: str, impl: Optional[str] = None, **more: Any) -> dict[str, Any]:
    """The meaning of a version or range request: ``spec`` and whatever else is given."""
    return {"spec": spec, **({"impl": impl} if impl else {}), **more}


def key(spec: str, impl: str, system: str, arch: str, libc: str, **more: Any) -> dict[str, Any]:
    """The meaning of a whole uv key."""
    return v(spec, impl, os=system, arch=arch, libc=libc, **more)


def named(text: str) -> tuple[str, dict[str, Any]]:
    """A row for an executable name looked up on PATH (the text as written)."""
    return text, {"name": text}


FT: dict[str, Any] = {"ft": True}
GIL: dict[str, Any] = {"ft": False}
DEBUG: dict[str, Any] = {"debug": True}

ROWS: list[Any] = [
    # any interpreter: nothing, "any", "default" (uv), "python"/"py" (any case)
    ("", {}),
    ("any", {}),
    ("ANY", {}),
    ("Any", {}),
    ("default", {}),
    ("DEFAULT", {}),
    ("python", {}),
    ("Python", {}),
    ("PYTHON", {}),
    ("py", {}),
    ("PY", {}),
    # dotted versions: X is the major line, X.Y the minor line, X.Y.Z and prereleases exact
    ("2", v("==2.*")),
    ("3", v("==3.*")),
    ("4", v("==4.*")),
    ("2.7", v("==2.7.*")),
    ("3.8", v("==3.8.*")),
    ("3.10", v("==3.10.*")),
    ("3.12", v("==3.12.*")),
    ("3.100", v("==3.100.*")),
    ("3.12.0", v("==3.12.0")),
    ("3.12.1", v("==3.12.1")),
    ("3.9.18", v("==3.9.18")),
    ("2.7.18", v("==2.7.18")),
    ("3.13.0rc1", v("==3.13.0rc1")),
    ("3.13.0a1", v("==3.13.0a1")),
    ("3.14.0b2", v("==3.14.0b2")),
    ("3.13.0RC1", v("==3.13.0rc1")),
    ("3.13rc1", v("==3.13rc1")),
    ("3.14a1", v("==3.14a1")),
    ("3.14b3", v("==3.14b3")),
    # compact versions (uv, python-discovery): first digit the major, 1-3 more the minor
    ("27", v("==2.7.*")),
    ("38", v("==3.8.*")),
    ("39", v("==3.9.*")),
    ("310", v("==3.10.*")),
    ("312", v("==3.12.*")),
    ("3100", v("==3.100.*")),
    ("3999", v("==3.999.*")),
    ("20", v("==2.0.*")),
    ("10", v("==1.0.*")),
    ("313rc4", v("==3.13rc4")),
    ("313b1", v("==3.13b1")),
    ("313a2", v("==3.13a2")),
    ("314RC1", v("==3.14rc1")),
    # variants after a version: t, d, td; +freethreaded, +debug, +gil (uv); -dbg, -debug (Debian)
    ("3.13t", v("==3.13.*", **FT)),
    ("3.13T", v("==3.13.*", **FT)),
    ("3.13d", v("==3.13.*", **DEBUG)),
    ("3.13td", v("==3.13.*", **FT, **DEBUG)),
    ("3t", v("==3.*", **FT)),
    ("3.13.1t", v("==3.13.1", **FT)),
    ("3.14.0rc1t", v("==3.14.0rc1", **FT)),
    ("313t", v("==3.13.*", **FT)),
    ("313d", v("==3.13.*", **DEBUG)),
    ("314td", v("==3.14.*", **FT, **DEBUG)),
    ("3.13+freethreaded", v("==3.13.*", **FT)),
    ("3.13+FREETHREADED", v("==3.13.*", **FT)),
    ("3.13+debug", v("==3.13.*", **DEBUG)),
    ("3.13+gil", v("==3.13.*", **GIL)),
    ("3.13+freethreaded+debug", v("==3.13.*", **FT, **DEBUG)),
    ("3.13+debug+freethreaded", v("==3.13.*", **FT, **DEBUG)),
    ("3.13+gil+debug", v("==3.13.*", **GIL, **DEBUG)),
    ("3.13.2+gil", v("==3.13.2", **GIL)),
    ("313+freethreaded", v("==3.13.*", **FT)),
    ("3.12-dbg", v("==3.12.*", **DEBUG)),
    ("3.12-debug", v("==3.12.*", **DEBUG)),
    ("2.7-dbg", v("==2.7.*", **DEBUG)),
    ("3.12.1-dbg", v("==3.12.1", **DEBUG)),
    # PEP 440 ranges, in packaging's normal form (clauses sorted)
    (">=3.10", v(">=3.10")),
    (">3.9", v(">3.9")),
    ("<3.13", v("<3.13")),
    ("<=3.12", v("<=3.12")),
    ("!=3.11.*", v("!=3.11.*")),
    ("!=3.12.1", v("!=3.12.1")),
    ("~=3.10", v("~=3.10")),
    ("~=3.10.0", v("~=3.10.0")),
    ("===3.12.1", v("===3.12.1")),
    (">=3.13.0b1", v(">=3.13.0b1")),
    (">= 3.10", v(">=3.10")),
    (">=3.10,<3.13", v("<3.13,>=3.10")),
    ("<3.13,>=3.10", v("<3.13,>=3.10")),
    (">=3.10, <3.13", v("<3.13,>=3.10")),
    (">=3.9,!=3.11.*", v("!=3.11.*,>=3.9")),
    ("~=3.10,<4", v("<4,~=3.10")),
    (">=3.12,<3.13,!=3.12.1", v("!=3.12.1,<3.13,>=3.12")),
    (">2.7,<=3.8", v("<=3.8,>2.7")),
    # a lone ==X.Y or ==X is that line (uv); ==X.Y.Z stays, and in a set PEP 440's meaning stays
    ("==3.12", v("==3.12.*")),
    ("==3", v("==3.*")),
    ("==2.7", v("==2.7.*")),
    ("== 3.11", v("==3.11.*")),
    ("==3.12.0", v("==3.12.0")),
    ("==3.12.*", v("==3.12.*")),
    ("==3.13.0rc2", v("==3.13.0rc2")),
    ("==3.12,!=3.12.1", v("!=3.12.1,==3.12")),
    (">=3.11,==3.12", v("==3.12,>=3.11")),
    # a variant after the last bound of a range
    (">=3.13t", v(">=3.13", **FT)),
    (">=3.13,<3.15+freethreaded", v("<3.15,>=3.13", **FT)),
    ("!=3.11.*+gil", v("!=3.11.*", **GIL)),
    ("<3.14d", v("<3.14", **DEBUG)),
    (">=3.12+debug", v(">=3.12", **DEBUG)),
    (">=3.13td", v(">=3.13", **FT, **DEBUG)),
    (">=3.13+gil+debug", v(">=3.13", **GIL, **DEBUG)),
    ("==3.13t", v("==3.13.*", **FT)),
    (">=3.12-dbg", v(">=3.12", **DEBUG)),
    ("~=3.13.0+freethreaded", v("~=3.13.0", **FT)),
    # an implementation alone: cpython/cp, pypy/pp, graalpy/gp/graalvm, jython (any case)
    ("cpython", {"impl": "cpython"}),
    ("CPython", {"impl": "cpython"}),
    ("cp", {"impl": "cpython"}),
    ("pypy", {"impl": "pypy"}),
    ("PyPy", {"impl": "pypy"}),
    ("pp", {"impl": "pypy"}),
    ("graalpy", {"impl": "graalpy"}),
    ("GraalPy", {"impl": "graalpy"}),
    ("gp", {"impl": "graalpy"}),
    ("graalvm", {"impl": "graalpy"}),  # python-discovery's name
    ("jython", {"impl": "jython"}),
    ("Jython", {"impl": "jython"}),
    # an implementation with a version glued on (python-discovery, tox factors, executables)
    ("cpython3", v("==3.*", "cpython")),
    ("cpython3.12", v("==3.12.*", "cpython")),
    ("cpython3.12.1", v("==3.12.1", "cpython")),
    ("cpython312", v("==3.12.*", "cpython")),
    ("cpython3.13.0rc1", v("==3.13.0rc1", "cpython")),
    ("CPython3.11", v("==3.11.*", "cpython")),
    ("cp3", v("==3.*", "cpython")),
    ("cp27", v("==2.7.*", "cpython")),
    ("cp312", v("==3.12.*", "cpython")),
    ("cp313t", v("==3.13.*", "cpython", **FT)),
    ("cp3100", v("==3.100.*", "cpython")),
    ("cpython3.13+freethreaded", v("==3.13.*", "cpython", **FT)),
    ("cpython3.13t", v("==3.13.*", "cpython", **FT)),
    ("cpython3.12d", v("==3.12.*", "cpython", **DEBUG)),
    ("pypy3", v("==3.*", "pypy")),
    ("pypy3.10", v("==3.10.*", "pypy")),
    ("pypy310", v("==3.10.*", "pypy")),
    ("pypy2.7", v("==2.7.*", "pypy")),
    ("pypy3.10+gil", v("==3.10.*", "pypy", **GIL)),
    ("pp3", v("==3.*", "pypy")),
    ("pp310", v("==3.10.*", "pypy")),
    ("pp39", v("==3.9.*", "pypy")),
    ("graalpy3.11", v("==3.11.*", "graalpy")),
    ("graalpy311", v("==3.11.*", "graalpy")),
    ("gp311", v("==3.11.*", "graalpy")),
    ("graalvm3.11", v("==3.11.*", "graalpy")),
    ("jython2.7", v("==2.7.*", "jython")),
    ("jython27", v("==2.7.*", "jython")),
    ("jython2.7.3", v("==2.7.3", "jython")),
    ("python2", v("==2.*")),
    ("python3", v("==3.*")),
    ("python3.12", v("==3.12.*")),
    ("Python3.12", v("==3.12.*")),
    ("python3.12.1", v("==3.12.1")),
    ("python312", v("==3.12.*")),
    ("python3.12t", v("==3.12.*", **FT)),
    ("python3.13td", v("==3.13.*", **FT, **DEBUG)),
    ("python3.13-dbg", v("==3.13.*", **DEBUG)),
    ("python3.13-debug", v("==3.13.*", **DEBUG)),
    ("py3", v("==3.*")),
    ("py3.12", v("==3.12.*")),
    ("py312", v("==3.12.*")),
    ("py313t", v("==3.13.*", **FT)),
    # an implementation and a version after "@" (uv)
    ("cpython@3.12", v("==3.12.*", "cpython")),
    ("CPython@3.12", v("==3.12.*", "cpython")),
    ("cpython@3", v("==3.*", "cpython")),
    ("cpython@3.12.1", v("==3.12.1", "cpython")),
    ("cpython@312", v("==3.12.*", "cpython")),
    ("cpython@313rc4", v("==3.13rc4", "cpython")),
    ("cpython@3.13.0rc1", v("==3.13.0rc1", "cpython")),
    ("cpython@3.13t", v("==3.13.*", "cpython", **FT)),
    ("cpython@3.13+freethreaded+debug", v("==3.13.*", "cpython", **FT, **DEBUG)),
    ("cp@312", v("==3.12.*", "cpython")),
    ("pypy@3.10", v("==3.10.*", "pypy")),
    ("pypy@3.10+gil", v("==3.10.*", "pypy", **GIL)),
    ("pp@3.10", v("==3.10.*", "pypy")),
    ("graalpy@3.11", v("==3.11.*", "graalpy")),
    ("gp@3.11", v("==3.11.*", "graalpy")),
    ("graalvm@3.11", v("==3.11.*", "graalpy")),
    ("jython@2.7", v("==2.7.*", "jython")),
    ("python@3", v("==3.*")),
    ("python@3.12", v("==3.12.*")),
    ("py@3.12", v("==3.12.*")),
    # an implementation with a range, with or without "@" (uv, python-discovery)
    ("cpython>=3.12,<3.13", v("<3.13,>=3.12", "cpython")),
    ("cpython@>=3.12", v(">=3.12", "cpython")),
    ("cpython!=3.11.*", v("!=3.11.*", "cpython")),
    ("cpython==3.12", v("==3.12.*", "cpython")),
    ("cpython==3.12.1", v("==3.12.1", "cpython")),
    ("CPython>=3.12", v(">=3.12", "cpython")),
    ("cp<3.13", v("<3.13", "cpython")),
    ("cp@~=3.11", v("~=3.11", "cpython")),
    ("python>=3.12", v(">=3.12")),
    ("py>=3.12", v(">=3.12")),
    ("python@<3.13", v("<3.13")),
    ("pypy>=3.9", v(">=3.9", "pypy")),
    ("pypy@~=3.10.0", v("~=3.10.0", "pypy")),
    ("pp>3.8", v(">3.8", "pypy")),
    ("graalpy>=3.11", v(">=3.11", "graalpy")),
    ("graalvm>=3.12", v(">=3.12", "graalpy")),
    ("gp<=3.11", v("<=3.11", "graalpy")),
    ("jython<3", v("<3", "jython")),
    ("cpython>=3.13t", v(">=3.13", "cpython", **FT)),
    ("cpython>=3.13,<3.15+freethreaded", v("<3.15,>=3.13", "cpython", **FT)),
    ("pypy@>=3.10+gil", v(">=3.10", "pypy", **GIL)),
    # uv keys: <impl>-<version>-<os>-<arch>-<libc> (any case; arch names normalized)
    ("cpython-3.12.1-linux-x86_64-gnu", key("==3.12.1", "cpython", "linux", "x86_64", "gnu")),
    ("cpython-3.12.1-linux-x86_64-musl", key("==3.12.1", "cpython", "linux", "x86_64", "musl")),
    ("CPYTHON-3.12.1-LINUX-X86_64-GNU", key("==3.12.1", "cpython", "linux", "x86_64", "gnu")),
    ("cpython-3.11.9-macos-aarch64-none", key("==3.11.9", "cpython", "macos", "aarch64", "none")),
    (
        "cpython-3.10.14-windows-x86_64-none",
        key("==3.10.14", "cpython", "windows", "x86_64", "none"),
    ),
    ("cpython-3.12.1-linux-amd64-gnu", key("==3.12.1", "cpython", "linux", "x86_64", "gnu")),
    ("cpython-3.12-macos-arm64-none", key("==3.12.*", "cpython", "macos", "aarch64", "none")),
    (
        "cpython-3.12.1-linux-armv7-gnueabihf",
        key("==3.12.1", "cpython", "linux", "armv7", "gnueabihf"),
    ),
    ("cpython-3.12-linux-armv7l-gnueabi", key("==3.12.*", "cpython", "linux", "armv7", "gnueabi")),
    ("cpython-3.12-linux-ppc64le-gnu", key("==3.12.*", "cpython", "linux", "ppc64le", "gnu")),
    ("cpython-3.12-linux-s390x-gnu", key("==3.12.*", "cpython", "linux", "s390x", "gnu")),
    ("cpython-3.12-linux-riscv64-gnu", key("==3.12.*", "cpython", "linux", "riscv64", "gnu")),
    ("cpython-3.12-windows-x86-none", key("==3.12.*", "cpython", "windows", "i686", "none")),
    ("cpython-3.12-freebsd-x86_64-none", key("==3.12.*", "cpython", "freebsd", "x86_64", "none")),
    ("pypy-3.10.14-linux-aarch64-gnu", key("==3.10.14", "pypy", "linux", "aarch64", "gnu")),
    ("graalpy-3.11.0-linux-x86_64-gnu", key("==3.11.0", "graalpy", "linux", "x86_64", "gnu")),
    (
        "cpython-3.13.0+freethreaded-linux-x86_64-gnu",
        key("==3.13.0", "cpython", "linux", "x86_64", "gnu", **FT),
    ),
    (
        "cpython-3.13.0+freethreaded+debug-linux-x86_64-gnu",
        key("==3.13.0", "cpython", "linux", "x86_64", "gnu", **FT, **DEBUG),
    ),
    (
        "cpython-3.12.1+debug-linux-x86_64-gnu",
        key("==3.12.1", "cpython", "linux", "x86_64", "gnu", **DEBUG),
    ),
    ("cpython-3.13t-linux-x86_64-gnu", key("==3.13.*", "cpython", "linux", "x86_64", "gnu", **FT)),
    ("cpython-3.13.0rc1-linux-x86_64-gnu", key("==3.13.0rc1", "cpython", "linux", "x86_64", "gnu")),
    ("cpython-312-linux-x86_64-gnu", key("==3.12.*", "cpython", "linux", "x86_64", "gnu")),
    # uv keys with "any" parts or parts left out, in uv's order
    ("pypy-3.10", v("==3.10.*", "pypy")),
    ("cpython-3.12", v("==3.12.*", "cpython")),
    ("cpython-3", v("==3.*", "cpython")),
    ("graalpy-3.11", v("==3.11.*", "graalpy")),
    ("any-3.13.2", v("==3.13.2")),
    ("ANY-3.13.2", v("==3.13.2")),
    ("any-3.12", v("==3.12.*")),
    ("any-3.13t", v("==3.13.*", **FT)),
    ("any-3.11-any-x86_64-any", v("==3.11.*", arch="x86_64")),
    ("any-3.12-linux-any-musl", v("==3.12.*", os="linux", libc="musl")),
    ("cpython-3.12-linux", v("==3.12.*", "cpython", os="linux")),
    ("3.12-linux", v("==3.12.*", os="linux")),
    ("pypy-linux", {"impl": "pypy", "os": "linux"}),
    ("cpython-linux", {"impl": "cpython", "os": "linux"}),
    (
        "cpython-macos-aarch64-none",
        {"impl": "cpython", "os": "macos", "arch": "aarch64", "libc": "none"},
    ),
    ("cpython-any-linux-arm64", {"impl": "cpython", "os": "linux", "arch": "aarch64"}),
    ("graalpy-any-any-any-musl", {"impl": "graalpy", "libc": "musl"}),
    ("windows-x86_64", {"os": "windows", "arch": "x86_64"}),
    ("macos-aarch64", {"os": "macos", "arch": "aarch64"}),
    ("linux-x86_64-gnu", {"os": "linux", "arch": "x86_64", "libc": "gnu"}),
    ("linux-musl", {"os": "linux", "libc": "musl"}),
    ("android-arm64", {"os": "android", "arch": "aarch64"}),
    ("any-linux", {"os": "linux"}),
    ("any-any-any-any-any", {}),
    ("ANY-ANY-ANY-ANY-ANY", {}),
    ("any-any", {}),
    # python-discovery's -32/-64 and -<machine> after another form, or alone
    ("python-64", {"bits": 64}),
    ("python-32", {"bits": 32}),
    ("py-32", {"bits": 32}),
    ("-64", {"bits": 64}),
    ("python-64-x86_64", {"bits": 64, "arch": "x86_64"}),
    ("python-arm64", {"arch": "aarch64"}),
    ("cpython-64", {"impl": "cpython", "bits": 64}),
    ("pypy-64", {"impl": "pypy", "bits": 64}),
    ("jython-64", {"impl": "jython", "bits": 64}),
    ("pypy-x86_64", {"impl": "pypy", "arch": "x86_64"}),
    ("cpython3.12-64-arm64", v("==3.12.*", "cpython", bits=64, arch="aarch64")),
    ("cpython3.12-32-x86", v("==3.12.*", "cpython", bits=32, arch="i686")),
    ("python3.12-aarch64", v("==3.12.*", arch="aarch64")),
    ("python3.12-64-x86_64", v("==3.12.*", bits=64, arch="x86_64")),
    ("PYTHON3.12-64-ARM64", v("==3.12.*", bits=64, arch="aarch64")),
    ("python3.12-32", v("==3.12.*", bits=32)),
    ("python3.12-x64", v("==3.12.*", arch="x86_64")),
    ("python3.12-i386", v("==3.12.*", arch="i686")),
    ("python3.12-i586", v("==3.12.*", arch="i686")),
    ("python3.12-armv7l", v("==3.12.*", arch="armv7")),
    ("python3.12-powerpc64le", v("==3.12.*", arch="ppc64le")),
    ("python3.12-powerpc64", v("==3.12.*", arch="ppc64")),
    ("python3.12-s390x", v("==3.12.*", arch="s390x")),
    ("python3.12-loongarch64", v("==3.12.*", arch="loongarch64")),
    ("python3-riscv64", v("==3.*", arch="riscv64")),
    ("3.12-64", v("==3.12.*", bits=64)),
    ("3-64", v("==3.*", bits=64)),
    ("3.12-x86", v("==3.12.*", arch="i686")),
    ("312-64-amd64", v("==3.12.*", bits=64, arch="x86_64")),
    ("cp312-64", v("==3.12.*", "cpython", bits=64)),
    ("pypy3-64-amd64", v("==3.*", "pypy", bits=64, arch="x86_64")),
    ("cpython3.13t-64", v("==3.13.*", "cpython", bits=64, **FT)),
    ("3.13t-64", v("==3.13.*", bits=64, **FT)),
    ("python3.13-dbg-64", v("==3.13.*", bits=64, **DEBUG)),
    ("cpython@3.12-64", v("==3.12.*", "cpython", bits=64)),
    (">=3.12-64", v(">=3.12", bits=64)),
    (">=3.12,<3.13-32-x86", v("<3.13,>=3.12", bits=32, arch="i686")),
    ("cpython>=3.12-aarch64", v(">=3.12", "cpython", arch="aarch64")),
    # anything else that could be an executable name is looked up on PATH (case kept)
    named("mypython"),
    named("MyPython"),
    named("mypython3.12.1"),
    named("python3-custom"),
    named("ipython"),
    named("pythonw"),
    named("python3.12-config"),
    named("python3.12-foo"),  # not a machine python-discovery knows
    named("python3-64-foo"),
    named("python3.12.exe"),
    named("python-3.12"),  # "python" is no uv key implementation
    named("jython-2.7"),  # nor is jython
    named("linux-tool"),
    named("conda"),
    named("x86_64"),
    named("t"),
    named("cpython3.12_custom"),
    named("_private"),
    named("pypy3.10-c"),
    # paths: a "/" anywhere, a leading "~" (not "~=") or "."
    ("/usr/bin/python3", PATH),
    ("/opt/python3.12/bin/python", PATH),
    ("./venv", PATH),
    ("../venv/bin/python", PATH),
    ("bin/python", PATH),
    ("./3.12", PATH),
    ("/usr/bin/python3.12-64", PATH),
    (".venv", PATH),
    (".python-version", PATH),
    (".", PATH),
    ("..", PATH),
    ("~", PATH),
    ("~/bin/python", PATH),
    ("~root/bin/python", PATH),
    ("~/.pyenv/versions/3.12.1", PATH),
]


@pytest.mark.parametrize(("text", "expected"), ROWS)
def test_request_means(text: str, expected: dict[str, Any]) -> None:
    if expected is PATH:
        expected = {"path": os.path.abspath(os.path.expanduser(text))}
    assert meaning(parse_request(text)) == expected


def test_table_is_large_and_distinct() -> None:
    texts = [row[0] for row in ROWS]
    assert len(texts) >= 220
    assert len(set(texts)) == len(texts)


# Malformed requests: (text, a word the message must have)
INVALID: list[Any] = [
    # control characters and NUL bytes, wherever they are
    ("3.12\x07", "control character"),
    ("3.12\t3.13", "control character"),
    ("py\x1b[0m", "control character"),
    ("python\x7f", "control character"),
    ("a\x00", "NUL byte"),
    ("\x003.12", "NUL byte"),
    ("/usr/bin/python\x00", "NUL byte"),
    # compact versions have 2 to 4 digits; a compact prerelease needs a minor
    ("31000", "2 to 4 digits"),
    ("cp31000", "2 to 4 digits"),
    ("python31000", "2 to 4 digits"),
    ("cpython@31000", "2 to 4 digits"),
    ("3rc1", "prerelease needs a minor"),
    ("3b1", "prerelease needs a minor"),
    ("cp3rc1", "prerelease needs a minor"),
    ("python@3a1", "prerelease needs a minor"),
    # +freethreaded and +gil together
    ("3.13+freethreaded+gil", "contradict"),
    ("3.13+gil+freethreaded", "contradict"),
    (">=3.13+freethreaded+gil", "contradict"),
    ("cpython@3.13+gil+freethreaded", "contradict"),
    ("cpython-3.13.0+freethreaded+gil-linux-x86_64-gnu", "contradict"),
    # an unknown implementation before "@", or no version after it
    ("foo@3.12", "unknown implementation"),
    ("jruby@3.12", "unknown implementation"),
    ("ironpython@3", "unknown implementation"),
    ("@3.12", "unknown implementation"),
    ("cpython@x", "not a version"),
    ("pypy@3.x", "not a version"),
    ("py@3.12.1.1", "not a version"),
    ("python@", "not a version"),
    # not PEP 440
    (">=three", "not a valid version range"),
    (">=", "not a valid version range"),
    ("=>3.12", "not a valid version range"),
    (">=3.12.*", "not a valid version range"),
    ("~=3", "not a valid version range"),
    ("~=3.*", "not a valid version range"),
    ("<3.13,>=x", "not a valid version range"),
    (">=3.12 <3.13", "not a valid version range"),
    (">=3.13tt", "not a valid version range"),
    ("cpython>=3.x", "not a valid version range"),
    ("cp@>=3.12.*", "not a valid version range"),
    # starts like a uv key, but is not one
    ("cpython-3.12.1-linux-x86_64-foo", "uv key"),
    ("cpython-3.12-bogus", "uv key"),
    ("pypy-3.10-linux-x86_64-gnu-extra", "uv key"),
    ("any-3.x", "uv key"),
    ("graalpy-3.11-plan9", "uv key"),
    ("cpython-3.12-gnu-linux", "uv key"),  # parts out of order
    ("cpython-3-x86_64-linux", "uv key"),
    ("CPYTHON-3.12-MARS", "uv key"),
    # none of the forms, and not an executable name
    ("3.12 3.13", "not a version"),
    ("python 3.12", "not a version"),
    ("3.x", "not a version"),
    ("3.13dt", "not a version"),
    ("3..12", "not a version"),
    ("3.12.1.2.3", "not a version"),
    ("python3.12!", "not a version"),
    ("jruby>=3.12", "not a version"),
    ("*", "not a version"),
    ("@", "unknown implementation"),
]


@pytest.mark.parametrize(("text", "word"), INVALID)
def test_request_error(text: str, word: str) -> None:
    with pytest.raises(RequestError) as error:
        parse_request(text)
    message = str(error.value)
    assert repr(text) in message
    assert word in message


def test_error_table_is_large_and_distinct() -> None:
    texts = [row[0] for row in INVALID]
    assert len(texts) >= 40
    assert len(set(texts)) == len(texts)


def test_a_number_is_not_a_request() -> None:
    with pytest.raises(TypeError, match="in quotes"):
        parse_request(3.12)  # type: ignore[arg-type]
