"""The environment sources of hatch, pdm, tox, uv and pixi: layouts built as the real tools
built them (fixtures/environments/<tool>.json), with real venvs from pyenv's 3.12, found on
the machine and for a project, in the tool's order, each with its project."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

from conftest import recorded_environments, recorded_text
from whichpython import find_environments, inspect_interpreter
from whichpython.sources.base import Candidate, Context, EnvironmentSource
from whichpython.sources.hatch import HatchEnvs, project_id, project_name
from whichpython.sources.layout import lookup, parse_toml, parse_toml_subset
from whichpython.sources.pdm import PdmEnvs, hash_path
from whichpython.sources.pixi import PixiEnvs
from whichpython.sources.tox import ToxEnvs
from whichpython.sources.uv import UvProjectEnvs, workspace_root

BASE = Path("/root/.pyenv/versions/3.12.1/bin/python3.12")


def layout(tool: str, env_dir_end: str) -> dict[str, Any]:
    """The recorded layout whose env dir ends with ``env_dir_end``."""
    for entry in recorded_environments(tool)["layouts"]:
        if entry["env_dir"].endswith(env_dir_end):
            return dict(entry)
    raise LookupError(env_dir_end)


class Machine:
    """A home, tool dirs and projects under ``root``: ``environ`` is all a source sees."""

    def __init__(self, root: Path) -> None:
        self.root = root
        home = root / "home"
        self.environ = {
            "HOME": str(home),
            "PATH": "",
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
        }

    def ctx(self, **variables: str) -> Context:
        environ = {**self.environ, **variables}
        return Context(environ=environ, cwd=str(self.root), root=str(self.root), platform="linux")

    def venv(self, where: str, **files: str) -> Path:
        """A real venv at ``root/where`` (stdlib, no pip) with ``files`` (``$ROOT`` filled)."""
        prefix = self.root / where
        subprocess.run([str(BASE), "-m", "venv", "--without-pip", str(prefix)], check=True)
        self.files(prefix, **files)
        return prefix

    def files(self, folder: Path, **files: str) -> None:
        for name, content in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content.replace("$ROOT", str(self.root)))

    def found(self, candidates: Any) -> list[tuple[str, Optional[str]]]:
        """(path, project) of each candidate, relative to the root."""
        rel = self.rel
        return [(rel(c.path), c.project and rel(c.project)) for c in candidates]

    def rel(self, path: str) -> str:
        return os.path.relpath(path, self.root)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    if not BASE.exists():
        pytest.skip(f"{BASE} is not installed")
    return Machine(tmp_path)


def break_venv(prefix: Path) -> None:
    """Make the venv's interpreter a dangling link (its base gone)."""
    target = prefix / "bin" / "python3.12"
    target.unlink()
    target.symlink_to(prefix.parent / "gone" / "python3.12")


def assert_manager(machine: Machine, candidate: Candidate, tool: str) -> None:
    found = inspect_interpreter(candidate.path, environ=machine.environ, cache=False)
    assert found.manager == tool, candidate.path


def assert_listed_as(machine: Machine, project: Path, candidate: Candidate, tool: str) -> None:
    """``find_environments(project)`` lists the candidate first, with ``tool`` as manager."""
    found = find_environments(
        project, environ=machine.environ, cwd=str(machine.root), root=str(machine.root)
    )
    assert (found[0].path, found[0].manager) == (candidate.path, tool)


# -- hashes and names, against the names the real tools gave ------------------------------


def test_hatch_project_id_is_the_recorded_one() -> None:
    data = recorded_environments("hatch")
    for env_dir_end in ("X1TB28Op/demo-hatch", "WifSm6S-/legacy-proj"):
        entry = layout("hatch", env_dir_end)
        project = entry["project"].replace("$ROOT", data["root_when_recorded"])
        expected = entry["env_dir"].split("/")[-2]
        assert project_id(project, "linux") == expected
        assert project_id(project + "/", "linux") == expected  # the path as hatch spells it
    assert project_id("/Users/A/Proj", "darwin") == project_id("/users/a/proj", "darwin")
    assert project_id("/Users/A/Proj", "linux") != project_id("/users/a/proj", "linux")


