"""PEP 514 registrations (through a fake registry) and Microsoft Store packages, in temp dirs."""

import sys
from pathlib import Path
from typing import Optional

import pytest

from whichpython.sources.base import Candidate, Context, Hints, Registry
from whichpython.sources.windows import MicrosoftStore, WindowsRegistry


class FakeRegistry:
    """The Registry protocol over ``{"HKLM\\Software\\Python\\X\\3.12": {values}}``.

    Parent keys exist implicitly; names compare case-insensitively, as in the real registry."""

    def __init__(self, keys: dict[str, dict[str, str]]) -> None:
        self.keys = {k.lower(): v for k, v in keys.items()}
        self.names = list(keys)

    def subkeys(self, hive: str, key: str) -> list[str]:
        prefix = f"{hive}\\{key}\\".lower()
        found: dict[str, None] = {}
        for name in self.names:
            if name.lower().startswith(prefix):
                found.setdefault(name[len(prefix) :].split("\\")[0], None)
        return list(found)

    def value(self, hive: str, key: str, name: str) -> Optional[str]:
        return self.keys.get(f"{hive}\\{key}".lower(), {}).get(name)


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"MZ")
    return path


def ctx_for(
    tmp_path: Path, registry: Optional[Registry] = None, platform: str = "win32", **environ: str
) -> Context:
    env = {"USERPROFILE": str(tmp_path / "home"), **environ}
    return Context(environ=env, cwd=str(tmp_path), root=str(tmp_path), platform=platform,
                   registry=registry)  # fmt: skip


PY = "Software\\Python"
CORE = f"{PY}\\PythonCore"
WOW = "Software\\Wow6432Node\\Python"


def test_registry_pep514(tmp_path: Path) -> None:
    user313 = touch(tmp_path / "user" / "Python313" / "python.exe")
    machine313 = touch(tmp_path / "machine" / "Python313" / "python.exe")
    machine313t = touch(tmp_path / "machine" / "Python313" / "python3.13t.exe")
    machine312 = touch(tmp_path / "machine" / "Python312" / "python.exe")
    machine311 = touch(tmp_path / "machine" / "Python311" / "python.exe")
    machine310t = touch(tmp_path / "machine" / "Python310" / "python3.10t.exe")
    x86_312 = touch(tmp_path / "x86" / "Python312-32" / "python.exe")
    conda = touch(tmp_path / "anaconda3" / "python.exe")
    astral = touch(tmp_path / "uv" / "cpython-3.13.1" / "python.exe")
    pypy = touch(tmp_path / "pypy3.10" / "pypy3.exe")
    launcher = touch(tmp_path / "launcher" / "py.exe")
    store = touch(
        tmp_path / "WindowsApps" / "PythonSoftwareFoundation.Python.3.10_q" / "python.exe"
    )

    registry = FakeRegistry(
        {
            # HKCU: a per-user 3.13 (wins over HKLM's 3.13), and a stale 3.11 (hides nothing).
            f"HKCU\\{CORE}\\3.13": {"SysVersion": "3.13", "Version": "3.13.1"},
            f"HKCU\\{CORE}\\3.13\\InstallPath": {
                "": str(user313.parent),
                "ExecutablePath": str(user313),
            },
            f"HKCU\\{CORE}\\3.11\\InstallPath": {"": str(tmp_path / "gone")},
            # The Store's own registration: its Version is the package's, not Python's.
            f"HKCU\\{CORE}\\3.10": {"SysVersion": "3.10", "Version": "3.10.3068.0"},
            f"HKCU\\{CORE}\\3.10\\InstallPath": {"ExecutablePath": str(store)},
            f"HKLM\\{PY}\\PyLauncher\\InstallPath": {"": str(launcher.parent)},
            f"HKLM\\{PY}\\ContinuumAnalytics\\Anaconda39-64": {
                "SysVersion": "3.9",
                "Version": "4.10.3",  # the distribution's version, not Python's
            },
            f"HKLM\\{PY}\\ContinuumAnalytics\\Anaconda39-64\\InstallPath": {
                "": str(conda.parent),
                "ExecutablePath": str(conda),
            },
            f"HKLM\\{PY}\\Astral\\CPython3.13.1": {
                "SysVersion": "3.13",
                "Version": "3.13.1",
            },
            f"HKLM\\{PY}\\Astral\\CPython3.13.1\\InstallPath": {"ExecutablePath": str(astral)},
            f"HKLM\\{PY}\\PyPy\\PyPy3.10": {"SysVersion": "3.10"},
            f"HKLM\\{PY}\\PyPy\\PyPy3.10\\InstallPath": {"ExecutablePath": str(pypy)},
            f"HKLM\\{CORE}\\3.12": {"SysVersion": "3.12"},
            f"HKLM\\{CORE}\\3.12\\InstallPath": {"": str(machine312.parent)},  # no ExecutablePath
            f"HKLM\\{CORE}\\3.13t": {"SysVersion": "3.13", "Version": "3.13.1"},
            f"HKLM\\{CORE}\\3.13t\\InstallPath": {
                "": str(machine313t.parent),
                "ExecutablePath": str(machine313t),
            },
            f"HKLM\\{CORE}\\3.13": {"SysVersion": "3.13", "Version": "3.13.0"},
            f"HKLM\\{CORE}\\3.13\\InstallPath": {"ExecutablePath": str(machine313)},
            f"HKLM\\{CORE}\\3.11\\InstallPath": {"": str(machine311.parent)},  # no values at all
            f"HKLM\\{CORE}\\3.10t\\InstallPath": {"": str(machine310t.parent)},
            f"HKLM\\{CORE}\\3.9": {"SysVersion": "3.9"},  # no InstallPath: skipped
            f"HKLM\\{WOW}\\PythonCore\\3.12-32": {"SysVersion": "3.12", "Version": "3.12.4"},
            f"HKLM\\{WOW}\\PythonCore\\3.12-32\\InstallPath": {"": str(x86_312.parent)},
            f"HKLM\\{WOW}\\PythonCore\\3.13": {"SysVersion": "3.13"},  # seen in HKCU already
            f"HKLM\\{WOW}\\PythonCore\\3.13\\InstallPath": {"": str(machine313.parent)},
        }
    )

    found = list(WindowsRegistry().candidates(ctx_for(tmp_path, registry)))

    source = "windows-registry"
    assert found == [
        Candidate(str(user313), source, Hints("3.13.1", "cpython", False)),
        Candidate(str(store), source, Hints("3.10", "cpython", False)),
        Candidate(str(machine313t), source, Hints("3.13.1", "cpython", True, False)),
        Candidate(str(machine312), source, Hints("3.12", "cpython", False)),
        Candidate(str(machine311), source, Hints("3.11", "cpython", False)),
        Candidate(str(machine310t), source, Hints("3.10", "cpython", True, False)),
        Candidate(str(conda), source, Hints("3.9")),
        Candidate(str(astral), source, Hints("3.13.1")),
        Candidate(str(pypy), source, Hints("3.10", "pypy")),
        Candidate(str(x86_312), source, Hints("3.12.4", "cpython", False)),
    ]
    assert launcher not in [Path(c.path) for c in found]


