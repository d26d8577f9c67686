"""What `whichpython serve`'s requests search and answer, as PET does (issue 23): resolve of
a directory or a bare command, refresh by kind with the workspace, conda envs in searched
directories, the Nix store only where used, and the RefreshPerformance telemetry. A real
client process talks to the real server on isolated fake machines; the PET expectations
come from fixtures/pet/ (fixtures/pet/README.md)."""

import json
import os
from pathlib import Path
from typing import Any

from conftest import (
    FIXTURES,
    fake_python,
    machine_cli_env,
    machine_environ,
    make_venv,
    pyenv_python,
    write_script,
)
from test_server import _between, request, serve

ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz"  # nix base32: no e, o, t, u


def pet_fixture(name: str, root: Path) -> dict[str, Any]:
    """A fixtures/pet layout with ``{root}`` replaced, its layout built under ``root``."""
    text = (FIXTURES / "pet" / f"{name}.json").read_text()
    data: dict[str, Any] = json.loads(text.replace("{root}", str(root)))
    for item in data.get("layout", []):
        path = root / item["path"]
        if item["make"] == "venv":
            make_venv(str(pyenv_python(item["python"])), path)
        elif item["make"] == "conda":  # a conda env: conda-meta and bin/python, as conda makes
            fake_python(path / "bin" / "python", item["version"])
            (path / "conda-meta").mkdir()
            (path / "conda-meta" / "history").write_text("")
        elif item["make"] == "link":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(pyenv_python(item["python"]).resolve())
        else:
            path.mkdir(parents=True)
    return data


def machine(root: Path, **extra: str) -> dict[str, str]:
    return machine_cli_env(root, dict(machine_environ(root), **extra))


def test_resolve_finds_the_python_of_a_directory_and_a_command_on_path(tmp_path: Path) -> None:
    data = pet_fixture("resolve-directory-and-command", tmp_path)
    cases = data["expect"]
    plan = [request(n, "resolve", {"executable": case["resolve"]}) for n, case in enumerate(cases)]
    plan += [{"expect": n} for n in range(len(cases))]
    session = serve(plan, tmp_path, machine(tmp_path, PATH=data["path"]))
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    for n, case in enumerate(cases):
        response = session.response(n)
        if "error" in case:
            error = response["error"]
            assert error["code"] == case["error"], (case, error)
            assert error["message"] == f"{case['resolve']}: {error['data']['cause']}"
            assert "\n" not in error["message"] and error["data"]["kind"] == "not-found"
            continue
        assert "error" not in response, (case, response)
        env = response["result"]
        for field in ("executable", "prefix", "kind"):
            if field in case:
                assert env[field] == case[field], (case, env)
        assert env["version"] and env["error"] is None


def test_refresh_for_one_kind_keeps_the_workspace(tmp_path: Path) -> None:
    data = pet_fixture("refresh-searchkind-workspace", tmp_path)
    plan = [
        request(1, "configure", data["configure"]),
        request(2, "refresh", data["refresh"]),
        {"expect": 2},
    ]
    session = serve(plan, tmp_path, machine(tmp_path))
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    envs = _between(session, 1, 2)
    for expected in data["expect"]:
        found = [env for env in envs if env["prefix"] == expected["prefix"]]
        assert len(found) == 1, (expected, envs)
        assert {key: found[0][key] for key in expected} == expected
    assert all(env["kind"] == data["refresh"]["searchKind"] for env in envs)