def test_hatch_project_name() -> None:
    assert project_name("/p/demo-hatch", parse_toml('[project]\nname = "Demo_Hatch.x"\n')) == (
        "demo-hatch-x"
    )
    # without a [project] table: the directory's name (recorded: legacy-proj)
    assert project_name("/p/legacy-proj", parse_toml("[tool.hatch.envs.default]\n")) == (
        "legacy-proj"
    )


def test_pdm_hash_is_the_recorded_one() -> None:
    data = recorded_environments("pdm")
    entry = layout("pdm", "demo-pdm-Infsz5nt-x")
    project = entry["project"].replace("$ROOT", data["root_when_recorded"])
    name = os.path.basename(entry["env_dir"])
    assert name.startswith(f"{os.path.basename(project)}-{hash_path(project)}-")
    assert hash_path(project.replace("/", "\\")) == hash_path(project)  # as_posix on Windows
    assert hash_path(project.upper()) != hash_path(project)  # not case-folded


# -- hatch ------------------------------------------------------------------------------------


def hatch_cfg(machine: Machine, prefix: Path, where: str) -> None:
    """The recorded pyvenv.cfg of the env at ``where`` (hatch's virtualenv wrote it)."""
    text_ = recorded_text("hatch", "pyvenv.cfg", where).replace("$TOOL_VENV", "/tool")
    (prefix / "pyvenv.cfg").write_text(text_.replace("$ROOT", str(machine.root)))


def test_hatch_envs(machine: Machine) -> None:
    project = machine.root / "proj" / "demo-hatch"
    machine.files(project, **{"pyproject.toml": '[project]\nname = "demo-hatch"\n'})
    ident = project_id(str(project), "linux")
    storage = f"home/.local/share/hatch/env/virtual/demo-hatch/{ident}"
    default = machine.venv(f"{storage}/demo-hatch")
    hatch_cfg(machine, default, "X1TB28Op/demo-hatch")
    machine.venv(f"{storage}/test")
    machine.venv("home/.local/share/hatch/env/virtual/other/AbCd1234/other")
    machine.files(
        machine.root / "home/.local/share/hatch/env",
        **{".metadata/X/virtual/default.json": '{"dependency_hash": "7d"}'},
    )
    gitignore = recorded_text("hatch", "../.gitignore", ".hatch/demo-hatch")
    machine.files(project / ".hatch", **{".gitignore": gitignore})
    machine.venv("proj/demo-hatch/.hatch/test")
    machine.venv("proj/demo-hatch/.hatch/demo-hatch")
    break_venv(project / ".hatch" / "test")  # broken: still listed

    ctx = machine.ctx()
    assert machine.found(HatchEnvs().candidates(ctx)) == [
        (f"{storage}/demo-hatch/bin/python3", None),
        (f"{storage}/test/bin/python3", None),
        ("home/.local/share/hatch/env/virtual/other/AbCd1234/other/bin/python3", None),
    ]
    mine = list(HatchEnvs().for_project(str(project), ctx))
    assert machine.found(mine) == [  # the env dir in effect (no config: the data dir's) first
        (f"{storage}/demo-hatch/bin/python3", "proj/demo-hatch"),
        (f"{storage}/test/bin/python3", "proj/demo-hatch"),
        ("proj/demo-hatch/.hatch/demo-hatch/bin/python3", "proj/demo-hatch"),
        ("proj/demo-hatch/.hatch/test/bin/python3", "proj/demo-hatch"),
    ]
    assert mine[0].hints.version == "3.12.1" and mine[0].hints.venv
    assert not os.path.exists(mine[3].path) and os.path.lexists(mine[3].path)
    for candidate in (mine[0], mine[2]):
        assert_manager(machine, candidate, "hatch")


