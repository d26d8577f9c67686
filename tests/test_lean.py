"""What a warm call costs in imports: the engine loads what answering needs, nothing for JSON
output, range requests, probing or cache writes (docs/performance.md)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT_SYSTEM, machine_cli_env, machine_environ, pyenv_python

# In a fresh process: a library call, then the modules it left loaded (and processes spawned).
CALL = """
import json, sys
spawned = []
sys.addaudithook(lambda e, a: spawned.append(e) if e == "subprocess.Popen" else None)
import whichpython
request = sys.argv[1]
found = whichpython.find_interpreter(request)
print(json.dumps({"path": found.path, "spawned": len(spawned), "modules": sorted(sys.modules)}))
"""
# Never needed to answer from a warm cache (each costs 3 to 60 ms to import here).
HEAVY = {"cattrs", "platformdirs", "filelock", "subprocess", "tempfile", "concurrent.futures",
         "shutil", "whichpython.model.serialization", "whichpython.probe.runner"}  # fmt: skip
# Imported where their job is, not by every call (issue 25): hashlib (_hashlib ~3 ms) names an
# env (poetry, pdm, pipenv, hatch), configparser reads tox.ini, tomllib a TOML file, ntpath a
# Windows path; threading starts probes (the engine's locks are _thread's).
UNUSED = {
    "hashlib",
    "_hashlib",
    "base64",
    "configparser",
    "tomllib",
    "tomli",
    "ntpath",
    "threading",
}
# attrs (~38 ms with what it imports: inspect, dis, ast, tokenize, platform): the classes a warm
# call makes have pre-built methods (docs/performance.md, "Models on the hot path"). typing
# and re stay: packaging.version imports them, and json imports re.
THROUGH_ATTRS = {"attrs", "attr", "inspect", "dis", "ast", "tokenize", "platform", "copy"}


def _call(root: Path, env: dict[str, str], request: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", ROOT_SYSTEM + CALL, request],
        capture_output=True, text=True, timeout=120, cwd=root, env=machine_cli_env(root, env),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _machine_with_312(tmp_path: Path) -> dict[str, str]:
    """A machine whose PATH holds pyenv's 3.12.1 (skips when it is not installed)."""
    python = pyenv_python("3.12.1")
    if not python.exists():
        pytest.skip("pyenv 3.12.1 is not installed")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3.12").symlink_to(python)
    return dict(machine_environ(tmp_path), PATH=str(tmp_path / "bin"))


def test_a_warm_first_call_imports_only_what_answering_needs(tmp_path: Path) -> None:
    env = _machine_with_312(tmp_path)
    cold = _call(tmp_path, env, "3.12")
    assert cold["spawned"] == 1 and "subprocess" in cold["modules"]  # (the check can see it)
    warm = _call(tmp_path, env, "3.12")
    assert warm["path"] == str(tmp_path / "bin" / "python3.12") and warm["spawned"] == 0
    assert HEAVY.isdisjoint(warm["modules"]), HEAVY & set(warm["modules"])  # type: ignore[arg-type]
    assert "packaging.specifiers" not in warm["modules"]  # a version, not a range
    assert UNUSED.isdisjoint(warm["modules"]), UNUSED & set(warm["modules"])  # type: ignore[arg-type]
    ranged = _call(tmp_path, env, ">=3.12")
    assert ranged["spawned"] == 0 and "packaging.specifiers" in ranged["modules"]
    assert HEAVY.isdisjoint(ranged["modules"])  # type: ignore[arg-type]


def test_a_warm_first_call_does_without_attrs(tmp_path: Path) -> None:
    env = _machine_with_312(tmp_path)
    cold = _call(tmp_path, env, "3.12")  # probes and writes the cache: no attrs either
    assert cold["spawned"] == 1 and "whichpython.cache.probes" in cold["modules"]  # (it sees)
    assert THROUGH_ATTRS.isdisjoint(cold["modules"]), THROUGH_ATTRS & set(cold["modules"])  # type: ignore[arg-type]
    warm = _call(tmp_path, env, "3.12")
    assert warm["path"] == str(tmp_path / "bin" / "python3.12") and warm["spawned"] == 0
    assert THROUGH_ATTRS.isdisjoint(warm["modules"]), THROUGH_ATTRS & set(warm["modules"])  # type: ignore[arg-type]


# `--version` in a fresh process, run as each console script runs it; then the modules loaded.
VERSION = """
import sys
sys.argv = [sys.argv[1], "--version"]
from whichpython.cli import main
if sys.argv[0] == "whichpython-pet":
    from whichpython.cli.pet import main
code = main()
loaded = sorted(sys.modules)
print(code, " ".join(loaded))
"""


