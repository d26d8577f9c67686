"""Odd but real layouts, built in temp dirs: relocated builds, noisy start-up, venvs, Nix envs."""

import json
import os
from pathlib import Path

import pytest

from conftest import make_venv, pyenv_python, relocated_copy, self_report, write_script
from whichpython import Kind, inspect_interpreter


def test_relocated_copy_reports_its_new_home(copy312: Path) -> None:
    python = copy312 / "bin" / "python3.12"
    found = inspect_interpreter(python, cache=False)
    own = json.loads(
        self_report(str(python), "import sys, json; print(json.dumps([sys.prefix, sys.path]))")
    )
    assert found.prefixes.prefix == own[0] == str(copy312)
    assert found.sys_path == own[1]
    assert found.executable == str(python)
    assert found.base_executable == str(python)
    assert found.site_packages == [str(copy312 / "lib" / "python3.12" / "site-packages")]
    assert found.paths["stdlib"] == str(copy312 / "lib" / "python3.12")
    # The build's sysconfig data is reported as the interpreter has it (still the old prefix).
    assert found.sysconfig["prefix"] == "/root/.pyenv/versions/3.12.1"
    assert found.kind is Kind.SYSTEM and found.manager is None


def test_startup_output_from_sitecustomize_and_pth_is_ignored(tmp_path: Path) -> None:
    python = make_venv(str(pyenv_python("3.12.1")), tmp_path / "noisy")
    site = tmp_path / "noisy" / "lib" / "python3.12" / "site-packages"
    (site / "sitecustomize.py").write_text(
        "import sys\n"
        "print('sitecustomize says {\"not\": json')\n"
        "sys.stdout.write(sys.argv[-1] + ':END ' + 'x' * 70000 + '\\n')\n"
        "sys.stderr.write('and some stderr\\n')\n"
    )
    (site / "zz-noisy.pth").write_text("import sys; print('a .pth line :BEGIN {')\n")
    noise = self_report(str(python), "pass")
    assert "sitecustomize says" in noise and ".pth line" in noise  # the noise is real

    found = inspect_interpreter(python, cache=False)
    assert found.kind is Kind.VENV
    assert found.site_packages == [str(site)]
    assert found.version == "3.12.1"


def test_stdlib_venv_is_a_venv_with_its_base(tmp_path: Path) -> None:
    base = pyenv_python("3.12.1")
    python = make_venv(str(base), tmp_path / "env")
    found = inspect_interpreter(python, cache=False)
    assert found.kind is Kind.VENV
    assert found.manager == "venv"
    assert found.venv is not None
    assert found.venv.config_path == str(tmp_path / "env" / "pyvenv.cfg")
    assert found.venv.home == str(base.parent)
    assert found.venv.creator == "venv"
    assert found.venv.include_system_site_packages is False
    assert found.prefixes.prefix == str(tmp_path / "env")
    assert found.prefixes.base_prefix == str(base.parent.parent)
    assert found.base_executable is not None
    assert os.path.realpath(found.base_executable) == os.path.realpath(base)
    assert found.externally_managed is False
    assert found.site_packages == [str(tmp_path / "env" / "lib" / "python3.12" / "site-packages")]
    assert found.user_site is not None and found.user_site.enabled is False


def test_venv_with_system_site_packages_lists_both(tmp_path: Path) -> None:
    base = pyenv_python("3.12.1")
    python = make_venv(str(base), tmp_path / "env", "--system-site-packages")
    found = inspect_interpreter(python, cache=False)
    assert found.venv is not None and found.venv.include_system_site_packages
    assert found.user_site is not None and found.user_site.enabled is True
    assert found.site_packages == [
        str(tmp_path / "env" / "lib" / "python3.12" / "site-packages"),
        str(base.parent.parent / "lib" / "python3.12" / "site-packages"),
    ]


def test_debian_venv_is_not_externally_managed(tmp_path: Path) -> None:
    if not os.path.exists("/usr/bin/python3.11"):
        pytest.skip("Debian's python3.11 is not installed")
    python = make_venv("/usr/bin/python3.11", tmp_path / "env")
    found = inspect_interpreter(python, cache=False)
    assert found.kind is Kind.VENV
    assert found.externally_managed is False
    assert found.externally_managed_file == "/usr/lib/python3.11/EXTERNALLY-MANAGED"


# What nixpkgs' sitecustomize does with the variables its env wrappers set (field notes).
NIX_SITECUSTOMIZE = """\
import os, site, sys
paths = os.environ.pop("NIX_PYTHONPATH", None)
if paths:
    site.addsitedir(paths)
prefix = os.environ.pop("NIX_PYTHONPREFIX", None)
executable = os.environ.pop("NIX_PYTHONEXECUTABLE", None)
if prefix and sys.prefix == sys.base_prefix:
    sys.prefix = sys.exec_prefix = prefix
    if executable:
        sys.executable = executable
"""


def build_nix_env(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A store with a base Python (a relocated copy) and a withPackages-style env wrapper."""
    store = tmp_path / "store"
    base = relocated_copy("3.12.1", store / ("0" * 32 + "-python3-3.12.1"))
    (base / "lib" / "python3.12" / "site-packages" / "sitecustomize.py").write_text(
        NIX_SITECUSTOMIZE
    )
    env = store / ("1" * 32 + "-python3-3.12.1-env")
    site = env / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    (site / "nixpkg.py").write_text("")
    wrapper = write_script(
        env / "bin" / "python3.12",
        "#!/bin/sh\n"
        f"export NIX_PYTHONPREFIX={env}\n"
        f"export NIX_PYTHONEXECUTABLE={env}/bin/python3.12\n"
        f"export NIX_PYTHONPATH={site}\n"
        f'exec {base}/bin/python3.12 "$@"\n',
    )
    return store, base, wrapper


def test_nix_style_wrapped_env_is_nix_env_not_venv(tmp_path: Path) -> None:
    store, base, wrapper = build_nix_env(tmp_path)
    env = wrapper.parent.parent
    found = inspect_interpreter(wrapper, cache=False, environ={"NIX_STORE_DIR": str(store)})
    assert found.kind is Kind.NIX_ENV
    assert found.manager == "nix"
    assert found.venv is None
    assert found.prefixes.prefix == str(env)
    assert found.prefixes.base_prefix == str(base)
    assert found.executable == str(wrapper)
    assert found.base_executable == str(base / "bin" / "python3.12")
    assert str(env / "lib" / "python3.12" / "site-packages") in found.site_packages

    # Without knowing the store, it is still an env (prefix != base prefix, no pyvenv.cfg).
    anonymous = inspect_interpreter(wrapper, cache=False, environ={})
    assert anonymous.kind is Kind.NIX_ENV and anonymous.manager is None


def test_caller_python_variables_never_reach_the_probe(tmp_path: Path) -> None:
    # A wrapper that drops the isolation flag: only the runner's clean environment protects it.
    real = pyenv_python("3.12.1")
    wrapper = write_script(tmp_path / "python3", f'#!/bin/sh\nshift\nexec {real} "$@"\n')
    evil = tmp_path / "evil"
    evil.mkdir()
    environ = dict(os.environ, PYTHONPATH=str(evil), PYTHONHOME="/nonexistent-home")
    found = inspect_interpreter(wrapper, cache=False, environ=environ)
    assert str(evil) not in found.sys_path
    assert found.prefixes.prefix == str(real.parent.parent)