def test_hatch_user_config(machine: Machine) -> None:
    """hatch's config.toml (``<XDG_CONFIG_HOME>/hatch``, or ``$HATCH_CONFIG``): ``dirs.data``
    moves the data dir; ``dirs.env.virtual`` absolute keeps the nested layout there, relative
    puts the envs flat in each project, ``~/.virtualenvs`` flat (and not claimed machine-wide:
    virtualenvwrapper's dir)."""
    project = machine.root / "proj" / "demo-hatch"
    machine.files(project, **{"pyproject.toml": '[project]\nname = "demo-hatch"\n'})
    ident = project_id(str(project), "linux")
    config = machine.root / "home" / ".config" / "hatch" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[dirs]\ndata = "~/hatch-data"\n')
    moved = f"home/hatch-data/env/virtual/demo-hatch/{ident}/demo-hatch"
    machine.venv(moved)
    machine.venv(f"home/.local/share/hatch/env/virtual/demo-hatch/{ident}/demo-hatch")
    ctx = machine.ctx(XDG_CONFIG_HOME=str(machine.root / "home" / ".config"))
    assert machine.found(HatchEnvs().candidates(ctx)) == [(f"{moved}/bin/python3", None)]
    assert machine.found(HatchEnvs().for_project(str(project), ctx))[0][0] == (
        f"{moved}/bin/python3"
    )

    config.write_text(f'[dirs.env]\nvirtual = "{machine.root / "envs"}"\n')
    machine.venv(f"envs/demo-hatch/{ident}/demo-hatch")
    ctx = machine.ctx(XDG_CONFIG_HOME=str(machine.root / "home" / ".config"))
    nested = f"envs/demo-hatch/{ident}/demo-hatch/bin/python3"
    assert machine.found(HatchEnvs().candidates(ctx)) == [(nested, None)]
    assert machine.found(HatchEnvs().for_project(str(project), ctx)) == [
        (nested, "proj/demo-hatch")
    ]

    other = machine.root / "hatch.toml"
    other.write_text('[dirs.env]\nvirtual = "envs"\n')  # relative: in the project, flat
    machine.venv("proj/demo-hatch/envs/demo-hatch")
    ctx = machine.ctx(HATCH_CONFIG=str(other))
    assert machine.found(HatchEnvs().candidates(ctx)) == []
    assert machine.found(HatchEnvs().for_project(str(project), ctx)) == [
        ("proj/demo-hatch/envs/demo-hatch/bin/python3", "proj/demo-hatch")
    ]

    other.write_text('[dirs.env]\nvirtual = "~/.virtualenvs"\n')
    machine.venv("home/.virtualenvs/demo-hatch")
    ctx = machine.ctx(HATCH_CONFIG=str(other))
    assert HatchEnvs().store(ctx) is None
    assert machine.found(HatchEnvs().for_project(str(project), ctx)) == [
        ("home/.virtualenvs/demo-hatch/bin/python3", "proj/demo-hatch")
    ]


def test_hatch_data_dir_variable_and_legacy_project(machine: Machine) -> None:
    project = machine.root / "proj" / "legacy-proj"
    machine.files(project, **{"pyproject.toml": "[tool.hatch.envs.default]\nskip-install = true\n"})
    ident = project_id(str(project), "linux")
    machine.venv(f"hatch-data/env/virtual/legacy-proj/{ident}/legacy-proj")
    machine.venv(f"home/.local/share/hatch/env/virtual/legacy-proj/{ident}/legacy-proj")
    ctx = machine.ctx(HATCH_DATA_DIR=str(machine.root / "hatch-data"))
    expected = f"hatch-data/env/virtual/legacy-proj/{ident}/legacy-proj/bin/python3"
    assert machine.found(HatchEnvs().candidates(ctx)) == [(expected, None)]
    mine = list(HatchEnvs().for_project(str(project), ctx))
    assert machine.found(mine) == [(expected, "proj/legacy-proj")]
    env = {**machine.environ, "HATCH_DATA_DIR": str(machine.root / "hatch-data")}
    assert inspect_interpreter(mine[0].path, environ=env, cache=False).manager == "hatch"