def test_conda_envs_in_search_paths_and_environment_directories(tmp_path: Path) -> None:
    data = pet_fixture("workspace-conda", tmp_path)
    cases = data["expect"]
    plan = [
        request(1, "refresh", cases["searchPaths"]["refresh"]),
        {"expect": 1},
        request(2, "find", {"searchPath": cases["find"]["searchPath"]}),
        {"expect": 2},
        request(3, "configure", cases["environmentDirectories"]["configure"]),
        request(4, "refresh", cases["environmentDirectories"]["refresh"]),
        {"expect": 4},
    ]
    session = serve(plan, tmp_path, machine(tmp_path))
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""

    def check(envs: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
        for want in expected:
            found = [env for env in envs if env["prefix"] == want["prefix"]]
            assert len(found) == 1, (want, envs)
            assert {key: found[0][key] for key in want} == want
            assert found[0]["version"] and found[0]["error"] is None

    check(_between(session, None, 1), cases["searchPaths"]["found"])
    check(session.result(2) or [], cases["find"]["found"])
    by_kind = _between(session, 3, 4)
    check(by_kind, cases["environmentDirectories"]["found"])
    assert {env["kind"] for env in by_kind} == {"Conda"}


def nix_entry(store: Path, seed: str, name: str) -> Path:
    digest = "".join(ALPHABET[(ord(c) * 7 + i) % 32] for i, c in enumerate((seed * 32)[:32]))
    return store / f"{digest}-{name}"


def test_refresh_reports_only_the_nix_store_pythons_the_machine_uses(tmp_path: Path) -> None:
    root = tmp_path
    store = root / "nix" / "store"
    entries = {
        "profile": ("a", "python3-3.12.8"),  # ~/.nix-profile/bin/python3 links to it
        "profile-copy": ("b", "python3-3.12.8"),  # an older build, nothing uses it
        "gcroot": ("c", "python3-3.11.9"),  # a `result` link in a project, a GC root
        "gcroot-copy": ("d", "python3-3.11.9"),
        "only": ("f", "python3-3.10.14"),  # the only copy of its name: kept
        "path-env": ("g", "python3-3.13.1-env"),  # on PATH, its base below
        "env-base": ("h", "python3-3.13.1"),
        "env-base-copy": ("i", "python3-3.13.1"),
    }
    paths = {key: nix_entry(store, seed, name) for key, (seed, name) in entries.items()}
    for key, entry in paths.items():
        name = entries[key][1]
        version = name.split("-")[1]
        base = paths["env-base"] if key == "path-env" else None
        exe = entry / "bin" / f"python{version.rsplit('.', 1)[0]}"
        fake_python(exe, version, prefix=str(entry), base_prefix=str(base) if base else None)
        (entry / "bin" / "python3").symlink_to(exe.name)
    profile = root / "home" / ".nix-profile" / "bin"
    profile.mkdir(parents=True)
    (profile / "python3").symlink_to(paths["profile"] / "bin" / "python3.12")
    project = root / "home" / "project"
    project.mkdir()
    (project / "result").symlink_to(paths["gcroot"])
    auto = root / "nix" / "var" / "nix" / "gcroots" / "auto"
    auto.mkdir(parents=True)
    (auto / "0123456789abcdfghijklmnpqrsvwxy").symlink_to(project / "result")
    env = machine(root, PATH=str(paths["path-env"] / "bin"))

    session = serve([request(1, "refresh"), {"expect": 1}], tmp_path, env)
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    envs = _between(session, None, 1)
    reached = set()
    for found in envs:
        real = os.path.realpath(found["executable"])
        reached.add(Path(real).parent.parent.name)
    used = {"profile", "gcroot", "only", "path-env", "env-base"}
    assert reached == {paths[key].name for key in used}, [e["executable"] for e in envs]
    assert len(envs) == len(used)


def test_a_refresh_sends_refresh_performance_telemetry_before_its_answer(tmp_path: Path) -> None:
    data = pet_fixture("telemetry-refresh-performance", tmp_path)
    expect = data["expect"]
    plan = [
        request(1, "configure", data["configure"]),
        request(2, "refresh"),
        {"expect": 2},
        request(3, "refresh", {"searchPaths": [str(tmp_path / "ws")]}),
        {"expect": 3},
    ]
    session = serve(plan, tmp_path, machine(tmp_path))
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    received = session.received
    for n, phases in ((2, {"Locators", "GlobalVirtualEnvs", "Workspaces"}), (3, {"Workspaces"})):
        answer = next(i for i, m in enumerate(received) if m.get("id") == n and "method" not in m)
        start = next(
            (i for i, m in enumerate(received) if m.get("id") == n - 1 and "method" not in m), 0
        )
        telemetry = [m for m in received[start:answer] if m.get("method") == expect["method"]]
        assert len(telemetry) == 1, received[start:answer]
        params = telemetry[0]["params"]
        assert params["event"] == expect["event"] and set(params["data"]) == {expect["dataKey"]}
        performance = params["data"][expect["dataKey"]]
        assert set(performance) == set(expect["fields"])
        assert isinstance(performance["total"], int) and performance["total"] >= 0
        assert set(performance["breakdown"]) == phases
        assert phases <= set(expect["breakdownPhases"])
        assert all(isinstance(ms, int) and ms >= 0 for ms in performance["breakdown"].values())
        assert performance["locators"] == {}
        # Nothing of the refresh after it: it is the last notification before the answer.
        assert received[answer - 1] is telemetry[0]


def test_resolve_of_a_command_uses_the_servers_path_not_its_directory(tmp_path: Path) -> None:
    """A bare command names a program on PATH, never a file of that name in the server's
    working directory (PET spawns it, and the OS looks it up on PATH)."""
    command = "python3"
    write_script(tmp_path / command, "#!/bin/sh\nexit 3\n")  # in the cwd: not what is run
    on_path = tmp_path / "bin" / command
    on_path.parent.mkdir()
    on_path.symlink_to(pyenv_python("3.11.7").resolve())
    plan = [request(1, "resolve", {"executable": command}), {"expect": 1}]
    session = serve(plan, tmp_path, machine(tmp_path, PATH=str(on_path.parent)), cwd=tmp_path)
    assert session.stderr == ""
    env = session.result(1)
    assert env["executable"] == str(on_path) and env["version"] == "3.11.7"
