"""`whichpython serve`: a real client process (tests/jsonrpc_client.py) talks JSON-RPC with
Content-Length framing to `python -m whichpython serve` in another process."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

from conftest import (
    CLI,
    DEBIAN,
    PYENV_ROOT,
    PYENV_VERSIONS,
    fake_python,
    machine_cli_env,
    machine_environ,
    make_venv,
    measure_cost,
    pyenv_python,
    self_report,
    write_script,
)

CLIENT = Path(__file__).resolve().parent / "jsonrpc_client.py"
SERVER_WAIT = 60  # seconds a server may take to exit once its client is done (a failure if not)


class Session:
    """What one client/server session left: the transcript, the server's exit and stderr."""

    def __init__(self, transcript: list[dict[str, Any]], client_rc: int, rc: int, stderr: str):
        self.transcript, self.client_rc, self.rc, self.stderr = transcript, client_rc, rc, stderr

    @property
    def received(self) -> list[dict[str, Any]]:
        return [entry["received"] for entry in self.transcript if "received" in entry]

    def response(self, id: Any) -> dict[str, Any]:
        found = [m for m in self.received if "method" not in m and m.get("id") == id]
        assert len(found) == 1, (id, self.received)
        return found[0]

    def result(self, id: Any) -> Any:
        response = self.response(id)
        assert "error" not in response, response
        return response["result"]

    def notifications(self, method: str) -> list[Any]:
        return [m["params"] for m in self.received if m.get("method") == method and "id" not in m]

    def errors_without_id(self) -> list[dict[str, Any]]:
        return [m["error"] for m in self.received if "error" in m and m.get("id") is None]


def serve(
    plan: list[dict[str, Any]],
    tmp_path: Path,
    env: Optional[dict[str, str]] = None,
    cwd: Optional[Path] = None,
    timeout: float = 120,
) -> Session:
    """Run a server and a client process joined by two pipes; the test holds neither end, so
    the server sees exactly what the client does (and its death)."""
    plan_file = tmp_path / f"plan-{len(list(tmp_path.glob('plan-*')))}.json"
    plan_file.write_text(json.dumps(plan))
    to_server_r, to_server_w = os.pipe()
    from_server_r, from_server_w = os.pipe()
    full_env = dict(os.environ if env is None else env)
    command = (
        ["-c", CLI, "serve"]
        if "WHICHPYTHON_TEST_ROOT" in full_env
        else ["-m", "whichpython", "serve"]
    )
    server = subprocess.Popen(
        [sys.executable, *command],
        stdin=to_server_r,
        stdout=from_server_w,
        stderr=subprocess.PIPE,
        env=full_env,
        cwd=cwd or full_env.get("WHICHPYTHON_TEST_ROOT") or tmp_path,
    )
    client = subprocess.Popen(
        [
            sys.executable,
            str(CLIENT),
            "--write-fd",
            str(to_server_w),
            "--read-fd",
            str(from_server_r),
            "--plan",
            str(plan_file),
            "--timeout",
            str(timeout),
        ],
        stdout=subprocess.PIPE,
        pass_fds=(to_server_w, from_server_r),
    )
    for fd in (to_server_r, to_server_w, from_server_r, from_server_w):
        os.close(fd)
    try:
        out, _ = client.communicate(timeout=300)
        _, err = server.communicate(timeout=SERVER_WAIT)
    finally:
        for process in (client, server):
            if process.poll() is None:
                process.kill()
                process.wait()
    transcript = [json.loads(line) for line in out.decode().splitlines()]
    return Session(transcript, client.returncode, server.returncode, err.decode())


