"""Turn one path into an :class:`~whichpython.model.models.Interpreter`: cache, probe, classify."""

import contextlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional, Union

from packaging.version import Version

from whichpython.cache.probes import Cache, Watch
from whichpython.facts.classify import ENVIRONMENT, classify, venv_creator
from whichpython.facts.embedding import config_flag, embedding, find_libpython
from whichpython.facts.environments import ownership
from whichpython.facts.fixes import correct_sysconfig, find_relocation, getpath_home, stdlib_subdir
from whichpython.memo import realpath, watch_reads
from whichpython.model.errors import InterpreterError, PathNotFound, ProbeFailed, UnresolvedShim
from whichpython.model.models import (
    Distro,
    Interpreter,
    Kind,
    Libc,
    Platform,
    Prefixes,
    UserSite,
    Venv,
    VersionInfo,
)
from whichpython.probe.identity import resolve_timeout
from whichpython.probe.result import ProbeResult, probe_from_json
from whichpython.signatures import signature

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

_LEVELS = {"alpha": "a", "beta": "b", "candidate": "rc"}
# Path -> (the probe's answer it was built from, the variables the build read, the files it
# read with their signatures, the interpreter): a long-lived process builds an answer once
# while its cache entry (the same answer object: cache/probes.py) and those files hold. A
# build that reads what cannot be watched (a venv's tool files) is not kept. Bounded.
_BUILT: "dict[str, tuple[ProbeResult, tuple[Optional[str], ...], list[list[Any]], Interpreter]]"
_BUILT = {}
_MAX_BUILT = 4096


def inspect_interpreter(
    path: Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"],
    *,
    timeout: Optional[float] = None,
    cache: bool = True,
    environ: Optional[Mapping[str, str]] = None,
) -> Interpreter:
    """Inspect the interpreter at ``path`` (as given: symlinks are not resolved first).

    A cached answer is used while the files it depends on are unchanged; otherwise the
    probe runs in the interpreter, isolated from the caller's ``PYTHON*`` variables. A pyenv
    shim is resolved without running it: the interpreter it selects is inspected, with the
    shim among its ``aliases``. Raises an :class:`~whichpython.model.errors.InterpreterError`
    subclass naming the cause (a failed probe is remembered for a few minutes). A ``bytes``
    path is decoded as :func:`os.fsdecode` does; anything but a path is a TypeError.
    """
    path = _path_argument(path)
    environ = os.environ if environ is None else environ
    limit = resolve_timeout(timeout, environ)
    store = Cache.from_environ(environ) if cache else None
    found = _cached(path, store, limit)
    if found is not None:
        with contextlib.suppress(ProbeFailed):  # an entry that cannot be used: probe again
            return _built(path, found, environ)
    target = _shim_target(path, environ)
    if target is not None:
        interpreter = inspect_interpreter(target, timeout=limit, cache=cache, environ=environ)
        return attrs.evolve(interpreter, aliases=[path, *interpreter.aliases])
    watch = Watch(path)
    try:
        probe = _run(path, limit, environ)
        interpreter = _built(path, probe, environ)
    except InterpreterError as error:
        if store is not None:
            store.remember(path, error, watch)
        raise
    if store is not None and is_cacheable(path, probe):
        store.store(path, probe, watch)
    return interpreter


def _path_argument(path: object) -> str:
    """``path`` (str, bytes or os.PathLike) as a str; a relative path needs a current dir."""
    try:
        path = os.fsdecode(path)  # type: ignore[arg-type]
    except TypeError:
        kind = type(path).__name__
        raise TypeError(f"a path is a str, bytes or os.PathLike, not {kind}") from None
    if not os.path.isabs(path):
        try:
            os.getcwd()
        except OSError:
            raise PathNotFound(path, "the current directory no longer exists") from None
    return path


def cached_interpreter(
    path: str, store: Cache, environ: Mapping[str, str], timeout: Optional[float] = None
) -> Optional[Interpreter]:
    """The interpreter at ``path`` from the cache alone (no process), or None on a miss.
    Raises the remembered error of a recently failed probe."""
    probe = _cached(path, store, resolve_timeout(timeout, environ))
    try:
        return None if probe is None else _built(path, probe, environ)
    except ProbeFailed:  # an entry that cannot be used: a miss
        return None


