"""What requests match (docs/requests.md, "Matching rules"): prereleases against ranges, the
PEP 440 rules ``--explain`` names, python-discovery's bitness and machine, Jython. On small
machines of fake interpreters (test_discovery.Machine) and, for Jython, the real one."""

import os
import shutil
from pathlib import Path
from typing import Optional

import pytest

from conftest import isolate_machine, machine_environ, run_cli
from test_discovery import Machine
from whichpython import InterpreterNotFound
from whichpython.request.grammar import parse_request
from whichpython.request.specifiers import may_satisfy, why_not


@pytest.fixture(name="machine")
def fake_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    (tmp_path / "work").mkdir()
    isolate_machine(monkeypatch, tmp_path)
    return Machine(tmp_path, machine_environ(tmp_path))


def prerelease(
    machine: Machine, folder: str, version: str, level: str = "candidate", name: str = ""
) -> Path:
    """A fake python3.X (or ``name``) in ``folder`` reporting ``version`` (3.14.0) as a
    prerelease."""
    name = name or "python" + ".".join(version.split(".")[:2])
    path = machine.system(name, version, folder=folder)
    path.write_text(path.read_text().replace('"final", 0]', f'"{level}", 3]'))
    return path


def with_bits(path: Path, bits: int, machine_name: Optional[str] = None) -> Path:
    """Make the fake interpreter at ``path`` report ``bits``-bit pointers (and a machine)."""
    extra = f'answer["platform"]["pointer_bits"] = {bits}\n'
    if machine_name:
        extra += f'answer["platform"]["machine"] = "{machine_name}"\n'
    anchor = "marker = sys.argv[-1]\n"  # the fake's last step: answer
    path.write_text(path.read_text().replace(anchor, extra + anchor))
    return path


@pytest.mark.parametrize(
    ("spec", "version", "matches"),
    [
        # a prerelease counts as its final release against a lower bound (as in uv)
        (">=3.12", "3.12.0rc1", True),
        (">=3.13", "3.13.0a1", True),
        (">=3.12,<3.13", "3.12.0rc1", True),
        (">=3.14,<3.16", "3.14.0rc3", True),
        ("<=3.13,>=3.12", "3.12.0rc1", True),
        ("<=3.13,>=3.12", "3.13.0a1", True),
        ("~=3.12", "3.12.0b2", True),
        ("~=3.12.1", "3.12.1rc1", True),
        (">=3.14", "3.14.0rc3", True),
        (">=3.14", "3.13.9", False),
        # a bound that names a prerelease compares prereleases as PEP 440 does
        (">=3.15.0a7", "3.15.0a6", False),
        (">=3.15.0a7", "3.15.0b1", True),
        # an upper bound keeps PEP 440's meaning
        ("<3.13", "3.13.0a1", False),
        (">=3.12,<3.13", "3.13.0a1", False),
        ("<=3.13", "3.13.2", False),
        ("<=3.13", "3.13.0", True),
        ("<3.14", "3.13.2", True),
        # an exact version is not its prerelease
        ("==3.13.0", "3.13.0rc1", False),
        ("==3.13.0,!=3.13.1", "3.13.0rc1", False),
        ("!=3.13.0", "3.13.0rc1", True),
        (">3.13", "3.13.0rc1", False),
        (">3.12", "3.12.1rc1", True),
    ],
)
def test_prerelease_against_a_range(spec: str, version: str, matches: bool) -> None:
    assert parse_request(spec).version_matches(version) is matches


def test_layout_hints_follow_the_same_rule() -> None:
    """A uv dir named cpython-3.14.0rc3-... is not skipped statically for >=3.14."""
    assert may_satisfy(">=3.14", "3.14.0rc3")
    assert may_satisfy(">=3.14,<3.16", "3.14.0rc3")
    assert not may_satisfy("<3.14", "3.14.0rc3")
    assert not may_satisfy(">=3.15", "3.14.0rc3")


@pytest.mark.parametrize(
    ("spec", "version", "rule"),
    [
        ("<3.13", "3.13.0a1", "3.13.0a1 is a prerelease of 3.13, which <3.13 excludes (PEP 440)"),
        (">=3.12,<3.13", "3.13.0rc2", "a prerelease of 3.13, which <3.13 excludes"),
        ("<3.13.1", "3.13.1rc1", "a prerelease of 3.13.1, which <3.13.1 excludes"),
        ("<=3.13", "3.13.2", "<=3.13 means <=3.13.0 (PEP 440): <3.14 is every 3.13"),
        ("<=3", "3.12.1", "<=3 means <=3.0 (PEP 440): <4 is every 3"),
        (">=3.12,<=3.13", "3.13.1", "<=3.13 means <=3.13.0"),
        # nothing surprising: no rule named
        ("<3.13", "3.14.0", None),
        ("<=3.13", "3.14.1", None),
        ("<=3.13.1", "3.13.2", None),
        (">=3.14,<=3.13", "3.13.5", None),  # two clauses refuse it
        ("==3.13.*", "3.12.1", None),
    ],
)
def test_why_not_names_the_surprising_rule(spec: str, version: str, rule: Optional[str]) -> None:
    normal = parse_request(spec).spec
    assert normal is not None
    found = why_not(normal, version)
    assert found == rule if rule is None else (found is not None and rule in found)


