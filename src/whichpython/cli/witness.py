"""What a recorded CLI answer depends on: a recorder that notes every path a run stats, lists,
opens or reads a link of, every environment variable it reads, any process it starts, and the
dependencies of every probe-cache answer it uses (docs/cache.md). Imported on the CLI's fast
path: nothing of the engine, no ``typing``."""

from __future__ import annotations

import builtins
import os
import sys
from _collections_abc import MutableMapping  # os.environ's base: loaded with os, unlike typing

from whichpython.projectfiles import PROJECT_FILES, project_file
from whichpython.recording import Recorder, hook, hooked, watching
from whichpython.signatures import ancestors, changed_since, file_clock, listing, signature

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from typing import Any, Callable

    from whichpython.signatures import Signature

_SPAWNS = frozenset(
    {"subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.forkpty", "os.system",
     "os.spawn", "os.startfile"}
)  # fmt: skip
# The code that makes the answer: an upgrade or an edit of any of it changes a signature.
_CODE = ("whichpython", "attr", "attrs", "cattrs", "packaging", "platformdirs")


class Witness(Recorder):
    """Notes every path the run stats, lists, opens or reads a link of, every environment
    variable it reads, and any process it starts, by wrapping the ``os`` functions that
    ``os.path``, ``glob`` and the sources call, and ``os.environ``."""

    _WRAPPED = (("stat", True, False), ("lstat", False, False), ("listdir", True, True),
                ("access", True, False), ("readlink", False, False))  # fmt: skip

    def __init__(self) -> None:
        # Each path with its signature when first noted: before the call that looks at it.
        self.paths: dict[tuple[str, bool], Signature] = {}
        self.listed: set[str] = set()  # directories listed ...
        self.examined: set[tuple[str, bool]] = set()  # ... and paths stat'ed, opened, ...
        self.spawned = False
        self.spawns: list[str] = []  # the processes started ...
        self.kept: list[str] = []  # ... of which probes whose outcome the cache kept, witnessed
        self.blind = False  # a path it could not note (relative to a dir fd, say)
        self.relative = False  # a relative path: what it names depends on the working dir
        self.consulted: dict[str, str | None] = {}  # environment variables read, as they were
        self.whole_environment = False  # the run iterated or changed the environment
        self.saved: dict[str, Any] = {}
        self.expires: float | None = None  # set when the run used a remembered failure ...
        self.cwd_bound = False  # ... which holds in its working directory only
        self.started = file_clock()

    @property
    def complete(self) -> bool:
        """True when the record covers everything the run depended on: every process it
        started was a probe whose outcome went into the probe cache with the files it depends
        on, all witnessed (:func:`~whichpython.recording.probe_kept`)."""
        return not self.blind and sorted(self.spawns) == sorted(self.kept)

    def __enter__(self) -> Witness:
        if hooked() is None:
            sys.addaudithook(_audit)
        hook(self)
        for name, follow, lists in self._WRAPPED:
            self.saved[name] = getattr(os, name)
            setattr(os, name, self._wrap(self.saved[name], follow, lists))
        self.saved["scandir"] = os.scandir
        os.scandir = self._wrap_scandir(os.scandir)
        self.saved["environ"] = os.environ
        os.environ = _Consulted(os.environ, self)  # type: ignore[assignment]  # noqa: B003
        self.saved["abspath"] = os.path.abspath
        os.path.abspath = self._wrap_abspath(os.path.abspath)  # type: ignore[assignment]
        self.saved["open"] = builtins.open
        builtins.open = self._wrap(builtins.open, True, False)
        probe = os.path.abspath(__file__)
        os.path.isfile(probe)  # os.path must reach the wrappers, or the record is blind
        os.path.realpath(probe)
        self.blind = not {(probe, True), (probe, False)} <= self.paths.keys()
        return self

    def __exit__(self, *exc: object) -> None:
        builtins.open = self.saved.pop("open")
        os.path.abspath = self.saved.pop("abspath")
        for name, original in self.saved.items():
            setattr(os, name, original)
        hook(None)

    def _wrap(self, original: Callable[..., Any], follow: bool, lists: bool) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            path = args[0] if args else kwargs.get("path", kwargs.get("file", "."))
            self.note(path, follow and kwargs.get("follow_symlinks", True), kwargs, lists)
            return original(*args, **kwargs)

        return wrapped

    def _wrap_scandir(self, scandir: Callable[..., Any]) -> Callable[..., Any]:
        """``DirEntry.is_dir()`` and friends stat a link's target without calling ``os``:
        hand out entries that note the target first."""

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            path = args[0] if args else kwargs.get("path", ".")
            self.note(path, True, kwargs, True)
            return _Entries(scandir(*args, **kwargs), self)

        return wrapped

    def _wrap_abspath(self, abspath: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """A relative path made absolute names something under the working directory."""

        def wrapped(path: Any) -> Any:
            if not isinstance(path, int) and not os.path.isabs(path):
                self.relative = True
            return abspath(path)

        return wrapped

    def note(self, path: Any, follow: bool, kwargs: dict[str, Any], lists: bool = False) -> None:
        if isinstance(path, int) or not watching():
            return  # a file descriptor: its file was noted when it was opened
        if kwargs.get("dir_fd") is not None:
            self.blind = True
            return
        try:
            name = os.fsdecode(path)
        except (TypeError, ValueError):
            return  # the call itself fails the same way
        if not os.path.isabs(name):
            self.relative = True
        key = self.saved["abspath"](name), follow
        if key not in self.paths:
            self.paths[key] = signature(*key)
        if lists:
            self.listed.add(key[0])
        else:
            self.examined.add(key)

    def consult(self, name: str) -> None:
        if name not in self.consulted and watching():
            self.consulted[name] = self.saved["environ"].get(name)

    def signatures(self) -> list[list[Any]] | None:
        """Each noted path with its signature, and the code that wrote the answer; None when
        any of them changed while the run went on (or too close to its start to tell). A
        directory only listed carries its listing's checksum (:func:`holds`)."""
        noted = dict(self.paths)
        for name, module in list(sys.modules.items()):
            location = getattr(module, "__file__", None)
            if location and name.partition(".")[0] in _CODE:  # loaded before the run
                key = os.path.abspath(location), True
                noted.setdefault(key, signature(*key))
        signed = []
        for (path, follow), before in noted.items():
            now = signature(path, follow)
            if now != before or changed_since(now, self.started):
                return None  # changed while the run looked, maybe within one timestamp tick
            if now is not None and path in self.listed and (path, follow) not in self.examined:
                now = [*now, listing(path)]
            signed.append([path, follow, now])
        return signed

    def upward(self, cwd: str, signed: list[list[Any]]) -> list[list[Any]] | None:
        """The :data:`PROJECT_FILES` to look for from a working directory upwards, as
        ``[name, follow]`` relative to the directory looked in (those the run looked up as it
        did, the others by ``lstat``), when the answer holds in any working directory where
        none exists; None when it depends on this one (one exists here or above, a relative
        path was used, a path inside ``cwd`` was looked at, or a remembered failure keyed on
        ``cwd`` was used)."""
        if self.relative or self.cwd_bound:
            return None
        lookups: dict[tuple[str, bool], None] = {}
        for path, follow, sig in signed:
            for index, folder in enumerate(ancestors(cwd)):
                base = folder.rstrip(os.sep) + os.sep
                if not path.startswith(base):
                    continue
                relative = path[len(base) :]
                if project_file(relative):
                    if sig is not None:
                        return None  # found one: the answer is this directory's
                    lookups[relative, follow] = None
                elif index == 0:
                    return None  # something inside the working directory itself
                break
        unseen = sorted(PROJECT_FILES - {name for name, _ in lookups})
        for folder in ancestors(cwd):  # the names no source looked up are looked for here
            if any(signature(os.path.join(folder, name), False) for name in unseen):
                return None  # (mise's global ~/.config/mise/config.toml, say)
        lookups.update(dict.fromkeys((name, False) for name in unseen))
        return [[name, follow] for name, follow in lookups]


class _Entries:
    """``os.scandir``'s iterator, handing out :class:`_Entry` proxies."""

    def __init__(self, entries: Any, witness: Witness) -> None:
        self.entries, self.witness = entries, witness

    def __iter__(self) -> _Entries:
        return self

    def __next__(self) -> _Entry:
        return _Entry(next(self.entries), self.witness)

    def __enter__(self) -> _Entries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.entries.close()

    def close(self) -> None:
        self.entries.close()


class _Entry:
    """A ``DirEntry`` that notes a link's target before asking about it (a dangling link
    whose target appears later changes the answer, not the directory)."""

    def __init__(self, entry: os.DirEntry[str], witness: Witness) -> None:
        self.entry, self.witness = entry, witness
        self.name, self.path = entry.name, entry.path

    def __fspath__(self) -> str:
        return self.entry.path

    def _note(self, follow: bool) -> None:
        if follow and self.entry.is_symlink():
            self.witness.note(self.entry.path, True, {})

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        self._note(follow_symlinks)
        return self.entry.is_dir(follow_symlinks=follow_symlinks)

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        self._note(follow_symlinks)
        return self.entry.is_file(follow_symlinks=follow_symlinks)

    def is_symlink(self) -> bool:
        return self.entry.is_symlink()

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        self.witness.note(self.entry.path, follow_symlinks, {})
        return self.entry.stat(follow_symlinks=follow_symlinks)

    def inode(self) -> int:
        return self.entry.inode()


class _Consulted(MutableMapping):  # type: ignore[type-arg]
    """``os.environ`` while a run is recorded: reads are noted by name; iterating, copying
    or changing it makes the whole environment part of the answer (reads and iterating
    within :class:`~whichpython.recording.unwatched` are not noted: the probe's environment,
    whose use the probe cache accounts for)."""

    def __init__(self, real: Any, witness: Witness) -> None:
        self.real, self.witness = real, witness

    def __getitem__(self, name: str) -> str:
        self.witness.consult(name)
        value: str = self.real[name]
        return value

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.witness.consult(name)
        return name in self.real

    def get(self, name: str, default: Any = None) -> Any:
        self.witness.consult(name)
        return self.real.get(name, default)

    def __iter__(self) -> Any:
        self.witness.whole_environment |= watching()
        return iter(self.real)

    def __len__(self) -> int:
        self.witness.whole_environment |= watching()
        return len(self.real)

    def __setitem__(self, name: str, value: str) -> None:
        self.witness.whole_environment = True
        self.real[name] = value

    def __delitem__(self, name: str) -> None:
        self.witness.whole_environment = True
        del self.real[name]

    def copy(self) -> dict[str, str]:
        self.witness.whole_environment |= watching()
        return dict(self.real)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    recorder = hooked()
    if event in _SPAWNS and recorder is not None:
        recorder.spawned = True
        recorder.spawns.append(_program(event, args))


def _program(event: str, args: tuple[Any, ...]) -> str:
    """The program a ``subprocess.Popen`` runs (its executable: argv[0] unless another was
    given) when an absolute path, else the event's name, which no probe's interpreter path
    equals."""
    program = args[0] if event == "subprocess.Popen" and args else None
    return program if isinstance(program, str) and os.path.isabs(program) else event
