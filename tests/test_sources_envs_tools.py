"""The environment sources of poetry, pipenv, virtualenvwrapper and pipx: real venvs (made by
the stdlib from pyenv's 3.12) laid out as each tool lays them out, with the marker files the
real tools wrote when fixtures/environments/ was recorded; the names the tools hash, checked
against the names they made."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional

import pytest

from conftest import machine_environ, pyenv_python, recorded_environments, recorded_text
from whichpython import find_environments, inspect_interpreter
from whichpython.sources.base import Candidate, Context, EnvironmentSource
from whichpython.sources.layout import parse_toml_subset
from whichpython.sources.pipenv import PipenvEnvs
from whichpython.sources.pipenv import env_name as pipenv_name
from whichpython.sources.pipx import PipxEnvs
from whichpython.sources.poetry import PoetryEnvs, default_cache_dir
from whichpython.sources.poetry import env_name as poetry_name
from whichpython.sources.virtualenvwrapper import VirtualenvwrapperEnvs

HOOKS = ("get_env_details", "postactivate", "postdeactivate", "preactivate", "predeactivate")
GLOBAL_HOOKS = ("initialize", "postmkvirtualenv", "premkvirtualenv", "postrmvirtualenv")


class Lab:
    """A machine under ``root``: its whole environment, and real venvs placed in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.environ = machine_environ(root)

    def venv(self, where: str, **files: str) -> Path:
        """A real venv at ``root/where`` with ``files`` (relative path: text, ``$ROOT`` set)."""
        prefix = self.root / where
        python = str(pyenv_python("3.12.1"))
        subprocess.run([python, "-m", "venv", "--without-pip", str(prefix)], check=True)
        for name, body in files.items():
            self.write(prefix / name, body)
        return prefix

    def write(self, path: Path, body: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body.replace("$ROOT", str(self.root)))
        return path

    def break_venv(self, prefix: Path) -> None:
        """Its interpreter a dangling link, as when the base Python was removed."""
        for name in ("python", "python3", "python3.12"):
            (prefix / "bin" / name).unlink()
        (prefix / "bin" / "python3").symlink_to(self.root / "gone" / "python3.12")

    def ctx(self, **variables: str) -> Context:
        environ = dict(self.environ)
        environ.update({k: v.replace("$ROOT", str(self.root)) for k, v in variables.items()})
        return Context(environ=environ, cwd=str(self.root), root=str(self.root))

    def rel(self, path: Optional[str]) -> Optional[str]:
        return path and os.path.relpath(path, self.root)

    def listing(self, found: Any) -> list[tuple[Optional[str], Optional[str]]]:
        """(env dir, project) of each candidate, relative to the root."""
        rows = []
        for candidate in found:
            env = candidate.path if candidate.problem and "has no" in candidate.problem else None
            env = env or os.path.dirname(os.path.dirname(candidate.path))
            rows.append((self.rel(env), self.rel(candidate.project)))
        return rows

    def manager(self, candidate: Candidate, ctx: Context) -> Optional[str]:
        found = inspect_interpreter(candidate.path, environ=dict(ctx.environ), cache=False)
        return found.manager


def dangling(path: str) -> bool:
    """A broken env's interpreter: yielded as it is (the engine reports why it fails)."""
    return os.path.lexists(path) and not os.path.exists(path)


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    pyenv_python("3.12.1")  # skips when absent
    return Lab(tmp_path)


def pyproject(name: str) -> str:
    return f'[project]\nname = "{name}"\nversion = "0.1.0"\n\n[tool.poetry]\npackage-mode = false\n'


# poetry


def test_poetry_names_are_the_names_poetry_made() -> None:
    data = recorded_environments("poetry")
    root = data["root_when_recorded"].split()[0]
    if os.path.realpath(root) != root:
        pytest.skip("the recorded root is a link here; poetry hashes the resolved path")
    names = {"cachedir": "My.Cool_App"}  # the other projects are named as their dirs
    checked = 0
    for layout in data["layouts"]:
        env = os.path.basename(layout["env_dir"])
        if env == ".venv":
            continue
        project = layout["project"].replace("$ROOT", root)
        name = names.get(os.path.basename(project), os.path.basename(project))
        assert poetry_name(name, project) == env.rsplit("-py", 1)[0]
        checked += 1
    assert checked == 5
    # PET's own test vector
    assert poetry_name("poetry-demo", "/Users/donjayamanne/temp/poetry-sample1/poetry-demo") == (
        "poetry-demo-gNT2WXAV"
    )


