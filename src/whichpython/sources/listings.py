"""Listings of directories too large to list on every run, kept on disk.

A Nix store holds 10,000 to 100,000 entries (50,000 take ~50 ms to list here), of which a few
dozen are Pythons. The names a source keeps from such a directory are stored beside the probe
cache, under ``listings/``, with the directory's signature (mtime, inode, device: adding,
removing or renaming an entry moves the mtime), so a new process reads one small file instead
of listing the directory. A listing is stored only when the directory did not change while it
was read nor within a timestamp tick before (a change then could leave the mtime as it was);
the file is private (0600 in a 0700 directory of this user, checked with the cache dir before
anything is read), read capped and checked like a cache entry, and a forged one can only name
entries the source's own filter accepts.
"""

import contextlib
import json
import os
import zlib
from typing import Any, Callable, Optional

from whichpython.cachedir import cache_root, trusted_dir
from whichpython.files import SOURCE, load_private, write_private
from whichpython.signatures import changed_since, file_clock, signature

FORMAT = 1
Stamp = list[int]


def stamp(directory: str) -> Stamp:
    """What a listing is kept by; raises OSError when ``directory`` cannot be stat'ed."""
    info = os.stat(directory)
    return [info.st_mtime_ns, info.st_ino, info.st_dev]


def kept_names(
    kind: str,
    directory: str,
    stamped: Stamp,
    keep: Callable[[str], bool],
    environ: Any,
) -> list[str]:
    """The names in ``directory`` that ``keep`` accepts: from the stored listing while the
    directory's stamp is ``stamped``, else listed (and stored). Raises OSError when the
    directory cannot be listed."""
    file = _file(kind, directory, environ)
    if file is not None and _trusted(file):
        stored = _read(file, directory, stamped, keep)
        if stored is not None:
            return stored
    started = file_clock()
    names = [name for name in os.listdir(directory) if keep(name)]
    after = signature(directory, True)
    unchanged = after is not None and [after[4], after[1], after[2]] == stamped
    if file is not None and unchanged and not changed_since(after, started):
        _write(file, {"format": FORMAT, "directory": directory, "stamp": stamped,
                      "names": names})  # fmt: skip
    return names


def _file(kind: str, directory: str, environ: Any) -> Optional[str]:
    root = cache_root(environ)
    if root is None:
        return None
    key = os.path.abspath(directory).encode("utf-8", "surrogateescape")
    return os.path.join(root, "listings", f"{kind}-{zlib.crc32(key):08x}{len(key):x}.json")


def _read(
    file: str, directory: str, stamped: Stamp, keep: Callable[[str], bool]
) -> Optional[list[str]]:
    data = load_private(file, SOURCE, json.loads, "a stored listing")
    if not (
        isinstance(data, dict)
        and data.get("format") == FORMAT
        and data.get("directory") == directory
        and data.get("stamp") == stamped
        and isinstance(data.get("names"), list)
        and all(type(name) is str and keep(name) for name in data["names"])
    ):
        return None
    names: list[str] = data["names"]
    return names


def _trusted(file: str, *, create: bool = False) -> bool:
    """Whether the cache dir and ``listings/`` are ours alone (else warned about once)."""
    folder = os.path.dirname(file)
    root, name = os.path.split(folder)
    return trusted_dir(root, name, "stored listings", create=create) is not None


def _write(file: str, data: dict[str, Any]) -> None:
    if not _trusted(file, create=True):
        return
    with contextlib.suppress(OSError):
        write_private(file, json.dumps(data).encode("utf-8"))
