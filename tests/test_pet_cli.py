"""`whichpython-pet` / `whichpython pet`: PET's command line (server, find, resolve,
--version) as VS Code's Python extensions run it, answered by whichpython's server in-process
(issue 23 item 1). What the extensions send and read: vscode-python-environments
src/managers/common/nativePythonFinder.ts (9a2c114: getNativePythonToolsVersion,
buildFindCliArgs, parseRefreshCliOutput, parseResolveCliOutput); PET's CLI:
crates/pet/src/main.rs and lib.rs (8bd5fb4)."""

import json
import os
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from conftest import CLI, PYENV_ROOT, PYENV_VERSIONS, recorded_answers, self_report
from test_server import _alive, _between, _hanging_pythons, fake_machine, request, serve

#: The console script, installed beside the Python running the tests (`pip install -e .`).
SCRIPT = Path(sys.executable).parent / "whichpython-pet"
#: How the environments extension reads `pet --version` (getNativePythonToolsVersion).
VERSION = re.compile(r"\b\d+\.\d+\.\d+\S*")


def pet_script(*args: str, **kwargs: Any) -> "subprocess.CompletedProcess[str]":
    assert SCRIPT.exists(), f"{SCRIPT} is missing: `pip install -e .` installs it"
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120,
                          **kwargs)  # fmt: skip


def pet_on(env: dict[str, str], *args: str, cwd: Path) -> "subprocess.CompletedProcess[str]":
    """`whichpython pet ARGS` on the fake machine of ``env`` (its system locations rooted)."""
    return subprocess.run([sys.executable, "-c", CLI, "pet", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)  # fmt: skip


def test_version_is_what_the_extension_parses() -> None:
    expected = metadata.version("whichpython")
    for done in (
        pet_script("--version"),
        subprocess.run([sys.executable, "-m", "whichpython", "pet", "--version"],
                       capture_output=True, text=True, timeout=60),
    ):  # fmt: skip
        assert done.returncode == 0 and done.stderr == "", done
        match = VERSION.search(done.stdout)
        assert match is not None and match.group() == expected, done.stdout


def test_find_json_answers_as_the_servers_refresh(tmp_path: Path) -> None:
    """The extension's fallback `find --json [--kind K | --workspace] PATHS --flags` prints
    `{managers, environments}`, the same environments the server's refresh reports for the
    same configuration (PET's mapping: PATHs are the workspace, --workspace only them)."""
    root = tmp_path
    env = fake_machine(root)
    ws, envs, cache = root / "ws", root / "envs", root / "ide-cache"
    flags = ["--cache-directory", str(cache), "--environment-directories", str(envs)]
    configured = {"workspaceDirectories": [str(ws)], "environmentDirectories": [str(envs)]}
    configured["cacheDirectory"] = str(cache)
    plan = [
        request(1, "configure", configured),
        request(2, "refresh"),
        {"expect": 2},
        request(3, "refresh", {"searchKind": "Venv"}),
        {"expect": 3},
        request(4, "refresh", {"searchPaths": [str(ws)]}),
        {"expect": 4},
    ]
    session = serve(plan, tmp_path, env)
    assert session.rc == 0 and session.stderr == ""
    runs = {
        2: ["find", "--json", str(ws), *flags],
        3: ["find", "--json", "--kind", "Venv", str(ws), *flags],
        4: ["find", "--json", "--workspace", str(ws), *flags],
    }
    previous, printed = None, {}
    for id, args in runs.items():
        done = pet_on(env, *args, cwd=root)
        assert done.returncode == 0, done.stderr
        printed[id] = json.loads(done.stdout)
        assert set(printed[id]) == {"managers", "environments"}
        expected = _between(session, previous, id)
        key = lambda e: e["executable"]  # noqa: E731
        assert sorted(printed[id]["environments"], key=key) == sorted(expected, key=key)
        assert expected, f"refresh {id} found nothing to compare"
        previous = id
    assert printed[2]["managers"] == session.notifications("manager")
    assert len(printed[2]["managers"]) == 1
    # PET's kinds as PET's own --kind spells them are taken too; the readable form counts.
    kebab = pet_on(env, "find", "--json", "--kind", "venv", str(ws), *flags, cwd=root)
    assert json.loads(kebab.stdout)["environments"] == printed[3]["environments"]
    readable = pet_on(env, "find", "--list", str(ws), *flags, cwd=root)
    total = len(_between(session, None, 2))
    assert f"Environments ({total}):" in readable.stdout.splitlines()
    assert readable.stdout.count("Environment (Pyenv)") == 3, readable.stdout
    assert readable.stdout.splitlines()[-1].startswith("Completed in ")
    # `whichpython pet` never answers from a recorded answer (nor records one).
    assert recorded_answers(root / "cache" / "answers") == []


def _real_python() -> str:
    for version in PYENV_VERSIONS:
        path = PYENV_ROOT / "versions" / version / "bin" / "python"
        if path.exists():
            return str(path)
    pytest.skip("no pyenv interpreter is installed")


def test_resolve_json_of_a_python_and_of_what_is_none(tmp_path: Path) -> None:
    """`resolve X --json` prints the Environment; for what is no Python, `null` with exit
    status 0 (PET's resolve_report_stdio), the reason on stderr."""
    python = _real_python()
    done = pet_script("resolve", python, "--json", "--cache-directory", str(tmp_path / "c"))
    assert done.returncode == 0, done.stderr
    resolved = json.loads(done.stdout)
    facts = json.loads(self_report(python, "import json, sys, platform; print(json.dumps("
                                   "[platform.python_version(), sys.prefix]))"))  # fmt: skip
    assert resolved["kind"] == "Pyenv"
    assert [resolved["version"], resolved["prefix"]] == facts
    assert os.path.realpath(resolved["executable"]) == os.path.realpath(python)
    assert (tmp_path / "c" / "whichpython").is_dir()  # --cache-directory was used

    notes = tmp_path / "notes.txt"
    notes.write_text("not a python\n")
    done = pet_script("resolve", str(notes), "--json")
    assert (done.returncode, done.stdout) == (0, "null\n")
    assert len(done.stderr.splitlines()) == 1 and str(notes) in done.stderr
    done = pet_script("resolve", str(notes))
    assert done.returncode == 0
    assert done.stdout.splitlines()[0] == f"No environment found for {json.dumps(str(notes))}"


def _ask_info(command: list[str]) -> tuple[Any, int, str]:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "info", "params": {}}).encode()
    frame = b"Content-Length: %d\r\n\r\n" % len(body) + body
    done = subprocess.run(command, input=frame, capture_output=True, timeout=60)
    messages, rest = [], done.stdout
    while rest:
        header, _, rest = rest.partition(b"\r\n\r\n")
        fields = dict(line.split(b":", 1) for line in header.split(b"\r\n"))
        length = int(fields[b"Content-Length"])
        messages.append(json.loads(rest[:length]))
        rest = rest[length:]
    answers = [m for m in messages if m.get("id") == 1]
    assert len(answers) == 1, messages
    return answers[0], done.returncode, done.stderr.decode()


