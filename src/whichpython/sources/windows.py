"""Windows: PEP 514 registrations, and the Microsoft Store's installed Python packages."""

import os
import re
import sys
from collections.abc import Iterator
from typing import Any, Optional

from whichpython import envplaces
from whichpython.sources.base import (
    Candidate,
    Context,
    Hints,
    Registry,
    Source,
    merge,
    name_hints,
)

# PEP 514 roots, in priority order: a Company\Tag seen earlier wins over the same one later.
_ROOTS = (
    ("HKCU", "Software\\Python"),
    ("HKLM", "Software\\Python"),
    ("HKLM", "Software\\Wow6432Node\\Python"),
)
_WOW64_32 = "software\\wow6432node\\"
_FULL_VERSION = re.compile(r"^\d+\.\d+(?:\.\d+)?(?:(?:a|b|rc)\d+)?$")
_TAG_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_STORE_PACKAGE = re.compile(r"^PythonSoftwareFoundation\.Python\.(\d+\.\d+)_\w+$", re.IGNORECASE)


class WinRegistry:
    """The real registry through ``winreg`` (Windows only). HKLM is read in its 64-bit view, and
    ``Software\\Wow6432Node\\...`` through the 32-bit view, as the ``py`` launcher does."""

    def subkeys(self, hive: str, key: str) -> list[str]:
        """Names of the subkeys of ``hive\\key`` (empty when it does not exist)."""
        if sys.platform != "win32":
            return []
        import winreg

        try:
            with _open(hive, key) as handle:
                return [winreg.EnumKey(handle, i) for i in range(winreg.QueryInfoKey(handle)[0])]
        except OSError:
            return []

    def value(self, hive: str, key: str, name: str) -> Optional[str]:
        """A string value (``""`` is the default value), or None."""
        if sys.platform != "win32":
            return None
        import winreg

        try:
            with _open(hive, key) as handle:
                data, kind = winreg.QueryValueEx(handle, name)
        except OSError:
            return None
        if not isinstance(data, str):
            return None
        return os.path.expandvars(data) if kind == winreg.REG_EXPAND_SZ else data


def _open(hive: str, key: str) -> Any:
    """Open ``hive\\key`` for reading in the view PEP 514 asks for (Windows only)."""
    if sys.platform != "win32":
        raise OSError("the Windows registry exists only on Windows")
    import winreg

    user, path, wow32 = _where(hive, key)
    access = winreg.KEY_READ | (winreg.KEY_WOW64_32KEY if wow32 else winreg.KEY_WOW64_64KEY)
    root = winreg.HKEY_CURRENT_USER if user else winreg.HKEY_LOCAL_MACHINE
    return winreg.OpenKey(root, path, 0, access)


def _where(hive: str, key: str) -> tuple[bool, str, bool]:
    """(HKCU?, key, 32-bit view?): ``Software\\Wow6432Node\\X`` is the 32-bit ``Software\\X``."""
    if key.lower().startswith(_WOW64_32):
        return hive.upper() == "HKCU", "Software\\" + key[len(_WOW64_32) :], True
    return hive.upper() == "HKCU", key, False


class WindowsRegistry(Source):
    """Pythons registered per PEP 514, HKCU first, then HKLM (64-bit, then 32-bit view)."""

    name = "windows-registry"
    kind = "system"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        registry: Optional[Registry] = ctx.registry
        if registry is None and sys.platform == "win32" and ctx.windows:
            registry = WinRegistry()
        if registry is None:
            return
        seen: set[tuple[str, str]] = set()
        for hive, root in _ROOTS:
            companies = [c for c in registry.subkeys(hive, root) if c.lower() != "pylauncher"]
            companies.sort(key=lambda c: c.lower() != "pythoncore")
            for company in companies:
                tags = sorted(
                    registry.subkeys(hive, f"{root}\\{company}"), key=_tag_order, reverse=True
                )
                for tag in tags:
                    pair = (company.lower(), tag.lower())
                    key = f"{root}\\{company}\\{tag}"
                    found = None if pair in seen else _registered(registry, hive, key, company, tag)
                    if found is not None:  # a stale registration does not hide a later one
                        seen.add(pair)
                        yield Candidate(found[0], self.name, found[1])