def test_poetry_default_dir_and_project_order(lab: Lab) -> None:
    project = lab.root / "projects" / "demo-app"
    lab.write(project / "pyproject.toml", pyproject("demo-app"))
    stem = poetry_name("demo-app", str(project))
    envs = "home/.cache/pypoetry/virtualenvs"
    for minor in ("3.12", "3.11"):
        lab.venv(f"{envs}/{stem}-py{minor}")
    lab.venv(f"{envs}/other-AbCd_-12-py3.12")  # another project's
    lab.venv(f"{envs}/not-poetrys")
    envs_toml = recorded_text("poetry", "envs.toml", where="pypoetry/virtualenvs")
    lab.write(lab.root / envs / "envs.toml", envs_toml.replace("demo-app-jn5pDuhQ", stem))
    ctx = lab.ctx()
    found = list(PoetryEnvs().candidates(ctx))
    assert lab.listing(found) == [
        (f"{envs}/{stem}-py3.11", None),
        (f"{envs}/{stem}-py3.12", None),
        (f"{envs}/other-AbCd_-12-py3.12", None),
    ]
    assert {lab.manager(c, ctx) for c in found} == {"poetry"}
    # envs.toml names 3.11 as the one `poetry env use` made active: it comes first
    assert lab.listing(PoetryEnvs().for_project(str(project), ctx)) == [
        (f"{envs}/{stem}-py3.11", "projects/demo-app"),
        (f"{envs}/{stem}-py3.12", "projects/demo-app"),
    ]
    lab.write(
        lab.root / envs / "envs.toml",
        envs_toml.replace("demo-app-jn5pDuhQ", stem).replace('"3.11"', '"3.12"'),
    )
    order = lab.listing(PoetryEnvs().for_project(str(project), ctx))
    assert [env for env, _ in order] == [f"{envs}/{stem}-py3.12", f"{envs}/{stem}-py3.11"]
    assert list(PoetryEnvs().for_project(str(lab.root / "projects" / "none"), ctx)) == []


def test_poetry_settings_move_the_envs(lab: Lab) -> None:
    """POETRY_VIRTUALENVS_PATH, POETRY_CACHE_DIR, config.toml's virtualenvs.path and
    XDG_CACHE_HOME, each as recorded; the name canonicalized (My.Cool_App)."""
    cases = [
        ("envpath", "envpath", "envvar-venvs", {"POETRY_VIRTUALENVS_PATH": "$ROOT/envvar-venvs"}),
        ("cachedir", "My.Cool_App", "custom-cache/virtualenvs",
         {"POETRY_CACHE_DIR": "$ROOT/custom-cache"}),
        ("xdg", "xdg", "xdg-cache/pypoetry/virtualenvs", {"XDG_CACHE_HOME": "$ROOT/xdg-cache"}),
        ("cfgpath", "cfgpath", "config-venvs", {}),  # last: config.toml moves them all
    ]  # fmt: skip
    for folder, name, envs, variables in cases:
        project = lab.root / "projects" / folder
        lab.write(project / "pyproject.toml", pyproject(name))
        env = f"{envs}/{poetry_name(name, str(project))}-py3.12"
        lab.venv(env)
        if folder == "cfgpath":
            config = recorded_text("poetry", "config.toml", ".config/pypoetry")
            lab.write(lab.root / "home" / ".config" / "pypoetry" / "config.toml", config)
        ctx = lab.ctx(**variables)
        assert lab.listing(PoetryEnvs().candidates(ctx)) == [(env, None)], folder
        assert lab.listing(PoetryEnvs().for_project(str(project), ctx)) == [
            (env, f"projects/{folder}")
        ]
        if folder != "cfgpath":  # see test_poetry_config_path_envs_are_poetrys
            assert [lab.manager(c, ctx) for c in PoetryEnvs().candidates(ctx)] == ["poetry"]
    assert "my-cool-app-" in env_dirs_of(lab.root / "custom-cache" / "virtualenvs")[0]


