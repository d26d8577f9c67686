"""Stat-keyed disk cache of probe answers: a warm inspection spawns no process.

An entry holds the probe's answer and the signature (mode, inode, device, size, mtime, ctime)
of every file the answer depends on, the environment variables that change what the probe
sees, and the kernel. It is used only while all of these are unchanged and the probe is the
same; it is written only when nothing it depends on changed while the probe ran, and only
into a directory of this user that nobody else may write. A failed probe (time-out, crash, no
answer) is remembered the same way for :data:`FAILURE_TTL` seconds (docs/cache.md,
docs/security.md).
"""

import functools
import json
import os
import time
import zlib
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

from whichpython.cachedir import SHELL_NOISE, cache_root, trusted_dir
from whichpython.files import SOURCE, is_script, load_private, sweep_temp, write_private
from whichpython.memo import realpath
from whichpython.model.errors import (
    InterpreterError,
    NotAPython,
    OutputTooLarge,
    ProbeCrashed,
    ProbeFailed,
    ProbeLeftChild,
    ProbeTimeout,
)
from whichpython.probe.identity import probe_environment, probe_hash
from whichpython.probe.result import ProbeResult, probe_from_json, probe_to_json
from whichpython.projectfiles import PROJECT_FILES
from whichpython.recording import depends, probe_kept, remembered_failure, unwatched
from whichpython.signatures import ancestors, changed_since, file_clock, is_witness_list, signature

CACHE_FORMAT = 2
FAILURE_TTL = 300  # seconds a failed probe is remembered
# What the probe's answer depends on besides files: the user site dir (HOME, ...), which
# libraries are loaded, Nix wrappers' variables. Everything named PYTHON* never reaches it.
ENVIRONMENT = ("HOME", "USERPROFILE", "APPDATA", "LD_LIBRARY_PATH", "LD_PRELOAD",
               "DYLD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH", "DYLD_FRAMEWORK_PATH",
               "DYLD_INSERT_LIBRARIES", "NIX_PYTHONPREFIX", "NIX_PYTHONEXECUTABLE",
               "NIX_PYTHONPATH")  # fmt: skip
_OS_RELEASE = ("/etc/os-release", "/usr/lib/os-release")
_REMEMBERED: dict[str, type[InterpreterError]] = {
    cls.kind: cls
    for cls in (ProbeTimeout, ProbeCrashed, NotAPython, OutputTooLarge, ProbeFailed, ProbeLeftChild)
}
_FIELDS = ("timeout", "returncode", "stderr_tail", "limit")
Dependency = tuple[str, bool]  # (path, follow symlinks)
_Parsed = tuple[dict[str, Any], Optional[ProbeResult]]  # an answer, or None for a failure


def static_dependencies(path: str) -> list[Dependency]:
    """What an answer depends on before the probe says more: the path, its real file, and the
    places a pyvenv.cfg would make it a venv."""
    here = os.path.dirname(os.path.abspath(path))
    files = [(path, False), (realpath(path), True)]
    return files + [(os.path.join(d, "pyvenv.cfg"), True) for d in (here, os.path.dirname(here))]


def dependencies(path: str, probe: ProbeResult) -> list[Dependency]:
    """The files an answer depends on, as (path, follow symlinks)."""
    files = static_dependencies(path)
    if probe.base_executable:
        files.append((probe.base_executable, True))
    if probe.pyvenv_cfg is not None:
        files.append((probe.pyvenv_cfg.path, True))
    if probe.sysconfig is not None and probe.sysconfig.data_file:
        files.append((probe.sysconfig.data_file, True))
    for marker in (probe.externally_managed, probe.build_details_file):
        if marker is not None:
            files.append((marker.path, True))
    # sys.path comes from the site dirs' .pth files (a new one changes the dir, an edited one
    # itself) and from a sitecustomize module. (Not the stdlib dir itself: a first run writes
    # its __pycache__ there.)
    stdlib = probe.sysconfig.paths.get("stdlib") if probe.sysconfig is not None else None
    if stdlib:
        files.append((os.path.join(stdlib, "sitecustomize.py"), True))
    for folder in probe.site_packages:
        files.append((folder, True))
        files.append((os.path.join(folder, "sitecustomize.py"), True))
        files += [(pth, True) for pth in _pth_files(folder)]
    if probe.user_site is not None:
        files.append((probe.user_site.path, True))
    if probe.platform is not None and probe.platform.os_release is not None:
        files += [(release, True) for release in _OS_RELEASE]
    if probe.platform is not None and probe.platform.libc is not None and probe.platform.libc.path:
        files.append((probe.platform.libc.path, True))  # its version is a platform fact
    # conda_meta and pixi: a conda-meta dir (and pixi's marker in it) in the base prefix.
    meta = os.path.join(probe.base_prefix or probe.prefix, "conda-meta")
    files += [(meta, True), (os.path.join(meta, "pixi"), True)]
    return list(dict.fromkeys(files))


