"""The request grammar (docs/requests.md)."""

import os
from typing import Any, Optional

import pytest

from whichpython.request.grammar import Request, RequestError, parse_request


def fields(request: Request) -> dict[str, Any]:
    spec = str(request.specifier) if request.specifier is not None else None
    found = {
        "impl": request.implementation,
        "spec": spec,
        "ft": request.freethreaded,
        "debug": request.debug,
        "path": request.path,
        "name": request.name,
        "platform": (request.os, request.arch, request.libc),
    }
    return {key: value for key, value in found.items() if value not in (None, (None,) * 3)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("3", {"spec": "==3.*"}),
        ("3.12", {"spec": "==3.12.*"}),
        ("3.12.1", {"spec": "==3.12.1"}),
        ("312", {"spec": "==3.12.*"}),
        # compact forms as uv and python-discovery read them: first digit major, rest minor
        ("3100", {"spec": "==3.100.*"}),
        ("313rc4", {"spec": "==3.13rc4"}),
        ("313b1", {"spec": "==3.13b1"}),
        ("27", {"spec": "==2.7.*"}),
        ("313t", {"spec": "==3.13.*", "ft": True}),
        ("cpython@313rc4", {"impl": "cpython", "spec": "==3.13rc4"}),
        ("2.7", {"spec": "==2.7.*"}),
        (">=3.10", {"spec": ">=3.10"}),
        (">=3.10,<3.13", {"spec": "<3.13,>=3.10"}),
        ("==3.12.*", {"spec": "==3.12.*"}),
        # a lone == with fewer than three parts is that line, as in uv (PEP 440: X.Y.0 only)
        ("==3.12", {"spec": "==3.12.*"}),
        ("== 3.12", {"spec": "==3.12.*"}),
        ("==3", {"spec": "==3.*"}),
        ("==3.12.0", {"spec": "==3.12.0"}),
        ("==3.12,!=3.12.1", {"spec": "!=3.12.1,==3.12"}),  # in a set: PEP 440's meaning
        ("3.13.0rc1", {"spec": "==3.13.0rc1"}),
        ("cpython", {"impl": "cpython"}),
        ("cpython@3.12", {"impl": "cpython", "spec": "==3.12.*"}),
        ("cpython3.12", {"impl": "cpython", "spec": "==3.12.*"}),
        ("cp312", {"impl": "cpython", "spec": "==3.12.*"}),
        ("pypy", {"impl": "pypy"}),
        ("pypy3.10", {"impl": "pypy", "spec": "==3.10.*"}),
        ("pypy@3.10", {"impl": "pypy", "spec": "==3.10.*"}),
        ("pp310", {"impl": "pypy", "spec": "==3.10.*"}),
        ("graalpy", {"impl": "graalpy"}),
        ("3.13t", {"spec": "==3.13.*", "ft": True}),
        ("3.13+freethreaded", {"spec": "==3.13.*", "ft": True}),
        ("3.12d", {"spec": "==3.12.*", "debug": True}),
        ("3.12+debug", {"spec": "==3.12.*", "debug": True}),
        ("python3.12", {"spec": "==3.12.*"}),
        ("python3", {"spec": "==3.*"}),
        ("mypython", {"name": "mypython"}),
        (
            "cpython-3.12.1-linux-x86_64-gnu",
            {"impl": "cpython", "spec": "==3.12.1", "platform": ("linux", "x86_64", "gnu")},
        ),
        (
            "cpython-3.13.0+freethreaded-linux-x86_64-gnu",
            {
                "impl": "cpython",
                "spec": "==3.13.0",
                "ft": True,
                "platform": ("linux", "x86_64", "gnu"),
            },
        ),
        ("pypy-3.10", {"impl": "pypy", "spec": "==3.10.*"}),
        # an implementation with a range, with or without "@" (uv, python-discovery)
        ("cpython>=3.12,<3.13", {"impl": "cpython", "spec": "<3.13,>=3.12"}),
        ("cpython@>=3.12", {"impl": "cpython", "spec": ">=3.12"}),
        ("python>=3.12", {"spec": ">=3.12"}),
        ("cpython!=3.11.*", {"impl": "cpython", "spec": "!=3.11.*"}),
        ("pypy@~=3.10.0", {"impl": "pypy", "spec": "~=3.10.0"}),
        ("cpython==3.12", {"impl": "cpython", "spec": "==3.12.*"}),
        ("graalvm>=3.12", {"impl": "graalpy", "spec": ">=3.12"}),  # python-discovery's name
        ("graalvm3.11", {"impl": "graalpy", "spec": "==3.11.*"}),
        ("python@3", {"spec": "==3.*"}),
        ("python@3.12", {"spec": "==3.12.*"}),
        # variants: both at once, +gil (a GIL build only), Debian's -dbg, after a range
        ("3.13td", {"spec": "==3.13.*", "ft": True, "debug": True}),
        ("3.13+freethreaded+debug", {"spec": "==3.13.*", "ft": True, "debug": True}),
        ("3.13+gil", {"spec": "==3.13.*", "ft": False}),
        ("python3.13-dbg", {"spec": "==3.13.*", "debug": True}),
        ("3.14-dbg", {"spec": "==3.14.*", "debug": True}),
        ("3.12-debug", {"spec": "==3.12.*", "debug": True}),
        (">=3.13t", {"spec": ">=3.13", "ft": True}),
        (">=3.13,<3.15+freethreaded", {"spec": "<3.15,>=3.13", "ft": True}),
        ("cpython>=3.13t", {"impl": "cpython", "spec": ">=3.13", "ft": True}),
        (">=3.13+gil", {"spec": ">=3.13", "ft": False}),
        # uv keys with "any" parts or parts left out, case-insensitive
        ("any-3.13.2", {"spec": "==3.13.2"}),
        ("ANY-3.13.2", {"spec": "==3.13.2"}),
        ("any-3.11-any-x86_64-any", {"spec": "==3.11.*", "platform": (None, "x86_64", None)}),
        ("pypy-linux", {"impl": "pypy", "platform": ("linux", None, None)}),
        (
            "cpython-macos-aarch64-none",
            {"impl": "cpython", "platform": ("macos", "aarch64", "none")},
        ),
        ("windows-x86_64", {"platform": ("windows", "x86_64", None)}),
        ("cpython-any-linux-arm64", {"impl": "cpython", "platform": ("linux", "aarch64", None)}),
        ("any-any-any-any-any", {}),
        ("python3-custom", {"name": "python3-custom"}),  # not a key: a name
        ("linux-tool", {"name": "linux-tool"}),
    ],
)
def test_request_forms(text: str, expected: dict[str, Any]) -> None:
    assert fields(parse_request(text)) == expected