def request(id: Any, method: str, params: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return {"send": message}


# -- the real machine ---------------------------------------------------------------------


def _real_pythons() -> list[str]:
    paths = [str(PYENV_ROOT / "versions" / v / "bin" / "python") for v in PYENV_VERSIONS]
    return [path for path in [*paths, *DEBIAN.values()] if os.path.exists(path)]


def test_refresh_reports_the_machines_interpreters(tmp_path: Path) -> None:
    pythons = _real_pythons()
    if not pythons:
        pytest.skip("none of the real interpreters is installed")
    plan = [
        request(1, "configure", {"cacheDirectory": str(tmp_path / "ide-cache")}),
        request(2, "info"),
        request(3, "refresh"),
        {"expect": 3},
        request(4, "resolve", {"executable": pythons[0]}),
        {"expect": 4},
    ]
    session = serve(plan, tmp_path)
    assert session.client_rc == 0 and session.rc == 0, session.stderr
    assert session.stderr == ""
    assert session.result(1) is None
    assert session.result(2)["name"] == "whichpython"
    result = session.result(3)
    assert isinstance(result["duration"], int) and isinstance(result["refreshId"], int)
    envs = session.notifications("environment")
    for python in pythons:
        # The interpreter speaks for itself: its version, prefix and real binary.
        facts = json.loads(
            self_report(
                python,
                "import json, os, platform, sys; print(json.dumps("
                "[platform.python_version(), sys.prefix, "
                "os.path.realpath(sys.executable)]))",
            )
        )
        version, prefix, real = facts
        matching = [
            e for e in envs if os.path.realpath(e["executable"]) == real and e["prefix"] == prefix
        ]
        assert len(matching) == 1, (python, [e["executable"] for e in envs])
        env = matching[0]
        assert env["version"] == version and env["prefix"] == prefix
        assert env["arch"] == "x64" and env["error"] is None
        # PET's LinuxGlobal lists only files named python, python3, python3.11 (not
        # python3.11d, pypy3: those it resolves as GlobalPaths; fixtures/pet/debug-pypy.json).
        pet_named = re.fullmatch(r"python(\d+\.?)*", os.path.basename(python)) is not None
        expected = (
            "Pyenv"
            if python.startswith(str(PYENV_ROOT))
            else ("LinuxGlobal" if pet_named else "GlobalPaths")
        )
        assert env["kind"] == expected, env
        assert env["whichpython"]["kind"] == ("managed" if expected == "Pyenv" else "system")
        if expected == "Pyenv" and (PYENV_ROOT / "bin" / "pyenv").exists():
            assert env["manager"] == {
                "executable": str(PYENV_ROOT / "bin" / "pyenv"),
                "version": None,
                "tool": "Pyenv",
            }
    assert len({e["executable"] for e in envs}) == len(envs), "an environment reported twice"
    if any(e["manager"] for e in envs):
        assert session.notifications("manager")
    resolved = session.result(4)
    assert os.path.realpath(resolved["executable"]) == os.path.realpath(pythons[0])


# -- a fake machine -----------------------------------------------------------------------


def fake_machine(root: Path, **extra: str) -> dict[str, str]:
    """Three pyenv installs and a pyenv executable under ``root/home``, a workspace with a
    ``.venv``, and an environment directory with a good venv and a broken one; nothing of
    the real machine. Returns the server's environment."""
    pyenv = root / "home" / ".pyenv"
    for version in ("3.12.4", "3.11.9", "3.10.14"):
        fake_python(pyenv / "versions" / version / "bin" / f"python{version[:4]}", version)
    write_script(pyenv / "bin" / "pyenv", "#!/bin/sh\nexit 0\n")
    for venv in (root / "ws" / ".venv", root / "envs" / "good"):
        fake_python(venv / "bin" / "python3", "3.12.4")
        home = pyenv / "versions" / "3.12.4" / "bin"
        (venv / "pyvenv.cfg").write_text(f"home = {home}\nversion = 3.12.4\n")
    broken = root / "envs" / "broken"
    (broken / "bin").mkdir(parents=True)
    (broken / "bin" / "python3").symlink_to(root / "gone" / "python3")
    (broken / "pyvenv.cfg").write_text("home = /gone\n")
    return machine_cli_env(root, dict(machine_environ(root), **extra))


def _by_executable(envs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {env["executable"]: env for env in envs}
    assert len(found) == len(envs), "an environment reported twice"
    return found


def _between(session: Session, start: Optional[int], end: int) -> list[Any]:
    """The environment notifications after the response to ``start``, up to ``end``'s."""
    received = session.received
    ids = [m.get("id") if "method" not in m else None for m in received]
    first = ids.index(start) + 1 if start is not None else 0
    return [
        m["params"] for m in received[first : ids.index(end)] if m.get("method") == "environment"
    ]


def test_refresh_configure_find_resolve_on_a_fake_machine(tmp_path: Path) -> None:
    root = tmp_path
    env = fake_machine(root)
    pyenv = root / "home" / ".pyenv"
    ws, envs = root / "ws", root / "envs"
    (root / "notes.txt").write_text("not a python\n")
    plan = [
        request(
            1,
            "configure",
            {
                "workspaceDirectories": [str(ws)],
                "environmentDirectories": [str(envs)],
                "cacheDirectory": str(root / "ide-cache"),
            },
        ),
        request(2, "refresh"),
        {"expect": 2},
        request(3, "refresh", {"searchKind": "Venv"}),
        {"expect": 3},
        request(4, "refresh", {"searchPaths": [str(ws)]}),
        {"expect": 4},
        request(5, "find", {"searchPath": str(envs)}),
        request(6, "find", {"searchPath": str(root / "nothing-here")}),
        request(7, "resolve", {"executable": str(root / "notes.txt")}),
        request(8, "resolve", {"executable": str(root / "missing" / "python3")}),
        request(9, "resolve", {"executable": str(pyenv / "versions/3.11.9/bin/python3.11")}),
        *({"expect": n} for n in range(5, 10)),
    ]
    session = serve(plan, tmp_path, env)
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""

    full = _by_executable(_between(session, None, 2))
    pythons = {
        str(pyenv / "versions" / v / "bin" / f"python{v[:4]}"): v
        for v in ("3.12.4", "3.11.9", "3.10.14")
    }
    venv, good, broken = (
        str(ws / ".venv/bin/python3"),
        str(envs / "good/bin/python3"),
        str(envs / "broken/bin/python3"),
    )
    assert set(full) == {*pythons, venv, good, broken}
    manager = {"executable": str(pyenv / "bin" / "pyenv"), "version": None, "tool": "Pyenv"}
    for path, version in pythons.items():
        assert full[path]["kind"] == "Pyenv" and full[path]["version"] == version
        assert full[path]["prefix"] == str(pyenv / "versions" / version)
        assert full[path]["manager"] == manager
        assert full[path]["whichpython"]["manager"] == "pyenv"
    assert session.notifications("manager") == [manager]  # once, however many use it
    assert full[venv]["kind"] == "Venv" and full[venv]["project"] == str(ws)
    assert full[venv]["whichpython"]["source"] == "workspace"
    assert full[good]["kind"] == "Venv" and full[good]["project"] is None
    assert full[broken]["error"] and full[broken]["prefix"] == str(envs / "broken")
    assert all(full[path]["error"] is None for path in full if path != broken)

    # searchKind: that kind only, the workspace included (as PET at HEAD: build_refresh_config);
    # searchPaths: only those paths.
    assert set(_by_executable(_between(session, 2, 3))) == {venv, good, broken}
    assert set(_by_executable(_between(session, 3, 4))) == {venv}
    ids = {session.result(n)["refreshId"] for n in (2, 3, 4)}
    assert len(ids) == 3

    assert {e["executable"] for e in session.result(5)} == {good, broken}
    assert session.result(6) is None
    for n, path in ((7, root / "notes.txt"), (8, root / "missing" / "python3")):
        error = session.response(n)["error"]
        assert error["code"] == -4 and error["message"].startswith(f"{path}: ")
        assert error["data"]["path"] == str(path) and error["data"]["cause"]
    resolved = session.result(9)
    assert resolved["kind"] == "Pyenv" and resolved["version"] == "3.11.9"
    assert (root / "ide-cache" / "whichpython").is_dir()  # cacheDirectory was used

    again = serve(
        [
            request(1, "configure", {"cacheDirectory": str(root / "ide-cache")}),
            request(2, "clear"),
            {"expect": 2},
        ],
        tmp_path,
        env,
    )
    assert again.result(2) is None and again.rc == 0
    assert not (root / "ide-cache" / "whichpython").exists()
    assert (root / "ide-cache").is_dir()  # only whichpython's part of it


def _frame(body: bytes) -> str:
    return (b"Content-Length: %d\r\n\r\n" % len(body) + body).decode("latin-1")


def test_malformed_messages_get_errors_and_the_server_keeps_serving(tmp_path: Path) -> None:
    env = machine_cli_env(tmp_path, machine_environ(tmp_path))
    over = 16 * 1024 * 1024 + 1
    plan: list[dict[str, Any]] = [
        {"raw": _frame(b"{bad}")},
        {"raw": 'X-Other: 1\r\n\r\n{"jsonrpc":"2.0","id":99,"method":"info"}'},
        {"raw": "Content-Length: abc\r\n\r\n{}"},
        {"raw": "Content-Length: 99999999999\r\n\r\n"},  # a lie: nothing follows
        {"raw": f"Content-Length: {over}\r\n\r\n"},
        {"fill": ["x", over]},
        {"send": 3},
        {"send": [{"jsonrpc": "2.0", "id": 98, "method": "info"}]},
        {"raw": _frame(b'{"jsonrpc":"2.0","id":1,"method":"\xff"}')},
        {"raw": _frame(b'{"a":' * 40_000)},  # nested too deep
        {"send": {"jsonrpc": "2.0", "id": True, "method": "info"}},
        {"send": {"jsonrpc": "2.0", "method": "no-such-notification"}},
        request(5, "no-such-method"),
        {"send": {"jsonrpc": "1.0", "id": 6, "method": "info"}},
        request(7, "resolve", {"executable": 5}),
        request(8, "refresh", {"searchKind": "Nope"}),
        request(9, "configure", {"workspaceDirectories": "x"}),
        request(10, "find"),
        request(11, "resolve", [1]),
        request(100, "info"),
        {"expect": 100},
    ]
    session = serve(plan, tmp_path, env)
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    codes = [error["code"] for error in session.errors_without_id()]
    assert codes == [-32700, -32700, -32700, -32600, -32600, -32600, -32600, -32700, -32700, -32600]
    assert "missing Content-Length" in session.errors_without_id()[1]["message"]
    assert "exceeds" in session.errors_without_id()[4]["message"]
    assert session.response(5)["error"]["code"] == -32601
    assert session.response(6)["error"]["code"] == -32600
    for n in (7, 8, 9, 10, 11):
        assert session.response(n)["error"]["code"] == -32602, session.response(n)
    assert not [m for m in session.received if m.get("id") in (98, 99)]
    assert session.result(100)["name"] == "whichpython"
    assert len(session.received) == 10 + 7 + 1  # nothing for the notification


def _hanging_python(path: Path, pid_file: Path) -> None:
    """An 'interpreter' that notes its pid and never answers the probe."""
    write_script(
        path,
        f"#!{sys.executable}\nimport os, time\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(1000)\n",
    )


def hanging_machine(tmp_path: Path, timeout: str) -> tuple[dict[str, str], Path]:
    """:func:`fake_machine` with a pyenv 3.9.1 that never answers; the file its pid goes to
    once it runs."""
    env = fake_machine(tmp_path, WHICHPYTHON_TIMEOUT=timeout)
    pid_file = tmp_path / "hang.pid"
    _hanging_python(tmp_path / "home/.pyenv/versions/3.9.1/bin/python3.9", pid_file)
    return env, pid_file


def test_identical_refreshes_share_one_run(tmp_path: Path) -> None:
    env, pid_file = hanging_machine(tmp_path, "2")
    plan = [
        request(1, "refresh"),
        {"wait_file": str(pid_file)},  # the first refresh is running: it waits for the hang
        request(2, "refresh", {}),  # identical (no options = empty options)
        request(3, "refresh", {"searchKind": "Pyenv"}),  # not identical: a run of its own
        {"expect": 1},
        {"expect": 2},
        {"expect": 3},
    ]
    session = serve(plan, tmp_path, env)
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    assert session.result(1) == session.result(2)
    assert session.result(3)["refreshId"] != session.result(1)["refreshId"]
    shared = _between(session, None, 1)
    assert len(_by_executable(shared)) == 3  # each once, though two requests asked
    assert {e["kind"] for e in _between(session, 2, 3)} == {"Pyenv"}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_client_disconnecting_mid_refresh_ends_the_server_quietly(tmp_path: Path) -> None:
    env, pid_file = hanging_machine(tmp_path, "600")
    plan = [
        request(1, "refresh"),
        {"wait_file": str(pid_file)},
        {"expect_notification": "environment", "count": 3},  # the others, while the hang runs
        {"exit": True},
    ]
    pid = None
    try:
        # The server must exit long before the hanging probe's 600 s time-out.
        session = serve(plan, tmp_path, env)
        pid = int(pid_file.read_text())
        assert session.client_rc == 0
        assert session.rc == 0 and session.stderr == ""
        assert all("id" not in m for m in session.received)  # no answer: it never ended
        reported = [e["version"] for e in session.notifications("environment")]
        assert reported == ["3.12.4", "3.11.9", "3.10.14"]  # each as soon as it was settled
        import time

        deadline = time.monotonic() + 10  # the killed probe's reaping by init
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), "the server left its probe running"
    finally:
        if pid is not None and _alive(pid):
            os.kill(pid, 9)


def test_pet_kinds_of_venvs_as_pet_gives_them(tmp_path: Path) -> None:
    """PET calls every PEP 405 venv Venv, virtualenv 20+'s included (VirtualEnv is a legacy
    virtualenv without pyvenv.cfg)."""
    pytest.importorskip("virtualenv")
    from whichpython import inspect_interpreter
    from whichpython.server.environments import pet_kind

    base = str(pyenv_python("3.12.1"))
    stdlib = make_venv(base, tmp_path / "stdlib")
    subprocess.run(
        [sys.executable, "-m", "virtualenv", "--no-seed", "-p", base, str(tmp_path / "ve")],
        check=True, capture_output=True,
    )  # fmt: skip
    made = inspect_interpreter(tmp_path / "ve" / "bin" / "python", cache=False)
    assert made.manager == "virtualenv"  # whichpython still says who made it
    assert pet_kind(made, {"HOME": str(tmp_path)}) == "Venv"
    assert pet_kind(inspect_interpreter(stdlib, cache=False), {"HOME": str(tmp_path)}) == "Venv"


def test_refresh_reports_the_tools_environments(tmp_path: Path) -> None:
    """Beside the machine's interpreters, the environments the tools keep
    (docs/environments.md): a workspace folder's poetry env with its project, a pipx app's
    venv, and a virtualenvwrapper env whose base is gone, with its error."""
    from whichpython.sources.poetry import env_name

    root = tmp_path
    env = fake_machine(root)
    home, project = root / "home", root / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.poetry]\nname = "demo"\n')
    base = home / ".pyenv" / "versions" / "3.12.4" / "bin"
    poetry = home / ".cache/pypoetry/virtualenvs" / (env_name("demo", str(project)) + "-py3.12")
    pipx = home / ".local/share/pipx/venvs/black"
    for venv in (poetry, pipx):
        fake_python(venv / "bin" / "python3", "3.12.4")
        (venv / "pyvenv.cfg").write_text(f"home = {base}\nversion = 3.12.4\n")
    (pipx / "pipx_metadata.json").write_text("{}")
    gone = home / ".virtualenvs" / "old"
    (gone / "bin").mkdir(parents=True)
    (gone / "bin" / "python3").symlink_to(root / "gone" / "python3")
    for script in ("activate", "postactivate"):
        (gone / "bin" / script).write_text("")
    (gone / "pyvenv.cfg").write_text("home = /gone\n")
    plan = [
        request(1, "configure", {"workspaceDirectories": [str(project)]}),
        request(2, "refresh"),
        {"expect": 2},
    ]
    session = serve(plan, tmp_path, env)
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    full = _by_executable(_between(session, None, 2))
    poetry_env = full[str(poetry / "bin" / "python3")]
    assert (poetry_env["kind"], poetry_env["project"]) == ("Poetry", str(project))
    assert poetry_env["whichpython"]["source"] == "poetry"
    pipx_env = full[str(pipx / "bin" / "python3")]
    assert (pipx_env["kind"], pipx_env["project"]) == ("Venv", None)
    assert pipx_env["whichpython"]["manager"] == "pipx"
    broken = full[str(gone / "bin" / "python3")]
    assert "base interpreter is gone" in broken["error"] and broken["prefix"] == str(gone)