def project_dependencies() -> list[Dependency]:
    """What a remembered failure depends on besides its file: the project files and version
    manager configs up from the working directory (a shim fails in one project and not in
    another, or until a ``mise.toml`` appears)."""
    try:
        cwd = os.getcwd()
    except OSError:
        return []
    return [(os.path.join(d, name), True) for d in ancestors(cwd) for name in sorted(PROJECT_FILES)]


def _pth_files(folder: str) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return sorted(e.path for e in entries if e.name.endswith(".pth"))
    except OSError:
        return []


class Watch:
    """Taken just before a probe runs: its start and what its static dependencies were, so
    that an answer is stored only if nothing it depends on changed while the probe ran."""

    def __init__(self, path: str) -> None:
        self.started = file_clock()
        self.before = {dep: signature(*dep) for dep in static_dependencies(path)}

    def unchanged(self, signed: list[list[Any]]) -> bool:
        """True when no dependency moved since the watch began: one signed before is the
        same now; one the probe's answer named (a site dir, ...) has not changed since the
        probe started (as far as file times tell)."""
        for dep, follow, now in signed:
            if (dep, follow) in self.before:
                if self.before[dep, follow] != now:
                    return False
            elif changed_since(now, self.started):
                return False
        return True


class Cache:
    """One JSON file per interpreter path under ``directory/interpreters``."""

    def __init__(self, directory: str, environ: Optional[Mapping[str, str]] = None) -> None:
        self.root = directory
        self.directory = os.path.join(directory, "interpreters")
        environ = os.environ if environ is None else environ
        self.environment = {name: environ[name] for name in ENVIRONMENT if name in environ}
        self.kernel = list(os.uname()) if hasattr(os, "uname") else None
        self.environ = environ
        self.trusted = False

    @functools.cached_property
    def context(self) -> str:
        """What a wrapper's failure may depend on: the probe's whole environment and the
        current directory (a version manager's shim fails in one project, not another)."""
        seen = sorted(i for i in probe_environment(self.environ).items() if i[0] not in SHELL_NOISE)
        return _digest((seen, _cwd()))

    def failure_context(self, path: str, kind: str) -> Union[str, dict[str, Any]]:
        """What a failure of ``path`` is keyed on, beyond the entry's files and
        :data:`ENVIRONMENT`: for a time-out of a native executable (no ``#!`` line: the
        interpreter itself, started with ``-I``, reads no other variable that reaches the
        probe, ``PATH`` among them), the current directory only; for a time-out of a script,
        the current directory and the value of every variable it was run with
        (:meth:`_script_context`: more variables, or more ``PATH`` entries after its own, keep
        it); for anything else (a wrapper script may read any variable) :attr:`context`."""
        if kind == ProbeTimeout.kind:
            if not is_script(realpath(path)):
                return _digest(("native", _cwd()))
            return self._script_context()
        return self.context

    def _script_context(self) -> dict[str, Any]:
        """A script's time-out: a digest of the cwd, of each variable's value (bar the shell's
        bookkeeping) and of each ``PATH`` entry. Digests, not values: no secret is written."""
        with unwatched():  # keyed on these variables' values, not on all there may be
            seen = probe_environment(self.environ)
        for name in seen:
            self.environ.get(name)  # (a recording of this run is keyed on each)
        entries = seen.pop("PATH", "").split(os.pathsep)
        return {"cwd": _digest(_cwd()), "path": [_digest(entry) for entry in entries],
                "vars": {name: _digest(value) for name, value in seen.items()
                         if name not in SHELL_NOISE}}  # fmt: skip

    def _holds(self, path: str, failure: dict[str, Any]) -> bool:
        """Whether a remembered failure is keyed on what is here now. A script's time-out
        holds while the cwd and every variable it saw are the same, and ``PATH`` is the one it
        saw with maybe more entries appended (docs/cache.md: a new variable or a new last
        ``PATH`` dir is not worth another time-out)."""
        key = failure["context"]
        if not isinstance(key, dict):
            return bool(key == self.failure_context(path, failure["kind"]))
        now = self.environ
        entries = now.get("PATH", "").split(os.pathsep)
        return bool(
            key["cwd"] == _digest(_cwd())
            and [_digest(entry) for entry in entries[: len(key["path"])]] == key["path"]
            and all(
                name in now and _digest(now[name]) == value for name, value in key["vars"].items()
            )
        )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Optional["Cache"]:
        """The cache the environment asks for: ``WHICHPYTHON_CACHE_DIR``, else the user cache
        dir; ``None`` when ``WHICHPYTHON_NO_CACHE`` is set."""
        directory = cache_root(environ)
        return None if directory is None else cls(directory, environ)

    def _entry(self, path: str) -> str:
        # Not a security boundary: the entry records its path and is checked on load, so a
        # collision only costs a re-probe. zlib avoids importing hashlib on the warm path.
        data = os.path.abspath(path).encode("utf-8", "surrogateescape")
        key = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):04x}"
        return os.path.join(self.directory, key + ".json")

    def load(
        self, path: str, timeout: Optional[float] = None
    ) -> Union[ProbeResult, InterpreterError, None]:
        """The cached answer for ``path``, a remembered failure (a time-out only if it took
        at least ``timeout``), or None if absent, stale, corrupt, foreign or untrusted."""
        found = self._read(path)
        if found is None:
            return None
        entry, result = found
        if result is not None:
            return result
        try:
            failure = entry["failure"]
            if not self._holds(path, failure):
                return None
            return _remembered(path, failure, timeout)
        except Exception:  # corrupt: ignore, it gets rewritten
            return None

    def _read(self, path: str) -> Optional[_Parsed]:
        """The entry for ``path`` (and its answer) if it is sound and still holds."""
        probe_hash()  # (the probe's source is a witness: read it first outside unwatched)
        with unwatched():  # the entry itself: a run may rewrite it (its deps are noted below)
            if not self._trusted():
                return None
            found = _parsed(self._entry(path))
        entry = found[0] if found is not None else None
        if not (
            entry is not None
            and entry.get("path") == os.path.abspath(path)
            and entry.get("real_path") == realpath(path)
            and entry.get("environment") == self.environment
            and entry.get("kernel") == self.kernel
        ):
            return None
        for dep, follow, recorded in entry["deps"]:
            depends(dep, follow)  # a recorded CLI answer using this one witnesses it too
            if signature(dep, follow) != recorded:
                return None
        return found

    def _trusted(self, *, create: bool = False) -> bool:
        """Whether the cache dir and the entries' directory are ours alone (checked once per
        instance)."""
        if not self.trusted:
            self.trusted = (
                trusted_dir(self.root, "interpreters", "the cache", create=create) is not None
            )
        return self.trusted

    def store(self, path: str, probe: ProbeResult, watch: Watch) -> None:
        """Write the answer, unless something it depends on changed while the probe ran."""
        deps = _signed(dependencies(path, probe))
        if watch.unchanged(deps) and self._write(path, deps, {"result": probe_to_json(probe)}):
            probe_kept(os.path.abspath(path), [(dep, follow) for dep, follow, _ in deps])

    def remember(self, path: str, error: InterpreterError, watch: Watch) -> None:
        """Remember a failed probe for :data:`FAILURE_TTL` seconds (kinds that cost a run)."""
        if error.kind not in _REMEMBERED:
            return
        deps = _signed([*static_dependencies(path), *project_dependencies()])
        if watch.unchanged(deps):
            fields = {name: getattr(error, name) for name in _FIELDS if hasattr(error, name)}
            expires = time.time() + FAILURE_TTL
            failure = {"kind": error.kind, "cause": error.cause, "fields": fields,
                       "seen": time.time(), "expires": expires,
                       "context": self.failure_context(path, error.kind)}  # fmt: skip
            if self._write(path, deps, {"failure": failure}):
                files = [(dep, follow) for dep, follow, _ in deps]
                probe_kept(os.path.abspath(path), files, expires)

    def _write(self, path: str, deps: list[list[Any]], body: dict[str, Any]) -> bool:
        """Write atomically (a temp file of this writer's renamed over the entry: concurrent
        writers each leave a whole entry, the last one stays; no lock, docs/cache.md).
        Returns whether it was written; a failure only costs a later re-probe."""
        entry: dict[str, Any] = {
            "format": CACHE_FORMAT,
            "probe": probe_hash(),
            "path": os.path.abspath(path),
            "real_path": realpath(path),
            "environment": self.environment,
            "kernel": self.kernel,
            "deps": deps,
            **body,
        }
        target = self._entry(path)
        with unwatched():
            try:
                if not self._trusted(create=True):
                    return False
                write_private(target, json.dumps(entry).encode("utf-8"))
            except (OSError, ValueError, RecursionError):
                return False
            sweep_temp(self.directory)
        return True


