"""A venv's ``home`` found like CPython's getpath, and venvs that work (docs/venv-home.md)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import make_venv, pyenv_python, require, run_cli
from whichpython import Refused, VenvCreationFailed, create_venv, inspect_interpreter
from whichpython.sources.pyvenv import read_pyvenv_cfg


def _runs(python: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [str(python), "-c", "import encodings, sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
    )


def test_model_reports_the_getpath_home_of_a_symlink(pbs312: Path, pbs312_link: Path) -> None:
    found = inspect_interpreter(pbs312_link, cache=False)
    assert found.venv_home == str(pbs312.parent)
    assert found.base_executable == str(pbs312)


def test_venv_module_through_the_symlink_is_broken(pbs312_link: Path, tmp_path: Path) -> None:
    """The failure others have: ``home`` is the link's directory."""
    broken = tmp_path / "broken"
    subprocess.run([str(pbs312_link), "-m", "venv", "--without-pip", str(broken)], check=True)
    assert read_pyvenv_cfg(str(broken / "pyvenv.cfg"))["home"] == str(pbs312_link.parent)
    result = _runs(broken / "bin" / "python")
    assert result.returncode != 0
    assert "No module named 'encodings'" in result.stderr
    # whichpython says what is wrong with it instead of a traceback.
    shown = run_cli("inspect", str(broken / "bin" / "python"))
    assert shown.returncode == 1
    assert "No module named 'encodings'" in shown.stderr
    assert "Traceback" not in shown.stderr


def test_whichpython_venv_through_the_symlink_works(
    pbs312: Path, pbs312_link: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "good"
    made = run_cli("venv", str(dest), "-p", str(pbs312_link))
    assert made.returncode == 0, made.stderr
    python = Path(made.stdout.strip())
    assert python.parent == dest / "bin"
    cfg = read_pyvenv_cfg(str(dest / "pyvenv.cfg"))
    assert cfg["home"] == str(pbs312.parent)
    result = _runs(python)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(dest)


def test_create_venv_library_call(tmp_path: Path) -> None:
    base = inspect_interpreter(pyenv_python("3.12.1"), cache=False)
    made = create_venv(base, tmp_path / "env", system_site_packages=True)
    assert made.is_venv and made.venv is not None
    assert made.venv.home == base.venv_home
    assert made.venv.include_system_site_packages
    assert made.site_packages[0] == str(tmp_path / "env" / "lib" / "python3.12" / "site-packages")
    assert made.site_packages[1:] == base.site_packages


def test_venv_from_a_venv_uses_its_base(tmp_path: Path) -> None:
    base = pyenv_python("3.12.1")
    first = make_venv(str(base), tmp_path / "first")
    made = run_cli("venv", str(tmp_path / "second"), "-p", str(first))
    assert made.returncode == 0, made.stderr
    assert f"{first} is a venv; using its base interpreter" in made.stderr
    cfg = read_pyvenv_cfg(str(tmp_path / "second" / "pyvenv.cfg"))
    assert cfg["home"] == str(base.parent)


def test_venv_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    made = run_cli("venv", str(dest), "-p", str(pyenv_python("3.12.1")))
    assert made.returncode == 1
    assert made.stderr.strip() == (
        f"whichpython: error: {dest}: exists and is not empty; choose a new directory"
    )
    assert sorted(p.name for p in dest.iterdir()) == ["keep.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(Refused, match="exists and is not a directory"):
        create_venv(str(pyenv_python("3.12.1")), a_file)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("venv", str(empty), "-p", str(pyenv_python("3.12.1"))).returncode == 0


def test_venv_refuses_python2(tmp_path: Path) -> None:
    with pytest.raises(Refused, match="has no venv module"):
        create_venv(str(pyenv_python("2.7.18")), tmp_path / "env")
    assert not (tmp_path / "env").exists()


def test_venv_module_failure_is_reported(tmp_path: Path) -> None:
    """Debian's python3.11 without ensurepip: ``--with-pip`` fails with a clear cause, or
    (where python3-venv is installed) works."""
    python = require("/usr/bin/python3.11")
    try:
        made = create_venv(python, tmp_path / "env", with_pip=True)
    except VenvCreationFailed as error:
        assert error.path == str(tmp_path / "env")
        assert "-m venv failed" in error.cause
    else:
        assert made.is_venv


def test_venv_json_output(tmp_path: Path) -> None:
    made = run_cli("venv", "--json", str(tmp_path / "env"), "-p", "3.12")
    assert made.returncode == 0, made.stderr
    data = json.loads(made.stdout)
    assert data["kind"] == "venv"
    assert data["version"].startswith("3.12")