def test_server_answers_info_with_pet_version() -> None:
    """`pet server` is `whichpython serve`; `info` carries `petVersion` (the extension
    stamps its telemetry with it), whichpython's version."""
    expected = metadata.version("whichpython")
    assert SCRIPT.exists(), f"{SCRIPT} is missing: `pip install -e .` installs it"
    for command in (
        [str(SCRIPT), "server"],
        [sys.executable, "-m", "whichpython", "pet", "server"],
        [sys.executable, "-m", "whichpython", "serve"],
    ):
        answer, rc, stderr = _ask_info(command)
        assert (rc, stderr) == (0, ""), command
        assert answer["result"]["petVersion"] == expected, answer
        assert answer["result"]["name"] == "whichpython"


def test_usage_errors_are_one_line_and_status_2() -> None:
    for args in (
        ["find", "--kind", "Conda", "--workspace"],  # PET: conflicts_with
        ["find", "--kind", "Snake"],
        ["bogus"],
    ):
        done = pet_script(*args)
        assert done.returncode == 2 and done.stdout == "", done
        assert len(done.stderr.splitlines()) == 1 and "error:" in done.stderr, done.stderr
    bad = dict(os.environ, WHICHPYTHON_SERVER_DEADLINE="inf")
    for args in (["find", "--json"], ["resolve", sys.executable, "--json"]):
        done = pet_script(*args, env=bad)
        assert (done.returncode, done.stdout) == (2, ""), done
        assert done.stderr.splitlines() == [
            "whichpython-pet: error: WHICHPYTHON_SERVER_DEADLINE='inf' is not a usable deadline: "
            "give a number of seconds above 0 and at most 3600"
        ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_find_answers_by_the_server_deadline(tmp_path: Path) -> None:
    """A probe that never answers: `find --json` prints what was found by the deadline
    (WHICHPYTHON_SERVER_DEADLINE, as the server's), exits 0, and its probe is gone."""
    env = fake_machine(tmp_path, WHICHPYTHON_TIMEOUT="600", WHICHPYTHON_SERVER_DEADLINE="2")
    pids = tmp_path / "hang.pids"
    hang = tmp_path / "hang" / "bin" / "python3"
    _hanging_pythons(hang, pids)
    started = time.monotonic()
    done = pet_on(env, "find", "--json", "--workspace", str(tmp_path / "envs"), str(hang),
                  cwd=tmp_path)  # fmt: skip
    try:
        assert done.returncode == 0, done.stderr
        assert time.monotonic() - started < 60  # not the probe's 600 s
        found = {e["executable"] for e in json.loads(done.stdout)["environments"]}
        assert str(tmp_path / "envs" / "good" / "bin" / "python3") in found
        assert str(hang) not in found
        assert "deadline of 2 s reached" in done.stderr
        end = time.monotonic() + 10
        started_pids = [int(line) for line in pids.read_text().split()]
        while any(map(_alive, started_pids)) and time.monotonic() < end:
            time.sleep(0.05)
        assert started_pids and not any(map(_alive, started_pids)), "a probe outlived find"
    finally:
        for pid in [int(line) for line in pids.read_text().split()] if pids.exists() else []:
            if _alive(pid):
                os.kill(pid, 9)