def test_hatch_env_with_a_path(machine: Machine) -> None:
    project = machine.root / "proj" / "demo-hatch-path"
    config = '[project]\nname = "x"\n[tool.hatch.envs.default]\npath = ".venv"\n'
    machine.files(project, **{"pyproject.toml": config})
    machine.venv("proj/demo-hatch-path/.venv")
    mine = list(HatchEnvs().for_project(str(project), machine.ctx()))
    assert machine.found(mine) == [
        ("proj/demo-hatch-path/.venv/bin/python3", "proj/demo-hatch-path")
    ]


def test_hatch_env_with_a_path_is_hatchs(machine: Machine) -> None:
    """Its layout says only "a venv" (inspect: its creator); the envs listing, which found it
    through hatch's config, says hatch."""
    project = machine.root / "proj" / "demo-hatch-path"
    config = '[project]\nname = "x"\n[tool.hatch.envs.default]\npath = ".venv"\n'
    machine.files(project, **{"pyproject.toml": config})
    machine.venv("proj/demo-hatch-path/.venv")
    (mine,) = HatchEnvs().for_project(str(project), machine.ctx())
    assert_manager(machine, mine, "venv")
    assert_listed_as(machine, project, mine, "hatch")


# -- pdm --------------------------------------------------------------------------------------


def pdm_project(machine: Machine) -> tuple[Path, str]:
    project = machine.root / "proj" / "demo-pdm"
    pyproject = recorded_text("pdm", "../pyproject.toml", "proj/demo-pdm/.venv")
    machine.files(project, **{"pyproject.toml": pyproject})
    return project, f"demo-pdm-{hash_path(str(project))}"


def test_pdm_envs(machine: Machine) -> None:
    project, prefix = pdm_project(machine)
    venvs = "home/.local/share/pdm/venvs"
    machine.venv("proj/demo-pdm/.venv")
    machine.venv("proj/demo-pdm/venv")  # pdm takes the first of .venv, venv, env
    saved = recorded_text("pdm", "../.pdm-python", "proj/demo-pdm/.venv")
    machine.files(project, **{".pdm-python": saved})
    machine.venv(f"{venvs}/{prefix}-x")
    machine.venv(f"{venvs}/{prefix}-3.12")
    machine.venv(f"{venvs}/other-AbCd1234-3.12")
    break_venv(machine.root / venvs / f"{prefix}-x")

    ctx = machine.ctx()
    assert machine.found(PdmEnvs().candidates(ctx)) == [
        (f"{venvs}/{prefix}-3.12/bin/python3", None),
        (f"{venvs}/{prefix}-x/bin/python3", None),
        (f"{venvs}/other-AbCd1234-3.12/bin/python3", None),
    ]
    mine = list(PdmEnvs().for_project(str(project), ctx))
    where = "proj/demo-pdm"
    # the central ones in the order the directory lists them: pdm's glob does not sort
    central = [name for name in os.listdir(machine.root / venvs) if name.startswith(prefix)]
    assert machine.found(mine) == [
        (f"{where}/.venv/bin/python", where),  # as .pdm-python names it
        *((f"{venvs}/{name}/bin/python3", where) for name in central),
    ]
    # the central venv that is not broken (the directory may list it first or second)
    working = next(c for c in mine if c.path.endswith(f"{prefix}-3.12/bin/python3"))
    assert_manager(machine, working, "pdm")

    # .pdm-python naming a central venv: that one first, then the in-project one
    (project / ".pdm-python").write_text(str(machine.root / venvs / f"{prefix}-3.12/bin/python"))
    assert machine.found(PdmEnvs().for_project(str(project), ctx))[:2] == [
        (f"{venvs}/{prefix}-3.12/bin/python", where),
        (f"{where}/.venv/bin/python3", where),
    ]
    # $PDM_PYTHON wins over .pdm-python, as in pdm's Project._saved_python
    chosen = str(machine.root / venvs / f"{prefix}-x/bin/python3")
    first = PdmEnvs().for_project(str(project), machine.ctx(PDM_PYTHON=chosen))
    assert machine.found(first)[0] == (f"{venvs}/{prefix}-x/bin/python3", where)
    # naming an install, no venv's interpreter: pdm runs that install (issue 24), then its venvs
    (project / ".pdm-python").write_text(str(BASE))
    assert [path for path, _ in machine.found(PdmEnvs().for_project(str(project), ctx))][:2] == [
        machine.rel(str(BASE)),
        f"{where}/.venv/bin/python3",
    ]
    # no .pdm-python: a legacy .pdm.toml's python.path
    (project / ".pdm-python").unlink()
    (project / ".pdm.toml").write_text(f'[python]\npath = "{chosen}"\n')
    assert machine.found(PdmEnvs().for_project(str(project), ctx))[0] == (
        f"{venvs}/{prefix}-x/bin/python3",
        where,
    )


