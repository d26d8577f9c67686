"""Every source, and the one place that orders them (docs/discovery.md).

Order: active environments first (the activated venv, the activated conda env, the
environments of the project the working directory is in, the nearest ``.venv``), then
installed interpreters: version managers before system locations for ``prefer="managed"``,
the other way round for ``prefer="system"``.
"""

from whichpython.sources.asdf import Asdf
from whichpython.sources.base import (
    Candidate,
    Context,
    EnvironmentSource,
    Hints,
    Resolution,
    Source,
)
from whichpython.sources.conda import ActiveConda, Conda, CondaEnvs
from whichpython.sources.extra import ExtraDirs
from whichpython.sources.hatch import Hatch, HatchEnvs
from whichpython.sources.macos import Homebrew, PythonOrgFramework
from whichpython.sources.mise import Mise
from whichpython.sources.nix import NixProfiles, NixStore
from whichpython.sources.path import SearchPath
from whichpython.sources.pdm import Pdm, PdmEnvs
from whichpython.sources.pipenv import PipenvEnvs
from whichpython.sources.pipx import PipxEnvs
from whichpython.sources.pixi import PixiEnvs
from whichpython.sources.poetry import PoetryEnvs
from whichpython.sources.project import ProjectEnvs
from whichpython.sources.pyenv import Pyenv, PyenvVirtualenvs
from whichpython.sources.rye import Rye
from whichpython.sources.tox import ToxEnvs
from whichpython.sources.uv import Uv, UvProjectEnvs
from whichpython.sources.venv import ActiveVenv, ProjectVenv
from whichpython.sources.virtualenvwrapper import VirtualenvwrapperEnvs
from whichpython.sources.windows import MicrosoftStore, WindowsRegistry

#: The tools' environments (``find_environments``): a project's in this order (the env its
#: package manager uses, then its task runners'), then the machine's (docs/environments.md).
#: ``find`` asks those with markers about the project it runs in, in the same order.
ENVIRONMENTS: tuple[EnvironmentSource, ...] = (
    UvProjectEnvs(),
    PoetryEnvs(),
    PipenvEnvs(),
    PdmEnvs(),
    HatchEnvs(),
    PixiEnvs(),
    ToxEnvs(),
    PyenvVirtualenvs(),
    CondaEnvs(),
    VirtualenvwrapperEnvs(),
    PipxEnvs(),
)
ACTIVE: tuple[Source, ...] = (ActiveVenv(), ActiveConda(), ProjectEnvs(ENVIRONMENTS), ProjectVenv())
MANAGED: tuple[Source, ...] = (Uv(), Pyenv(), Asdf(), Mise(), Rye(), Hatch(), Pdm(), Conda())
SYSTEM: tuple[Source, ...] = (
    SearchPath(),
    ExtraDirs(),
    NixProfiles(),
    NixStore(),
    PythonOrgFramework(),
    Homebrew(),
    WindowsRegistry(),
    MicrosoftStore(),
)
ALL: tuple[Source, ...] = ACTIVE + MANAGED + SYSTEM


def resolve_shim(path: str, ctx: Context) -> "Resolution | None":
    """What a wrapper (a pyenv shim) at ``path`` runs, found without running it; None when
    ``path`` is no source's wrapper."""
    for source in ALL:
        resolution = source.resolve(path, ctx)
        if resolution is not None:
            return resolution
    return None


def ordered_sources(prefer: str) -> tuple[Source, ...]:
    """The sources to search, in priority order, for a preference."""
    installed = {
        "managed": MANAGED + SYSTEM,
        "system": SYSTEM + MANAGED,
        "only-managed": MANAGED,
        "only-system": SYSTEM,
    }[prefer]
    return ACTIVE + installed


__all__ = [
    "ACTIVE",
    "ALL",
    "ENVIRONMENTS",
    "MANAGED",
    "SYSTEM",
    "Candidate",
    "Context",
    "EnvironmentSource",
    "Hints",
    "Resolution",
    "Source",
    "ordered_sources",
    "resolve_shim",
]
