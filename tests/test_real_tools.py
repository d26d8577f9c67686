"""``whichpython envs`` on environments the real tools made (issue 13). poetry, pipenv, hatch,
pdm, tox, pipx, virtualenvwrapper and uv, installed from PyPI next to the running Python (the
``test`` extra), each create an env for a project in a temp dir from pyenv's 3.12.1, offline,
with a fake HOME and a minimal environment. The tool is then asked where its env is: the name
it gave must be the one whichpython computes (poetry, pipenv, hatch and pdm hash the project
into it), and whichpython must list that env and no other, found by the tool's source, with
the tool as its manager, the tool's project, kind ``venv`` and 3.12.1 as its base. A test
skips when its tool is not installed."""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Optional

import pytest

from conftest import CLI, machine_cli_env, machine_environ, pyenv_python
from whichpython.sources.hatch import project_id as hatch_id
from whichpython.sources.pdm import hash_path as pdm_hash
from whichpython.sources.pipenv import env_name as pipenv_name
from whichpython.sources.poetry import env_name as poetry_name

#: A project with no dependencies (each tool's section added: one tool's project each).
PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = []
"""
#: No network for uv (also when pipx drives it): no downloads, no index, no user config.
UV_OFFLINE = {"UV_PYTHON_DOWNLOADS": "never", "UV_OFFLINE": "1", "UV_NO_CONFIG": "1"}


def tool(name: str) -> Path:
    """The tool's console script next to the running Python (the ``test`` extra installs
    them), else in a dir of ``$WHICHPYTHON_TEST_TOOLS`` (poetry, which cannot share the test
    env: .ci/run installs it in a venv of its own); or skip the test."""
    extra = os.environ.get("WHICHPYTHON_TEST_TOOLS", "").split(os.pathsep)
    for folder in [str(Path(sys.executable).parent), *filter(None, extra)]:
        path = Path(folder) / name
        if path.exists():
            return path
    pytest.skip(
        f"{name} is not installed next to {sys.executable} or in $WHICHPYTHON_TEST_TOOLS "
        "(README, Quick start)"
    )


def base() -> str:
    """The interpreter every env is made from (skips when pyenv's 3.12.1 is absent)."""
    return str(pyenv_python("3.12.1"))


def run(argv: list[Any], root: Path, cwd: Path, **variables: str) -> str:
    """``argv`` (a tool) run in ``cwd`` with HOME ``root/home`` and nothing of this machine's
    environment but PATH = the tools' bin dir, /usr/bin and /bin; its stdout."""
    environ = {
        "HOME": str(home(root)),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        **variables,
    }
    done = subprocess.run(
        [str(arg) for arg in argv], env=environ, cwd=cwd, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, f"{argv}: {done.stdout}\n{done.stderr}"
    return done.stdout


def home(root: Path, *parts: str) -> Path:
    """``root/home/PARTS``: a place in the fake HOME."""
    return root.joinpath("home", *parts)


def project(root: Path, **files: str) -> Path:
    """``root/src/demo`` holding ``files`` (name: text)."""
    directory = root / "src" / "demo"
    directory.mkdir(parents=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def listed(root: Path, project_dir: Path) -> list[dict[str, Any]]:
    """``whichpython envs --project DIR --json`` on the machine under ``root``."""
    done = subprocess.run(
        [sys.executable, "-c", CLI, "envs", "--project", str(project_dir), "--json"],
        env=machine_cli_env(root, machine_environ(root)), cwd=root, capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["project"] == str(project_dir)
    environments: list[dict[str, Any]] = data["environments"]
    return environments


def check(root: Path, project_dir: Path, prefix: str, manager: str, owner: Optional[Path]) -> None:
    """The tool's env at ``prefix`` is the only env listed for ``project_dir`` (so the first),
    found by the tool's source, kept by ``manager`` for the project ``owner``, a venv of
    pyenv's 3.12.1."""
    assert os.path.isdir(prefix), prefix
    environments = listed(root, project_dir)
    prefixes = [os.path.realpath(env["prefix"]) for env in environments]
    assert prefixes == [os.path.realpath(prefix)], environments
    env = environments[0]
    assert env["manager"] == manager and env["source"] == manager
    assert env["project"] == (str(owner) if owner else None)
    assert env["kind"] == "venv" and env["error"] is None and env["version"] == "3.12.1"
    assert os.path.realpath(env["base_executable"]) == os.path.realpath(base())


def test_poetry(tmp_path: Path) -> None:
    poetry = tool("poetry")
    settings = "\n[tool.poetry]\npackage-mode = false\n"  # no package to build
    demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + settings})
    run([poetry, "env", "use", base()], tmp_path, demo)
    prefix = run([poetry, "env", "info", "--path"], tmp_path, demo).strip()
    envs = home(tmp_path, ".cache", "pypoetry", "virtualenvs")
    assert prefix == str(envs / f"{poetry_name('demo', str(demo))}-py3.12")
    check(tmp_path, demo, prefix, "poetry", demo)


def test_pipenv(tmp_path: Path) -> None:
    pipenv = tool("pipenv")
    demo = project(tmp_path, Pipfile='[packages]\n\n[requires]\npython_version = "3.12"\n')
    run([pipenv, "--python", base()], tmp_path, demo)
    prefix = run([pipenv, "--venv"], tmp_path, demo).strip()
    assert prefix == str(home(tmp_path, ".local", "share", "virtualenvs", pipenv_name(str(demo))))
    check(tmp_path, demo, prefix, "pipenv", demo)


def test_hatch(tmp_path: Path) -> None:
    hatch = tool("hatch")
    settings = f'\n[tool.hatch.envs.default]\nskip-install = true\npython = "{base()}"\n'
    demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + settings})
    run([hatch, "env", "create"], tmp_path, demo)
    prefix = run([hatch, "env", "find"], tmp_path, demo).strip()
    envs = home(tmp_path, ".local", "share", "hatch", "env", "virtual")
    assert prefix == str(envs / "demo" / hatch_id(str(demo), sys.platform) / "demo")
    check(tmp_path, demo, prefix, "hatch", demo)