def _built(path: str, probe: ProbeResult, environ: Mapping[str, str]) -> Interpreter:
    """:func:`build_interpreter`, with facts it cannot use (a hostile interpreter's, or a
    hand-edited cache entry's) failing this path alone, as :class:`ProbeFailed`."""
    variables = tuple(environ.get(name) for name in ENVIRONMENT)
    known = _BUILT.get(path)
    if (
        known is not None
        and known[0] is probe
        and known[1] == variables
        and all(signature(file, follow) == signed for file, follow, signed in known[2])
    ):
        return known[3]
    try:
        interpreter, files = watch_reads(lambda: build_interpreter(path, probe, environ))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ProbeFailed(path, f"the probe's answer cannot be used ({exc})") from None
    if files is not None:
        if len(_BUILT) >= _MAX_BUILT:
            with contextlib.suppress(RuntimeError, KeyError, StopIteration):  # another thread's
                del _BUILT[next(iter(_BUILT))]
        _BUILT[path] = (probe, variables, files, interpreter)
    return interpreter


def _cached(path: str, store: Optional[Cache], timeout: float) -> Optional[ProbeResult]:
    found = store.load(path, timeout) if store is not None else None
    if isinstance(found, InterpreterError):
        raise found
    return found


def _shim_target(path: str, environ: Mapping[str, str]) -> Optional[str]:
    """The interpreter a shim at ``path`` runs; raises :class:`UnresolvedShim` when it runs
    none here; None when ``path`` is not a shim."""
    from whichpython.sources import Context, resolve_shim
    from whichpython.sources.base import working_dir

    resolution = resolve_shim(path, Context(environ=environ, cwd=working_dir(environ)))
    if resolution is None:
        return None
    if not resolution.targets:
        raise UnresolvedShim(path, resolution.reason)
    return resolution.targets[0]


def _run(path: str, timeout: float, environ: Mapping[str, str]) -> ProbeResult:
    from whichpython.probe.runner import run_probe  # subprocess and threads: only to probe

    raw = run_probe(path, timeout=timeout, environ=environ)
    try:
        return probe_from_json(raw)
    except (ValueError, TypeError) as exc:
        raise ProbeFailed(path, f"the probe's answer is malformed ({exc})") from None


def is_cacheable(path: str, probe: ProbeResult) -> bool:
    """False for a wrapper that runs another interpreter (a pyenv shim, say): what it
    runs depends on the environment, so its answer is not the path's own."""
    return probe.executable_realpath == realpath(path)


