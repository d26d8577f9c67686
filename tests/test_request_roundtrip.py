"""Round trips of the request grammar (issue 14): ``Request.canonical()`` is a request string
that parses back to the same request (``raw`` aside), for requests built field by field and
for strings written in the grammar's forms (docs/requests.md)."""

import os
import string
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet

from whichpython.request.grammar import Request, RequestError, parse_request

IMPLEMENTATIONS = (None, "cpython", "pypy", "graalpy", "jython")
# Jython has no platform part: uv keys name cpython, pypy and graalpy only
PLATFORMED = (None, "cpython", "pypy", "graalpy")
SYSTEMS = ("linux", "macos", "windows", "freebsd", "netbsd", "openbsd", "android")
LIBCS = ("gnu", "musl", "none", "gnueabi", "gnueabihf")
ARCH_NAMES = {"x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64", "aarch64": "aarch64",
              "arm64": "aarch64", "i686": "i686", "i586": "i686", "i486": "i686", "i386": "i686",
              "x86": "i686", "armv7": "armv7", "armv7l": "armv7", "ppc64le": "ppc64le",
              "powerpc64le": "ppc64le", "ppc64": "ppc64", "powerpc64": "ppc64", "s390x": "s390x",
              "riscv64": "riscv64", "loongarch64": "loongarch64"}  # fmt: skip
ARCHES = sorted(set(ARCH_NAMES.values()))

# Majors of two digits too: ==10.* cannot be written "10" (that is the compact 1.0).
majors = st.integers(0, 12)
numbers = st.integers(0, 40)
prereleases = st.builds("{}{}".format, st.sampled_from(["a", "b", "rc"]), st.integers(0, 20))


def same(left: Request, right: Request) -> bool:
    return attrs.evolve(left, raw="") == attrs.evolve(right, raw="")


def assert_round_trip(request: Request) -> None:
    text = request.canonical()
    again = parse_request(text)
    assert same(again, request), (text, again, request)
    assert again.canonical() == text


# Requests built from the fields parse_request produces


@st.composite
def version_specs(draw: st.DrawFn, written: bool = False) -> str:
    """The spec of a version request: X, X.Y, X.Y.Z, X.Y.ZrcN, X.YrcN; unless ``written``
    (a version a uv key can hold), also lines of majors >= 10 and XrcN, which only a range
    writes."""
    major = draw(st.integers(0, 9) if written else majors)
    minor, micro = draw(numbers), draw(numbers)
    forms = [
        f"=={major}.*",
        f"=={major}.{minor}.*",
        f"=={major}.{minor}.{micro}",
        f"=={major}.{minor}.{micro}{draw(prereleases)}",
        f"=={major}.{minor}{draw(prereleases)}",
    ]
    return draw(st.sampled_from(forms if written else [*forms, f"=={major}{draw(prereleases)}"]))


@st.composite
def range_specs(draw: st.DrawFn) -> str:
    """A PEP 440 range in packaging's normal form, from one to three clauses."""

    def clause() -> str:
        release = ".".join(map(str, [draw(majors), *draw(st.lists(numbers, max_size=2))]))
        two = f"{draw(majors)}.{draw(numbers)}"
        return draw(
            st.sampled_from(
                [
                    draw(st.sampled_from([">=", "<=", "<", ">", "!="])) + release,
                    f"~={two}" + draw(st.sampled_from(["", f".{draw(numbers)}"])),
                    f"!={two}.*",
                    f"=={two}.*",
                ]
            )
        )

    clauses = [clause() for _ in range(draw(st.integers(1, 3)))]
    return str(SpecifierSet(",".join(clauses)))


@st.composite
def structured_requests(draw: st.DrawFn) -> Request:
    implementation = draw(st.sampled_from(IMPLEMENTATIONS))
    kind = draw(st.sampled_from(["none", "version", "written", "range"]))
    spec = {"none": st.none(), "version": version_specs(), "written": version_specs(written=True),
            "range": range_specs()}[kind]  # fmt: skip
    fields: dict[str, Any] = {"implementation": implementation, "spec": draw(spec)}
    if fields["spec"] is not None:
        fields["freethreaded"] = draw(st.sampled_from([True, False, None]))
        fields["debug"] = draw(st.sampled_from([True, None]))
    if kind in ("none", "written") and implementation in PLATFORMED:
        fields["os"] = draw(st.none() | st.sampled_from(SYSTEMS))
        fields["arch"] = draw(st.none() | st.sampled_from(ARCHES))
        fields["libc"] = draw(st.none() | st.sampled_from(LIBCS))
    if not fields.get("os") and not fields.get("libc"):
        fields["bits"] = draw(st.sampled_from([None, 32, 64]))
    return Request(raw="", **fields)


segments = st.text(string.ascii_letters + string.digits + "._-+~@", min_size=1, max_size=8)
paths = st.lists(segments, max_size=4).map(lambda parts: os.path.abspath("/" + "/".join(parts)))


def is_name(text: str) -> bool:
    try:
        return parse_request(text).name == text
    except RequestError:
        return False


names = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.+-]{0,12}\Z").filter(is_name)
requests = (
    structured_requests()
    | paths.map(lambda path: Request(raw="", path=path))
    | names.map(lambda name: Request(raw="", name=name))
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(requests)
def test_canonical_parses_back(request: Request) -> None:
    assert_round_trip(request)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(requests)
def test_canonical_is_idempotent(request: Request) -> None:
    text = request.canonical()
    assert parse_request(text).canonical() == text


# Strings written in the grammar's forms

impl_words = st.sampled_from(["python", "py", "cpython", "cp", "pypy", "pp", "graalpy", "gp",
                              "graalvm", "jython", "CPython", "PyPy", "PY"])  # fmt: skip
variants = st.sampled_from(["", "", "t", "d", "td", "T", "+freethreaded", "+debug", "+gil",
                            "+freethreaded+debug", "+gil+debug", "+debug+gil", "-dbg",
                            "-debug"])  # fmt: skip


@st.composite
def version_texts(draw: st.DrawFn) -> str:
    """X, X.Y, X.Y.Z, X.Y.ZrcN, X.YrcN, and compact 312, 3100, 313rc4."""
    major, minor, micro = draw(majors), draw(numbers), draw(numbers)
    compact = f"{major}{draw(st.integers(0, 999))}"
    return draw(
        st.sampled_from(
            [
                f"{major}",
                f"{major}.{minor}",
                f"{major}.{minor}.{micro}",
                f"{major}.{minor}.{micro}{draw(prereleases)}",
                f"{major}.{minor}{draw(prereleases)}",
                compact,
                compact + draw(prereleases),
            ]
        )
    )


@st.composite
def range_texts(draw: st.DrawFn) -> str:
    """One to three PEP 440 clauses (==X.Y.* and !=X.Y.* among them), "," or ", " between."""

    def clause() -> str:
        op = draw(st.sampled_from([">=", "<=", "<", ">", "!=", "~=", "==", "== "]))
        dotted = version_texts().filter(lambda text: "." in text)
        line = f"{draw(majors)}.{draw(numbers)}.*"
        return op + (line if op in ("!=", "==") and draw(st.booleans()) else draw(dotted))

    return draw(st.sampled_from([",", ", "])).join(clause() for _ in range(draw(st.integers(1, 3))))


@st.composite
def uv_keys(draw: st.DrawFn) -> str:
    """<impl>-<version>-<os>-<arch>-<libc>, any part "any" or left out."""
    slots = [
        st.sampled_from(["cpython", "pypy", "graalpy"]),
        st.builds("{}{}".format, version_texts(), variants.filter(lambda v: "-" not in v)),
        st.sampled_from(SYSTEMS),
        st.sampled_from(sorted(ARCH_NAMES)),
        st.sampled_from(LIBCS),
    ]
    parts = [draw(st.sampled_from(["given", "given", "any", "out"])) for _ in slots]
    written = [
        draw(slot) if how == "given" else "any" for slot, how in zip(slots, parts) if how != "out"
    ]
    return "-".join(written)


@st.composite
def written_requests(draw: st.DrawFn) -> str:
    """A request in one of the grammar's forms, python-discovery's tags after most, in upper
    case half the time."""
    impl, version, variant = draw(impl_words), draw(version_texts()), draw(variants)
    ranged = draw(range_texts())
    head = draw(
        st.sampled_from(
            [
                f"{impl}{version}{variant}",
                f"{version}{variant}",
                f"{impl}@{version}{variant}",
                impl,
                f"{impl}{ranged}{variant}",
                f"{impl}@{ranged}{variant}",
                f"{ranged}{variant}",
                draw(st.sampled_from(["", "any", "default", "ANY"])),
            ]
        )
    )
    bits = draw(st.just("") | st.sampled_from(["-32", "-64"]))
    machine = draw(st.just("") | st.sampled_from([f"-{name}" for name in ARCH_NAMES]))
    name = draw(st.sampled_from(["mypython", "python3-custom", "ipython", "/usr/bin/python",
                                 "./venv/bin/python", "~/bin/py"]))  # fmt: skip
    text = draw(
        st.sampled_from([head, head, head + bits + machine, draw(uv_keys()), name + version])
    )
    return text.upper() if draw(st.booleans()) else text


@settings(max_examples=300, deadline=None, derandomize=True)
@given(written_requests())
def test_written_requests_round_trip(text: str) -> None:
    try:
        request = parse_request(text)
    except RequestError:
        return
    assert_round_trip(request)


# Hand-picked cases


def test_no_string_asks_for_a_platform_with_a_range() -> None:
    with pytest.raises(ValueError):
        Request(raw="x", os="linux", spec=">=3.12").canonical()


@pytest.mark.parametrize(
    "text",
    [
        "cpython-3.13.0+freethreaded-linux-x86_64-gnu",
        "python3.12-64-arm64",
        ">=3.13,<3.15+gil",
        "pypy@~=3.10.0+debug",
        "any-any-any-x86_64-musl",
        "windows-x86",
        "-32",
        "3.13td",
    ],
)
def test_examples_round_trip(text: str) -> None:
    assert_round_trip(parse_request(text))


@pytest.mark.parametrize(
    "text",
    [
        # "10" is the compact 1.0 and "3rc1" an error: these lines are written as ranges
        "==10",
        "cpython==12t",
        "==3rc1",
        "==3",
        "==9.1",
        "==10.5",
    ],
)
def test_versions_only_a_range_writes(text: str) -> None:
    assert_round_trip(parse_request(text))
