"""Shared fixtures: the machine's real interpreters and builders of odd layouts in temp dirs."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest

PYENV_ROOT = Path(os.environ.get("WHICHPYTHON_TEST_PYENV_ROOT", "/root/.pyenv"))
PYENV_VERSIONS = ["2.7.18", "3.6.15", "3.7.16", "3.8.18", "3.9.18", "3.10.13", "3.11.7",
                  "3.12.1", "3.13.0"]  # fmt: skip
DEBIAN = {"debian-3.11": "/usr/bin/python3.11", "debian-3.11d": "/usr/bin/python3.11d",
          "debian-pypy3": "/usr/bin/pypy3"}  # fmt: skip
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def pyenv_python(version: str) -> Path:
    """``$PYENV_ROOT/versions/<v>/bin/python`` or skip the test."""
    path = PYENV_ROOT / "versions" / version / "bin" / "python"
    if not path.exists():
        pytest.skip(f"pyenv {version} is not installed at {path}")
    return path


def real_interpreters() -> list[Any]:
    """Every real interpreter the acceptance names, as pytest params (skipped when absent)."""
    params = []
    for version in PYENV_VERSIONS:
        path = PYENV_ROOT / "versions" / version / "bin" / "python"
        params.append(pytest.param(str(path), id=f"pyenv-{version}"))
    for name, path_text in DEBIAN.items():
        params.append(pytest.param(path_text, id=name))
    return params


def require(path: str) -> str:
    if not os.path.exists(path):
        pytest.skip(f"{path} is not installed")
    return path


def isolation_flags(path: str) -> list[str]:
    major = self_report(path, "import sys; print(sys.version_info[0])", ["-E", "-s"]).strip()
    return ["-I"] if major == "3" else ["-E", "-s"]


def self_report(python: str, code: str, flags: Optional[list[str]] = None) -> str:
    """Run ``code`` in ``python`` and return its stdout (the interpreter speaking for itself)."""
    argv = [python, *(flags if flags is not None else isolation_flags(python)), "-c", code]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout


def run_cli(*args: str, env: Optional[dict[str, str]] = None, timeout: float = 60) -> Any:
    """``python -m whichpython ARGS`` in a subprocess (the real CLI, exit code and all)."""
    full_env = dict(os.environ if env is None else env)
    return subprocess.run(
        [sys.executable, "-m", "whichpython", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def relocated_copy(version: str, dest: Path) -> Path:
    """A copy of a pyenv build at ``dest``: bin/ copied, the big dirs hard-linked when possible.

    The interpreter finds its new prefix at run time; its sysconfig data still names the old one.
    """
    source = PYENV_ROOT / "versions" / version
    if not source.exists():
        pytest.skip(f"pyenv {version} is not installed")

    def link_or_copy(src: str, dst: str) -> object:
        try:
            os.link(src, dst)
            return dst
        except OSError:
            return shutil.copy2(src, dst)

    dest.mkdir(parents=True)
    for child in source.iterdir():
        target = dest / child.name
        if child.name == "bin":
            shutil.copytree(child, target, symlinks=True)
        elif child.is_dir():
            ignore = shutil.ignore_patterns("test", "tests", "__pycache__", "idlelib", "tkinter")
            shutil.copytree(child, target, symlinks=True, copy_function=link_or_copy, ignore=ignore)
        else:
            shutil.copy2(child, target)
    return dest


def make_venv(base: str, dest: Path, *extra: str) -> Path:
    """``base -m venv dest`` (without pip: fast); returns the venv's python."""
    subprocess.run([base, "-m", "venv", "--without-pip", *extra, str(dest)], check=True)
    return dest / "bin" / "python"


def write_script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def fake_interpreter(directory: Path, fixture: str) -> tuple[Path, dict[str, Any]]:
    """An executable that answers the probe with a recorded answer from ``fixtures/probes``."""
    data = json.loads((FIXTURES / "probes" / fixture).read_text())
    answer = directory / (fixture + ".answer.json")
    answer.write_text(json.dumps(data["probe"]))
    script = directory / fixture.replace(".json", "")
    write_script(
        script,
        f"#!{sys.executable}\n"
        "import os, sys\n"
        f"payload = open({str(answer)!r}).read()\n"
        "marker = sys.argv[-1]\n"
        "os.write(1, (marker + ':BEGIN' + payload + marker + ':END').encode('ascii'))\n",
    )
    return script, data


@pytest.fixture(scope="session")
def copy312(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A relocated copy of pyenv 3.12.1 shared by read-only tests."""
    return relocated_copy("3.12.1", tmp_path_factory.mktemp("relocated") / "cpython-3.12")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private cache for the test (in-process and CLI subprocesses alike)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("WHICHPYTHON_CACHE_DIR", str(directory))
    monkeypatch.delenv("WHICHPYTHON_NO_CACHE", raising=False)
    yield directory


@pytest.fixture(autouse=True)
def _no_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the user's real cache."""
    if "WHICHPYTHON_CACHE_DIR" not in os.environ:
        monkeypatch.setenv("WHICHPYTHON_CACHE_DIR", str(tmp_path / "default-cache"))
