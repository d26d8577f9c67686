"""What the layers a recording of a run records tell it: the probe cache the dependencies of
each answer it uses and the remembered failures it replays, the deadline when a search was
cut short. The recorder is the CLI's :class:`~whichpython.cli.witness.Witness` (docs/cache.md); the
hooks do nothing when no run is recorded. A floor module: the engine and the cache call these
without importing the CLI; it imports nothing of whichpython, nor ``typing``."""

from __future__ import annotations

from _thread import _local  # threading's own; threading itself is not imported here

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from typing import Any


class Recorder:
    """A recording of this run (the CLI's witness): what the hooks below tell it."""

    expires: float | None = None  # set when the run used a remembered failure ...
    cwd_bound = False  # ... which holds in its working directory only
    spawned = False  # the run started a process
    # Each process the run started (the program a ``subprocess.Popen`` ran, else the audit
    # event's name), and the interpreter of each probe whose outcome the probe cache kept
    # (:func:`probe_kept`): lists, as appending is atomic where probes run in threads.
    spawns: list[str]
    kept: list[str]

    def note(self, path: Any, follow: bool, kwargs: dict[str, Any], lists: bool = False) -> None:
        """Note that the run looked at ``path`` (``follow``: through a symlink)."""
        raise NotImplementedError


_hooked: Recorder | None = None
_quiet = _local()  # .on: this thread is doing the cache's own housekeeping


class unwatched:
    """Within it, this thread's look at the cache's own files (its dirs, entries, temp files)
    is not noted: they are no fact of an answer (the answer's own dependencies are, through
    :func:`depends` and :func:`probe_kept`), and the run itself rewrites them."""

    def __enter__(self) -> None:
        _quiet.on = True

    def __exit__(self, *exc: object) -> None:
        _quiet.on = False


def watching() -> bool:
    """False within :class:`unwatched` (in this thread)."""
    return not getattr(_quiet, "on", False)


def hooked() -> Recorder | None:
    """The recorder recording this run; None when no run is recorded."""
    return _hooked


def hook(recorder: Recorder | None) -> None:
    """Record this run with ``recorder`` (None: stop recording)."""
    global _hooked
    _hooked = recorder


def depends(path: str, follow: bool) -> None:
    """Called by the probe cache for each dependency of an answer it checks: a recording of
    this run witnesses what the cache's own check reads (one list, not two)."""
    witness = _hooked
    if witness is not None:
        witness.note(path, follow, {})


def expires_at(when: float) -> None:
    """A recording of this run must not be replayed after ``when`` (a remembered failure
    that ends then; a search the deadline cut short: now)."""
    witness = _hooked
    if witness is not None:
        witness.expires = min(when, witness.expires or when)


def remembered_failure(expires: float) -> None:
    """Called by the probe cache when an answer uses a remembered failure: a recording of
    this run must not outlive it, and holds in this working directory only (the failure is
    keyed on it: a shim fails in one project and not in another)."""
    expires_at(expires)
    witness = _hooked
    if witness is not None:
        witness.cwd_bound = True


def probe_kept(python: str, files: list[tuple[str, bool]], expires: float | None = None) -> None:
    """Called by the probe cache when it has written the outcome of the probe of ``python``
    (an absolute path) this run just ran (its answer, or its failure remembered until
    ``expires``), with every file that outcome depends on: a recording of this run witnesses
    them as a warm run reading the entry would, and that probe's process no longer makes the
    run unrecordable."""
    witness = _hooked
    if witness is None:
        return
    for path, follow in files:
        witness.note(path, follow, {})
    witness.kept.append(python)
    if expires is not None:
        remembered_failure(expires)
