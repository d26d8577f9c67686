"""Both VS Code Python extensions, ported to node with the real ``vscode-jsonrpc`` (npm), drive
the drop-in ``pet`` on a workspace with a ``.venv``, a ``.conda``, a broken venv, a uv-managed
install and pyenv installs; what each would show must equal what it shows with PET.

The clients are tests/ide/*.js (each rule cites the extension's file and commit). The expected
lists are built here from the layout and PET's rules at microsoft/python-environment-tools
8bd5fb4 (cited per entry), never from whichpython's output. Skips cleanly without node, or
without npm and a prepared ``$WHICHPYTHON_TEST_NODE_MODULES``.
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    PYENV_ROOT,
    ROOT_SYSTEM,
    machine_environ,
    make_venv,
    pyenv_python,
    relocated_copy,
    write_script,
)

#: The version npm resolves for the range both extensions' package.json pin ("^9.0.0-next.5"),
#: pinned exactly. (Their lockfiles ship 9.0.0-next.6 (environments) and 9.0.0-next.5 (python).)
VSCODE_JSONRPC = "9.0.3"
IDE = Path(__file__).resolve().parent / "ide"
CLIENT_TIMEOUT = 300  # seconds for one client run (a failure, not a hang, if exceeded)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs npm)")
    return node


@pytest.fixture(scope="session")
def node_modules(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A directory whose node_modules holds vscode-jsonrpc: ``$WHICHPYTHON_TEST_NODE_MODULES``
    (.ci/run prepares it), else one ``npm install`` into a temp dir; skip when neither works."""
    _node()
    given = os.environ.get("WHICHPYTHON_TEST_NODE_MODULES")
    if given and (Path(given) / "node_modules" / "vscode-jsonrpc").is_dir():
        return given
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed and WHICHPYTHON_TEST_NODE_MODULES is not prepared")
    prefix = tmp_path_factory.mktemp("node")
    command = [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(prefix)]
    done = subprocess.run(
        [*command, f"vscode-jsonrpc@{VSCODE_JSONRPC}"], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0 or not (prefix / "node_modules" / "vscode-jsonrpc").is_dir():
        pytest.skip(f"npm could not install vscode-jsonrpc@{VSCODE_JSONRPC}: {done.stderr[-300:]}")
    return str(prefix)


def pet_entry(root: Path) -> Path:
    """The drop-in: the ``whichpython-pet`` console script that installing whichpython puts
    beside this Python (the README's install command does)."""
    script = Path(sys.executable).parent / "whichpython-pet"
    assert script.exists(), f"{script}: missing; install whichpython (pip install -e '.[test]')"
    return script


def conda_meta(prefix: Path, version: str, cmd: str) -> None:
    """conda-meta as conda leaves it: history with the creating command, the python record."""
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True)
    (meta / "history").write_text(
        f"==> 2026-12-02 09:00:00 <==\n# cmd: {cmd}\n# conda version: 24.11.0\n"
        f"+conda-forge/linux-64::python-{version}-h0_cpython\n"
    )
    (meta / f"python-{version}-h0_cpython.json").write_text(
        json.dumps({"name": "python", "version": version, "build": "h0_cpython"})
    )