def test_refresh_sends_an_environment_reached_through_a_link_once(tmp_path: Path) -> None:
    """Issue 24: pyenv-virtualenv's env, activated by its long name and listed by its alias
    ``versions/myenv``, and a venv on PATH that the workspace's ``.venv`` links to: each
    sent once."""
    base = str(pyenv_python("3.12.1"))
    versions = tmp_path / "pyenv" / "versions"
    long = make_venv(base, versions / "3.12.1" / "envs" / "myenv")
    (versions / "myenv").symlink_to(versions / "3.12.1" / "envs" / "myenv")
    real = make_venv(base, tmp_path / "envs" / "work")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / ".venv").symlink_to(real.parent.parent)
    environ = dict(machine_environ(tmp_path), PYENV_ROOT=str(versions.parent),
                   VIRTUAL_ENV=str(long.parent.parent), PATH=str(real.parent))  # fmt: skip
    plan = [
        request(1, "configure", {"workspaceDirectories": [str(tmp_path / "ws")]}),
        request(2, "refresh"),
        {"expect": 2},
    ]
    session = serve(plan, tmp_path, machine_cli_env(tmp_path, environ))
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    sent = _between(session, 1, 2)
    prefixes = [os.path.realpath(env["prefix"]) for env in sent]
    assert len(prefixes) == len(set(prefixes)), [(e["executable"], e["prefix"]) for e in sent]
    assert {str(long.parent.parent), str(real.parent.parent)} <= set(prefixes)


