"""The engine and the preference policy, on small machines built in temp dirs from fake
interpreters (scripts that answer the probe), and the acceptance checks on this machine."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

from conftest import (
    PYENV_ROOT,
    fake_python,
    isolate_machine,
    machine_cli_env,
    machine_environ,
    relocated_copy,
    run_cli,
)
from whichpython import InterpreterNotFound, find_interpreter, find_interpreters
from whichpython.engine.discovery import Discovery

DOCS = Path(__file__).resolve().parent.parent / "docs"


def validator(path: Path) -> Any:
    """A validator for one of docs/*.schema.json, with the others available to $ref."""
    from referencing import Registry, Resource

    resources = [json.loads(p.read_text()) for p in DOCS.glob("*.schema.json")]
    registry: Any = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in resources
    )
    return jsonschema.Draft202012Validator(json.loads(path.read_text()), registry=registry)


@attrs.define
class Machine:
    """A machine built under ``root``: its system locations (``/nix/store``, ``/opt/conda``,
    ...) are there too, its environment is ``environ`` and nothing else."""

    root: Path
    environ: dict[str, str]

    @property
    def home(self) -> Path:
        return self.root / "home"

    def uv(self, version: str, **kwargs: Any) -> Path:
        variant = "+freethreaded" if kwargs.get("freethreaded") else ""
        key = f"cpython-{version}{variant}-linux-x86_64-gnu"
        minor = version[:4] + ("t" if variant else "")
        folder = self.home / ".local" / "share" / "uv" / "python" / key
        return fake_python(folder / "bin" / f"python{minor}", version, **kwargs)

    def system(self, name: str, version: str, folder: str = "usr/bin", **kwargs: Any) -> Path:
        path = self.root / folder / name
        self.add_to_path(path.parent)
        return fake_python(path, version, **kwargs)

    def add_to_path(self, folder: Path) -> None:
        parts = [p for p in self.environ["PATH"].split(os.pathsep) if p]
        if str(folder) not in parts:
            self.environ["PATH"] = os.pathsep.join([*parts, str(folder)])

    def venv(self, folder: Path, version: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pyvenv.cfg").write_text(f"home = /usr/bin\nversion = {version}\n")
        return fake_python(folder / "bin" / "python", version)

    def discovery(self, **kwargs: Any) -> Discovery:
        kwargs.setdefault("cwd", str(self.root / "work"))
        return Discovery(environ=self.environ, root=str(self.root), **kwargs)

    def find(self, request: Any = None, **kwargs: Any) -> Any:
        explain = kwargs.pop("explain", False)
        return self.discovery(**kwargs).find(request, explain=explain)

    def chosen(self, request: Any = None, **kwargs: Any) -> str:
        result = self.find(request, **kwargs)
        return os.path.relpath(result.interpreters[0].path, self.root)

    def cli(self, *args: str) -> Any:
        """The CLI in a subprocess on this machine, run from ``work/``."""
        env = machine_cli_env(self.root, self.environ)
        return run_cli(*args, env=env, cwd=self.root / "work")


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    (tmp_path / "work").mkdir()
    isolate_machine(monkeypatch, tmp_path)
    return Machine(tmp_path, machine_environ(tmp_path))


UV312 = "home/.local/share/uv/python/cpython-3.12.7-linux-x86_64-gnu/bin/python3.12"


def test_preferences(machine: Machine) -> None:
    machine.uv("3.12.7")
    machine.system("python3.12", "3.12.3")
    assert machine.chosen("3.12") == UV312
    assert machine.chosen("3.12", prefer="system") == "usr/bin/python3.12"
    assert machine.chosen("3.12", prefer="only-managed") == UV312
    assert machine.chosen("3.12", prefer="only-system") == "usr/bin/python3.12"
    machine.environ["PATH"] = ""
    with pytest.raises(InterpreterNotFound):
        machine.find("3.12", prefer="only-system")


def test_uv_dir_of_relocated_real_builds(machine: Machine) -> None:
    root = machine.home / ".local" / "share" / "uv" / "python"
    relocated_copy("3.12.1", root / "cpython-3.12.1-linux-x86_64-gnu")
    (root / "cpython-3.12-linux-x86_64-gnu").symlink_to(root / "cpython-3.12.1-linux-x86_64-gnu")
    machine.system("python3.12", "3.12.3")
    found = machine.find("3.12").interpreters[0]
    assert found.path == str(root / "cpython-3.12.1-linux-x86_64-gnu" / "bin" / "python3.12")
    assert (found.version, found.kind.value, found.manager, found.source) == (
        "3.12.1", "managed", "uv", "uv"
    )  # fmt: skip
    assert found.prefixes.prefix == str(root / "cpython-3.12.1-linux-x86_64-gnu")


def test_only_system_rejects_a_managed_interpreter_reached_through_path(machine: Machine) -> None:
    uv = machine.uv("3.12.7")
    machine.add_to_path(uv.parent)
    with pytest.raises(InterpreterNotFound) as missing:
        machine.find("3.12", prefer="only-system")
    verdicts = {c.path: c.detail for c in missing.value.candidates}
    assert verdicts[str(uv)] == "managed not allowed (uv)"


def test_venv_policies_and_priority(machine: Machine) -> None:
    machine.uv("3.12.7")
    active = machine.venv(machine.root / "active", "3.12.5")
    project = machine.venv(machine.root / "work" / ".venv", "3.12.6")
    machine.environ["VIRTUAL_ENV"] = str(active.parent.parent)
    assert machine.chosen("3.12") == "active/bin/python"
    assert machine.chosen("3.12", venvs="never") == UV312
    del machine.environ["VIRTUAL_ENV"]
    assert machine.chosen("3.12") == "work/.venv/bin/python"
    assert machine.chosen("3.12", venvs="only") == "work/.venv/bin/python"
    project.parent.parent.joinpath("pyvenv.cfg").unlink()
    with pytest.raises(InterpreterNotFound) as missing:
        machine.find("3.12", venvs="only")
    assert {c.verdict for c in missing.value.candidates} == {"not-a-venv"}


def test_active_conda_env_comes_after_the_active_venv(machine: Machine) -> None:
    conda = machine.root / "conda" / "envs" / "web"
    (conda / "conda-meta").mkdir(parents=True)
    (conda / "conda-meta" / "python-3.12.8-h_0.json").write_text("{}")
    fake_python(conda / "bin" / "python3.12", "3.12.8")
    machine.venv(machine.root / "work" / ".venv", "3.12.6")
    machine.environ["CONDA_PREFIX"] = str(conda)
    assert machine.chosen("3.12") == "conda/envs/web/bin/python3.12"
    found = find_interpreter("3.12", environ=machine.environ, cwd=str(machine.root / "work"))
    assert (found.kind.value, found.manager, found.source) == ("managed", "conda", "active-conda")
    active = machine.venv(machine.root / "active", "3.12.5")
    machine.environ["VIRTUAL_ENV"] = str(active.parent.parent)
    assert machine.chosen("3.12") == "active/bin/python"


def test_plain_builds_win_unless_a_variant_is_asked_for(machine: Machine) -> None:
    machine.system("pypy3.12", "3.12.1", implementation="pypy")
    machine.system("python3.12t", "3.12.2", freethreaded=True)
    machine.system("python3.12d", "3.12.3", debug=True)
    machine.system("python3.12", "3.12.4", folder="opt/bin")
    assert machine.chosen("3.12") == "opt/bin/python3.12"
    assert machine.chosen("3.12t") == "usr/bin/python3.12t"
    assert machine.chosen("3.12+debug") == "usr/bin/python3.12d"
    assert machine.chosen("pypy@3.12") == "usr/bin/pypy3.12"
    assert machine.chosen("pp312") == "usr/bin/pypy3.12"
    os.unlink(machine.root / "opt" / "bin" / "python3.12")
    # Only variants left: the first in priority order (python* names before pypy*) is chosen.
    assert machine.chosen("3.12") == "usr/bin/python3.12d"


def test_prerelease_only_when_nothing_final_matches(machine: Machine) -> None:
    machine.system("python3.13", "3.13.0", folder="a/bin")
    rc = machine.system("python3.13", "3.13.1", folder="b/bin")
    script = rc.read_text().replace('"final", 0]', '"candidate", 1]')
    rc.write_text(script)
    machine.environ["PATH"] = os.pathsep.join([str(rc.parent), str(machine.root / "a" / "bin")])
    assert machine.chosen("3.13") == "a/bin/python3.13"
    assert machine.chosen("3.13.1rc1") == "b/bin/python3.13"


def test_same_interpreter_by_several_paths_is_one_result(machine: Machine) -> None:
    real = machine.system("python3.12", "3.12.4")
    links = machine.root / "links"
    links.mkdir()
    (links / "python3").symlink_to(real)
    (links / "python").symlink_to(links / "python3")
    machine.add_to_path(links)
    [only] = list(find_interpreters(environ=machine.environ, cwd=str(machine.root / "work")))
    assert only.path == str(real)
    assert sorted(only.aliases) == sorted([str(links / "python3"), str(links / "python")])


def test_explanation_names_every_verdict(machine: Machine) -> None:
    machine.uv("3.11.9")
    machine.system("python3.12", "3.12.4")
    machine.venv(machine.root / "work" / ".venv", "3.12.6")
    broken = machine.root / "broken" / "python3"
    broken.parent.mkdir()
    broken.symlink_to(machine.root / "nowhere")
    machine.add_to_path(broken.parent)
    (machine.root / "links").mkdir()
    (machine.root / "links" / "python3.12").symlink_to(machine.root / "usr/bin/python3.12")
    machine.add_to_path(machine.root / "links")
    result = machine.find("3.12", venvs="never", explain=True)
    lines = {os.path.relpath(c.path, machine.root): c.detail for c in result.candidates}
    assert lines == {
        "work/.venv/bin/python": "venv not allowed (it has a pyvenv.cfg)",
        "home/.local/share/uv/python/cpython-3.11.9-linux-x86_64-gnu/bin/python3.11":
            "wrong version: 3.11.9 (from its layout)",
        "usr/bin/python3.12": "chosen",
        "broken/python3": "not probed: an earlier candidate won",
        "links/python3.12": f"duplicate of {machine.root / 'usr/bin/python3.12'}",
    }  # fmt: skip
    missing = machine.discovery(venvs="never").find_all("3.12")
    verdicts = {os.path.relpath(c.path, machine.root): c.detail for c in missing.candidates}
    assert verdicts["broken/python3"].startswith("failed: broken symlink")


def test_hanging_interpreter_first_on_path(machine: Machine, probes: list[str]) -> None:
    hang = machine.system("python3.99", "3.99.0", folder="evil/bin", hang=True)
    machine.system("python3.12", "3.12.4")
    assert machine.chosen("3.12", timeout=1) == "usr/bin/python3.12"
    assert str(hang) not in probes  # its name rules it out: never run
    started = time.monotonic()
    result = machine.discovery(timeout=1).find_all()
    assert time.monotonic() - started < 2.0
    assert [os.path.relpath(i.path, machine.root) for i in result.interpreters] == [
        "usr/bin/python3.12"
    ]
    verdict = {c.path: c.detail for c in result.candidates}[str(hang)]
    assert verdict == "failed: timed out after 1 s (WHICHPYTHON_TIMEOUT sets the limit)"


def test_version_file_is_the_request_when_none_is_given(machine: Machine) -> None:
    machine.uv("3.12.7")
    machine.uv("3.11.9")
    assert machine.chosen() == UV312  # no file: newest managed first
    (machine.root / "work" / ".python-version").write_text("3.10\n3.11\n")
    result = machine.find()
    assert result.version_file == str(machine.root / "work" / ".python-version")
    assert os.path.basename(result.interpreters[0].path) == "python3.11"
    (machine.root / "work" / ".python-version").write_text("3.9\n")
    with pytest.raises(InterpreterNotFound, match=r"no Python matches 3.9 .*\.python-version"):
        machine.find()


def test_name_path_and_directory_requests(machine: Machine) -> None:
    machine.system("mypython", "3.12.4", folder="tools/bin")
    assert machine.chosen("mypython") == "tools/bin/mypython"
    venv = machine.venv(machine.root / "proj" / "env", "3.11.2")
    assert machine.chosen(str(venv)) == "proj/env/bin/python"
    assert machine.chosen(str(venv.parent.parent)) == "proj/env/bin/python"
    with pytest.raises(InterpreterNotFound) as missing:
        machine.find(str(machine.root / "nothing"))
    assert missing.value.candidates[0].detail == "failed: no such file"


def test_nix_wrapped_env_is_accepted_as_system_without_venvs(machine: Machine) -> None:
    from test_layouts import build_nix_env

    store, _base, wrapper = build_nix_env(machine.root)
    machine.environ["NIX_STORE_DIR"] = str(store)
    search = machine.discovery(prefer="only-system", venvs="never")
    [env] = [i for i in search.find_all("3.12").interpreters if i.path == str(wrapper)]
    assert (env.kind.value, env.manager, env.source) == ("nix-env", "nix", "nix-store")
    assert search.find(str(wrapper)).interpreters[0].kind.value == "nix-env"


def test_list_json_validates_against_the_schema(machine: Machine) -> None:
    machine.uv("3.12.7")
    machine.system("python3.11", "3.11.9")
    result = machine.cli("list", "--json", "--explain")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    validator(DOCS / "list.schema.json").validate(data)
    assert [i["version"] for i in data["interpreters"]] == ["3.12.7", "3.11.9"]


# -- this machine ------------------------------------------------------------------------------


def needs_pyenv() -> None:
    for version in ("3.12.1", "3.6.15", "3.11.7"):
        if not (PYENV_ROOT / "versions" / version).exists():
            pytest.skip("this machine's pyenv builds are not installed")


COUNT_SPAWNS = """
import sys
spawned = []
sys.addaudithook(lambda e, a: spawned.append(str(a[0])) if e == "subprocess.Popen" else None)
from whichpython.cli import main
code = main(sys.argv[1:])
sys.stderr.write("SPAWNED=" + repr(spawned) + "\\n")
raise SystemExit(code)
"""


@pytest.mark.parametrize(("request_", "version"), [("3.12", "3.12.1"), ("3.6", "3.6.15")])
def test_find_on_this_machine_spawns_no_pyenv_shim(
    request_: str, version: str, tmp_path: Path
) -> None:
    needs_pyenv()
    result = subprocess.run(
        [sys.executable, "-c", COUNT_SPAWNS, "find", request_, "--no-cache"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(PYENV_ROOT / "versions" / version / "bin"))
    spawned = eval(result.stderr.rsplit("SPAWNED=", 1)[1])  # a repr of a list of paths
    assert spawned and not [path for path in spawned if "/shims/" in path]


def test_list_on_this_machine_shows_each_interpreter_once(tmp_path: Path) -> None:
    needs_pyenv()
    result = run_cli("list", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)["interpreters"]
    real = [os.path.realpath(i["executable"]) for i in found]
    assert len(real) == len({(r, i["prefixes"]["prefix"]) for r, i in zip(real, found)})
    versions = {i["version"] for i in found if i["source"] == "pyenv"}
    installed = {p.name for p in (PYENV_ROOT / "versions").iterdir() if p.name[0].isdigit()}
    assert installed <= versions
    system = {(i["path"], i["version"]) for i in found if i["manager"] == "debian"}
    for debian in ("/usr/bin/python3.11", "/usr/bin/python3.11d", "/usr/bin/pypy3"):
        if os.path.exists(debian):
            assert any(
                path == debian or debian in i["aliases"]
                for i in found
                for path in [i["path"]]
                if (path, i["version"]) in system
            ), debian
    shim = str(PYENV_ROOT / "shims" / "python3")
    assert sum(shim in i["aliases"] for i in found) == 1
    text = run_cli("list").stdout
    assert text.splitlines()[0].split() == [
        "VERSION", "IMPLEMENTATION", "KIND", "MANAGER", "SOURCE", "PATH"
    ]  # fmt: skip


def test_cli_find_exit_codes_and_explanation(machine: Machine) -> None:
    machine.system("python3.12", "3.12.4")
    ok = machine.cli("find", "3.12")
    assert (ok.returncode, ok.stdout.strip()) == (0, str(machine.root / "usr/bin/python3.12"))
    explained = machine.cli("find", "3.12", "--explain")
    assert "candidates considered for 3.12:" in explained.stdout
    assert "chosen [3.12.4]" in explained.stdout
    missing = machine.cli("find", "3.99")
    assert missing.returncode == 1
    assert missing.stderr.splitlines()[0].startswith("whichpython: error: no Python matches 3.99")
    assert "wrong version: 3.12 (from its layout)" in missing.stderr
    bad = machine.cli("find", "3.x")
    assert bad.returncode == 2 and "is not a version" in bad.stderr
    as_json = json.loads(machine.cli("find", "3.99", "--json").stdout)
    assert as_json["error"]["kind"] == "no-match"
    assert as_json["error"]["candidates"][0]["verdict"] == "wrong-version"


def test_find_all_reports_each_match_before_later_probes_end(machine: Machine) -> None:
    machine.uv("3.12.7")
    machine.system("python3.11", "3.11.9")
    hang = machine.system("python3", "3.10.0", folder="slow/bin", hang=True)  # probed last
    reported: list[tuple[str, bool]] = []

    def found(python: Any) -> None:  # is the hanging probe still running at this point?
        running = any(str(hang).encode() in cmdline(pid) for pid in os.listdir("/proc"))
        reported.append((os.path.relpath(python.path, machine.root), running))

    result = machine.discovery(timeout=3, found=found).find_all()
    assert [path for path, _ in reported] == [
        os.path.relpath(i.path, machine.root) for i in result.interpreters
    ]
    assert reported == [(UV312, True), ("usr/bin/python3.11", True)]


def cmdline(pid: str) -> bytes:
    """A process's command line ("" when it is gone or not a process)."""
    try:
        return Path("/proc", pid, "cmdline").read_bytes() if pid.isdigit() else b""
    except OSError:
        return b""
