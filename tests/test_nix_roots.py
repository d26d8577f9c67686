"""Nix store Pythons that can vanish (issue 24): a store Python no profile, PATH entry or GC
root reaches is marked ``nix_unrooted`` and ranked after the rooted ones; a rooted one is
reported by the path a user reaches it by (a profile, a ``result`` link). Fake Nix machines
built under a temp root, as tests/test_server_pet_search.py builds them."""

import json
from pathlib import Path

import pytest

from conftest import fake_python
from test_discovery import DOCS, Machine, machine, validator
from whichpython import find_interpreter

__all__ = ["machine"]  # the fixture

ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz"  # nix base32: no e, o, t, u


def store_python(machine: Machine, seed: str, name: str) -> Path:
    """``<store>/<hash>-<name>`` holding a fake ``bin/python3.X`` (and ``python3``)."""
    digest = "".join(ALPHABET[(ord(c) * 7 + i) % 32] for i, c in enumerate((seed * 32)[:32]))
    entry = machine.root / "nix" / "store" / f"{digest}-{name}"
    version = name.split("-")[1]
    exe = entry / "bin" / f"python{version.rsplit('.', 1)[0]}"
    fake_python(exe, version, prefix=str(entry))
    (entry / "bin" / "python3").symlink_to(exe.name)
    return exe


def gc_root(machine: Machine, name: str, target: Path) -> None:
    """An indirect GC root, as ``nix-build`` leaves it: ``gcroots/auto/<x>`` -> the link."""
    auto = machine.root / "nix" / "var" / "nix" / "gcroots" / "auto"
    auto.mkdir(parents=True, exist_ok=True)
    (auto / name).symlink_to(target)


@pytest.fixture
def leftover_and_result(machine: Machine) -> tuple[Path, Path, Path]:
    """A leftover 3.12.8 nothing reaches (the newest), and a 3.12.3 a project's ``result``
    link roots; (the leftover, the rooted one, its path through ``result``)."""
    leftover = store_python(machine, "a", "python3-3.12.8")
    rooted = store_python(machine, "b", "python3-3.12.3")
    project = machine.root / "project"
    project.mkdir()
    (project / "result").symlink_to(rooted.parent.parent)
    gc_root(machine, "0123456789abcdfghijklmnpqrsvwxy", project / "result")
    return leftover, rooted, project / "result" / "bin" / rooted.name


def test_a_rooted_store_python_wins_over_a_leftover_by_the_path_a_user_reaches(
    machine: Machine, leftover_and_result: tuple[Path, Path, Path]
) -> None:
    _, rooted, result = leftover_and_result
    found = find_interpreter("3.12", prefer="system", venvs="never", environ=machine.environ)
    assert found.path == str(result) and str(rooted) in found.aliases
    assert found.nix_unrooted is False
    done = machine.cli("find", "--prefer", "only-system", "3.12")
    assert done.returncode == 0 and done.stdout.strip() == str(result), done.stderr


def test_list_marks_a_leftover_and_ranks_it_last(
    machine: Machine, leftover_and_result: tuple[Path, Path, Path]
) -> None:
    leftover, rooted, result = leftover_and_result
    done = machine.cli("list", "--json", "--explain")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    validator(DOCS / "list.schema.json").validate(data)
    listed = [(i["path"], i["nix_unrooted"]) for i in data["interpreters"]]
    assert listed == [(str(result), False), (str(leftover), True)]
    assert data["interpreters"][0]["aliases"] == [str(rooted)]
    [verdict] = [c for c in data["candidates"] if c["path"] == str(leftover)]
    assert verdict["verdict"] == "match" and "GC root" in verdict["detail"]
    explained = machine.cli("list", "--explain", "--wide").stdout
    assert "no profile, PATH entry or GC root reaches" in explained


def test_a_leftover_alone_is_still_found_and_says_so(machine: Machine) -> None:
    leftover = store_python(machine, "a", "python3-3.12.8")
    result = machine.discovery(prefer="only-system").find("3.12", explain=True)
    assert result.interpreters[0].path == str(leftover)
    assert result.interpreters[0].nix_unrooted is True
    [chosen] = [c for c in result.candidates if c.verdict == "chosen"]
    assert "GC root" in chosen.detail and "nothing preferred matches" in chosen.detail
    done = machine.cli("find", "--prefer", "only-system", "--json", "3.12")
    assert json.loads(done.stdout)["nix_unrooted"] is True


def test_a_profile_reached_through_the_gc_roots_is_the_path_reported(machine: Machine) -> None:
    """``/nix/var/nix/profiles/default`` (not a profile the nix-profile source reads) links to
    a user environment whose ``bin/python3.12`` is the store's Python: reported by that path,
    not by a generation's (``default-1-link``)."""
    python = store_python(machine, "c", "python3-3.12.3")
    store_python(machine, "d", "python3-3.12.3")  # an older copy: unrooted
    nix = machine.root / "nix"
    user_env = nix / "store" / f"{'1' * 32}-user-environment"
    (user_env / "bin").mkdir(parents=True)
    (user_env / "bin" / python.name).symlink_to(python)
    profiles = nix / "var" / "nix" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "default-1-link").symlink_to(user_env)
    (profiles / "default").symlink_to("default-1-link")
    (nix / "var" / "nix" / "gcroots").mkdir(parents=True)
    (nix / "var" / "nix" / "gcroots" / "profiles").symlink_to(profiles)
    found = machine.discovery(prefer="only-system").find_all("3.12").interpreters
    assert [(i.path, i.nix_unrooted) for i in found] == [
        (str(profiles / "default" / "bin" / python.name), False),
        (found[1].real_path, True),
    ]
    assert str(python) in found[0].aliases


def test_no_store_python_is_marked_on_a_machine_without_nix(machine: Machine) -> None:
    machine.system("python3.12", "3.12.3")
    assert find_interpreter("3.12", environ=machine.environ).nix_unrooted is False


def test_an_env_a_gc_root_reaches_roots_its_base(machine: Machine) -> None:
    """A ``python3.withPackages`` env that a ``result`` link roots: its base is rooted through
    it (``list`` knows every interpreter; the base is found before the env, by name)."""
    base = store_python(machine, "e", "python3-3.12.8")
    env_entry = base.parent.parent.with_name(f"{'2' * 32}-python3-3.12.8-env")
    env = fake_python(env_entry / "bin" / base.name, "3.12.8", prefix=str(env_entry),
                      base_prefix=str(base.parent.parent))  # fmt: skip
    project = machine.root / "project"
    project.mkdir()
    (project / "result").symlink_to(env_entry)
    gc_root(machine, "0123456789abcdfghijklmnpqrsvwxy", project / "result")
    found = machine.discovery(prefer="only-system").find_all("3.12").interpreters
    assert [(i.real_path, i.nix_unrooted) for i in found] == [
        (str(base), False),
        (str(env), False),
    ]
    assert found[1].path == str(project / "result" / "bin" / base.name)