class Layout:
    """The machine the clients see (all under one temp root, system dirs mapped under it)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.ws = root / "ws"
        self.venv = self.ws / ".venv"
        self.conda_env = self.ws / ".conda"
        self.broken = self.ws / "broken-venv"
        self.base = self.home / "miniforge3"
        self.uv_dir = root / "uv-python"
        self.uv_install = self.uv_dir / "cpython-3.12.1-linux-x86_64-gnu"
        self.pyenv = PYENV_ROOT
        self.ext = root / "ext"
        self.tool = self.ext / "python-env-tools" / "bin" / "pet"

    def build(self) -> None:
        pyenv_python("3.12.1")
        pyenv_python("3.11.7")
        self.home.mkdir(parents=True)
        make_venv(str(pyenv_python("3.12.1")), self.venv)
        # A conda install (the real base) and a workspace env made with `conda create -p`.
        relocated_copy("3.11.7", self.base)
        conda_meta(self.base, "3.11.7", "constructor ... (installer)")
        write_script(self.base / "bin" / "conda", "#!/bin/sh\nexit 0\n")
        # pet-conda utils.rs is_conda_install: conda-meta and condabin/ or envs/ (an
        # installer makes both).
        write_script(self.base / "condabin" / "conda", "#!/bin/sh\nexit 0\n")
        (self.base / "envs").mkdir()
        relocated_copy("3.12.1", self.conda_env)
        conda = self.base / "bin" / "conda"
        conda_meta(self.conda_env, "3.12.1", f"{conda} create -p {self.conda_env} python=3.12")
        # A venv whose base interpreter has gone.
        gone = self.root / "gone-3.11"
        relocated_copy("3.11.7", gone)
        make_venv(str(gone / "bin" / "python3.11"), self.broken)
        shutil.rmtree(gone)
        # `uv python install 3.12`: the patch-version dir and the minor-version alias link.
        relocated_copy("3.12.1", self.uv_install)
        (self.uv_dir / "cpython-3.12-linux-x86_64-gnu").symlink_to(self.uv_install)
        # The extension's pet replaced by whichpython's.
        self.tool.parent.mkdir(parents=True)
        self.tool.symlink_to(pet_entry(self.root))
        # System locations (/usr/bin, /opt, /nix ...) map under the root, as in the other
        # server tests (conftest.ROOT_SYSTEM): the server's Python runs this at start-up.
        (self.root / "site").mkdir()
        (self.root / "site" / "sitecustomize.py").write_text(ROOT_SYSTEM)

    def environ(self, node_modules: str) -> dict[str, str]:
        return dict(
            machine_environ(self.root),
            PYENV_ROOT=str(self.pyenv),
            UV_PYTHON_INSTALL_DIR=str(self.uv_dir),
            WHICHPYTHON_TEST_ROOT=str(self.root),
            # The caller's PYTHONPATH too: a run against other sources tests those (conftest
            # machine_cli_env).
            PYTHONPATH=os.pathsep.join(
                p for p in (str(self.root / "site"), os.environ.get("PYTHONPATH")) if p
            ),
            WHICHPYTHON_TEST_NODE_MODULES=node_modules,
        )

    def client_input(self, cache: str) -> dict[str, Any]:
        return {
            "tool": str(self.tool),
            "workspaceFolders": [str(self.ws)],
            "cacheDirectory": str(self.root / cache),
            "condaPath": None,
            "condaPrefixes": [str(self.conda_env)],
            "workspaceExecutables": [str(self.venv / "bin" / "python")],
        }

    def pyenv_versions(self) -> list[str]:
        versions = self.pyenv / "versions"
        return sorted(p.name for p in versions.iterdir() if (p / "bin" / "python").is_file())

    def venv_name(self, prefix: Path) -> str:
        """PET's name for a venv: pyvenv.cfg's ``prompt`` (pet-venv/src/lib.rs: name =
        cfg.prompt), else none, and the extensions fall back to the folder's name."""
        for line in (prefix / "pyvenv.cfg").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "prompt":
                return value.strip().strip("'\"")
        return prefix.name

    def cfg_version(self, prefix: Path) -> str:
        for line in (prefix / "pyvenv.cfg").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version", "version_info"):
                return value.strip()
        raise AssertionError(f"no version in {prefix / 'pyvenv.cfg'}")


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    built = Layout(tmp_path_factory.mktemp("ide"))
    built.build()
    yield built
    shutil.rmtree(built.root, ignore_errors=True)


