"""Stat-keyed disk cache of probe answers: a warm inspection spawns no process.

An entry is valid only while every file it depends on has the same stat
(mtime_ns, size, inode, device) as when it was written, and the probe is the same.
"""

import json
import os
import zlib
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from whichpython.answers import caching_off
from whichpython.probe.result import ProbeResult
from whichpython.probe.runner import probe_hash
from whichpython.serialization import probe_from_json, probe_to_json

CACHE_FORMAT = 1
_Signature = Optional[list[int]]


def _signature(path: str, *, follow: bool = True) -> _Signature:
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_size, info.st_ino, info.st_dev]


def dependencies(path: str, probe: ProbeResult) -> list[tuple[str, bool]]:
    """The files an answer depends on, as (path, follow symlinks)."""
    files: list[tuple[str, bool]] = [(path, False), (os.path.realpath(path), True)]
    if probe.base_executable:
        files.append((probe.base_executable, True))
    if probe.pyvenv_cfg is not None:
        files.append((probe.pyvenv_cfg.path, True))
    else:  # a pyvenv.cfg appearing later changes the answer too
        here = os.path.dirname(os.path.abspath(path))
        files += [(os.path.join(d, "pyvenv.cfg"), True) for d in (here, os.path.dirname(here))]
    if probe.sysconfig is not None and probe.sysconfig.data_file:
        files.append((probe.sysconfig.data_file, True))
    for marker in (probe.externally_managed, probe.build_details_file):
        if marker is not None:
            files.append((marker.path, True))
    # A .pth file added to or removed from a site dir can change sys.path.
    files += [(entry, True) for entry in probe.site_packages]
    if probe.user_site is not None:
        files.append((probe.user_site.path, True))
    return files


class Cache:
    """One JSON file per interpreter path under ``directory``."""

    def __init__(self, directory: str) -> None:
        self.directory = os.path.join(directory, "interpreters")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Optional["Cache"]:
        """The cache the environment asks for: ``WHICHPYTHON_CACHE_DIR``, else the user cache
        dir; ``None`` when ``WHICHPYTHON_NO_CACHE`` is set."""
        if caching_off(environ):
            return None
        directory = environ.get("WHICHPYTHON_CACHE_DIR")
        if not directory:
            import platformdirs

            directory = platformdirs.user_cache_dir("whichpython", appauthor=False)
        return cls(directory)

    def _entry(self, path: str) -> str:
        # Not a security boundary: the entry records its path and is checked on load, so a
        # collision only costs a re-probe. zlib avoids importing hashlib on the warm path.
        data = os.path.abspath(path).encode("utf-8", "surrogateescape")
        key = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):04x}"
        return os.path.join(self.directory, key + ".json")

    def load(self, path: str) -> Optional[ProbeResult]:
        """The cached answer for ``path``, or None if absent, stale, corrupt or foreign."""
        try:
            with open(self._entry(path), encoding="utf-8") as handle:
                entry = json.load(handle)
            if (
                entry["format"] != CACHE_FORMAT
                or entry["probe"] != probe_hash()
                or entry["path"] != os.path.abspath(path)
                or entry["real_path"] != os.path.realpath(path)
            ):
                return None
            for dep, follow, signature in entry["deps"]:
                if _signature(dep, follow=follow) != signature:
                    return None
            return probe_from_json(entry["result"])
        except Exception:  # unreadable, corrupt or foreign: ignore, it gets rewritten
            return None

    def store(self, path: str, probe: ProbeResult) -> None:
        """Write the answer atomically under a file lock; failures only cost a later re-probe."""
        entry: dict[str, Any] = {
            "format": CACHE_FORMAT,
            "probe": probe_hash(),
            "path": os.path.abspath(path),
            "real_path": os.path.realpath(path),
            "deps": self._deps(dependencies(path, probe)),
            "result": probe_to_json(probe),
        }
        import tempfile

        import filelock

        target = self._entry(path)
        try:
            os.makedirs(self.directory, exist_ok=True)
            with filelock.FileLock(target + ".lock", timeout=10):
                fd, temp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8") as handle:
                        json.dump(entry, handle)
                    os.replace(temp, target)
                except BaseException:
                    os.unlink(temp)
                    raise
        except (OSError, filelock.Timeout):
            pass

    @staticmethod
    def _deps(files: Iterable[tuple[str, bool]]) -> list[list[Any]]:
        seen: set[tuple[str, bool]] = set()
        deps = []
        for file, follow in files:
            if (file, follow) not in seen:
                seen.add((file, follow))
                deps.append([file, follow, _signature(file, follow=follow)])
        return deps