# Entry file -> (its lstat signature, the entry as parsed and checked, its answer structured):
# a long-lived process (an IDE's) parses each entry once while the file holds; the
# dependencies are still checked on every load. Bounded: the oldest go first.
_PARSED: dict[str, tuple[list[int], _Parsed]] = {}
_MAX_PARSED = 4096


def _parsed(file: str) -> Optional[_Parsed]:
    """The entry in ``file`` and its structured answer (None for a remembered failure), or
    None when missing, refused, corrupt, of another format or probe, or holding an answer that
    is not its real file's own. The same inode, size, mode, mtime and ctime mean the same bytes
    and owner checks (a rewrite, a chmod or a chown moves the ctime)."""
    sig = signature(file, False)
    known = _PARSED.get(file)
    if sig is not None and known is not None and known[0] == sig:
        return known[1]
    entry = load_private(file, SOURCE, json.loads, "a cache entry")
    if not (
        isinstance(entry, dict)
        and entry.get("format") == CACHE_FORMAT
        and entry.get("probe") == probe_hash()
        and is_witness_list(entry.get("deps"))
        and sig is not None
    ):
        return None
    result = None
    if "failure" not in entry:
        try:
            result = probe_from_json(entry["result"])
        except Exception:  # corrupt: ignore, it gets rewritten
            return None
        if result.executable_realpath != entry.get("real_path"):
            return None  # an answer that is not this file's own (stored only when it is)
    if len(_PARSED) >= _MAX_PARSED:
        del _PARSED[next(iter(_PARSED))]
    _PARSED[file] = (sig, (entry, result))
    return entry, result


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return ""


def _digest(material: object) -> str:
    data = repr(material).encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def _signed(files: Iterable[Dependency]) -> list[list[Any]]:
    return [[file, follow, signature(file, follow)] for file, follow in dict.fromkeys(files)]


def _remembered(
    path: str, failure: dict[str, Any], timeout: Optional[float]
) -> Optional[InterpreterError]:
    """The remembered error, rebuilt, or None when it expired or a longer wait may help."""
    now = time.time()
    expires, cls = float(failure["expires"]), _REMEMBERED[failure["kind"]]
    fields = dict(failure["fields"])
    longer = timeout is not None and "timeout" in fields and timeout > float(fields["timeout"])
    if not now < expires or longer:  # expired, or a longer wait may help
        return None
    seen = time.strftime("%H:%M:%S", time.localtime(float(failure["seen"])))
    error = cls.__new__(cls)
    InterpreterError.__init__(
        error,
        path,
        f"{failure['cause']} (remembered from {seen} for {FAILURE_TTL // 60} min; "
        "--no-cache retries now)",
    )
    for name in _FIELDS:
        if name in fields:
            setattr(error, name, fields[name])
    remembered_failure(expires)
    return error