@pytest.mark.parametrize("text", ["./venv", "/usr/bin/python3", "~/bin/python", ".venv", "."])
def test_paths(text: str) -> None:
    request = parse_request(text)
    assert request.path == os.path.abspath(os.path.expanduser(text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3.x", "'3.x' is not a version, a version range"),
        ("foo@3.12", "unknown implementation 'foo'"),
        (">=three", "is not a valid version range"),
        ("cpython@x", "'x' is not a version"),
        ("3.12 3.13", "is not a version"),
        ("31000", "'31000' is not a version: without dots, a version has 2 to 4 digits"),
        ("3rc1", "'3rc1' is not a version: a prerelease needs a minor version"),
        ("cp31000", "'cp31000' is not a version: without dots, a version has 2 to 4 digits"),
        ("cp>=3.x", "'cp>=3.x' is not a valid version range"),
        ("cpython@>=", "'cpython@>=' is not a valid version range"),
        ("jruby>=3.12", "'jruby>=3.12' is not a version, a version range"),
        (
            "3.13+freethreaded+gil",
            "'3.13\\+freethreaded\\+gil': \\+freethreaded and \\+gil contradict",
        ),
        ("3.13dt", "'3.13dt' is not a version, a version range"),
    ],
)
def test_bad_requests(text: str, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        parse_request(text)


@pytest.mark.parametrize(
    ("text", "version", "matches", "prerelease_asked"),
    [
        ("3.12", "3.12.1", True, False),
        ("3.12", "3.13.0", False, False),
        ("3.13", "3.13.0rc1", True, False),
        ("3.13.0rc1", "3.13.0rc1", True, True),
        (">=3.10,<3.13", "3.12.1", True, False),
        (">=3.10,<3.13", "3.9.18", False, False),
        ("2.7", "2.7.18", True, False),
        ("3", "2.7.18", False, False),
        ("313rc4", "3.13.0rc4", True, True),
        ("313rc4", "3.13.0rc3", False, True),
        ("3100", "3.100.2", True, False),
        ("3100", "3.10.0", False, False),
        ("==3.12", "3.12.4", True, False),
        ("==3.12,!=3.12.1", "3.12.4", False, False),
        ("==3.12,!=3.12.1", "3.12.0", True, False),
    ],
)
def test_version_matching(
    text: str, version: str, matches: bool, prerelease_asked: Optional[bool]
) -> None:
    request = parse_request(text)
    assert request.version_matches(version) is matches
    assert request.allows_prereleases is prerelease_asked


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("3." + "3" * 4301, "too many digits"),  # more digits than int() converts
        ("3" * 4301, "2 to 4 digits"),
        ("cpython@3." + "1" * 100_000, "too many digits"),
        ("cp3" + "1" * 5000, "2 to 4 digits"),
        (">=3" + "0" * 5000, "not a valid version range"),
        ("3.12\0", "contains a NUL byte"),
        ("./python\0x", "contains a NUL byte"),
        ("3.12\n3.11", "contains a control character"),
    ],
)
def test_hostile_requests_are_request_errors(text: str, cause: str) -> None:
    with pytest.raises(RequestError) as error:
        parse_request(text)
    message = str(error.value)
    assert cause in message and "\n" not in message and len(message) < 200


