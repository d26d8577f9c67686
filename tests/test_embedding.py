"""libpython and embedding: a real C program built from ``embed`` flags (docs/embedding.md)."""

import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import pytest

from conftest import (
    fake_interpreter,
    pyenv_python,
    require,
    run_cli,
    self_report,
    standalone_lookalike,
)
from whichpython import inspect_interpreter

PROGRAM = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
int main(void) {
    Py_Initialize();
    PyRun_SimpleString("import sys; print(sys.version); print(sys.prefix)");
    return Py_FinalizeEx() < 0 ? 1 : 0;
}
"""

# What PyO3's build script asks an interpreter (pyo3-build-config's from_interpreter rules),
# plus the build flags it reads from sysconfig.
PYO3_FACTS = r"""
import json, os, platform, struct, sys, sysconfig
var = sysconfig.get_config_var
impl = platform.python_implementation()
shared = (impl in ("PyPy", "GraalVM") or os.path.exists(os.path.join(sys.base_prefix, "conda-meta"))
          or platform.system() == "Windows" or bool(var("PYTHONFRAMEWORK"))
          or bool(var("Py_ENABLE_SHARED")))
flags = [f for f in ("Py_DEBUG", "Py_REF_DEBUG", "Py_TRACE_REFS", "COUNT_ALLOCS", "Py_GIL_DISABLED")
         if str(var(f)) == "1"]
if "Py_DEBUG" in flags and "Py_REF_DEBUG" not in flags:
    flags.append("Py_REF_DEBUG")
print(json.dumps({"implementation": impl, "version": "%d.%d" % sys.version_info[:2],
                  "shared": shared, "ld_version": var("LDVERSION"), "executable": sys.executable,
                  "pointer_width": struct.calcsize("P") * 8, "build_flags": sorted(flags)}))
"""


@pytest.fixture(scope="session")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("pbs")
    yield standalone_lookalike("3.12.1", folder / "cpython-3.12.1")
    shutil.rmtree(folder, ignore_errors=True)


def _gcc() -> str:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    return gcc


def _build(python: Path, work: Path) -> Path:
    """Compile PROGRAM with ``whichpython embed --cflags --ldflags`` (the real CLI)."""
    flags = run_cli("embed", "--cflags", "--ldflags", str(python))
    assert flags.returncode == 0, flags.stderr
    work.mkdir(parents=True, exist_ok=True)
    source = work / "embed.c"
    source.write_text(PROGRAM)
    binary = work / "embed"
    subprocess.run(
        [_gcc(), str(source), "-o", str(binary), *shlex.split(flags.stdout)],
        check=True,
        capture_output=True,
    )
    return binary


def _run(binary: Path, exports: Optional[str] = None) -> "subprocess.CompletedProcess[str]":
    """Run ``binary`` in a clean environment, after ``exports`` (``embed --env`` output).

    PATH is reset: an embedded CPython looks ``python3`` up on PATH to find its prefix, and a
    venv first on PATH (the test runner's own) would become the program's venv.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "LD_LIBRARY", "VIRTUAL_ENV", "CONDA"))
    }
    env["PATH"] = "/usr/bin:/bin"
    script = f'{exports or ""}\nexec "$0"'
    return subprocess.run(
        ["sh", "-c", script, str(binary)], capture_output=True, text=True, env=env, timeout=60
    )


def _env(python: Path) -> str:
    shown = run_cli("embed", "--env", str(python))
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_embedding_a_pyenv_build(tmp_path: Path) -> None:
    python = pyenv_python("3.12.1")
    binary = _build(python, tmp_path)
    result = _run(binary, _env(python))
    assert result.returncode == 0, result.stderr
    version, prefix = result.stdout.splitlines()
    assert version == self_report(str(python), "import sys; print(sys.version)").strip()
    assert prefix == "/root/.pyenv/versions/3.12.1" or prefix == str(python.parent.parent)


def test_embedding_a_relocated_build(standalone: Path, tmp_path: Path) -> None:
    prefix = standalone.parent.parent
    binary = _build(standalone, tmp_path)
    exports = _env(standalone)
    assert f"export LD_LIBRARY_PATH={prefix / 'lib'}" in exports
    assert f"export PYTHONHOME={prefix}" in exports

    # Without the exports: the failure PyO3 users know.
    bare = _run(binary)
    assert bare.returncode != 0
    assert "libpython3.12.so.1.0: cannot open shared object file" in bare.stderr
    # The library alone is not enough: libpython looks for its stdlib under /install.
    library_only = _run(binary, exports.splitlines()[0])
    assert library_only.returncode != 0
    assert "platform independent libraries" in library_only.stderr

    result = _run(binary, exports)
    assert result.returncode == 0, result.stderr
    version, seen_prefix = result.stdout.splitlines()
    assert version == self_report(str(standalone), "import sys; print(sys.version)").strip()
    assert seen_prefix == str(prefix)


def test_embedding_debian_needs_no_exports(tmp_path: Path) -> None:
    python = Path(require("/usr/bin/python3.11"))
    found = inspect_interpreter(python, cache=False)
    assert found.embedding is not None
    assert (found.embedding.rpath, found.embedding.pythonhome) == (None, None)
    assert _env(python).strip() == ""
    binary = _build(python, tmp_path)
    result = _run(binary)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "/usr"