def test_pdm_venv_location_from_its_config(machine: Machine) -> None:
    project, prefix = pdm_project(machine)
    custom = machine.root / "custom-venvs"
    config = f'[venv]\nlocation = "{custom}"\n'
    machine.files(machine.root / "home/.config/pdm", **{"config.toml": config})
    machine.venv(f"custom-venvs/{prefix}-y")
    machine.venv(f"home/.local/share/pdm/venvs/{prefix}-3.12")  # not where pdm looks now
    ctx = machine.ctx()
    expected = f"custom-venvs/{prefix}-y/bin/python3"
    assert machine.found(PdmEnvs().candidates(ctx)) == [(expected, None)]
    assert machine.found(PdmEnvs().for_project(str(project), ctx)) == [(expected, "proj/demo-pdm")]
    (machine.root / "elsewhere.toml").write_text('[venv]\nlocation = "~/pdm-envs"\n')
    machine.venv("home/pdm-envs/a-AbCd1234-3.12")
    ctx = machine.ctx(PDM_CONFIG_FILE=str(machine.root / "elsewhere.toml"))
    assert machine.found(PdmEnvs().candidates(ctx)) == [
        ("home/pdm-envs/a-AbCd1234-3.12/bin/python3", None)
    ]


def test_pdm_in_project_venv_is_pdms(machine: Machine) -> None:
    """As for hatch's: inspect says its creator, the envs listing pdm."""
    project, _ = pdm_project(machine)
    machine.venv("proj/demo-pdm/.venv")
    (mine,) = PdmEnvs().for_project(str(project), machine.ctx())
    assert_manager(machine, mine, "venv")
    assert_listed_as(machine, project, mine, "pdm")


# -- tox --------------------------------------------------------------------------------------


def tox_info(env_dir_end: str) -> dict[str, str]:
    return {".tox-info.json": recorded_text("tox", ".tox-info.json", env_dir_end)}