def _tag_order(tag: str) -> tuple[tuple[int, ...], int]:
    """Newest version first; the plain tag (``3.13``) before ``3.13t`` and ``3.13-32``."""
    found = _TAG_VERSION.search(tag)
    numbers = tuple(int(n) for n in found.groups() if n) if found else ()
    return numbers, -len(tag)


def _registered(
    registry: Registry, hive: str, key: str, company: str, tag: str
) -> Optional[tuple[str, Hints]]:
    """The executable a Company\\Tag key names, if it exists, with its hints."""
    hints = _tag_hints(registry, hive, key, company, tag)
    install = f"{key}\\InstallPath"
    path = registry.value(hive, install, "ExecutablePath")
    if not path:
        prefix = registry.value(hive, install, "")
        if not prefix:
            return None
        exe = "python.exe"
        if hints.freethreaded and hints.version:
            exe = f"python{'.'.join(hints.version.split('.')[:2])}t.exe"
        path = os.path.join(prefix, exe)
    if not os.path.isfile(path):
        return None
    import ntpath  # here: not imported on other systems

    return path, merge(hints, name_hints(ntpath.basename(path)))


def _tag_hints(registry: Registry, hive: str, key: str, company: str, tag: str) -> Hints:
    """Version from ``Version``/``SysVersion`` (else the tag), flavour from tag and company."""
    core = company.lower() == "pythoncore"
    sys_version = registry.value(hive, key, "SysVersion") or ""
    full = registry.value(hive, key, "Version") or ""
    tag_version = _TAG_VERSION.match(tag) if core else None
    version: Optional[str] = None
    # PythonCore's "3.12.1"; another company's Version may be its own (Anaconda's "4.10.3").
    agrees = full.startswith(sys_version + ".") if sys_version else core
    if _FULL_VERSION.match(full) and agrees:
        version = full
    elif re.match(r"^\d+\.\d+$", sys_version):
        version = sys_version
    elif tag_version:
        version = tag_version.group(0)
    words = f"{company} {tag}".lower()
    implementation = "cpython" if core else None
    for name in ("pypy", "graalpy"):
        if name in words:
            implementation = name
    freethreaded: Optional[bool] = False if core else None
    if re.search(r"\d+\.\d+t\b|freethreaded", tag.lower()):
        freethreaded = True
    return Hints(version=version, implementation=implementation, freethreaded=freethreaded)


class MicrosoftStore(Source):
    """Store Pythons: ``PythonSoftwareFoundation.Python.3.X_*\\python.exe`` (or ``python3.X.exe``)
    in ``%LOCALAPPDATA%\\Microsoft\\WindowsApps``, only for installed packages. The bare
    ``WindowsApps\\python.exe`` stubs may open the Store instead of running Python: never those."""

    name = "microsoft-store"
    kind = "system"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        if not ctx.windows:
            return
        local = envplaces.local_app_data(ctx.environ)
        apps = os.path.join(local, "Microsoft", "WindowsApps")
        try:
            names = os.listdir(apps)
        except OSError:
            return
        packages = [(n, m.group(1)) for n, m in ((n, _STORE_PACKAGE.match(n)) for n in names) if m]
        packages.sort(key=lambda p: tuple(int(n) for n in p[1].split(".")), reverse=True)
        for package, version in packages:
            for exe in ("python.exe", f"python{version}.exe"):
                path = os.path.join(apps, package, exe)
                if os.path.lexists(path):  # app execution aliases are reparse points
                    hints = Hints(version=version, implementation="cpython", venv=False)
                    yield Candidate(path, self.name, merge(hints, name_hints(exe)))
                    break
