"""`inspect --json` on every real interpreter of this machine, checked against what each
interpreter says about itself (through a separate script, not the probe)."""

import json
import os
import subprocess
from typing import Any

import pytest

from conftest import isolation_flags, real_interpreters, require, run_cli, self_report
from whichpython.probe.runner import probe_source

SELF_REPORT = r"""
import json, site, sys, sysconfig
try:
    scheme = sysconfig.get_default_scheme()
except AttributeError:
    scheme = sysconfig._get_default_scheme()
names = ("LIBDIR", "LDLIBRARY", "EXT_SUFFIX", "SOABI", "INCLUDEPY", "Py_ENABLE_SHARED",
         "MULTIARCH", "VERSION", "Py_GIL_DISABLED")
print(json.dumps({
    "prefix": sys.prefix,
    "exec_prefix": sys.exec_prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "executable": sys.executable,
    "version_info": list(sys.version_info),
    "implementation": getattr(getattr(sys, "implementation", None), "name", "cpython"),
    "sys_path": [p for p in sys.path if p not in ("", ".")],
    "paths": sysconfig.get_paths(),
    "scheme": scheme,
    "vars": dict((name, sysconfig.get_config_var(name)) for name in names),
    "debug": hasattr(sys, "gettotalrefcount"),
    "pointer_bits": 64 if sys.maxsize > 2 ** 32 else 32,
    "user_site": site.getusersitepackages(),
}))
"""


def inspect_json(path: str) -> dict[str, Any]:
    result = run_cli("inspect", "--json", "--no-cache", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize("python", real_interpreters())
def test_inspect_json_matches_the_interpreters_own_report(python: str) -> None:
    require(python)
    own = json.loads(self_report(python, SELF_REPORT))
    data = inspect_json(python)

    assert data["path"] == python
    assert data["real_path"] == os.path.realpath(python)
    assert data["executable"] == own["executable"]
    assert data["implementation"] == own["implementation"]
    major, minor, micro, level, serial = own["version_info"]
    assert data["version_info"] == {
        "major": major, "minor": minor, "micro": micro, "releaselevel": level, "serial": serial
    }  # fmt: skip
    assert data["version"] == f"{major}.{minor}.{micro}"
    assert data["prefixes"]["prefix"] == own["prefix"]
    assert data["prefixes"]["exec_prefix"] == own["exec_prefix"]
    assert data["prefixes"]["base_prefix"] == own["base_prefix"]
    assert data["sys_path"] == own["sys_path"]
    expected_sites: list[str] = []
    for entry in own["sys_path"]:
        if os.path.basename(entry) in ("site-packages", "dist-packages") and (
            entry not in expected_sites
        ):
            expected_sites.append(entry)
    assert data["site_packages"] == expected_sites
    assert data["sysconfig_scheme"] == own["scheme"]
    for name in ("stdlib", "platstdlib", "purelib", "platlib", "include", "scripts", "data"):
        assert data["paths"][name] == own["paths"][name], name
    for name, value in own["vars"].items():
        assert data["sysconfig"][name] == value, name
    assert data["debug"] == own["debug"]
    assert data["freethreaded"] == (own["vars"]["Py_GIL_DISABLED"] == 1)
    assert data["platform"]["pointer_bits"] == own["pointer_bits"]
    marker = os.path.join(own["paths"]["stdlib"], "EXTERNALLY-MANAGED")
    assert data["externally_managed"] == os.path.isfile(marker)
    assert data["venv"] is None
    assert data["user_site"] == {
        "path": own["user_site"],
        "exists": os.path.isdir(own["user_site"]),
        "enabled": True,
    }
    if python.startswith("/root/.pyenv/") or "/.pyenv/versions/" in python:
        assert (data["kind"], data["manager"]) == ("managed", "pyenv")
    else:
        assert (data["kind"], data["manager"]) == ("system", "debian")


def test_debian_python_site_dirs_and_pep668() -> None:
    data = inspect_json(require("/usr/bin/python3.11"))
    assert data["site_packages"] == [
        "/usr/local/lib/python3.11/dist-packages",
        "/usr/lib/python3/dist-packages",
    ]
    assert data["externally_managed"] is True
    assert data["externally_managed_file"] == "/usr/lib/python3.11/EXTERNALLY-MANAGED"
    assert data["kind"] == "system"
    assert data["manager"] == "debian"
    assert data["platform"]["distro"]["id"] == "debian"


def test_debian_debug_build_is_debug() -> None:
    data = inspect_json(require("/usr/bin/python3.11d"))
    assert data["debug"] is True
    assert data["sysconfig"]["Py_DEBUG"] == 1
    assert data["sysconfig"]["ABIFLAGS"] == "d"


def test_pypy_reports_language_and_implementation_versions() -> None:
    python = require("/usr/bin/pypy3")
    data = inspect_json(python)
    own = self_report(
        python, "import sys; print('%d.%d.%d' % sys.pypy_version_info[:3])", ["-I"]
    ).strip()
    assert data["implementation"] == "pypy"
    assert data["implementation_version"] == own
    assert data["version"].startswith("3.")


# The probe's own JSON writer against json.dumps, in the interpreter itself: its real answer
# and values that stress the writer (non-ASCII, escapes, big ints, floats, nesting).
ENCODER_CHECK = """
import json
answer = gather()
odd = {"text": u"caf\\u00e9 \\"q\\" \\\\ \\n\\t\\u2603", "big": 2 ** 70, "neg": -3, "f": 0.1,
       "exp": 1e300, "nested": [[], {}, (1, None, True, False)], u"\\u00e9": [u""]}
for value in (answer, odd):
    mine = encode(value, string_quoter())
    theirs = json.dumps(value, ensure_ascii=True, sort_keys=True)
    assert mine == theirs, (mine, theirs)
    assert json.loads(mine) == json.loads(theirs)
print("same")
"""


@pytest.mark.parametrize("python", real_interpreters())
def test_probe_writes_the_json_that_json_dumps_writes(python: str) -> None:
    require(python)
    source = probe_source().rsplit("main()", 1)[0] + ENCODER_CHECK
    flags = isolation_flags(python)
    done = subprocess.run([python, *flags, "-c", source], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "same"


@pytest.mark.parametrize("python", real_interpreters())
def test_the_probe_answers_the_same_without_loading_threading(python: str) -> None:
    """sysconfig (3.12+) gets a stand-in for threading where nothing loaded it (the probe's
    cost, docs/probe.md): the answer is the same as with the real module loaded first, and
    threading is not loaded by the probe."""
    require(python)
    flags = isolation_flags(python)
    report = "\nimport sys\nsys.stderr.write('THREADING=%s' % ('threading' in sys.modules))\n"

    def answer(prefix: str) -> tuple[str, str]:
        source = prefix + probe_source() + report
        done = subprocess.run([python, *flags, "-c", source, "MK"], capture_output=True)
        assert b"MK:END" in done.stdout, done.stderr
        loaded = done.stderr.decode().rsplit("THREADING=", 1)[1]
        return done.stdout.decode().rsplit("MK:BEGIN", 1)[1], loaded

    plain, loaded = answer("")
    with_threading, _ = answer("import threading\n")
    assert plain == with_threading
    if "/3.12." in python or "/3.13." in python:  # sysconfig imports threading there
        assert loaded == "False"