def env_dirs_of(path: Path) -> list[str]:
    return sorted(os.listdir(path))


def test_poetry_in_project_venv(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    inproj = lab.root / "projects" / "inproj"
    lab.write(inproj / "poetry.toml", recorded_text("poetry", "poetry.toml", where="inproj"))
    lab.write(inproj / "pyproject.toml", pyproject("inproj"))
    lab.venv("projects/inproj/.venv")
    stem = poetry_name("inproj", str(inproj))
    lab.venv(f"home/.cache/pypoetry/virtualenvs/{stem}-py3.12")
    ctx = lab.ctx()
    assert lab.listing(PoetryEnvs().for_project(str(inproj), ctx)) == [
        ("projects/inproj/.venv", "projects/inproj"),
        (f"home/.cache/pypoetry/virtualenvs/{stem}-py3.12", "projects/inproj"),
    ]
    # Python < 3.11 (no tomllib): the fallback reader gives the same answer
    expected = lab.listing(PoetryEnvs().for_project(str(inproj), ctx))
    monkeypatch.setattr("whichpython.sources.layout.sys", SimpleNamespace(version_info=(3, 9, 18)))
    assert lab.listing(PoetryEnvs().for_project(str(inproj), ctx)) == expected
    monkeypatch.undo()
    # the variable wins over poetry.toml: in-project false ignores the .venv
    off = lab.ctx(POETRY_VIRTUALENVS_IN_PROJECT="false")
    assert [env for env, _ in lab.listing(PoetryEnvs().for_project(str(inproj), off))] == [
        f"home/.cache/pypoetry/virtualenvs/{stem}-py3.12"
    ]
    # setting unset: an existing .venv is used, in a poetry project only
    (inproj / "poetry.toml").unlink()
    assert len(list(PoetryEnvs().for_project(str(inproj), ctx))) == 2
    other = lab.root / "projects" / "uvproj"
    lab.write(other / "pyproject.toml", '[project]\nname = "uvproj"\n')
    lab.venv("projects/uvproj/.venv")
    assert list(PoetryEnvs().for_project(str(other), ctx)) == []
    on = lab.ctx(POETRY_VIRTUALENVS_IN_PROJECT="1")
    assert lab.listing(PoetryEnvs().for_project(str(other), on)) == [
        ("projects/uvproj/.venv", "projects/uvproj")
    ]


def test_poetry_in_project_venv_is_poetrys(lab: Lab) -> None:
    """Its layout says only "a venv" (inspect: its creator); the envs listing says poetry."""
    inproj = lab.root / "projects" / "inproj"
    lab.write(inproj / "poetry.toml", recorded_text("poetry", "poetry.toml", where="inproj"))
    lab.write(inproj / "pyproject.toml", pyproject("inproj"))
    lab.venv("projects/inproj/.venv")
    ctx = lab.ctx()
    (found,) = PoetryEnvs().for_project(str(inproj), ctx)
    assert lab.manager(found, ctx) == "venv"
    listed = find_environments(inproj, environ=ctx.environ, cwd=str(lab.root), root=str(lab.root))
    assert (listed[0].path, listed[0].manager) == (found.path, "poetry")


def test_poetry_config_path_envs_are_poetrys(lab: Lab) -> None:
    """A ``virtualenvs.path`` set in poetry's config.toml: inspect (which asks the source
    where poetry keeps its envs) and the envs listing both say poetry."""
    config = recorded_text("poetry", "config.toml", where=".config/pypoetry")
    lab.write(lab.root / "home" / ".config" / "pypoetry" / "config.toml", config)
    lab.venv("config-venvs/cfgpath-FRhy_z_P-py3.12")
    ctx = lab.ctx()
    (found,) = PoetryEnvs().candidates(ctx)
    assert lab.manager(found, ctx) == "poetry"
    listed = find_environments(lab.root, environ=ctx.environ, cwd=str(lab.root), root=str(lab.root))
    assert [(e.path, e.manager) for e in listed] == [(found.path, "poetry")]


def test_poetry_platform_cache_dirs(tmp_path: Path) -> None:
    home = str(tmp_path)
    linux = Context(environ={"HOME": home}, cwd=home, platform="linux")
    mac = Context(environ={"HOME": home}, cwd=home, platform="darwin")
    windows = Context(environ={"USERPROFILE": home, "LOCALAPPDATA": "C:\\L"}, cwd=home,
                      platform="win32")  # fmt: skip
    relative = Context(environ={"HOME": home, "XDG_CACHE_HOME": "rel"}, cwd=home, platform="linux")
    assert default_cache_dir(linux) == os.path.join(home, ".cache", "pypoetry")
    assert default_cache_dir(mac) == os.path.join(home, "Library", "Caches", "pypoetry")
    assert default_cache_dir(windows) == os.path.join("C:\\L", "pypoetry", "Cache")
    assert default_cache_dir(relative) == os.path.join(home, ".cache", "pypoetry")


def test_the_fallback_toml_reader_reads_what_tomllib_reads() -> None:
    """Python < 3.11 reads these files with parse_toml_subset: they come out the same."""
    tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else None
    texts = [
        recorded_text("poetry", "poetry.toml", where="inproj"),
        recorded_text("poetry", "config.toml", where=".config/pypoetry"),
        recorded_text("poetry", "envs.toml", where="pypoetry/virtualenvs"),
        pyproject("My.Cool_App"),
        '[tool.poetry]\nname = "legacy" # a comment\n[tool.poetry.dependencies]\npython = "^3.9"\n',
        '[pipenv]\nvenv_in_project = true\n[requires]\npython_version = "3.12"\n',
    ]
    for body in texts:
        if tomllib is not None:
            assert parse_toml_subset(body) == tomllib.loads(body)
    tricky = '[project]\nname = "real"\nauthors = [\n  {name = "x"},\n]\n[[tool.x]]\nname = "no"\n'
    assert parse_toml_subset(tricky) == {"project": {"name": "real"}}


# pipenv


def test_pipenv_names_are_the_names_pipenv_made() -> None:
    data = recorded_environments("pipenv")
    root = data["root_when_recorded"].split()[0]
    hashed = [layout for layout in data["layouts"] if not layout.get("environ")]
    hashed += [layout for layout in data["layouts"] if "WORKON_HOME" in layout.get("environ", {})]
    checked = 0
    for layout in hashed:
        env = os.path.basename(layout["env_dir"])
        if env in ("named-by-dotvenv", ".venv"):
            continue
        assert pipenv_name(layout["project"].replace("$ROOT", root)) == env
        checked += 1
    assert checked == 3  # demo-app, My Project, workon


def pipenv_lab(lab: Lab) -> str:
    """The recorded WORKON_HOME layout (relative path of the envs dir returned)."""
    envs = "home/.local/share/virtualenvs"
    for folder in ("demo-app", "custom", "My Project", "dotvenvfile"):
        lab.write(lab.root / "projects" / folder / "Pipfile", "[packages]\n")
    lab.write(lab.root / "projects" / "dotvenvfile" / ".venv", "named-by-dotvenv\n")
    for env, recorded_as in [
        (pipenv_name(str(lab.root / "projects" / "demo-app")), "demo-app-nKiktljs"),
        (pipenv_name(str(lab.root / "projects" / "My Project")), "My_Project-CztX2txS"),
        ("my-custom-env", "my-custom-env"),
        ("named-by-dotvenv", "named-by-dotvenv"),
    ]:
        lab.venv(f"{envs}/{env}", **{".project": recorded_text("pipenv", ".project", recorded_as)})
    return envs


def test_pipenv_envs_and_projects(lab: Lab) -> None:
    envs = pipenv_lab(lab)
    demo = pipenv_name(str(lab.root / "projects" / "demo-app"))
    spaced = pipenv_name(str(lab.root / "projects" / "My Project"))
    assert spaced.startswith("My_Project-")
    hooks = {f"bin/{hook}": "#!/bin/bash\n" for hook in HOOKS}
    lab.venv(f"{envs}/wrapped", **hooks, **{".project": "$ROOT/projects/demo-app\n"})
    lab.venv(f"{envs}/no-project")
    lab.break_venv(lab.venv(f"{envs}/broken-AbCdEfGh", **{".project": "$ROOT/projects/gone"}))
    os.mkfifo(lab.venv(f"{envs}/fifo-AbCdEfGh") / ".project")  # reading would block forever
    ctx = lab.ctx()
    found = list(PipenvEnvs().candidates(ctx))
    assert lab.listing(found) == sorted(
        [
            (f"{envs}/{demo}", "projects/demo-app"),
            (f"{envs}/{spaced}", "projects/My Project"),
            (f"{envs}/my-custom-env", "projects/custom"),
            (f"{envs}/named-by-dotvenv", "projects/dotvenvfile"),
            (f"{envs}/broken-AbCdEfGh", "projects/gone"),
        ]
    )
    (broken,) = [c for c in found if "broken" in c.path]
    assert broken.problem is None and dangling(broken.path)
    assert {lab.manager(c, ctx) for c in found if c is not broken} == {"pipenv"}
    project = str(lab.root / "projects" / "demo-app")
    assert lab.listing(PipenvEnvs().for_project(project, ctx)) == [
        (f"{envs}/{demo}", "projects/demo-app")
    ]
    assert lab.listing(
        PipenvEnvs().for_project(str(lab.root / "projects" / "My Project"), ctx)
    ) == [(f"{envs}/{spaced}", "projects/My Project")]
    dotvenvfile = str(lab.root / "projects" / "dotvenvfile")
    assert lab.listing(PipenvEnvs().for_project(dotvenvfile, ctx)) == [
        (f"{envs}/named-by-dotvenv", "projects/dotvenvfile")
    ]
    fifo = lab.write(lab.root / "projects" / "fifo" / "Pipfile", "[packages]\n").parent / ".venv"
    os.mkfifo(fifo)  # a .venv FILE names the env: this one is not read
    assert list(PipenvEnvs().for_project(str(fifo.parent), ctx)) == []
    assert (str(fifo), "is a FIFO, not a regular file") in ctx.skipped
    assert (f"{lab.root / envs}/fifo-AbCdEfGh/.project", "is a FIFO, not a regular file") in (
        ctx.skipped
    )
    os.remove(os.path.join(project, "Pipfile"))
    assert list(PipenvEnvs().for_project(project, ctx)) == []


def test_pipenv_custom_name_and_in_project(lab: Lab) -> None:
    envs = pipenv_lab(lab)
    custom = str(lab.root / "projects" / "custom")
    hashed = f"{envs}/{pipenv_name(custom)}"
    lab.venv(hashed, **{".project": "$ROOT/projects/custom"})
    named = lab.ctx(PIPENV_CUSTOM_VENV_NAME="my-custom-env")
    assert lab.listing(PipenvEnvs().for_project(custom, named)) == [
        (f"{envs}/my-custom-env", "projects/custom"),
        (hashed, "projects/custom"),
    ]
    assert [env for env, _ in lab.listing(PipenvEnvs().for_project(custom, lab.ctx()))] == [
        hashed,
        f"{envs}/my-custom-env",
    ]
    inproj = lab.root / "projects" / "inproj"
    lab.write(inproj / "Pipfile", "[packages]\n")
    lab.venv(
        "projects/inproj/.venv",
        **{".project": recorded_text("pipenv", ".project", where="inproj/.venv")},
    )
    on = lab.ctx(PIPENV_VENV_IN_PROJECT="1")
    assert lab.listing(PipenvEnvs().for_project(str(inproj), on)) == [
        ("projects/inproj/.venv", "projects/inproj")
    ]
    (found,) = PipenvEnvs().for_project(str(inproj), on)
    assert lab.manager(found, on) == "pipenv"
    # a .venv with no setting: pipenv keeps using an env it made before in WORKON_HOME
    before = f"{envs}/{pipenv_name(str(inproj))}"
    lab.venv(before, **{".project": "$ROOT/projects/inproj"})
    assert [env for env, _ in lab.listing(PipenvEnvs().for_project(str(inproj), lab.ctx()))] == [
        before,
        "projects/inproj/.venv",
    ]
    assert [env for env, _ in lab.listing(PipenvEnvs().for_project(str(inproj), on))] == [
        "projects/inproj/.venv",
        before,
    ]


def test_pipenv_workon_home(lab: Lab) -> None:
    project = lab.root / "projects" / "workon"
    lab.write(project / "Pipfile", "[packages]\n")
    env = f"workon-home/{pipenv_name(str(project))}"
    lab.venv(env, **{".project": recorded_text("pipenv", ".project", where="workon-psircbZ3")})
    ctx = lab.ctx(WORKON_HOME="$ROOT/workon-home")
    assert lab.listing(PipenvEnvs().candidates(ctx)) == [(env, "projects/workon")]
    assert lab.listing(PipenvEnvs().for_project(str(project), ctx)) == [(env, "projects/workon")]
    assert list(PipenvEnvs().candidates(lab.ctx())) == []
    lab.venv("xdg/virtualenvs/x-AbCdEfGh", **{".project": "$ROOT/projects/x"})
    xdg = lab.ctx(XDG_DATA_HOME="$ROOT/xdg")
    assert lab.listing(PipenvEnvs().candidates(xdg)) == [
        ("xdg/virtualenvs/x-AbCdEfGh", "projects/x")
    ]


# virtualenvwrapper


def test_virtualenvwrapper_default_workon_home(lab: Lab) -> None:
    hooks = {f"bin/{hook}": "#!/bin/bash\n" for hook in HOOKS}
    lab.venv("home/.virtualenvs/plain-env", **hooks)
    for hook in GLOBAL_HOOKS:
        lab.write(lab.root / "home" / ".virtualenvs" / hook, "#!/bin/bash\n")
    ctx = lab.ctx()
    found = list(VirtualenvwrapperEnvs().candidates(ctx))
    assert lab.listing(found) == [("home/.virtualenvs/plain-env", None)]
    assert lab.manager(found[0], ctx) == "virtualenvwrapper"
    relative = lab.ctx(WORKON_HOME=".virtualenvs")  # relative to HOME
    assert lab.listing(VirtualenvwrapperEnvs().candidates(relative)) == lab.listing(found)


def test_virtualenvwrapper_projects(lab: Lab) -> None:
    hooks = {f"bin/{hook}": "#!/bin/bash\n" for hook in HOOKS}
    for env in ("webapp-env", "later-env", "newproj"):
        project = recorded_text("virtualenvwrapper", ".project", env)
        lab.venv(f"workon/{env}", **hooks, **{".project": project})
    lab.venv("workon/pipenvs-AbCdEfGh", **{".project": "$ROOT/projects/webapp"})  # pipenv's
    os.makedirs(lab.root / "workon" / "not-an-env")
    lab.break_venv(lab.venv("workon/broken", **hooks, **{".project": "$ROOT/projects/webapp\n"}))
    os.mkfifo(lab.venv("workon/fifo", **hooks) / ".project")  # reading would block forever
    ctx = lab.ctx(WORKON_HOME="$ROOT/workon")
    found = list(VirtualenvwrapperEnvs().candidates(ctx))
    assert lab.listing(found) == [
        ("workon/broken", "projects/webapp"),
        ("workon/fifo", None),
        ("workon/later-env", "projects/later"),
        ("workon/newproj", "project-home/newproj"),
        ("workon/webapp-env", "projects/webapp"),
    ]
    assert found[0].problem is None and dangling(found[0].path)
    assert (str(lab.root / "workon" / "fifo" / ".project"), "is a FIFO, not a regular file") in (
        ctx.skipped
    )
    assert {lab.manager(c, ctx) for c in found[1:]} == {"virtualenvwrapper"}
    webapp = str(lab.root / "projects" / "webapp")
    assert lab.listing(VirtualenvwrapperEnvs().for_project(webapp, ctx)) == [
        ("workon/broken", "projects/webapp"),
        ("workon/webapp-env", "projects/webapp"),
    ]
    named = lab.ctx(WORKON_HOME="$ROOT/workon", VIRTUALENVWRAPPER_PROJECT_FILENAME=".other")
    lab.write(lab.root / "workon" / "later-env" / ".other", "$ROOT/projects/elsewhere\n")
    assert [p for _, p in lab.listing(VirtualenvwrapperEnvs().candidates(named))] == [
        None,
        None,
        "projects/elsewhere",
        None,
        None,
    ]


# pipx


def test_pipx_default_home(lab: Lab) -> None:
    base = "home/.local/share/pipx"
    for env in ("pyflakes", "pyflakes@311"):
        metadata = recorded_text("pipx", "pipx_metadata.json", f"share/pipx/venvs/{env}")
        lab.venv(f"{base}/venvs/{env}", **{"pipx_metadata.json": metadata})
        lab.write(lab.root / base / "venvs" / f".{env}.lock", "")
    lab.venv(f"{base}/shared")
    ctx = lab.ctx()
    found = list(PipxEnvs().candidates(ctx))
    assert lab.listing(found) == [
        (f"{base}/venvs/pyflakes", None),
        (f"{base}/venvs/pyflakes@311", None),
    ]
    assert {lab.manager(c, ctx) for c in found} == {"pipx"}
    assert list(PipxEnvs().for_project(str(lab.root), ctx)) == []
    # the shared libs moved into venvs/ are still pipx's own
    os.rename(lab.root / base / "shared", lab.root / base / "venvs" / "libs")
    moved = lab.ctx(PIPX_SHARED_LIBS=f"$ROOT/{base}/venvs/libs")
    assert lab.listing(PipxEnvs().candidates(moved)) == lab.listing(found)
    assert len(list(PipxEnvs().candidates(ctx))) == 3


def test_pipx_homes(lab: Lab) -> None:
    metadata = {
        "pipx_metadata.json": recorded_text(
            "pipx", "pipx_metadata.json", where="pipx-home/venvs/pyflakes"
        )
    }
    lab.venv("pipx-home/venvs/pyflakes", **metadata)
    lab.venv("xdg/pipx/venvs/black", **metadata)
    lab.venv("opt/pipx/venvs/global-tool", **metadata)  # pipx --global, under the context's root
    lab.break_venv(lab.venv("home/.local/share/pipx/venvs/broken", **metadata))
    assert lab.listing(PipxEnvs().candidates(lab.ctx(PIPX_HOME="$ROOT/pipx-home"))) == [
        ("pipx-home/venvs/pyflakes", None),
        ("opt/pipx/venvs/global-tool", None),
    ]
    assert lab.listing(PipxEnvs().candidates(lab.ctx(XDG_DATA_HOME="$ROOT/xdg"))) == [
        ("xdg/pipx/venvs/black", None),
        ("opt/pipx/venvs/global-tool", None),
    ]
    found = list(PipxEnvs().candidates(lab.ctx()))
    assert lab.listing(found)[0] == ("home/.local/share/pipx/venvs/broken", None)
    assert found[0].problem is None and dangling(found[0].path)
    lab.venv("home/.local/pipx/venvs/legacy", **metadata)  # ~/.local/pipx exists: it is the home
    assert lab.listing(PipxEnvs().candidates(lab.ctx()))[0] == (
        "home/.local/pipx/venvs/legacy",
        None,
    )
    only = lab.ctx(PIPX_GLOBAL_HOME="$ROOT/pipx-home", PIPX_HOME="$ROOT/pipx-home")
    assert len(list(PipxEnvs().candidates(only))) == 1


def test_every_source_is_an_environment_source() -> None:
    sources = [PoetryEnvs(), PipenvEnvs(), VirtualenvwrapperEnvs(), PipxEnvs()]
    assert all(isinstance(s, EnvironmentSource) for s in sources)
    assert [s.name for s in sources] == ["poetry", "pipenv", "virtualenvwrapper", "pipx"]