def run_client(layout: Layout, node_modules: str, script: str, cache: str) -> dict[str, Any]:
    given = layout.root / f"{script}.{cache}.json"
    given.write_text(json.dumps(layout.client_input(cache)))
    done = subprocess.run(
        [_node(), str(IDE / script), str(given)],
        env=layout.environ(node_modules),
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        cwd=layout.root,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def entry(
    name: str, display: str, kind: str, exe: Path, version: str, broken: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "displayName": display,
        "kind": kind,
        "executable": str(exe),
        "version": version,
        "broken": broken,
    }


def ordered(items: list[Any]) -> list[Any]:
    """A list in a fixed order (an entry may be null: a resolve the client dropped)."""
    return sorted(items, key=lambda e: json.dumps(e, sort_keys=True))


# -- the environments extension ---------------------------------------------------------------


def envs_expected(lay: Layout) -> dict[str, list[dict[str, Any]]]:
    """What the environments extension shows with PET (8bd5fb4) on this layout."""
    venv_v = lay.cfg_version(lay.venv)
    broken_v = lay.cfg_version(lay.broken)
    venv_name, broken_name = lay.venv_name(lay.venv), lay.venv_name(lay.broken)
    workspace_venvs = [
        # pet/src/find.rs: a workspace folder's .venv and its subfolders are searched;
        # pet-python-utils executable.rs find_executable: bin/python first.
        entry(f"{venv_name} ({venv_v})", f"{venv_name} ({venv_v})", "Venv",
              lay.venv / "bin" / "python", venv_v),
        # pet-venv/src/lib.rs: a broken bin/python symlink -> the env with `error`, the
        # executable, pyvenv.cfg's version; venvUtils.ts shows "<name> (broken)".
        entry(f"{broken_name} (broken)", f"{broken_name} (broken)", "Venv",
              lay.broken / "bin" / "python", broken_v, broken=True),
    ]  # fmt: skip
    # pet-uv/src/lib.rs find_managed_python_installs: each non-symlink dir under the install
    # dir is kind Uv, version from the dir's name, executable find_executable (bin/python),
    # no name; venvUtils.ts keeps Uv (name: the folder above bin).
    uv = lay.uv_install.name
    uv_entry = entry(f"{uv} (3.12.1)", f"{uv} (3.12.1)", "Uv", lay.uv_install / "bin" / "python",
                     "3.12.1")  # fmt: skip
    # pet-conda environments.rs get_conda_env_name: the install itself is "base"; an env
    # outside the install's envs made with -p has no name -> condaUtils.ts prefix env named
    # basename(prefix). Executable bin/python, version from conda-meta/python-*.json.
    conda = [
        entry("base", "base (3.11.7)", "Conda", lay.base / "bin" / "python", "3.11.7"),
        entry(".conda", ".conda (3.12.1)", "Conda", lay.conda_env / "bin" / "python", "3.12.1"),
    ]
    # pet-pyenv environments.rs: each versions/<v> with bin/python, no name or display name,
    # version from the headers (= the folder's name here); pyenvUtils.ts: name
    # basename(prefix), display "pyenv (<v>)".
    pyenv = [
        entry(v, f"pyenv ({v})", "Pyenv", lay.pyenv / "versions" / v / "bin" / "python", v)
        for v in lay.pyenv_versions()
    ]
    return {
        "system": [],
        "venv": [*workspace_venvs, uv_entry],
        "conda": conda,
        "pyenv": pyenv,
        "poetry": [],
        "pipenv": [],
        # refresh {searchPaths: [ws]}: only the workspace is searched (PET's search scope
        # Workspace skips the global locators).
        "venvByFolder": workspace_venvs,
        "condaByKind": conda,
        "condaResolved": [conda[1]],
    }


@pytest.fixture(scope="module")
def envs_run(layout: Layout, node_modules: str) -> dict[str, Any]:
    return run_client(layout, node_modules, "envs_extension.js", "envs-cache")


def test_envs_extension_completes_its_sequence_without_error(envs_run: dict[str, Any]) -> None:
    assert envs_run["errors"] == []
    assert envs_run["stderr"] == ""
    assert envs_run["exit"] == {"code": 0, "signal": None}
    assert envs_run["info"] is not None and envs_run["info"].get("petVersion")


ENVS_VIEWS = ["system", "venv", "conda", "pyenv", "poetry", "pipenv"]
ENVS_FILTERED = ["venvByFolder", "condaByKind", "condaResolved"]


@pytest.mark.parametrize("view", ENVS_VIEWS + ENVS_FILTERED)
def test_envs_extension_shows_what_it_shows_with_pet(
    envs_run: dict[str, Any], layout: Layout, view: str
) -> None:
    if view in ENVS_VIEWS:
        shown = envs_run["shown"][view]
    elif view == "venvByFolder":
        shown = envs_run["venvByFolder"][str(layout.ws)]
    elif view == "condaResolved":
        shown = list(envs_run["condaResolved"].values())
    else:
        shown = envs_run[view]
    assert ordered(shown) == ordered(envs_expected(layout)[view]), envs_run["skipped"]


# -- the Python extension ---------------------------------------------------------------------


def python_expected(lay: Layout) -> list[dict[str, Any]]:
    """What the Python extension lists with PET (8bd5fb4) on this layout (nativeAPI.ts:
    getName/getDisplayName/categoryToKind; one entry per executable)."""
    venv_name, broken_name = lay.venv_name(lay.venv), lay.venv_name(lay.broken)
    venv_v, broken_v = lay.cfg_version(lay.venv), lay.cfg_version(lay.broken)

    def py(name: str, short: str, kind: str, exe: Path, version: str) -> dict[str, Any]:
        display = f"Python {version} ({name or short})"
        return {"name": name, "displayName": display, "kind": kind, "executable": str(exe),
                "version": version}  # fmt: skip

    return [
        py(venv_name, "venv", "virt-venv", lay.venv / "bin" / "python", venv_v),
        # The Python extension has no "broken": an env with a version is listed.
        py(broken_name, "venv", "virt-venv", lay.broken / "bin" / "python", broken_v),
        py(lay.uv_install.name, "venv", "virt-venv", lay.uv_install / "bin" / "python", "3.12.1"),
        py("base", "conda", "virt-conda", lay.base / "bin" / "python", "3.11.7"),
        # No name from PET, prefix inside the workspace -> '' -> "(conda)".
        py("", "conda", "virt-conda", lay.conda_env / "bin" / "python", "3.12.1"),
        *(
            py(v, "pyenv", "global-pyenv", lay.pyenv / "versions" / v / "bin" / "python", v)
            for v in lay.pyenv_versions()
        ),
    ]


@pytest.fixture(scope="module")
def python_run(layout: Layout, node_modules: str) -> dict[str, Any]:
    return run_client(layout, node_modules, "python_extension.js", "python-cache")


def test_python_extension_completes_its_sequence_without_error(
    python_run: dict[str, Any],
) -> None:
    assert python_run["errors"] == []
    assert python_run["stderr"] == ""
    assert python_run["exit"] == {"code": 0, "signal": None}


@pytest.mark.parametrize("view", ["shown", "afterCondaRefresh", "afterWorkspaceEvent"])
def test_python_extension_lists_what_it_lists_with_pet(
    python_run: dict[str, Any], layout: Layout, view: str
) -> None:
    """After the first refresh, after a conda-kind refresh (environments.txt changed), and
    after the workspace watcher resolves ``.venv/bin/python`` (same list: no duplicate)."""
    assert ordered(python_run[view]) == ordered(python_expected(layout))