def test_arbitrary_equality_requests_have_no_prerelease_version() -> None:
    request = parse_request("===foo")
    assert request.allows_prereleases is False
    assert request.version_matches("3.12.1") is False
    assert parse_request("===3.13.0rc1").allows_prereleases is True


@pytest.mark.parametrize(
    ("text", "path"),
    [("~", "~"), ("~/bin/python", "~/bin/python"), ("~root/bin/python", "~root/bin/python")],
)
def test_tilde_paths_and_compatible_release_ranges(text: str, path: str) -> None:
    assert parse_request(text).path == os.path.abspath(os.path.expanduser(path))
    compatible = parse_request("~=3.11")
    assert compatible.path is None and str(compatible.specifier) == "~=3.11"
    assert compatible.version_matches("3.12.1") and not compatible.version_matches("4.0")


@pytest.mark.parametrize(
    ("text", "freethreaded", "verdict"),
    [
        ("3.13+gil", True, "wrong-variant"),
        ("3.13+gil", False, None),
        ("3.13t", False, "wrong-variant"),
        ("3.13t", True, None),
        ("3.13", True, None),  # not refused: only ranked below a plain build
    ],
)
def test_variant_requests_decide_from_the_layout(
    text: str, freethreaded: bool, verdict: Optional[str]
) -> None:
    from whichpython.engine.policy import Policy
    from whichpython.sources.base import Hints

    found = Policy(parse_request(text), "managed", "allow").static_reject(
        Hints(version="3.13.1", freethreaded=freethreaded)
    )
    assert (found.code if found else None) == verdict


def test_gil_request_refuses_a_free_threaded_interpreter_it_ran(tmp_path: Any) -> None:
    """A free-threaded build the layout does not reveal (a recorded 3.13t probe behind a
    plain name) is refused by ``+gil`` once probed, and taken by ``t``."""
    from conftest import fake_interpreter
    from whichpython.engine.inspection import inspect_interpreter
    from whichpython.engine.policy import Policy

    script, _ = fake_interpreter(tmp_path, "uv-cpython-3.13t-linux.json")
    python = inspect_interpreter(str(script), cache=False)
    assert python.freethreaded
    refused = Policy(parse_request("3.13+gil")).reject(python)
    assert refused is not None and refused.code == "wrong-variant"
    assert Policy(parse_request("3.13t")).reject(python) is None