@pytest.mark.parametrize(
    ("in_project", "key"), [("true", "in-project"), ("false", "3.12")], ids=["in-project", "shared"]
)
def test_pdm(tmp_path: Path, in_project: str, key: str) -> None:
    """The default ``.venv``, and a venv in pdm's own dir (its name hashes the project)."""
    pdm, settings = tool("pdm"), "\n[tool.pdm]\ndistribution = false\n"
    demo = project(tmp_path, **{"pyproject.toml": PYPROJECT + settings})
    variables = {"PDM_CHECK_UPDATE": "false", "PDM_VENV_IN_PROJECT": in_project}
    run([pdm, "venv", "create", base()], tmp_path, demo, **variables)
    prefix = run([pdm, "venv", "--path", key], tmp_path, demo, **variables).strip()
    shared = home(tmp_path, ".local", "share", "pdm", "venvs", f"demo-{pdm_hash(str(demo))}-3.12")
    assert prefix == str(demo / ".venv" if in_project == "true" else shared)
    check(tmp_path, demo, prefix, "pdm", demo)


def test_tox(tmp_path: Path) -> None:
    tox = tool("tox")
    ini = f"[tox]\nenv_list = py312\n\n[testenv]\npackage = skip\nbase_python = {base()}\n"
    demo = project(tmp_path, **{"tox.ini": ini})
    run([tox, "run", "-e", "py312", "--notest"], tmp_path, demo)
    config = run([tox, "config", "-e", "py312", "-k", "env_dir"], tmp_path, demo)
    prefix = next(line for line in config.splitlines() if line.startswith("env_dir = "))[10:]
    assert prefix == str(demo / ".tox" / "py312")
    check(tmp_path, demo, prefix, "tox", demo)


def test_uv(tmp_path: Path) -> None:
    uv, demo = tool("uv"), project(tmp_path, **{"pyproject.toml": PYPROJECT})
    variables = dict(UV_OFFLINE, UV_CACHE_DIR=str(tmp_path / "uv-cache"))
    run([uv, "sync", "--python", base()], tmp_path, demo, **variables)
    python = run([uv, "python", "find"], tmp_path, demo, **variables).strip()
    prefix = str(Path(python).parent.parent)
    assert prefix == str(demo / ".venv")
    check(tmp_path, demo, prefix, "uv", demo)


def tiny_wheel(directory: Path) -> Path:
    """A wheel of one module and one console script (pipx installs apps only)."""
    info = "wp_demo_app-0.1.0.dist-info"
    files = {
        "wp_demo_app.py": "def main():\n    print('demo')\n",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: wp-demo-app\nVersion: 0.1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": "[console_scripts]\nwp-demo-app = wp_demo_app:main\n",
    }
    record = []
    for name, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{name},sha256={encoded},{len(text.encode())}\n")
    files[f"{info}/RECORD"] = "".join(record) + f"{info}/RECORD,,\n"
    wheel = directory / "wp_demo_app-0.1.0-py3-none-any.whl"
    directory.mkdir(parents=True)
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_pipx(tmp_path: Path, backend: str) -> None:
    """An app installed from a local wheel; with pip, pipx's shared-libs venv is not listed."""
    pipx, unrelated = tool("pipx"), project(tmp_path)
    if backend == "uv":
        tool("uv")
    variables = dict(UV_OFFLINE, PIPX_DEFAULT_BACKEND=backend)
    # no shared pip upgrade from PyPI: the shared venv keeps ensurepip's pip
    variables["PIPX_DISABLE_SHARED_LIBS_AUTO_UPGRADE"] = "1"
    wheel = tiny_wheel(tmp_path / "wheels")
    install = [pipx, "install", "--python", base(), "--pip-args=--no-index", wheel]
    run(install, tmp_path, tmp_path, **variables)
    venvs = run([pipx, "environment", "--value", "PIPX_LOCAL_VENVS"], tmp_path, tmp_path).strip()
    assert venvs == str(home(tmp_path, ".local", "share", "pipx", "venvs"))
    if backend == "pip":
        assert (Path(venvs).parent / "shared" / "pyvenv.cfg").is_file()
    check(tmp_path, unrelated, os.path.join(venvs, "wp-demo-app"), "pipx", None)


def test_virtualenvwrapper(tmp_path: Path) -> None:
    """``mkvirtualenv -a DIR``: the env's project is DIR (whichpython is asked about DIR)."""
    script = tool("virtualenvwrapper.sh")
    bash = shutil.which("bash", path="/usr/bin:/bin")
    if bash is None:
        pytest.skip("bash is not installed")
    webapp = project(tmp_path)
    commands = (
        f'source "{script}" && mkvirtualenv -a "{webapp}" -p "{base()}" webapp-env'
        ' && echo "VIRTUAL_ENV=$VIRTUAL_ENV"'
    )
    variables = {"VIRTUALENVWRAPPER_PYTHON": sys.executable}
    output = run([bash, "-c", commands], tmp_path, tmp_path, **variables)
    prefix = output.splitlines()[-1].removeprefix("VIRTUAL_ENV=")
    assert prefix == str(home(tmp_path, ".virtualenvs", "webapp-env"))
    check(tmp_path, webapp, prefix, "virtualenvwrapper", webapp)