def test_registry_absent_off_windows_yields_nothing(tmp_path: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("the real registry is used on Windows")
    assert list(WindowsRegistry().candidates(ctx_for(tmp_path))) == []
    assert list(WindowsRegistry().candidates(ctx_for(tmp_path, platform="linux"))) == []


def test_store_packages_only_never_the_alias_stubs(tmp_path: Path) -> None:
    local = tmp_path / "home" / "AppData" / "Local"
    apps = local / "Microsoft" / "WindowsApps"
    for stub in ("python.exe", "python3.exe", "python3.12.exe", "winget.exe"):
        touch(apps / stub)
    p312 = touch(apps / "PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0" / "python.exe")
    touch(apps / "PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0" / "python3.12.exe")
    p313 = touch(apps / "PythonSoftwareFoundation.Python.3.13_qbz5n2kfra8p0" / "python3.13.exe")
    p39 = touch(apps / "PythonSoftwareFoundation.Python.3.9_qbz5n2kfra8p0" / "python.exe")
    (apps / "PythonSoftwareFoundation.Python.3.11_qbz5n2kfra8p0").mkdir()  # left behind, empty
    touch(apps / "Microsoft.DesktopAppInstaller_8wekyb3d8bbwe" / "python.exe")
    touch(apps / "PythonSoftwareFoundation.PythonManager_qbz5n2kfra8p0" / "python.exe")

    expected = [
        Candidate(str(p313), "microsoft-store", Hints("3.13", "cpython", False, False, False)),
        Candidate(str(p312), "microsoft-store", Hints("3.12", "cpython", venv=False)),
        Candidate(str(p39), "microsoft-store", Hints("3.9", "cpython", venv=False)),
    ]
    # %LOCALAPPDATA% first; without it, the profile's AppData\Local.
    elsewhere = ctx_for(tmp_path, LOCALAPPDATA=str(tmp_path / "nowhere"))
    assert list(MicrosoftStore().candidates(elsewhere)) == []
    assert list(MicrosoftStore().candidates(ctx_for(tmp_path, LOCALAPPDATA=str(local)))) == expected
    assert list(MicrosoftStore().candidates(ctx_for(tmp_path))) == expected
    # Not Windows: nothing, whatever the disk holds.
    linux = ctx_for(tmp_path, platform="linux", LOCALAPPDATA=str(local))
    assert list(MicrosoftStore().candidates(linux)) == []


def test_win_registry_views_and_off_windows_stub() -> None:
    from whichpython.sources.windows import WinRegistry, _where

    assert _where("HKLM", "Software\\Wow6432Node\\Python\\PyPy") == (
        False,
        "Software\\Python\\PyPy",
        True,
    )
    assert _where("HKCU", "Software\\Python") == (True, "Software\\Python", False)
    if sys.platform != "win32":
        assert WinRegistry().subkeys("HKLM", "Software\\Python") == []
        assert WinRegistry().value("HKLM", "Software\\Python", "") is None