def test_tox_envs(machine: Machine) -> None:
    project = machine.root / "proj" / "demo-tox"
    machine.files(project, **{"tox.ini": recorded_text("tox", "../../tox.ini", ".tox/py312")})
    machine.venv("proj/demo-tox/.tox/py312", **tox_info(".tox/py312"))
    machine.venv("proj/demo-tox/.tox/lint", **tox_info(".tox/lint"))
    machine.venv("proj/demo-tox/.tox/.pkg", **tox_info(".tox/.pkg"))  # packaging: skipped
    machine.venv("proj/demo-tox/.tox/stray")  # no .tox-info.json: not tox's
    machine.venv("proj/demo-tox/venv-dev", **tox_info("demo-tox/venv-dev"))
    redirect = recorded_text("tox", "../.venv", "demo-tox/venv-dev")
    machine.files(project, **{".venv": redirect})
    break_venv(project / ".tox" / "lint")

    ctx = machine.ctx()
    assert list(ToxEnvs().candidates(ctx)) == []
    mine = list(ToxEnvs().for_project(str(project), ctx))
    where = "proj/demo-tox"
    assert machine.found(mine) == [
        (f"{where}/.tox/lint/bin/python3", where),
        (f"{where}/.tox/py312/bin/python3", where),
        (f"{where}/venv-dev/bin/python3", where),
    ]
    assert_manager(machine, mine[1], "tox")
    assert_manager(machine, mine[2], "tox")

    machine.venv("work/lint", **tox_info("work/lint"))
    ctx = machine.ctx(TOX_WORK_DIR=str(machine.root / "work"))
    assert machine.found(ToxEnvs().for_project(str(project), ctx))[0] == (
        "work/lint/bin/python3",
        where,
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tox.ini", "[tox]\nenv_list = py312\nwork_dir = {toxinidir}/build/tox\n"),
        ("tox.ini", "[tox]\ntoxworkdir = build/tox\n"),
        ("setup.cfg", "[metadata]\nname = x\n[tox:tox]\nwork_dir = build/tox\n"),
        ("pyproject.toml", '[tool.tox]\nwork_dir = "{tox_root}/build/tox"\n'),
        ("pyproject.toml", '[tool.tox]\nlegacy_tox_ini = """\n[tox]\nwork_dir = build/tox\n"""\n'),
        ("tox.toml", 'env_list = ["py312"]\nwork_dir = "build/tox"\n'),
    ],
)
def test_tox_work_dir_from_its_config(machine: Machine, name: str, text: str) -> None:
    """``work_dir`` (``toxworkdir``) set in the config file tox reads: the envs are there."""
    project = machine.root / "proj" / "demo-tox"
    machine.files(project, **{name: text})
    machine.venv("proj/demo-tox/build/tox/py312", **tox_info(".tox/py312"))
    machine.venv("proj/demo-tox/.tox/old", **tox_info(".tox/py312"))  # not where tox looks
    found = machine.found(ToxEnvs().for_project(str(project), machine.ctx()))
    assert found == [("proj/demo-tox/build/tox/py312/bin/python3", "proj/demo-tox")]


def test_tox_config_of_the_first_file_with_one(machine: Machine) -> None:
    """tox reads the first config file holding a tox config: a tox.ini without a work dir
    means ``.tox``, whatever pyproject.toml says."""
    project = machine.root / "proj" / "demo-tox"
    pyproject = '[tool.tox]\nwork_dir = "build/tox"\n'
    machine.files(project, **{"tox.ini": "[tox]\nenv_list = py312\n", "pyproject.toml": pyproject})
    machine.venv("proj/demo-tox/.tox/py312", **tox_info(".tox/py312"))
    machine.venv("proj/demo-tox/build/tox/py312", **tox_info(".tox/py312"))
    found = machine.found(ToxEnvs().for_project(str(project), machine.ctx()))
    assert found == [("proj/demo-tox/.tox/py312/bin/python3", "proj/demo-tox")]


# -- uv ---------------------------------------------------------------------------------------


def uv_venv(machine: Machine, where: str) -> Path:
    """A venv as uv makes it: its pyvenv.cfg says ``uv = <version>``."""
    prefix = machine.venv(where)
    cfg = prefix / "pyvenv.cfg"
    cfg.write_text(cfg.read_text() + "uv = 0.13.9\n")
    return prefix


def uv_workspace(machine: Machine) -> Path:
    ws = machine.root / "proj" / "ws"
    end = "proj/ws/.venv"
    machine.files(
        ws,
        **{
            "pyproject.toml": recorded_text("uv", "../pyproject.toml", end),
            "uv.lock": "",
            "packages/beta/pyproject.toml": recorded_text(
                "uv", "../packages/beta/pyproject.toml", end
            ),
            "packages/alpha/pyproject.toml": '[project]\nname = "alpha"\n',
            "packages/gamma/pyproject.toml": '[project]\nname = "gamma"\n',
            "packages/gamma/uv.lock": "",
            "packages/beta/tests/pyproject.toml": '[project]\nname = "beta-tests"\n',
        },
    )
    return ws