@pytest.mark.parametrize(
    ("script", "first"),
    [
        ("whichpython", "whichpython {} (Python {}, {})"),
        ("whichpython-pet", "whichpython-pet {}"),
    ],
)
def test_version_reads_no_metadata_and_imports_no_engine(script: str, first: str) -> None:
    from importlib import metadata

    done = subprocess.run(
        [sys.executable, "-c", VERSION, script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    printed, status = done.stdout.splitlines()
    installed = metadata.version("whichpython")  # the installed distribution's, as before
    assert printed == first.format(installed, sys.version.split()[0], sys.executable)
    code, *loaded = status.split()
    assert code == "0"
    heavy = {"importlib.metadata", "whichpython.cli.answers", "attrs", "typing"}
    assert heavy.isdisjoint(loaded), heavy & set(loaded)
    layers = ("engine", "facts", "cache", "probe", "sources", "request", "model", "server")
    assert not [m for m in loaded if m.split(".")[:2] in (["whichpython", x] for x in layers)]


# The CLI in a fresh process, then the modules it left loaded (and processes spawned).
CLI_MODULES = """
import json, sys
spawned = []
sys.addaudithook(lambda e, a: spawned.append(e) if e == "subprocess.Popen" else None)
sys.argv = ["whichpython", *sys.argv[1:]]
from whichpython.cli import main
code = main()
sys.stderr.write(json.dumps({"spawned": len(spawned), "modules": sorted(sys.modules)}))
"""
# What deciding that a new project has no env adds to a replay: the check, the tools' path
# hashes and the builtin hash modules (no hashlib, base64, re, tomllib, typing, engine).
NEW_PROJECT = {"whichpython.cli.newproject", "whichpython.envplaces", "_sha2", "_sha256",
               "_md5", "binascii"}  # fmt: skip
# What only recording an answer needs (the recorder, listing checksums), and what the
# fast-path modules' annotations do without: never imported by a replay.
NOT_REPLAYED = {"whichpython.cli.witness", "whichpython.recording", "whichpython.projectfiles",
                "zlib", "__future__"}  # fmt: skip


def test_a_replay_in_a_new_project_dir_imports_only_the_check(tmp_path: Path) -> None:
    env = _machine_with_312(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "pyproject.toml").write_text('[project]\nname = "app"\n')

    def cli(cwd: Path, rooted: bool = False) -> tuple[str, int, set[str]]:
        # rooted: the machine's system dirs mapped under tmp_path (ROOT_SYSTEM imports part
        # of the engine, so the runs whose imports are counted go without: they replay)
        done = subprocess.run(
            [sys.executable, "-c", (ROOT_SYSTEM if rooted else "") + CLI_MODULES, "find", "3.12"],
            capture_output=True, text=True, timeout=120, cwd=cwd,
            env=machine_cli_env(tmp_path, env) if rooted else env,
        )  # fmt: skip
        report = json.loads(done.stderr)
        assert done.returncode == 0, done.stderr
        return done.stdout, report["spawned"], set(report["modules"])

    cli(tmp_path / "empty", rooted=True)  # probes, and records the answer for any directory
    for _ in range(2):
        answer, _, replay = cli(tmp_path / "empty")
    assert "whichpython.engine" not in replay  # (a replay: the check can tell)
    assert NOT_REPLAYED.isdisjoint(replay), NOT_REPLAYED & replay
    found, spawned, modules = cli(tmp_path / "project")
    assert found == answer == f"{tmp_path / 'bin' / 'python3.12'}\n" and spawned == 0
    assert modules - replay <= NEW_PROJECT, modules - replay - NEW_PROJECT
    assert NOT_REPLAYED.isdisjoint(modules), NOT_REPLAYED & modules
    assert "whichpython.cli.newproject" in modules


# What a cold CLI `find` (one probe, its answer written to the cache) has no use for: attrs
# (with inspect, ~18 ms) was imported for the probe's outcome and the cache write (issue 25).
COLD_UNUSED = {"attrs", "attr", "cattrs", "filelock", "inspect"}


def test_a_cold_cli_find_probes_and_writes_the_cache_without_attrs(tmp_path: Path) -> None:
    env = machine_cli_env(tmp_path, _machine_with_312(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", ROOT_SYSTEM + CLI_MODULES, "find", "3.12"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stderr)
    assert done.stdout == f"{tmp_path / 'bin' / 'python3.12'}\n" and report["spawned"] == 1
    entries = list((tmp_path / "cache" / "interpreters").glob("*.json"))
    assert len(entries) == 1 and json.loads(entries[0].read_text())["result"]["version"]
    modules = set(report["modules"])
    assert "subprocess" in modules and "whichpython.cache.probes" in modules  # (it can see)
    assert COLD_UNUSED.isdisjoint(modules), COLD_UNUSED & modules