def test_refresh_sends_a_gc_rooted_store_python_by_its_result_link(tmp_path: Path) -> None:
    """Issue 24: of two leftover copies of a store Python nothing roots and one a project's
    ``result`` link roots (a GC root), only the rooted one is sent, by the link's path."""
    store = tmp_path / "nix" / "store"
    pythons = {}
    for digest, name in (("a" * 32, "python3-3.12.8"), ("b" * 32, "python3-3.12.8"),
                         ("c" * 32, "python3-3.12.3")):  # fmt: skip
        entry = store / f"{digest}-{name}"
        pythons[digest[0]] = fake_python(entry / "bin" / "python3.12", name[8:], prefix=str(entry))
    result = tmp_path / "project" / "result"
    result.parent.mkdir()
    result.symlink_to(pythons["c"].parent.parent)
    auto = tmp_path / "nix" / "var" / "nix" / "gcroots" / "auto"
    auto.mkdir(parents=True)
    (auto / ("0" * 32)).symlink_to(result)
    session = serve([request(1, "refresh"), {"expect": 1}], tmp_path,
                    machine_cli_env(tmp_path, machine_environ(tmp_path)))  # fmt: skip
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    nix = [
        env for env in _between(session, None, 1) if str(store) in env["whichpython"]["realPath"]
    ]
    assert [env["executable"] for env in nix] == [str(result / "bin" / "python3.12")]
    assert str(pythons["c"]) in nix[0]["symlinks"]