def test_uv_workspace_root(machine: Machine) -> None:
    ws = uv_workspace(machine)
    packages = ws / "packages"
    assert workspace_root(str(packages / "beta")) == str(ws)
    assert workspace_root(str(packages / "beta" / "src")) == str(ws)  # nearest pyproject: beta
    assert workspace_root(str(packages / "gamma")) == str(packages / "gamma")  # excluded
    assert workspace_root(str(ws)) == str(ws)
    # inside a project that is no workspace (tests, examples): its own root
    assert workspace_root(str(packages / "beta" / "tests")) == str(packages / "beta" / "tests")
    (ws / "other").mkdir()
    machine.files(ws / "other", **{"pyproject.toml": '[project]\nname = "o"\n'})
    assert workspace_root(str(ws / "other")) == str(ws / "other")  # not a member
    assert workspace_root(str(machine.root / "nowhere")) == str(machine.root / "nowhere")


def test_uv_workspace_search_stops_at_the_first_pyproject_above(machine: Machine) -> None:
    outer = machine.root / "outer"
    workspace = '[tool.uv.workspace]\nmembers = ["lib", "lib/examples/*", "inner"]\n'
    machine.files(
        outer,
        **{
            "pyproject.toml": workspace,
            "lib/pyproject.toml": '[project]\nname = "lib"\n',
            "lib/examples/demo/pyproject.toml": '[project]\nname = "demo"\n',
            "inner/pyproject.toml": '[project]\nname = "i"\n[tool.uv.workspace]\nmembers = []\n',
        },
    )
    assert workspace_root(str(outer / "lib")) == str(outer)
    # lib (a project, no workspace) ends the search, though outer lists the example
    demo = outer / "lib" / "examples" / "demo"
    assert workspace_root(str(demo)) == str(demo)
    # a workspace root is its own root, though outer lists it (uv warns: nested)
    assert workspace_root(str(outer / "inner")) == str(outer / "inner")


def test_uv_project_envs(machine: Machine) -> None:
    ws = uv_workspace(machine)
    uv_venv(machine, "proj/ws/.venv")
    uv_venv(machine, "proj/ws/packages/gamma/.venv")
    uv_venv(machine, "proj/ws/.venv-rel")
    uv_venv(machine, "envs/demo-uv-custom")
    ctx = machine.ctx()
    assert list(UvProjectEnvs().candidates(ctx)) == []
    beta = str(ws / "packages" / "beta")
    mine = list(UvProjectEnvs().for_project(beta, ctx))
    assert machine.found(mine) == [("proj/ws/.venv/bin/python3", "proj/ws")]
    assert_manager(machine, mine[0], "uv")
    gamma = str(ws / "packages" / "gamma")
    assert machine.found(UvProjectEnvs().for_project(gamma, ctx)) == [
        ("proj/ws/packages/gamma/.venv/bin/python3", "proj/ws/packages/gamma")
    ]
    alpha = str(ws / "packages" / "alpha")
    relative = machine.ctx(UV_PROJECT_ENVIRONMENT=".venv-rel")  # to the workspace root
    assert machine.found(UvProjectEnvs().for_project(alpha, relative)) == [
        ("proj/ws/.venv-rel/bin/python3", "proj/ws"),
        ("proj/ws/.venv/bin/python3", "proj/ws"),
    ]
    absolute = machine.ctx(UV_PROJECT_ENVIRONMENT=str(machine.root / "envs/demo-uv-custom"))
    assert machine.found(UvProjectEnvs().for_project(alpha, absolute))[0] == (
        "envs/demo-uv-custom/bin/python3",
        "proj/ws",
    )


def test_uv_claims_only_its_own_envs(machine: Machine) -> None:
    project = machine.root / "proj" / "demo"
    machine.files(project, **{"pyproject.toml": '[project]\nname = "demo"\n'})
    machine.venv("proj/demo/.venv")  # made by another tool, no uv.lock: not uv's
    ctx = machine.ctx()
    assert list(UvProjectEnvs().for_project(str(project), ctx)) == []
    (project / "uv.lock").write_text("")
    assert machine.found(UvProjectEnvs().for_project(str(project), ctx)) == [
        ("proj/demo/.venv/bin/python3", "proj/demo")
    ]
    plain = uv_venv(machine, "proj/plain/.venv")  # `uv venv` outside any project
    break_venv(plain)
    assert machine.found(UvProjectEnvs().for_project(str(plain.parent), ctx)) == [
        ("proj/plain/.venv/bin/python3", "proj/plain")
    ]


