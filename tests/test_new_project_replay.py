"""The first CLI run in a new project directory (a pyproject.toml or a Pipfile, no env yet)
replays the answer recorded for any directory, without the engine and without a process;
once a tool has an env for the project (or may have one), the engine answers
(docs/cache.md, "Recorded CLI answers")."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import ROOT_SYSTEM, machine_cli_env, make_venv, plant_as_other_user, pyenv_python
from test_answers import Machine
from whichpython import envplaces

# The real CLI in a process; on stderr's last line: every process-starting event its audit
# hook saw, and the modules of the engine (or that the fast path must not need) it imported.
RUN = """
import sys
EVENTS = ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.forkpty",
          "os.system", "os.spawn", "os.startfile")
spawned = []
sys.addaudithook(lambda e, a: spawned.append(e) if e in EVENTS else None)
before = set(sys.modules)
sys.argv = ["whichpython", *sys.argv[1:]]
from whichpython.cli import main
code = main()
heavy = ("whichpython.engine", "whichpython.sources", "whichpython.model", "attr", "attrs",
         "cattrs", "packaging", "tomllib", "typing", "hashlib", "base64", "re")
loaded = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in heavy
                or m.startswith(heavy[:3]))
import json
sys.stderr.write("\\nREPORT=" + json.dumps({"spawned": spawned, "loaded": loaded}) + "\\n")
raise SystemExit(code)
"""
PYPROJECT = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["uvicorn>=0.30"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""


class Run:
    """One CLI run: its output, whether the engine ran, the processes it started."""

    def __init__(self, done: Any) -> None:
        text, _, report = done.stderr.rpartition("\nREPORT=")
        found = json.loads(report)
        self.code, self.stdout, self.stderr = done.returncode, done.stdout, text
        self.spawned: list[str] = found["spawned"]
        self.loaded: list[str] = found["loaded"]
        self.engine = any(m.startswith("whichpython.engine") for m in self.loaded)


def run(machine: Machine, cwd: Path, *args: str, rooted: bool = True) -> Run:
    """The CLI in ``cwd``. ``rooted``: with the machine's system dirs mapped under its root
    (the mapping imports part of the engine, so a run that counts imports goes without: a
    replay's answer does not depend on it)."""
    env = machine_cli_env(machine.root, machine.env) if rooted else dict(machine.env)
    done = subprocess.run(
        [sys.executable, "-c", (ROOT_SYSTEM if rooted else "") + RUN, *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=60,
    )  # fmt: skip
    return Run(done)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    if not pyenv_python("3.12.1").exists():
        pytest.skip("pyenv 3.12.1 is not installed")
    made = Machine(tmp_path)
    (made.second / "python3.12").symlink_to(pyenv_python("3.12.1"))
    return made


def recorded(machine: Machine, *args: str) -> Run:
    """Record the answer for any directory (in an empty one) and check it replays there.
    (Tests running alongside may touch a witnessed file, as linking an interpreter's
    ``libpython`` does to its ctime: the answer is then recorded again.)"""
    empty = machine.root / "empty"
    empty.mkdir(exist_ok=True)
    for _ in range(5):
        again = run(machine, empty, *args)
        if (again.engine, again.spawned) == (False, []):
            return again
    raise AssertionError("the answer for any directory was not replayed")


def new_project(machine: Machine, name: str = "app", pyproject: str = PYPROJECT) -> Path:
    """A new project directory, unique in the test (its own parent)."""
    parents = machine.root / "work"
    parents.mkdir(exist_ok=True)
    project = parents / str(len(os.listdir(parents))) / name
    project.mkdir(parents=True)
    if pyproject:
        (project / "pyproject.toml").write_text(pyproject)
    return project


def first_run(
    machine: Machine, *args: str, make: Callable[[], Path] | None = None
) -> tuple[Run, Run, Path]:
    """(the answer for any directory, the first run in a new project, that project): the
    first run without the system-dir mapping (it would import part of the engine). Tried in
    up to 3 new projects: a witnessed file touched by a test alongside (above) sends a run to
    the engine, and the project's own answer it records would replay in the same one."""
    for _ in range(3):
        anywhere = recorded(machine, *args)
        project = (make or (lambda: new_project(machine)))()
        first = run(machine, project, *args, rooted=False)
        if not first.engine:
            break
    return anywhere, first, project


@pytest.mark.parametrize(
    "args", [("find", "3.12"), ("list",), ("list", "--json"), ("inspect", "PYTHON")]
)
def test_a_new_project_directory_replays_without_engine_or_process(
    machine: Machine, args: tuple[str, ...]
) -> None:
    args = tuple(str(machine.second / "python3.12") if a == "PYTHON" else a for a in args)
    anywhere, first, project = first_run(machine, *args)
    assert first.spawned == [] and first.loaded == [], (first.spawned, first.loaded)
    assert (first.code, first.stdout, first.stderr) == (anywhere.code, anywhere.stdout, "")
    # what the engine says there, with nothing recorded: the same
    fresh = run(machine, project, *args, "--no-cache")
    assert fresh.engine and (fresh.code, fresh.stdout) == (first.code, first.stdout)


def test_a_pipfile_project_replays_while_workon_home_is_empty(machine: Machine) -> None:
    def make() -> Path:
        project = new_project(machine, pyproject="")
        (project / "Pipfile").write_text('[packages]\nrequests = "*"\n')
        return project

    anywhere, first, project = first_run(machine, "find", "3.12", make=make)
    assert (first.spawned, first.loaded, first.stdout) == ([], [], anywhere.stdout)
    (machine.root / "home" / ".local" / "share" / "virtualenvs" / "other-x1y2z3w4").mkdir(
        parents=True
    )  # any env there may be the project's (its .project file says): the engine decides
    assert run(machine, project, "find", "3.12").engine


def _venv(place: Path) -> Path:
    place.parent.mkdir(parents=True, exist_ok=True)
    return make_venv(str(pyenv_python("3.12.1")), place)


def _home(machine: Machine) -> Path:
    return machine.root / "home"


def _uv(machine: Machine, project: Path) -> Path:
    return _venv(project / ".venv")


def _poetry(machine: Machine, project: Path) -> Path:
    name = f"app-{envplaces.poetry_hash(str(project))}-py3.12"
    return _venv(_home(machine) / ".cache" / "pypoetry" / "virtualenvs" / name)


def _pdm(machine: Machine, project: Path) -> Path:
    name = envplaces.pdm_prefix(str(project)) + "3.12"
    return _venv(_home(machine) / ".local" / "share" / "pdm" / "venvs" / name)


def _hatch(machine: Machine, project: Path) -> Path:
    storage = _home(machine) / ".local" / "share" / "hatch" / "env" / "virtual" / "app"
    return _venv(storage / envplaces.hatch_id(str(project), "linux") / "app")


def _pipenv(machine: Machine, project: Path) -> Path:
    (project / "Pipfile").write_text("[packages]\n")
    name = f"app-{envplaces.pipenv_hash(str(project / 'Pipfile'))}"
    return _venv(_home(machine) / ".local" / "share" / "virtualenvs" / name)


# Each tool's env for a project that had none, where the tool keeps it (made after the first
# run replayed): what `find 3.12` must now answer.
LAYOUTS: dict[str, Callable[[Machine, Path], Path]] = {
    "uv .venv": _uv,
    "poetry central env": _poetry,
    "pdm central venv": _pdm,
    "hatch env": _hatch,
    "pipenv env": _pipenv,
}


@pytest.mark.parametrize("tool", sorted(LAYOUTS))
def test_an_env_made_for_the_project_ends_the_replay(machine: Machine, tool: str) -> None:
    if sys.platform != "linux":
        pytest.skip("the layouts are Linux's")
    _, first, project = first_run(machine, "find", "3.12")
    assert not first.engine and first.stdout == f"{machine.second / 'python3.12'}\n"

    python = LAYOUTS[tool](machine, project)
    after = run(machine, project, "find", "3.12")
    assert after.engine, "replayed an answer the project's env changes"
    assert after.stdout.strip().startswith(str(python.parent.parent)), after.stdout
    assert after.stdout == run(machine, project, "find", "3.12", "--no-cache").stdout


@pytest.mark.parametrize(
    "extra",
    [
        {".python-version": "3.12\n"},  # a version file: the project's own answer
        {".tox/py312/.tox-info.json": "{}"},  # tox's work dir
        {"poetry.toml": "[virtualenvs]\nin-project = true\n"},
        {"pdm.lock": ""},  # a pdm project: its venv/ or env/ may be its env
    ],
)
def test_a_project_file_of_a_tool_sends_the_run_to_the_engine(
    machine: Machine, extra: dict[str, str]
) -> None:
    recorded(machine, "find", "3.12")
    project = new_project(machine)
    for name, text in extra.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    done = run(machine, project, "find", "3.12")
    assert done.engine
    assert done.stdout == run(machine, project, "find", "3.12", "--no-cache").stdout


TABLES = {
    "poetry": '[tool.poetry]\nname = "app"\npackage-mode = false\n',
    "hatch path": '[tool.hatch.envs.default]\npath = "envs/default"\n',
    "hatch dotted": '[tool]\nhatch.envs.default.path = "envs/default"\n',
    "uv workspace": '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
    "pdm": "[tool.pdm]\ndistribution = false\n",
    "escaped key": '[tool."h\\u0061tch".envs.default]\npath = "envs/default"\n',
}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_a_tool_table_in_pyproject_sends_the_run_to_the_engine(
    machine: Machine, table: str
) -> None:
    recorded(machine, "find", "3.12")
    project = new_project(machine, pyproject=PYPROJECT + "\n" + TABLES[table])
    done = run(machine, project, "find", "3.12")
    assert done.engine
    if "hatch" in table:  # the table moves hatch's env where no static rule looks
        python = _venv(project / "envs" / "default")
        moved = run(machine, project, "find", "3.12")
        assert moved.engine and moved.stdout.startswith(str(python.parent.parent / "bin"))


@pytest.mark.parametrize(
    "variable", ["UV_PROJECT_ENVIRONMENT", "POETRY_VIRTUALENVS_PATH", "PDM_PYTHON", "HATCH_ENV"]
)
def test_a_tool_variable_sends_the_run_to_the_engine(machine: Machine, variable: str) -> None:
    machine.env[variable] = str(machine.root / "elsewhere")
    recorded(machine, "find", "3.12")
    assert run(machine, new_project(machine), "find", "3.12").engine


def _config(machine: Machine, tool: str, text: str) -> None:
    """Write a tool's global config, then record the answer for any directory anew (a source
    may read the config for any directory: the answer witnesses it)."""
    config = _home(machine) / ".config" / tool / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)
    recorded(machine, "find", "3.12")


@pytest.mark.parametrize(
    ("tool", "text"),
    [
        ("pypoetry", '[virtualenvs]\npath = "/srv/venvs"\n'),
        ("pypoetry", 'cache-dir = "/srv/cache"\n'),
        ("pdm", '[venv]\nlocation = "/srv/venvs"\n'),
        ("hatch", '[dirs.env]\nvirtual = ".envs"\n'),
        ("hatch", '[dirs]\ndata = "/srv/hatch"\n'),
    ],
)
def test_a_config_that_moves_the_central_dir_sends_the_run_to_the_engine(
    machine: Machine, tool: str, text: str
) -> None:
    _config(machine, tool, text)
    assert run(machine, new_project(machine), "find", "3.12").engine


@pytest.mark.parametrize(
    ("tool", "text"),
    [
        ("pypoetry", "[virtualenvs]\nin-project = true\n"),
        ("pdm", "[python]\nuse_venv = true\n"),
        ("hatch", 'mode = "local"\n\n[dirs]\nproject = []\ndata = "DATA"\n\n[dirs.env]\n'),
    ],
)
def test_a_config_that_keeps_the_central_dir_keeps_the_replay(
    machine: Machine, tool: str, text: str
) -> None:
    data = _home(machine) / ".local" / "share" / "hatch"  # the config hatch writes names it
    _config(machine, tool, text.replace("DATA", str(data)))
    assert not first_run(machine, "find", "3.12")[1].engine


def test_an_env_where_the_hatch_config_moves_it_is_found(machine: Machine) -> None:
    _config(machine, "hatch", '[dirs.env]\nvirtual = ".envs"\n')  # in each project
    project = new_project(machine)
    python = _venv(project / ".envs" / "app")
    done = run(machine, project, "find", "3.12")
    assert done.engine and done.stdout.startswith(str(python.parent))


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[\n" * 500 + "1" + "\n]" * 500 + "\n",  # nested deeper than tomllib recurses
        PYPROJECT + "# a comment\n" * 30_000,  # over the 256 KiB the engine reads
        PYPROJECT + "a = " + "1" * 5000 + "\n",  # an integer Python will not read
    ],
    ids=["deep", "large", "long-integer"],
)
def test_a_project_file_the_engine_would_refuse_sends_the_run_to_it(
    machine: Machine, text: str
) -> None:
    recorded(machine, "list")
    project = new_project(machine, pyproject=text)
    done = run(machine, project, "list")
    assert done.engine
    fresh = run(machine, project, "list", "--no-cache")
    assert (done.stdout, done.stderr) == (fresh.stdout, fresh.stderr)


def test_a_project_file_another_user_planted_sends_the_run_to_the_engine(
    machine: Machine,
) -> None:
    recorded(machine, "find", "3.12")
    project = new_project(machine, pyproject="")
    project.chmod(0o777)  # the stranger may write in it
    plant_as_other_user(project, "pyproject.toml", PYPROJECT)
    done = run(machine, project, "find", "3.12")
    assert done.engine
    fresh = run(machine, project, "find", "3.12", "--no-cache")
    assert (done.stdout, done.stderr) == (fresh.stdout, fresh.stderr)