# -- hostile clients (issue 21) -----------------------------------------------------------


def test_find_and_refresh_run_only_files_named_like_a_python(tmp_path: Path) -> None:
    """A search path names a script: it is not run (the PATH source's name rule), while an
    executable named ``python3`` still is, and a directory is still searched for venvs."""
    env = fake_machine(tmp_path)
    ran = tmp_path / "deploy-ran"
    deploy = write_script(tmp_path / "bin" / "deploy.sh", f"#!/bin/sh\n: > {ran}\n")
    python = fake_python(tmp_path / "bin" / "python3", "3.12.4")
    plan = [
        request(1, "find", {"searchPath": str(deploy)}),
        request(2, "refresh", {"searchPaths": [str(deploy), str(tmp_path / "bin" / "*.sh")]}),
        request(3, "find", {"searchPath": str(python)}),
        request(4, "find", {"searchPath": str(tmp_path / "envs")}),
        *({"expect": n} for n in range(1, 5)),
    ]
    session = serve(plan, tmp_path, env)
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    assert not ran.exists(), "deploy.sh was run"
    assert session.result(1) is None
    assert _between(session, None, 2) == [] and "refreshId" in session.result(2)
    warnings = [n["message"] for n in session.notifications("log") if n["level"] == "warning"]
    assert any(str(deploy) in w and "not named like a Python" in w for w in warnings), warnings
    assert [e["executable"] for e in session.result(3)] == [str(python)]
    assert {e["executable"] for e in session.result(4)} == {
        str(tmp_path / "envs" / name / "bin" / "python3") for name in ("good", "broken")
    }


def test_unusable_frames_are_answered_at_once_and_ids_must_be_json(tmp_path: Path) -> None:
    """The error for a frame that cannot be used goes out before the next frame comes (the
    client waits for each before sending more); NaN, Infinity and 1e400 are not JSON, so a
    message holding them is a parse error, never answered with such an id."""
    env = machine_cli_env(tmp_path, machine_environ(tmp_path))
    plan: list[dict[str, Any]] = [
        {"raw": "Content-Length: abc\r\n\r\n"},
        {"expect_errors": 1},
        {"raw": "Content-Length: 99999999999\r\n\r\n"},  # a lie, and nothing follows
        {"expect_errors": 2},
        {"raw": "Content-Length: 2\r\nX-Long: " + "a" * 9000},  # headers over the cap
        {"expect_errors": 3},
        {"raw": _frame(b"{bad}")},
        {"expect_errors": 4},
        {"raw": _frame(b'{"jsonrpc":"2.0","id":NaN,"method":"info"}')},
        {"raw": _frame(b'{"jsonrpc":"2.0","id":Infinity,"method":"info"}')},
        {"raw": _frame(b'{"jsonrpc":"2.0","id":-1e400,"method":"info"}')},
        {"raw": _frame(b'{"jsonrpc":"2.0","id":1.5,"method":"info"}')},
        {"expect": 1.5},
    ]
    session = serve(plan, tmp_path, env, timeout=20)
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    codes = [error["code"] for error in session.errors_without_id()]
    assert codes == [-32700, -32600, -32700, -32700, -32700, -32700, -32700]
    assert [m["id"] for m in session.received if "result" in m] == [1.5]


