"""Signatures of paths: what must stay the same for a recorded answer or a probe-cache entry to
hold (mode, inode, device, size, mtime, ctime), and the clock file changes are stamped with.
Imported on the CLI's fast path: ``os``, ``stat``, ``sys``, ``time`` only (``zlib`` when a
directory's listing is checked)."""

import os
import stat
import sys
import time

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from typing import Optional

    Signature = Optional[list[int]]

# Elsewhere than Linux, a file changed this close to a run's start may have changed during it
# within one timestamp tick.
RACY_NS = 20_000_000
_CLOCK_REALTIME_COARSE = 5  # Linux: the clock the kernel stamps file times with
# The real ones (the witness wraps those in os): a call through these is no witness.
UNWATCHED_STAT, UNWATCHED_LSTAT, UNWATCHED_SCANDIR = os.stat, os.lstat, os.scandir


def signature(path: str, follow: bool) -> "Signature":
    """What must stay the same for an answer to hold; None for a path that does not exist."""
    try:
        info = UNWATCHED_STAT(path) if follow else UNWATCHED_LSTAT(path)
    except (OSError, ValueError):
        return None
    if not follow and stat.S_ISDIR(info.st_mode):
        # lstat of a directory asks "is it a link?" (realpath walking a path, islink) or "who
        # may write it?" (files.distrust): its entries coming and going (/tmp, say) do not
        # change the answer; its mode and owner do.
        return [info.st_mode, info.st_ino, info.st_dev, info.st_uid]
    return [info.st_mode, info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns,
            info.st_ctime_ns]  # fmt: skip


def file_clock() -> int:
    """Now, as a file changed from now on will be stamped: on Linux the coarse clock the
    kernel stamps files with (a later change is never stamped earlier), else the time less a
    margin for coarse file times."""
    if sys.platform.startswith("linux"):
        try:
            return time.clock_gettime_ns(_CLOCK_REALTIME_COARSE)
        except OSError:
            pass
    return time.time_ns() - RACY_NS


def ancestors(folder: str) -> "list[str]":
    """``folder`` and each directory above it, up to the root."""
    found = [folder]
    while os.path.dirname(found[-1]) != found[-1]:
        found.append(os.path.dirname(found[-1]))
    return found


def listing(path: str) -> int:
    """A checksum of a directory's entries (names and whether each is a directory or a link,
    as the directory itself records them): what a listing told the run. -1 if unreadable."""
    import zlib  # (a replay whose directories kept their mtimes needs none)

    try:
        with os.scandir(path) as entries:
            names = sorted(
                f"{e.name}/{e.is_dir(follow_symlinks=False):d}{e.is_symlink():d}" for e in entries
            )
    except OSError:
        return -1
    return zlib.crc32("\0".join(names).encode("utf-8", "surrogateescape"))


def holds(path: str, follow: bool, recorded: "Signature") -> bool:
    """Whether a recorded signature still holds. A directory that was only listed carries its
    listing's checksum as a seventh item: touched (or an entry changed in place) but listing
    the same entries, it still holds."""
    now = signature(path, follow)
    if recorded is None or len(recorded) != 7:
        return now == recorded
    if now is None:
        return False
    return now == recorded[:6] or (now[:3] == recorded[:3] and listing(path) == recorded[6])


def changed_since(sig: "Signature", started: int) -> bool:
    """Whether a signature's file changed at or after ``started`` (a :func:`file_clock`)."""
    if sig is None or len(sig) < 6:
        return False  # missing, or a directory only lstat'ed (its type and inode are kept)
    changed = sig[4] if os.name == "nt" else sig[5]  # Windows' st_ctime is creation time
    return changed >= started


def is_witness_list(value: object) -> bool:
    """True for a list of ``[path, follow, signature]`` as :func:`signature` makes them (what
    a recorded answer or a cache entry read from disk must hold before it is used)."""
    return isinstance(value, list) and all(
        isinstance(item, list)
        and len(item) == 3
        and isinstance(item[0], str)
        and isinstance(item[1], bool)
        and (
            item[2] is None
            or (
                isinstance(item[2], list)
                and len(item[2]) in (4, 6, 7)
                and all(type(n) is int for n in item[2])
            )
        )
        for item in value
    )
