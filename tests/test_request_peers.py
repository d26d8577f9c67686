"""whichpython's request grammar against uv's and python-discovery's own request-parsing tests.

fixtures/requests/peer-cases.json records, case by case, what each peer's test asserts an input
means (its "about" says where every case came from). Each case must mean the same to
whichpython, or be a decision that docs/requests.md documents under "Decisions where the peers
disagree" (DECIDED: whichpython must then give exactly the documented meaning), or be a known
disagreement the docs do not cover yet (UNDOCUMENTED: a strict xfail, so fixing either side
shows up).
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from whichpython.request.grammar import Request, RequestError, parse_request

ROOT = Path(__file__).resolve().parent.parent
CORPUS = json.loads((ROOT / "fixtures" / "requests" / "peer-cases.json").read_text("utf-8"))
CASES: list[dict[str, Any]] = CORPUS["cases"]
DOC = (ROOT / "docs" / "requests.md").read_text("utf-8")
FIELDS = ("implementation", "spec", "freethreaded", "debug", "os", "arch", "libc", "bits")
KINDS = ("error", "name", "path")

#: (peer, input) -> (the bold title of the bullet under "Decisions where the peers disagree" in
#: docs/requests.md, what whichpython means instead).
DECIDED: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    # uv's PythonRequest::parse takes "3rc1" as an executable name (its VersionRequest refuses it)
    ("uv", "3rc1"): ("Compact versions", {"error": True}),
    **{
        ("python-discovery", text): ('"Any prefix + version"', {"name": text})
        for prefix in ("somethingVeryCryptic", "somethingverycryptic", "SOMETHINGVERYCRYPTIC")
        for text in (f"{prefix}3", f"{prefix}3.11.7")
    },
    # one of uv's parser tests: an executable name; uv's version parser and CLI: a version
    ("uv", "3.13.1rc1"): ("A prerelease with a micro version", {"spec": "==3.13.1rc1"}),
    # uv's download-key parser refuses these; its --python takes them as executable names
    ("uv", ""): ("An empty request", {"spec": None, "implementation": None}),
    ("uv", "foobar-3.14-windows"): (
        "Strings that do not fit a uv key",
        {"name": "foobar-3.14-windows"},
    ),
    ("uv", "any-any-any-any-any-any"): (
        "Strings that do not fit a uv key",
        {"name": "any-any-any-any-any-any"},
    ),
    # python-discovery: a GIL build only
    ("python-discovery", "python3.13"): (
        "Free-threaded builds without a suffix",
        {"spec": "==3.13.*", "freethreaded": None},
    ),
    # python-discovery's own specifier parser takes them
    ("python-discovery", ">=3.11.*"): ("Not PEP 440", {"error": True}),
    ("python-discovery", "~=3"): ("Not PEP 440", {"error": True}),
    # python-discovery compares at full precision and refuses 3.15.0a6
    ("python-discovery", ">=3.15.0"): (
        "Prereleases and ranges",
        {"spec": ">=3.15.0", "accepts": ["3.15.0a6", "3.15.1a1"]},
    ),
}
#: The keys of a DECIDED meaning that are versions it must accept or refuse, not fields.
MATCHING = ("accepts", "rejects")

#: (peer, input) -> why whichpython disagrees although docs/requests.md has no decision on it
#: (a strict xfail: fixing either side makes it fail). Empty: every disagreement is decided.
UNDOCUMENTED: dict[tuple[str, str], str] = {}


def _case_id(index: int, case: dict[str, Any]) -> str:
    return f"{index}-{case['peer']}-{case['input'] or '<empty>'}"


def _params() -> list[Any]:
    params = []
    for index, case in enumerate(CASES):
        reason = UNDOCUMENTED.get((case["peer"], case["input"]))
        marks = (
            [
                pytest.mark.xfail(
                    strict=True, reason=f"undocumented disagreement: reported ({reason})"
                )
            ]
            if reason
            else []
        )
        params.append(pytest.param(case, id=_case_id(index, case), marks=marks))
    return params


def _spec_key(spec: Optional[str]) -> Optional[frozenset[tuple[str, object]]]:
    """A PEP 440 specifier set by meaning: ``==3.13a1`` is ``==3.13.0a1``, ``>=3.12`` is
    ``>=3.12.0``, the order of clauses does not matter; ``~=`` keeps the precision it is
    written with, and a ``.*`` prefix its release."""
    if spec is None:
        return None
    key: set[tuple[str, object]] = set()
    for clause in SpecifierSet(spec):
        op, version = clause.operator, clause.version
        if op == "===":
            key.add((op, version))
        elif version.endswith(".*"):
            key.add((op + "*", Version(version[:-2]).release))
        elif op == "~=":
            key.add((op, str(Version(version))))
        else:
            key.add((op, Version(version)))
    return frozenset(key)


def _substitute(text: str, tmp_path: Path) -> str:
    return text.replace("{sys.executable}", sys.executable).replace("{tmp_path}", str(tmp_path))


def _parse(text: str) -> Optional[Request]:
    try:
        return parse_request(text)
    except RequestError:
        return None


def _meaning(request: Optional[Request]) -> dict[str, Any]:
    if request is None:
        return {"error": True}
    if request.name is not None:
        return {"name": request.name}
    if request.path is not None:
        return {"path": True}
    return {field: getattr(request, field) for field in FIELDS}


def _differences(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """How whichpython's meaning ``got`` differs from ``expected`` on the keys ``expected``
    names (a peer's test asserts only some); [] when they agree."""
    kinds = [kind for kind in KINDS if kind in expected]
    if kinds or any(kind in got for kind in KINDS):
        same = {kind: expected.get(kind) for kind in KINDS if kind in expected} == {
            kind: got.get(kind) for kind in KINDS if kind in got
        }
        return [] if same else [f"expected {expected}, whichpython means {got}"]
    wrong = []
    for field, value in expected.items():
        if field == "spec":
            if _spec_key(value) != _spec_key(got["spec"]):
                wrong.append(f"spec: expected {value!r}, whichpython {got['spec']!r}")
        elif got.get(field) != value:
            wrong.append(f"{field}: expected {value!r}, whichpython {got.get(field)!r}")
    return wrong


def _intersects(request: Request, requires_python: str) -> bool:
    """Whether some release 2.0.0 to 4.30.2 satisfies both the request and a requires-python."""
    bound = SpecifierSet(requires_python)
    samples = (f"{x}.{y}.{z}" for x in (2, 3, 4) for y in range(31) for z in range(3))
    return any(request.version_matches(v) and bound.contains(v) for v in samples)


@pytest.mark.parametrize("case", _params())
def test_peer_case(case: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "bar").touch()
    request = _parse(_substitute(case["input"], tmp_path))
    decided = DECIDED.get((case["peer"], case["input"]))
    if decided is not None:
        section, meaning = decided
        fields = {key: value for key, value in meaning.items() if key not in MATCHING}
        assert not _differences(fields, _meaning(request)), (section, _meaning(request))
        assert request is not None or not any(key in meaning for key in MATCHING)
        for version in meaning.get("accepts", []):
            assert request is not None and request.version_matches(version), (section, version)
        for version in meaning.get("rejects", []):
            assert request is not None and not request.version_matches(version), section
        return
    assert not _differences(case["peer_meaning"], _meaning(request)), case["source"]
    if request is None or request.name is not None or request.path is not None:
        return
    for version in case.get("accepts", []):
        assert request.version_matches(version), f"{case['input']!r} should accept {version}"
    for version in case.get("rejects", []):
        assert not request.version_matches(version), f"{case['input']!r} should reject {version}"
    if "intersects" in case:
        wanted = case["intersects"]
        assert _intersects(request, wanted["requires_python"]) is wanted["expected"]


def _decisions_section() -> str:
    found = re.search(r"^## Decisions where the peers disagree\n(.*?)(?=^## )", DOC, re.M | re.S)
    assert found, "docs/requests.md lost its 'Decisions where the peers disagree' section"
    return found.group(1)


@pytest.mark.parametrize("key", sorted(DECIDED), ids=lambda key: ":".join(key))
def test_decision_is_documented_and_needed(key: tuple[str, str]) -> None:
    """Each DECIDED entry names a documented decision and covers a case where the peer's test
    says something else (an entry that no case needs is stale)."""
    section, meaning = DECIDED[key]
    bullet = rf"^- \*\*{re.escape(section)}\.?\*\*"
    assert re.search(bullet, _decisions_section(), re.M), section
    cases = [case for case in CASES if (case["peer"], case["input"]) == key]
    assert cases, f"no case for {key}"
    fields = {key: value for key, value in meaning.items() if key not in MATCHING}
    assert any(
        _differences(case["peer_meaning"], fields)
        or set(meaning.get("accepts", [])) & set(case.get("rejects", []))
        or set(meaning.get("rejects", [])) & set(case.get("accepts", []))
        for case in cases
    ), key


def test_undocumented_entries_are_cases() -> None:
    inputs = {(case["peer"], case["input"]) for case in CASES}
    assert set(UNDOCUMENTED) <= inputs
    assert not set(UNDOCUMENTED) & set(DECIDED)


def test_corpus_size() -> None:
    counts = Counter(case["peer"] for case in CASES)
    print(f"peer cases: {dict(counts)}, total {len(CASES)}")
    assert set(counts) == {"uv", "python-discovery"}
    assert len(CASES) >= 150
    assert all(count >= 50 for count in counts.values()), counts
    assert "2026-12-02" in CORPUS["about"]