def test_a_nul_in_a_path_is_invalid_params(tmp_path: Path) -> None:
    env = machine_cli_env(tmp_path, machine_environ(tmp_path))
    bad = str(tmp_path / "a\x00b")
    plan = [
        request(1, "configure", {"cacheDirectory": bad}),
        request(2, "configure", {"workspaceDirectories": [str(tmp_path), bad]}),
        request(3, "configure", {"environmentDirectories": [bad]}),
        request(4, "resolve", {"executable": bad}),
        request(5, "find", {"searchPath": bad}),
        request(6, "refresh", {"searchPaths": [bad]}),
        request(7, "resolve", {"executable": str(tmp_path / "\ud800")}),  # not encodable
        request(8, "info"),
        *({"expect": n} for n in range(1, 9)),
    ]
    session = serve(plan, tmp_path, env)
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    for n in range(1, 8):
        error = session.response(n)["error"]
        assert error["code"] == -32602 and "not a usable path" in error["message"], (n, error)
    assert session.result(8)["name"] == "whichpython"


def _hanging_pythons(path: Path, pid_file: Path) -> None:
    """An 'interpreter' that adds its pid to ``pid_file`` and never answers the probe."""
    write_script(
        path,
        f"#!{sys.executable}\nimport os, time\n"
        f"open({str(pid_file)!r}, 'a').write('%d\\n' % os.getpid())\n"
        "time.sleep(1000)\n",
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_each_request_is_answered_by_its_deadline_and_its_probes_killed(tmp_path: Path) -> None:
    """A probe that hangs with a 600 s probe time-out: find and resolve fail at the request's
    deadline (WHICHPYTHON_SERVER_DEADLINE, then configure's), a refresh answers what it had,
    and each hanging probe is gone; the server answers the next request."""
    env = fake_machine(tmp_path, WHICHPYTHON_TIMEOUT="600", WHICHPYTHON_SERVER_DEADLINE="2")
    pids = tmp_path / "hang.pids"
    # One for each request: a probe that timed out is remembered, for a shorter time-out.
    hang = [tmp_path / f"hang{n}" / "bin" / "python3" for n in range(3)]
    for path in hang:
        _hanging_pythons(path, pids)
    plan = [
        request(1, "find", {"searchPath": str(hang[0])}),
        {"expect": 1},
        request(2, "refresh", {"searchPaths": [str(tmp_path / "envs"), str(hang[1])]}),
        {"expect": 2},
        request(3, "configure", {"deadline": 1}),
        request(4, "resolve", {"executable": str(hang[2])}),
        {"expect": 4},
        request(5, "configure", {"deadline": 0}),
        request(6, "info"),
        {"expect": 6},
    ]
    import time

    started = time.monotonic()
    session = serve(plan, tmp_path, env, timeout=30)
    elapsed = time.monotonic() - started
    try:
        assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
        for n, seconds in ((1, 2), (4, 1)):
            error = session.response(n)["error"]
            assert error["code"] == -4 and f"deadline of {seconds} s reached" in error["message"]
        assert session.result(2)["deadlineReached"] is True
        reported = {e["executable"] for e in _between(session, 1, 2)}
        assert str(tmp_path / "envs" / "good" / "bin" / "python3") in reported
        assert str(hang[1]) not in reported
        assert session.response(5)["error"]["code"] == -32602
        assert session.result(6)["name"] == "whichpython"
        assert elapsed < 60, elapsed  # not the probes' 600 s
        started_pids = [int(line) for line in pids.read_text().split()]
        assert len(started_pids) == 3
        deadline = time.monotonic() + 10
        while any(map(_alive, started_pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(_alive, started_pids)), "a probe outlived its request's deadline"
    finally:
        for pid in [int(line) for line in pids.read_text().split()] if pids.exists() else []:
            if _alive(pid):
                os.kill(pid, 9)


def test_a_bad_server_deadline_variable_is_one_line(tmp_path: Path) -> None:
    env = dict(machine_cli_env(tmp_path, machine_environ(tmp_path)))
    env["WHICHPYTHON_SERVER_DEADLINE"] = "inf"
    done = subprocess.run([sys.executable, "-c", CLI, "serve"], env=env, input=b"",
                          capture_output=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        "whichpython: error: WHICHPYTHON_SERVER_DEADLINE='inf' is not a usable deadline: give "
        "a number of seconds above 0 and at most 3600"
    ]


def test_configure_globs_do_not_loop_nor_block_the_reader(tmp_path: Path) -> None:
    """``**`` over a tree with links back up (``x -> .``, ``y -> .``) matching nothing, and
    1500 ``**`` parts: configure answers, and the server reads on meanwhile (``info`` is
    answered before or after it, whichever), then sees EOF."""
    env = machine_cli_env(tmp_path, machine_environ(tmp_path))
    loop = tmp_path / "loop"
    (loop / "a" / "b").mkdir(parents=True)
    (loop / "a" / "b" / ".venv").mkdir()
    (loop / "x").symlink_to(".")
    (loop / "y").symlink_to(".")
    plan = [
        request(
            1,
            "configure",
            {"workspaceDirectories": [str(loop / "**" / "nomatch"), str(loop / "**" / ".venv")]},
        ),
        request(2, "info"),
        {"expect": 2},
        request(3, "configure", {"environmentDirectories": [str(loop) + "/**" * 1500]}),
        {"expect": 1},
        {"expect": 3},
    ]
    session = serve(plan, tmp_path, env, timeout=30)
    assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
    assert session.result(1) is None and session.result(3) is None
    assert session.result(2)["name"] == "whichpython"


def test_glob_expansion_follows_links_once_and_counts_directories(tmp_path: Path) -> None:
    from whichpython.server import places

    (tmp_path / "a" / "b" / ".venv").mkdir(parents=True)
    (tmp_path / "a" / "x").symlink_to(".")
    (tmp_path / "c").symlink_to(tmp_path / "a" / "b")  # a second way to a/b
    found = places.expand([str(tmp_path / "**" / ".venv")], cwd="/")
    assert found == [str(tmp_path / "a" / "b" / ".venv")]
    warnings: list[str] = []
    wide = tmp_path / "wide"
    for n in range(30):
        (wide / f"d{n:02}" / "e").mkdir(parents=True)
    old = places.MAX_GLOB_DIRS
    places.MAX_GLOB_DIRS = 20
    try:
        assert places.expand([str(wide / "**" / "nomatch")], cwd="/", warn=warnings.append) == []
    finally:
        places.MAX_GLOB_DIRS = old
    assert len(warnings) == 1 and "after 20 directories" in warnings[0]


# What the bounded-cost tests run in a child (measure_cost): a server fed by a stream of
# frames, in this process, its answers collected once it has read to EOF.
_IN_PROCESS = """
import io, json, os, threading, time
from whichpython.server import _read_loop
from whichpython.server.framing import FrameReader, FrameWriter
from whichpython.server.protocol import Connection, Dispatcher
from whichpython.server.service import Server

def frame(body):
    return b"Content-Length: %d\\r\\n\\r\\n" % len(body) + body

def serve(stream):
    out = []
    gone = threading.Event()
    writer = FrameWriter(lambda data: out.append(bytes(data)) or len(data), gone.set)
    connection = Connection(writer)
    dispatcher = Dispatcher(connection, Server(connection, os.environ).methods())
    reader = threading.Thread(target=_read_loop, args=(FrameReader(stream.read), dispatcher, gone))
    reader.start()
    reader.join(60)
    assert not reader.is_alive(), "the reader did not reach EOF"
    end = time.monotonic() + 60
    while dispatcher.busy and time.monotonic() < end:
        time.sleep(0.01)
    return [json.loads(raw.split(b"\\r\\n\\r\\n", 1)[1]) for raw in out]

INFO = frame(b'{"jsonrpc":"2.0","id":99,"method":"info"}')
"""

_SIXTEEN_MIB = 16 * 1024 * 1024


def _answers_in(code: str) -> str:
    return _IN_PROCESS + code + "\nprint('ANSWERS ' + json.dumps(answers))\n"


def test_a_16_mib_frame_of_tiny_values_costs_little(tmp_path: Path) -> None:
    """16 MiB of ``[{},{},...]`` as a request's params and as a batch: refused before
    parsing (it would be 450 MB parsed), and the next request is still answered."""
    code = _answers_in(
        """
head, tail = b'{"jsonrpc":"2.0","id":1,"method":"find","params":[', b']}'
count = (SIZE - len(head) - len(tail) - 2) // 3
params = frame(head + b'{},' * count + b'{}' + tail)
batch = frame(b'[' + b'{},' * count + b'{}]')
stream = io.BytesIO(params + batch + INFO)
del params, batch
answers = serve(stream)
""".replace("SIZE", str(_SIXTEEN_MIB))
    )
    seconds, peak = measure_cost(code)
    assert seconds < 2 and peak < 256, (seconds, peak)
    answers = _answers_of(code)
    assert [a.get("error", {}).get("code") for a in answers[:2]] == [-32600, -32600]
    assert "values" in answers[0]["error"]["message"]
    assert "batches" in answers[1]["error"]["message"]
    assert answers[2]["result"]["name"] == "whichpython"


def _answers_of(code: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("ANSWERS ")]
    assert lines, done.stderr[-2000:]
    answers: list[dict[str, Any]] = json.loads(lines[-1][len("ANSWERS ") :])
    return answers


def test_configure_with_a_link_loop_and_deep_globs_costs_little(tmp_path: Path) -> None:
    """``x -> .`` and ``y -> .`` under a ``**`` matching nothing, ``/usr`` under 26 ``**``
    and 1500 ``**`` parts: each configure is answered, cheaply, and the server goes on."""
    loop = tmp_path / "loop"
    (loop / "a" / "b").mkdir(parents=True)
    (loop / "x").symlink_to(".")
    (loop / "y").symlink_to(".")
    patterns = [str(loop / "**" / "nomatch"), "/usr/" + "**/" * 26 + "nomatch",
                str(loop) + "/**" * 1500]  # fmt: skip
    requests = [
        {"jsonrpc": "2.0", "id": n, "method": "configure",
         "params": {"workspaceDirectories": [pattern]}}
        for n, pattern in enumerate(patterns, 1)
    ]  # fmt: skip
    code = _answers_in(
        f"""
frames = [frame(json.dumps(r).encode()) for r in {requests!r}]
answers = serve(io.BytesIO(b''.join(frames) + INFO))
"""
    )
    seconds, peak = measure_cost(code)
    assert seconds < 2 and peak < 256, (seconds, peak)
    answers = {a["id"]: a for a in _answers_of(code) if "id" in a}
    assert all(answers[n]["result"] is None for n in (1, 2, 3)), answers
    assert answers[99]["result"]["name"] == "whichpython"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_full_refresh_answers_what_it_found_by_its_deadline(tmp_path: Path) -> None:
    """The machine-wide search (Discovery) with a pyenv build that never answers and a
    600 s probe time-out: the refresh is answered at its 2 s deadline with the three others,
    the hanging probe is killed, and the server then sees EOF and exits."""
    env, pid_file = hanging_machine(tmp_path, "600")
    env["WHICHPYTHON_SERVER_DEADLINE"] = "2"
    plan = [request(1, "refresh"), {"expect": 1}]
    pid = None
    try:
        session = serve(plan, tmp_path, env, timeout=30)
        pid = int(pid_file.read_text())
        assert session.client_rc == 0 and session.rc == 0 and session.stderr == ""
        assert session.result(1)["deadlineReached"] is True
        reported = [e["version"] for e in _between(session, None, 1)]
        assert reported == ["3.12.4", "3.11.9", "3.10.14"]
        import time

        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), "the refresh's probe outlived its deadline"
    finally:
        if pid is not None and _alive(pid):
            os.kill(pid, 9)


def test_background_requests_hold_a_bounded_amount_in_all() -> None:
    """Requests running in worker threads may hold 64 MiB of payload together: one more is
    refused as busy until one ends; a single one is never refused for its size."""
    import threading
    import time

    from whichpython.server.protocol import MAX_HELD, Connection, Dispatcher, Method

    sent: list[dict[str, Any]] = []

    class Writer:
        def send(self, payload: bytes) -> bool:
            sent.append(json.loads(payload))
            return True

    release = threading.Event()
    dispatcher = Dispatcher(
        Connection(Writer()),  # type: ignore[arg-type]
        {"wait": Method(lambda params: release.wait(30), background=True)},
    )
    message = {"jsonrpc": "2.0", "method": "wait"}
    dispatcher.dispatch({**message, "id": 1}, weight=MAX_HELD // 2 + 1)
    dispatcher.dispatch({**message, "id": 2}, weight=MAX_HELD // 2 + 1)
    assert [m["id"] for m in sent] == [2] and "busy" in sent[0]["error"]["message"]
    release.set()
    end = time.monotonic() + 30
    while dispatcher.busy and time.monotonic() < end:
        time.sleep(0.01)
    assert dispatcher.held == 0
    release.clear()
    dispatcher.dispatch({**message, "id": 3}, weight=MAX_HELD * 2)  # alone: it runs
    release.set()
    while dispatcher.busy and time.monotonic() < end:
        time.sleep(0.01)
    assert [m["id"] for m in sent] == [2, 1, 3]


# A server whose import of the service module waits until a file exists (issue 25: `info`
# is answered before the methods' heavy modules are imported).
_HELD_IMPORT = """
import importlib.machinery, os, sys, time
class Hold:  # (find_spec runs under the global import lock: the module's own code waits)
    def find_spec(self, name, path=None, target=None):
        if name != "whichpython.server.service":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run = spec.loader.exec_module
        def exec_module(module):
            while not os.path.exists(sys.argv[1]):
                time.sleep(0.01)
            run(module)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, Hold())
from whichpython.server import main
sys.exit(main())
"""


def _read_message(stream: Any, wait: float) -> Optional[dict[str, Any]]:
    """The next message the server writes, or None if none came within ``wait`` seconds."""
    import select

    headers = b""
    fd = stream.fileno()
    while not headers.endswith(b"\r\n\r\n"):
        if not select.select([fd], [], [], wait)[0]:
            return None
        headers += os.read(fd, 1)
    size = int(headers.split(b":", 1)[1].split(b"\r\n", 1)[0])
    body = b""
    while len(body) < size:
        body += os.read(fd, size - len(body))
    message: dict[str, Any] = json.loads(body)
    return message


def test_info_is_answered_before_the_service_modules_are_imported(tmp_path: Path) -> None:
    release = tmp_path / "release"
    server = subprocess.Popen(
        [sys.executable, "-c", _HELD_IMPORT, str(release)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=dict(os.environ, WHICHPYTHON_CACHE_DIR=str(tmp_path / "cache")), cwd=tmp_path,
    )  # fmt: skip
    assert server.stdin is not None and server.stdout is not None
    try:
        for step in (request(1, "info"), request(2, "configure", {})):
            body = json.dumps(step["send"]).encode()
            server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        server.stdin.flush()
        import whichpython

        version = whichpython.__version__
        info = _read_message(server.stdout, 30)  # the service's import is still held
        assert info == {"jsonrpc": "2.0", "id": 1,
                        "result": {"petVersion": version, "name": "whichpython",
                                   "version": version}}  # fmt: skip
        assert _read_message(server.stdout, 0.5) is None  # configure waits for the service
        release.touch()
        assert _read_message(server.stdout, 60) == {"jsonrpc": "2.0", "id": 2, "result": None}
        server.stdin.close()
        assert server.wait(SERVER_WAIT) == 0
        assert server.stderr is not None and server.stderr.read() == b""
    finally:
        server.kill()
        server.wait()