# -- pixi -------------------------------------------------------------------------------------


def pixi_env(machine: Machine, name: str, marker: bool = True) -> Path:
    """A conda prefix as pixi lays it out (it cannot run: bin/python3.12 is a stub)."""
    prefix = machine.root / "demo" / ".pixi" / "envs" / name
    files = {"conda-meta/python-3.12.8-h9e4cc4f_1_cpython.json": "{}", "bin/python3.12": ""}
    if marker:
        files["conda-meta/pixi"] = recorded_text(
            "pixi", "conda-meta/pixi", f"demo/.pixi/envs/{name}"
        )
    machine.files(prefix, **files)
    (prefix / "bin" / "python3.12").chmod(0o755)
    for link in ("python", "python3"):
        (prefix / "bin" / link).symlink_to("python3.12")
    return prefix


def test_pixi_envs(machine: Machine) -> None:
    pixi_env(machine, "test")
    pixi_env(machine, "default")
    pixi_env(machine, "solo", marker=False)  # no conda-meta/pixi: not pixi's
    ctx = machine.ctx()
    assert list(PixiEnvs().candidates(ctx)) == []
    mine = list(PixiEnvs().for_project(str(machine.root / "demo"), ctx))
    assert machine.found(mine) == [
        ("demo/.pixi/envs/default/bin/python3.12", "demo"),
        ("demo/.pixi/envs/test/bin/python3.12", "demo"),
    ]
    assert mine[0].hints.version == "3.12.8" and mine[0].hints.venv is False
    (machine.root / "demo/.pixi/envs/test/bin/python3.12").unlink()  # broken: still listed
    assert machine.found(PixiEnvs().for_project(str(machine.root / "demo"), ctx))[1] == (
        "demo/.pixi/envs/test/bin/python3",
        "demo",
    )


# -- the TOML reader for Python 3.9 and 3.10 --------------------------------------------------


def test_toml_subset_reads_the_recorded_files_as_tomllib_does() -> None:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is 3.11+")
    import tomllib

    workspace = recorded_text("uv", "../pyproject.toml", "proj/ws/.venv")
    subset, full = parse_toml_subset(workspace), tomllib.loads(workspace)
    for keys in (("project",), ("tool", "uv", "workspace")):
        assert lookup(subset, *keys) == lookup(full, *keys)
    assert lookup(subset, "tool", "uv", "sources") == {}  # its inline tables are left out
    texts = [
        recorded_text("pdm", "../pyproject.toml", "proj/demo-pdm/.venv"),
        recorded_text("pixi", "../../../pyproject.toml", "pyproj/.pixi/envs/default"),
        recorded_text("pixi", "../../../pixi.toml", "demo/.pixi/envs/default"),
        "[project]\nname = \"a\"  # c\n\n[tool.hatch.envs.default]\npath = '.venv'\n"
        '[tool.x]\n"quoted.key" = [\n  "a", # one\n  "b\\"c",\n]\nn = 1_000\nf = 2.5\n'
        "t = true\ndotted.key = 'v'\n",
    ]
    for case in texts:
        assert parse_toml_subset(case) == tomllib.loads(case), case
    # what the subset does not read is left out, not guessed
    skipped = 'a = { b = 1 }\nc = """x\ny = 1"""\nd = 2024-01-01\n[[e]]\nf = 1\n[g]\nh = "ok"\n'
    assert parse_toml_subset(skipped) == {"g": {"h": "ok"}}


def test_sources_are_environment_sources() -> None:
    for source, name in ((HatchEnvs, "hatch"), (PdmEnvs, "pdm"), (ToxEnvs, "tox"),
                         (UvProjectEnvs, "uv"), (PixiEnvs, "pixi")):  # fmt: skip
        assert issubclass(source, EnvironmentSource) and source.name == name