def _pyo3_fields(python: Path) -> dict[str, str]:
    shown = run_cli("embed", "--pyo3-config", str(python))
    assert shown.returncode == 0, shown.stderr
    fields = {}
    for line in shown.stdout.splitlines():
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line!r}"
        assert key not in fields, f"{key} repeated"
        fields[key] = value
    return fields


@pytest.mark.parametrize("which", ["pyenv-3.12", "standalone", "debian-3.11d", "pypy3"])
def test_pyo3_config_matches_the_interpreter(which: str, standalone: Path) -> None:
    python = {
        "pyenv-3.12": lambda: pyenv_python("3.12.1"),
        "standalone": lambda: standalone,
        "debian-3.11d": lambda: Path(require("/usr/bin/python3.11d")),
        "pypy3": lambda: Path(require("/usr/bin/pypy3")),
    }[which]()
    fields = _pyo3_fields(python)
    facts = json.loads(self_report(str(python), PYO3_FACTS))
    assert list(fields)[:4] == ["implementation", "version", "shared", "abi3"]
    assert fields["implementation"] == facts["implementation"]
    assert fields["version"] == facts["version"]
    assert fields["shared"] == str(facts["shared"]).lower()
    assert fields["abi3"] == "false"
    stem = "pypy" if facts["implementation"] == "PyPy" else "python"
    suffix = "-c" if stem == "pypy" else ""
    assert fields["lib_name"] == f"{stem}{facts['ld_version']}{suffix}"
    assert fields["executable"] == facts["executable"]
    assert fields["pointer_width"] == str(facts["pointer_width"])
    assert sorted(filter(None, fields["build_flags"].split(","))) == facts["build_flags"]
    assert fields["suppress_build_script_link_lines"] == "false"
    # lib_dir is where the library really is (not the build prefix PyO3 would read).
    library = Path(fields["lib_dir"]) / f"lib{fields['lib_name']}.so"
    assert library.exists(), library
    if which == "standalone":
        assert fields["lib_dir"] == str(standalone.parent.parent / "lib")


def test_pyo3_lib_dir_links(standalone: Path, tmp_path: Path) -> None:
    """The linker finds lib_name in lib_dir: what PyO3's rustc-link-search/-lib lines do."""
    fields = _pyo3_fields(standalone)
    source = tmp_path / "main.c"
    source.write_text("int Py_IsInitialized(void); int main(void){return Py_IsInitialized();}\n")
    subprocess.run(
        [_gcc(), str(source), f"-L{fields['lib_dir']}", f"-l{fields['lib_name']}",
         "-o", str(tmp_path / "linked")],
        check=True,
        capture_output=True,
    )  # fmt: skip


def test_libpython_facts() -> None:
    python = pyenv_python("3.12.1")
    found = inspect_interpreter(python, cache=False)
    lib = found.libpython
    assert lib is not None and lib.shared is not None and lib.static is not None
    prefix = python.parent.parent
    assert (lib.name, lib.directory) == ("python3.12", str(prefix / "lib"))
    assert (lib.shared.path, lib.shared.exists) == (str(prefix / "lib/libpython3.12.so.1.0"), True)
    assert lib.static.exists and lib.static.path.endswith("/libpython3.12.a")
    assert found.embedding is not None
    assert found.embedding.include_dirs == [str(prefix / "include/python3.12")]
    assert found.embedding.rpath == str(prefix / "lib")


@pytest.mark.parametrize(
    ("fixture", "lib_name"),
    [
        ("windows-python-org-3.12.json", "python312"),
        ("macos-python-org-3.12.json", "python3.12"),
        ("conda-base-3.11.json", "python3.11"),
        ("uv-cpython-3.13t-linux.json", "python3.13t"),
    ],
)
def test_embedding_facts_of_recorded_layouts(fixture: str, lib_name: str, tmp_path: Path) -> None:
    """Layouts this machine lacks, from their recorded probe answers: PyO3 calls each of them
    shared (Windows, a framework, conda, Py_ENABLE_SHARED=1)."""
    script, data = fake_interpreter(tmp_path, fixture)
    shown = run_cli("embed", "--pyo3-config", str(script))
    assert shown.returncode == 0, shown.stderr
    fields = dict(line.split("=", 1) for line in shown.stdout.splitlines())
    assert fields["shared"] == "true"
    assert fields["lib_name"] == lib_name
    found = inspect_interpreter(script, cache=False)
    assert found.libpython is not None and found.libpython.name == lib_name
    assert fields["lib_dir"] == found.libpython.directory
    base = data["probe"]["base_prefix"]
    if fixture.startswith("windows"):
        assert fields["lib_dir"] == base + "\\libs"
    else:
        assert fields["lib_dir"] == base + "/lib"
    if fixture.startswith("uv"):
        assert fields["build_flags"] == "Py_GIL_DISABLED"
    # Their files are not on this machine: reported as missing, and no loader path is
    # asked for a library that is not there.
    assert found.libpython.shared is not None and not found.libpython.shared.exists
    assert found.embedding is not None and found.embedding.rpath is None
