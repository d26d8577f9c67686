"""The command line: readable summary, JSON, name lookup, `python -m whichpython`."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import pyenv_python, require, run_cli


def test_readable_summary_of_debian_python() -> None:
    result = run_cli("inspect", require("/usr/bin/python3.11"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "/usr/bin/python3.11"
    text = "\n".join(lines)
    assert "CPython 3.11.2" in text or "CPython 3.11." in text
    assert "system (manager: debian)" in text
    assert "/usr/local/lib/python3.11/dist-packages\n" in text + "\n"
    assert "externally managed  yes" in text


def test_name_is_looked_up_on_path(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mypython").symlink_to(pyenv_python("3.12.1"))
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_cli("inspect", "--json", "mypython", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["path"] == str(bin_dir / "mypython")
    assert data["version"] == "3.12.1"


def test_unknown_name_is_not_found() -> None:
    result = run_cli("inspect", "no-such-python-anywhere")
    assert result.returncode == 1
    assert result.stderr == "whichpython: error: no-such-python-anywhere: no such file\n"


def test_python_dash_m_and_console_script_agree() -> None:
    python = str(pyenv_python("3.12.1"))
    via_module = run_cli("inspect", "--json", python)
    script = Path(sys.executable).with_name("whichpython")
    via_script = subprocess.run(
        [str(script), "inspect", "--json", python], capture_output=True, text=True
    )
    assert via_module.returncode == via_script.returncode == 0
    assert json.loads(via_module.stdout) == json.loads(via_script.stdout)


def test_usage_errors_exit_2() -> None:
    assert run_cli().returncode == 2
    assert run_cli("inspect").returncode == 2
    assert run_cli("frobnicate").returncode == 2