def build_interpreter(path: str, probe: ProbeResult, environ: Mapping[str, str]) -> Interpreter:
    """Derive the public model from the probe's raw facts."""
    verdict = classify(probe, environ)
    major, minor, micro, level, serial = probe.version_info
    info = VersionInfo(int(major), int(minor), int(micro), str(level), int(serial))
    raw_config = probe.sysconfig.vars if probe.sysconfig is not None else {}
    prefixes = Prefixes(
        prefix=probe.prefix,
        base_prefix=probe.base_prefix or probe.real_prefix or probe.prefix,
        exec_prefix=probe.exec_prefix,
        base_exec_prefix=probe.base_exec_prefix or probe.real_prefix or probe.exec_prefix,
    )
    relocation = find_relocation(raw_config, prefixes.base_prefix, prefixes.base_exec_prefix)
    config, corrections = correct_sysconfig(raw_config, relocation)
    paths = dict(probe.sysconfig.paths) if probe.sysconfig is not None else {}
    home = _home(path, probe, paths.get("stdlib"), prefixes.base_prefix, (info.major, info.minor))
    windows = probe.platform is not None and probe.platform.os_name == "nt"
    libpython = find_libpython(
        config,
        implementation=probe.implementation.name,
        version=(info.major, info.minor),
        prefixes=prefixes,
        windows=windows,
    )
    managed_marker = probe.externally_managed
    site = probe.user_site
    owner = ownership(verdict.kind, verdict.manager, prefixes.prefix, environ)
    return Interpreter(
        path=path,
        real_path=realpath(path),
        executable=probe.executable,
        base_executable=home[1] if home is not None else probe.base_executable,
        venv_home=home[0] if home is not None else None,
        implementation=probe.implementation.name,
        implementation_version=pep440(probe.implementation.version),
        version=pep440(probe.version_info),
        version_info=info,
        sys_version=probe.version,
        freethreaded=config_flag(config.get("Py_GIL_DISABLED")),
        debug=probe.debug_build or config_flag(config.get("Py_DEBUG")),
        platform=_platform(probe),
        prefixes=prefixes,
        sys_path=list(probe.sys_path),
        site_packages=probe.site_packages,
        user_site=UserSite(site.path, site.exists, site.enabled) if site is not None else None,
        paths=paths,
        sysconfig_scheme=probe.sysconfig.scheme if probe.sysconfig is not None else None,
        sysconfig=config,
        sysconfig_file=probe.sysconfig.data_file if probe.sysconfig is not None else None,
        sysconfig_corrections=corrections,
        venv=_venv(probe),
        externally_managed=bool(managed_marker and managed_marker.exists)
        and verdict.kind is not Kind.VENV,
        externally_managed_file=managed_marker.path if managed_marker is not None else None,
        build_details=probe.build_details,
        libpython=libpython,
        embedding=embedding(
            config, raw_config.get("prefix"), libpython, prefixes=prefixes, windows=windows
        ),
        kind=verdict.kind,
        manager=owner.tool or verdict.manager,
        probe_errors=dict(probe.errors),
        project=owner.project,
    )


def pep440(info: "list[Union[int, str]]") -> str:
    """``(3, 13, 0, 'candidate', 1)`` -> ``'3.13.0rc1'`` (normalised by packaging)."""
    major, minor, micro, level, serial = (list(info) + [0, 0, 0, "final", 0][len(info) :])[:5]
    text = f"{major}.{minor}.{micro}"
    if level in _LEVELS:
        text += f"{_LEVELS[str(level)]}{serial}"
    return str(Version(text))


def _home(
    path: str,
    probe: ProbeResult,
    stdlib: Optional[str],
    base_prefix: str,
    version: "tuple[int, int]",
) -> "Optional[tuple[str, str]]":
    """The venv home and base executable, found from the path as given (its link chain), else
    from the base executable the probe found (a copied venv python, a wrapper)."""
    subdir = stdlib_subdir(stdlib, base_prefix, version)
    first = probe.base_executable if probe.pyvenv_cfg is not None else path
    for start in dict.fromkeys([first, probe.base_executable]):
        if start:
            found = getpath_home(start, subdir)
            if found is not None:
                return found
    return None


def _platform(probe: ProbeResult) -> Optional[Platform]:
    facts = probe.platform
    if facts is None:
        return None
    release = facts.os_release
    return Platform(
        system=facts.system,
        release=facts.release,
        machine=facts.machine,
        sys_platform=facts.sys_platform,
        os_name=facts.os_name,
        pointer_bits=facts.pointer_bits,
        byteorder=facts.byteorder,
        libc=Libc(facts.libc.name, facts.libc.version) if facts.libc is not None else None,
        distro=Distro(release.get("id"), release.get("version_id"), release.get("id_like"))
        if release is not None
        else None,
    )


def _venv(probe: ProbeResult) -> Optional[Venv]:
    cfg = probe.pyvenv_cfg
    if cfg is None and probe.real_prefix is None:
        return None
    values = cfg.values if cfg is not None else {}
    creator, creator_version = venv_creator(values, legacy=cfg is None)
    return Venv(
        config_path=cfg.path if cfg is not None else None,
        home=values.get("home") or None,
        include_system_site_packages=values.get("include-system-site-packages", "").lower()
        == "true",
        creator=creator,
        creator_version=creator_version,
        version=values.get("version") or values.get("version_info") or None,
        config=dict(values),
    )
