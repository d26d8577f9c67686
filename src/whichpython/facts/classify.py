"""Kind and manager of one interpreter, from its probe facts alone (docs/classification.md)."""

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Optional

from whichpython.model.models import Kind
from whichpython.probe.result import ProbeResult

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

# Version managers: (manager, environment variable naming its root, suffix under that root,
# path fragments that identify its default locations). Matched against the install's
# prefix and the real executable, with "/" separators and lower-cased.
_MANAGED: tuple[tuple[str, Optional[str], str, tuple[str, ...]], ...] = (
    ("uv", "UV_PYTHON_INSTALL_DIR", "", ("/uv/python/",)),
    ("pyenv", "PYENV_ROOT", "versions", ("/.pyenv/versions/", "/pyenv-win/versions/")),
    ("asdf", "ASDF_DATA_DIR", "installs/python", ("/.asdf/installs/python/",)),
    ("mise", "MISE_DATA_DIR", "installs/python", ("/mise/installs/python/",)),
    ("rye", "RYE_HOME", "py", ("/.rye/py/",)),
    ("hatch", "HATCH_DATA_DIR", "pythons", ("/hatch/pythons/",)),
    ("pdm", None, "", ("/pdm/python/",)),
)

# Installers of system interpreters, by path fragment (same normalisation).
_SYSTEM: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("homebrew", ("/cellar/python", "/opt/homebrew/", "/.linuxbrew/", "/opt/python@")),
    (
        "apple",
        (
            "/library/developer/commandlinetools/",
            "/applications/xcode",
            "/system/library/frameworks/python.framework/",
        ),
    ),
    (
        "python.org",
        (
            "/library/frameworks/python.framework/",
            "/library/frameworks/pythont.framework/",
            "/appdata/local/python/pythoncore-",  # the Python install manager (pymanager)
        ),
    ),
    ("microsoft-store", ("/windowsapps/pythonsoftwarefoundation.python.",)),
)
_WINDOWS_PYTHON_ORG = re.compile(
    r"^[a-z]:/(program files( \(x86\))?/|users/[^/]+/appdata/local/programs/python/)?"
    r"python3\d+(-32|-arm64)?/"
)
_NIX_STORE_DEFAULT = "/nix/store"
#: The variables a classification reads.
ENVIRONMENT = ("NIX_STORE_DIR", "NIX_STORE", *(v for _, v, _, _ in _MANAGED if v))


@attrs.frozen
class Classification:
    """The verdict for one interpreter."""

    kind: Kind
    manager: Optional[str]


def classify(probe: ProbeResult, environ: Mapping[str, str]) -> Classification:
    """Classify from the probe's facts; ``environ`` supplies custom manager roots."""
    if probe.pyvenv_cfg is not None or probe.real_prefix is not None:
        values = probe.pyvenv_cfg.values if probe.pyvenv_cfg is not None else {}
        return Classification(Kind.VENV, venv_creator(values, legacy=probe.pyvenv_cfg is None)[0])
    if probe.conda_meta:
        return Classification(Kind.MANAGED, "pixi" if probe.pixi else "conda")
    prefix = _norm(probe.prefix)
    base = _norm(probe.base_prefix or probe.prefix)
    places = [base, prefix] + (
        [_norm(probe.executable_realpath)] if probe.executable_realpath else []
    )
    # Nix: an env is a store entry named `...-env` (newer nixpkgs report the env as both
    # prefixes, possibly through a `result` link, so the real executable tells), or any
    # install whose prefix differs from its base prefix without a pyvenv.cfg (older nixpkgs).
    entries = [entry for entry in (_nix_store_entry(p, environ) for p in places) if entry]
    if prefix != base or any(entry.endswith("-env") for entry in entries):
        return Classification(Kind.NIX_ENV, "nix" if entries else None)
    if entries:
        return Classification(Kind.SYSTEM, "nix")
    managed = _managed_by(places, environ)
    if managed is not None:
        return Classification(Kind.MANAGED, managed)
    return Classification(Kind.SYSTEM, _system_manager(probe, places))


def venv_creator(values: Mapping[str, str], *, legacy: bool = False) -> tuple[str, Optional[str]]:
    """Who made a venv, from its pyvenv.cfg: ``uv``, ``virtualenv``, else the stdlib ``venv``."""
    if legacy:
        return "virtualenv", None
    for tool in ("uv", "virtualenv"):
        if tool in values:
            return tool, values[tool] or None
    return "venv", None


def _norm(path: str) -> str:
    return path.replace("\\", "/").lower().rstrip("/") + "/"


def _nix_store_entry(path: str, environ: Mapping[str, str]) -> Optional[str]:
    """The store entry name (``<hash>-python3-3.12.8-env``) a path lies in, if any."""
    stores = [_NIX_STORE_DEFAULT]
    stores += [environ[key] for key in ("NIX_STORE_DIR", "NIX_STORE") if environ.get(key)]
    for store in map(_norm, stores):
        if path.startswith(store):
            return path[len(store) :].split("/", 1)[0]
    return None


def _managed_by(places: Iterable[str], environ: Mapping[str, str]) -> Optional[str]:
    places = list(places)
    for manager, variable, suffix, fragments in _MANAGED:
        roots = []
        if variable and environ.get(variable):
            roots.append(_norm(environ[variable] + ("/" + suffix if suffix else "")))
        for place in places:
            if any(place.startswith(root) for root in roots) or any(f in place for f in fragments):
                return manager
    return None


def _system_manager(probe: ProbeResult, places: list[str]) -> Optional[str]:
    for manager, fragments in _SYSTEM:
        if any(f in place for place in places for f in fragments):
            return manager
    if any(_WINDOWS_PYTHON_ORG.match(place) for place in places):
        return "python.org"
    platform = probe.platform
    if platform is not None and platform.sys_platform.startswith("linux") and places[0] == "/usr/":
        release = platform.os_release or {}
        return release.get("id") or None
    return None