def test_explain_says_why_a_prerelease_lost_or_was_refused(machine: Machine) -> None:
    final = machine.system("python3.14", "3.14.1", folder="final/bin")
    rc = prerelease(machine, "rc/bin", "3.14.0")
    beta = prerelease(machine, "beta/bin", "3.15.0", level="beta", name="python3")
    machine.environ["PATH"] = os.pathsep.join(str(p.parent) for p in (rc, beta, final))
    result = machine.find(">=3.14", explain=True)
    verdicts = {os.path.relpath(c.path, machine.root): c.detail for c in result.candidates}
    assert verdicts["final/bin/python3.14"] == "chosen"
    assert verdicts["rc/bin/python3.14"].startswith("matches, but a prerelease")
    assert verdicts["rc/bin/python3.14"].endswith("and a preferred build won")
    assert verdicts["beta/bin/python3"].startswith("matches, but a prerelease")
    # the rc alone: chosen, and the explanation says it is a fallback
    os.unlink(final)
    result = machine.find(">=3.14,<3.15", explain=True)
    verdicts = {os.path.relpath(c.path, machine.root): c.detail for c in result.candidates}
    assert verdicts["rc/bin/python3.14"].startswith("chosen, though a prerelease")
    assert verdicts["beta/bin/python3"] == (
        "wrong version: 3.15.0b3 (3.15.0b3 is a prerelease of 3.15, which <3.15 excludes (PEP 440))"
    )
    # naming a prerelease in the bound prefers it like a final release
    assert machine.chosen(">=3.15.0b1") == "beta/bin/python3"


def test_explain_names_the_pep_440_meaning_of_an_upper_bound(machine: Machine) -> None:
    machine.system("python3.13", "3.13.2")
    with pytest.raises(InterpreterNotFound) as caught:
        machine.find("<=3.13")
    [closest] = caught.value.candidates
    assert closest.detail == (
        "wrong version: 3.13.2 (<=3.13 means <=3.13.0 (PEP 440): <3.14 is every 3.13)"
    )
    assert machine.chosen("<3.14") == "usr/bin/python3.13"


def test_bits_and_machine(machine: Machine) -> None:
    machine.system("python3.12", "3.12.4", folder="x64/bin")
    with_bits(machine.system("python3.12", "3.12.5", folder="x86/bin"), 32, "i686")
    with_bits(machine.system("python3.12", "3.12.6", folder="arm/bin"), 64, "aarch64")
    assert machine.chosen("3.12") == "x64/bin/python3.12"
    assert machine.chosen("python3.12-32") == "x86/bin/python3.12"
    assert machine.chosen("cpython3.12-32-x86") == "x86/bin/python3.12"
    assert machine.chosen("python-64-arm64") == "arm/bin/python3.12"
    assert machine.chosen("3.12-aarch64") == "arm/bin/python3.12"
    assert machine.chosen(">=3.12-64-arm64") == "arm/bin/python3.12"
    with pytest.raises(InterpreterNotFound) as caught:
        machine.find("python3.12-32-arm64")
    details = {os.path.relpath(c.path, machine.root): c.detail for c in caught.value.candidates}
    assert details["x86/bin/python3.12"] == "wrong platform: linux-i686-gnu, 32-bit"
    assert details["arm/bin/python3.12"] == "wrong platform: linux-aarch64-gnu, 64-bit"
    with pytest.raises(InterpreterNotFound) as caught:
        machine.find("cpython3.12-32-x86_64")
    details = {os.path.relpath(c.path, machine.root): c.detail for c in caught.value.candidates}
    assert details["x64/bin/python3.12"] == "wrong platform: linux-x86_64-gnu, 64-bit"


JYTHON = shutil.which("jython") or "/usr/bin/jython"


@pytest.mark.skipif(not os.path.exists(JYTHON), reason="no jython (Debian package jython)")
def test_jython_is_found_only_when_asked_for(tmp_path: Path) -> None:
    """The real Jython (a JVM; the probe falls back to -E -s and to sys.stdout there)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "jython").symlink_to(os.path.realpath(JYTHON))
    java = shutil.which("java")
    if java is None:
        pytest.skip("jython is there, java is not")
    (folder / "java").symlink_to(os.path.realpath(java))
    env = {
        "PATH": str(folder),
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "c"),
        "WHICHPYTHON_TIMEOUT": "60",
    }  # a JVM's start on a busy machine can take over 5 s
    found = run_cli("find", "jython2.7", "--json", env=env, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert '"implementation": "jython"' in found.stdout
    listed = run_cli("list", env=env, cwd=tmp_path)
    assert "jython" not in listed.stdout  # a JVM start per list: only when asked for
    missing = run_cli("find", "jython3", env=env, cwd=tmp_path)
    assert missing.returncode == 1
    assert "wrong version: 2.7" in missing.stderr
